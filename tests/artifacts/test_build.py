import sqlite3

import pytest

from microcosm_sqlite.artifacts import ArtifactBuild, read_metadata, schema_fingerprint
from microcosm_sqlite.constants import ARTIFACT_APPLICATION_ID, ARTIFACT_FORMAT_VERSION
from microcosm_sqlite.errors import BrokenForeignKeyError, BuildError, DataSetError, SourceNotFoundError
from tests.support.building import build_geography, folder_names
from tests.support.fixtures import CITIES, COUNTRIES, City, Country, Geography


@pytest.fixture
def target(tmp_path):
    return tmp_path / "datasets" / "geography.db"


@pytest.fixture(autouse=True)
def datasets_folder(tmp_path):
    (tmp_path / "datasets").mkdir()


def test_build_writes_a_stamped_analysed_single_file_artifact(target):
    info = build_geography(target)

    header = target.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == ARTIFACT_APPLICATION_ID
    assert int.from_bytes(header[60:64], "big") == ARTIFACT_FORMAT_VERSION
    assert header[18:20] == b"\x01\x01"  # rollback journal, never WAL
    assert folder_names(target.parent) == ["geography.db"]
    connection = sqlite3.connect(target)
    assert connection.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
    assert read_metadata(connection) == info
    assert info.data_set == "Geography"
    assert info.schema_fingerprint == schema_fingerprint(Geography.metadata)
    assert {name: table.rows for name, table in info.tables.items()} == {"city": 6, "country": 4}
    assert info.sqlite_version == sqlite3.sqlite_version
    assert info.library_version == "3.0.0"


def test_metadata_holds_no_wall_clock_time(target):
    build_geography(target)

    values = sqlite3.connect(target).execute("SELECT key, value FROM _microcosm_sqlite_metadata").fetchall()
    assert sorted(key for key, _ in values) == [
        "content_hash",
        "data_set",
        "file_sha256",
        "format_version",
        "library_version",
        "schema_fingerprint",
        "sources",
        "sqlite_version",
        "tables",
    ]


def test_building_twice_gives_identical_bytes(target):
    build_geography(target)
    first = target.read_bytes()
    build_geography(target)

    assert target.read_bytes() == first


def test_rows_keyed_by_integer_primary_key_give_identical_bytes_whatever_the_insert_order(tmp_path, target):
    build_geography(target)
    other = tmp_path / "datasets" / "other.db"
    build_geography(other, cities=CITIES[::-1])

    assert other.read_bytes() == target.read_bytes()


def test_insert_order_never_changes_the_content_hash(tmp_path, target):
    # Tables keyed by text get their hidden rowids in insert order, so their bytes may differ.
    info = build_geography(target)
    other = build_geography(tmp_path / "datasets" / "other.db", countries=COUNTRIES[::-1], cities=CITIES[::-1])

    assert other.content_hash == info.content_hash
    assert other.tables == info.tables


def test_source_hashes_are_recorded_by_file_name(tmp_path, target):
    source = tmp_path / "city.csv"
    source.write_text("id,name\n")

    info = build_geography(target, sources=[(City, source)])

    assert [(s.table, s.name, s.sha256[:8]) for s in info.sources] == [("city", "city.csv", "40d6bfdc")]


def test_an_error_in_the_block_keeps_the_target_and_removes_the_temporary_file(target):
    build_geography(target)
    before = target.read_bytes()
    error = ValueError("boom")

    with pytest.raises(ValueError) as raised:
        with ArtifactBuild(target, Geography) as build:
            with build.engine.begin() as connection:
                connection.execute(Country.__table__.insert(), COUNTRIES)
            raise error

    assert raised.value is error
    assert target.read_bytes() == before
    assert folder_names(target.parent) == ["geography.db"]


def test_a_broken_foreign_key_fails_the_final_check(target):
    build_geography(target)
    before = target.read_bytes()

    with pytest.raises(BrokenForeignKeyError) as raised:
        with ArtifactBuild(target, Geography) as build:
            # Only a connection that turned foreign keys off can store such rows.
            connection = build.engine.raw_connection().driver_connection
            connection.execute("PRAGMA foreign_keys = OFF")
            connection.execute("INSERT INTO city (id, name, country_code) VALUES (1, 'Paris', 'FR')")

    assert str(raised.value) == (
        "dataset 'Geography', table 'city': 1 row(s) refer to rows of table 'country' that do not exist "
        "(the first at rowid 1); add the missing 'country' rows to the sources, or fix the references; "
        "the previous artifact was kept"
    )

    assert target.read_bytes() == before
    assert folder_names(target.parent) == ["geography.db"]


def test_a_failure_while_finishing_removes_every_temporary_file(tmp_path, target, monkeypatch):
    # The final rename fails: the failure comes after VACUUM INTO.
    def refuse(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("microcosm_sqlite.artifacts.build.os.replace", refuse)

    with pytest.raises(OSError, match="No space left"):
        build_geography(target)

    assert folder_names(target.parent) == []


def test_a_target_that_is_a_directory_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "datasets" / "geography.db"
    target.mkdir()

    with pytest.raises(DataSetError) as raised:
        ArtifactBuild(target, Geography).__enter__()

    assert str(raised.value) == (
        f"dataset 'Geography' ({target}): the build target is a directory, not an artifact file; "
        "give the path of the artifact file to write (such as datasets/geography.db), not its folder"
    )
    assert folder_names(target.parent) == ["geography.db"]


def test_two_sources_with_one_file_name_for_one_table_are_refused(tmp_path, target):
    for year in ("2023", "2024"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "city.csv").write_text("id,name,country_code\n")
    first, second = tmp_path / "2023" / "city.csv", tmp_path / "2024" / "city.csv"

    with pytest.raises(BuildError) as raised:
        ArtifactBuild(target, Geography, sources=[(City, first), (City, second)]).__enter__()

    assert (raised.value.table, raised.value.source) == ("city", str(second))
    assert str(raised.value) == (
        f"dataset 'Geography', {second}: 2 sources have the file name 'city.csv' ({str(first)!r}, {str(second)!r}); "
        "the artifact records sources by file name, so one would overwrite the other's record; "
        "give the files distinct names, or merge them into one source; the previous artifact was kept"
    )
    assert folder_names(target.parent) == []


def test_a_missing_source_fails_before_anything_is_written(tmp_path, target):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(SourceNotFoundError) as raised:
        ArtifactBuild(target, Geography, sources=[(City, missing)]).__enter__()

    assert str(raised.value) == (
        f"dataset 'Geography', {missing}: cannot read the source (No such file or directory); "
        "check the paths passed as sources; the previous artifact was kept"
    )
    assert folder_names(target.parent) == []


def test_the_first_build_creates_the_target_and_its_folder(tmp_path):
    target = tmp_path / "new" / "folder" / "geography.db"

    build_geography(target)

    rows = sqlite3.connect(target).execute("SELECT name FROM city ORDER BY id").fetchall()
    assert [name for (name,) in rows] == [city["name"] for city in CITIES]


def test_engine_is_only_available_inside_the_block(target):
    build = ArtifactBuild(target, Geography)

    with pytest.raises(RuntimeError, match="inside its `with` block"):
        build.engine
