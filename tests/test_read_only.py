"""
Read-only datasets: the file is never created or written, and every way it can be wrong has its error.

"""

import os
import re
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import Column, Integer, String, text

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite._engines import read_only_uri
from microcosm_sqlite.errors import (
    ArtifactNotFoundError,
    DamagedArtifactError,
    DataSetError,
    NotAnArtifactError,
    ReadOnlyDataSetError,
    SchemaMismatchError,
    UnsupportedArtifactError,
)
from tests.support.fixtures import City, CityStore, CountryStore, Geography
from tests.support.graphs import folder_snapshot, make_graph


def read_only(path, **config):
    return make_graph(paths={"Geography": str(path)}, read_only=True, **config)


def first_use(graph):
    with Geography.new_context(graph):
        return CityStore().count()


@contextmanager
def leaves_unchanged(folder):
    """Asserts that the block leaves `folder` holding exactly what it held before."""
    before = folder_snapshot(folder)
    yield
    assert folder_snapshot(folder) == before


def bad_file(tmp_path, name, content):
    """A bad artifact, alone in a folder of its own."""
    path = tmp_path / "bad" / name
    path.parent.mkdir()
    path.write_bytes(content)
    return path


@pytest.fixture
def guarded(backend, artifact, request):
    """
    A read-only graph on the geography dataset, from its file or from a PostgreSQL server; after
    the test, asserts that nothing of a write reached either: the file's folder holds what it held,
    or the server logged nothing but reads from the graph's connections and holds the same rows.

    """
    if backend == "sqlite":
        before = folder_snapshot(artifact.parent)
        graph = read_only(artifact)
        yield graph
        dispose_sqlite_connections(graph)
        assert folder_snapshot(artifact.parent) == before
        return
    from tests.support.postgres import READER_STATEMENTS, rows_on_server, statements_seen_by_server

    url = request.getfixturevalue("published_geography")
    rows = {table: rows_on_server(url, "geography", table) for table in ("country", "city")}
    name = re.sub(r"\W", "_", f"reader_{request.node.name}")[:60]
    with statements_seen_by_server(request.getfixturevalue("postgres_server"), url, name) as (reader_url, seen):
        graph = make_graph(paths={"Geography": reader_url}, read_only=True)
        yield graph
    dispose_sqlite_connections(graph)
    assert seen, "the server logged none of the reader's statements: the witness is blind"
    assert [statement for statement in seen if not statement.upper().startswith(READER_STATEMENTS)] == []
    assert {table: rows_on_server(url, "geography", table) for table in rows} == rows


@pytest.fixture
def unchanged(artifact):
    """Asserts, after the test, that the artifact's folder holds exactly what it held before."""
    before = folder_snapshot(artifact.parent)
    yield artifact
    assert folder_snapshot(artifact.parent) == before


@pytest.mark.parametrize("immutable", [True, False])
def test_reads_without_creating_anything(unchanged, immutable):
    graph = read_only(unchanged, immutable=immutable)
    with Geography.new_context(graph):
        assert [city.name for city in CityStore().search(country_code="FR")] == ["Paris", "Lyon"]
        assert CountryStore().one(name="Mali").code == "ML"
    dispose_sqlite_connections(graph)


def test_uri_is_read_only_and_quoted(tmp_path):
    path = tmp_path / "odd name?#%.db"
    assert read_only_uri(path, immutable=True) == f"file:{tmp_path}/odd%20name%3F%23%25.db?mode=ro&immutable=1"
    assert read_only_uri(path, immutable=False).endswith("?mode=ro")


def test_path_with_uri_characters_is_read(artifact):
    odd = artifact.parent / "odd name?#%.db"
    artifact.rename(odd)
    assert first_use(read_only(odd)) == 6


def test_missing_file_is_an_error_and_is_not_created(tmp_path):
    missing = tmp_path / "missing.db"
    with pytest.raises(
        ArtifactNotFoundError, match=rf"dataset 'Geography' \({missing}\): the artifact file does not exist; build it"
    ):
        first_use(read_only(missing))
    assert os.listdir(tmp_path) == []


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(ArtifactNotFoundError):
        first_use(read_only(tmp_path / "nowhere" / "geo.db"))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"id,name\n1,Paris\n" * 20, "the file is not an SQLite database"),
        (os.urandom(8192), "the file is not an SQLite database"),
    ],
    ids=["empty", "csv", "random"],
)
def test_not_sqlite_is_an_error(tmp_path, content, message):
    path = tmp_path / "geo.db"
    path.write_bytes(content)
    with pytest.raises(NotAnArtifactError, match=message):
        first_use(read_only(path))
    assert path.read_bytes() == content
    assert os.listdir(tmp_path) == ["geo.db"]


def test_directory_is_an_error(tmp_path):
    with leaves_unchanged(tmp_path), pytest.raises(NotAnArtifactError, match="directory"):
        first_use(read_only(tmp_path))


def test_truncated_file_is_an_error(artifact, tmp_path):
    data = artifact.read_bytes()
    truncated = bad_file(tmp_path, "truncated.db", data[: len(data) // 2 // 512 * 512 or 512])
    with leaves_unchanged(truncated.parent), pytest.raises(DamagedArtifactError, match=r"truncated.*rebuild it"):
        first_use(read_only(truncated))


def test_file_cut_mid_page_is_an_error(artifact, tmp_path):
    cut = bad_file(tmp_path, "cut.db", artifact.read_bytes()[:-100])
    with leaves_unchanged(cut.parent), pytest.raises(DamagedArtifactError, match="not a whole number"):
        first_use(read_only(cut))


@pytest.mark.parametrize("immutable", [True, False])
def test_corrupt_pages_are_an_error_at_query_time(artifact, tmp_path, immutable):
    data = bytearray(artifact.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Overwrite every page after the schema page: the header stays valid, the tables do not.
    for offset in range(page_size, len(data), page_size):
        data[offset : offset + page_size] = b"\xff" * page_size
    corrupt = bad_file(tmp_path, "corrupt.db", bytes(data))
    graph = read_only(corrupt, immutable=immutable)
    with leaves_unchanged(corrupt.parent):
        with pytest.raises(
            DamagedArtifactError, match=rf"dataset 'Geography' \({corrupt}\): SQLite cannot read the file"
        ):
            with Geography.new_context(graph):
                list(CityStore().search())
        dispose_sqlite_connections(graph)


def test_wal_file_is_refused(tmp_path, geography_artifact):
    wal = bad_file(tmp_path, "wal.db", geography_artifact.read_bytes())
    connection = sqlite3.connect(wal)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    # Opened read-only in a writable folder, a WAL file would get -wal and -shm files beside it.
    with leaves_unchanged(wal.parent), pytest.raises(UnsupportedArtifactError, match="WAL mode"):
        first_use(read_only(wal))


def test_hot_journal_is_refused(unchanged):
    journal = unchanged.parent / f"{unchanged.name}-journal"
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))
    try:
        with pytest.raises(UnsupportedArtifactError, match="hot journal"):
            first_use(read_only(unchanged))
    finally:
        journal.unlink()


def test_missing_table_is_a_schema_mismatch(unchanged):
    Other = DataSet.create("Geography")

    class Airport(Other):
        __tablename__ = "airport"
        id = Column(Integer, primary_key=True)

    graph = read_only(unchanged)
    with pytest.raises(SchemaMismatchError, match=r"missing tables airport\); rebuild the artifact"):
        Other.new_session(graph)


def test_missing_column_is_a_schema_mismatch(unchanged):
    Newer = DataSet.create("Geography")

    class City(Newer):
        __tablename__ = "city"
        id = Column(Integer, primary_key=True)
        name = Column(String)
        timezone = Column(String)

    graph = read_only(unchanged)
    with pytest.raises(SchemaMismatchError, match=r"missing columns city.timezone"):
        with Newer.new_context(graph):
            pass


def test_schema_is_checked_once_not_per_query(read_only_graph, monkeypatch):
    calls = []
    import microcosm_sqlite.factories as factories

    real = factories.check_schema
    monkeypatch.setattr(factories, "check_schema", lambda *args: calls.append(args) or real(*args))
    for _ in range(3):
        first_use(read_only_graph)
    assert len(calls) == 1


def test_optional_integrity_check_reads_every_page(artifact, tmp_path):
    corrupt = tmp_path / "corrupt.db"
    data = bytearray(artifact.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[-page_size:] = b"\x00\x01" * (page_size // 2)
    corrupt.write_bytes(bytes(data))
    with pytest.raises(DamagedArtifactError):
        read_only(corrupt, check_integrity=True).sqlite("Geography")


def test_store_create_is_refused(guarded):
    with Geography.new_context(guarded):
        assert CityStore().count() == 6
        with pytest.raises(
            ReadOnlyDataSetError, match=r"dataset 'Geography' .*cannot write changes: the dataset is read-only"
        ):
            CityStore().create(City(id=99, name="Nice", country_code="FR"))


def test_store_delete_is_refused(guarded):
    with Geography.new_context(guarded):
        with pytest.raises(ReadOnlyDataSetError, match="cannot run an INSERT, UPDATE or DELETE"):
            CityStore().delete(name="Paris")
        assert CityStore().count(name="Paris") == 2


def test_modified_object_cannot_be_committed(guarded):
    with Geography.new_context(guarded) as context:
        city = CityStore().one(name="Lyon")
        city.population = 1
        with pytest.raises(ReadOnlyDataSetError):
            context.commit()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM city",
        "UPDATE city SET population = 0",
        "CREATE TABLE sneaky (id INTEGER)",
        "DROP TABLE city",
        "/* a comment */ INSERT INTO country (code, name, continent, landlocked) VALUES ('XX', 'X', 'EUROPE', 0)",
    ],
)
def test_raw_sql_write_is_refused(guarded, statement):
    with Geography.new_context(guarded) as context:
        assert CityStore().count() == 6
        with pytest.raises(ReadOnlyDataSetError):
            context.session.execute(text(statement))
    with guarded.sqlite("Geography").engine.connect() as connection:
        with pytest.raises(ReadOnlyDataSetError):
            connection.exec_driver_sql(statement)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_read_only_transactions_cannot_be_switched_off(guarded):
    """`SET` never reaches the server: nothing sent through a read-only dataset can lift read-only."""
    with Geography.new_context(guarded) as context:
        for statement in (
            "SET default_transaction_read_only = off",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        ):
            with pytest.raises(ReadOnlyDataSetError, match="cannot run a statement that is not a read"):
                context.session.execute(text(statement))
        assert context.session.execute(text("SHOW default_transaction_read_only")).scalar() == "on"
        # What starts like a read and writes is refused by the server's read-only transaction.
        with pytest.raises(ReadOnlyDataSetError, match="cannot write"):
            context.session.execute(text("WITH gone AS (DELETE FROM city RETURNING id) SELECT count(*) FROM gone"))


@pytest.mark.parametrize("method", ["create_all", "drop_all", "recreate_all"])
def test_schema_changes_are_refused(guarded, method):
    with pytest.raises(ReadOnlyDataSetError, match="schema changes belong in the offline build"):
        getattr(Geography, method)(guarded)
    with Geography.new_context(guarded):
        assert CityStore().count() == 6


def test_every_error_is_a_data_set_error_with_dataset_and_path(tmp_path):
    with pytest.raises(DataSetError) as raised:
        first_use(read_only(tmp_path / "missing.db"))
    assert raised.value.data_set == "Geography"
    assert raised.value.path == str(tmp_path / "missing.db")
    assert raised.value.hint


def test_artifact_removed_after_first_use_is_an_error(artifact):
    graph = read_only(artifact)
    assert first_use(graph) == 6
    graph.sqlite("Geography").engine.pool.dispose()  # the next session needs a new connection
    moved = artifact.rename(artifact.parent / "moved.db")
    with pytest.raises(
        ArtifactNotFoundError, match=rf"dataset 'Geography' \({artifact}\): SQLite cannot open the file"
    ):
        first_use(graph)
    assert os.listdir(artifact.parent) == [moved.name]
    dispose_sqlite_connections(graph)
