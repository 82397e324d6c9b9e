"""
Whole artifacts built from real source files, and dump -> rebuild round trips.

"""

import csv

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifacts import ArtifactBuild, build_artifact, check_artifact
from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.jsonl import JSONLinesDumper
from microcosm_sqlite.errors import BadValueError
from tests.support.building import build_geography, folder_names
from tests.support.catalogue import PRODUCTS, TAGS, ProductStore, TagStore
from tests.support.fixtures import CITIES, Catalogue, City, CityStore, Country, CountryStore, Geography, Product, Tag
from tests.support.graphs import make_graph

DUMPERS = {"csv": CSVDumper, "jsonl": JSONLinesDumper}


def write_csv(path, rows):
    with open(path, "w", newline="") as source:
        writer = csv.DictWriter(source, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def sources(tmp_path):
    countries = [
        dict(code="FR", name="France", continent="EUROPE", landlocked="no"),
        dict(code="CH", name="Switzerland", continent="EUROPE", landlocked="yes"),
        dict(code="ML", name="Mali", continent="AFRICA", landlocked="1"),
        dict(code="CA", name="Canada", continent="NORTH_AMERICA", landlocked=""),
    ]
    # Cities first: foreign keys are checked once every source is in.
    return [(City, write_csv(tmp_path / "city.csv", CITIES)), (Country, write_csv(tmp_path / "country.csv", countries))]


def dump_tables(path, base, stores, folder, format):
    """Dump every table of an artifact with the format's dumper; the sources to rebuild it from."""
    graph = make_graph(paths={base.__name__: str(path)}, read_only=True)
    dumps = []
    try:
        with base.new_context(graph):
            for store in stores:
                dump = folder / f"{store.model_class.__tablename__}.{format}"
                with open(dump, "w", newline="", encoding="utf-8") as output:
                    DUMPERS[format](store).dump(output)
                dumps.append((store.model_class, dump))
    finally:
        dispose_sqlite_connections(graph)
    return dumps


def test_build_artifact_from_csv_sources(tmp_path, sources):
    target = tmp_path / "geography.db"
    progress = []

    info = build_artifact(target, Geography, sources, progress=lambda table, rows: progress.append((table, rows)))

    assert {name: table.rows for name, table in info.tables.items()} == {"city": 6, "country": 4}
    assert [(source.table, source.name) for source in info.sources] == [
        ("city", "city.csv"),
        ("country", "country.csv"),
    ]
    assert progress[-1] == ("country", 4)
    assert check_artifact(target, Geography, sources).up_to_date
    # The same rows as the fixture artifact, inserted through the ORM types.
    assert info.content_hash == build_geography(tmp_path / "expected.db").content_hash


def test_bad_input_keeps_the_previous_artifact(tmp_path, sources):
    target = tmp_path / "geography.db"
    build_artifact(target, Geography, sources)
    before = target.read_bytes()
    (tmp_path / "bad").mkdir()
    bad = write_csv(tmp_path / "bad" / "city.csv", [dict(CITIES[0], population="many")])

    with pytest.raises(BadValueError, match="population"):
        build_artifact(target, Geography, [(City, bad), sources[1]])

    assert target.read_bytes() == before
    assert [name for name in folder_names(tmp_path) if name.startswith(".")] == []


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_dump_then_rebuild_gives_the_same_content_hashes(tmp_path, sources, format):
    original = build_artifact(tmp_path / "geography.db", Geography, sources)
    (tmp_path / "dumps").mkdir()
    dumps = dump_tables(tmp_path / "geography.db", Geography, [CountryStore(), CityStore()], tmp_path / "dumps", format)

    rebuilt = build_artifact(tmp_path / "rebuilt.db", Geography, dumps)

    assert rebuilt.tables == original.tables
    assert rebuilt.content_hash == original.content_hash


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_every_type_survives_dump_and_rebuild(tmp_path, format):
    target = tmp_path / "catalogue.db"
    with ArtifactBuild(target, Catalogue) as build:
        with build.engine.begin() as connection:
            connection.execute(Product.__table__.insert(), PRODUCTS)
            connection.execute(Tag.__table__.insert(), TAGS)
    original = build.info
    (tmp_path / "dumps").mkdir()

    dumps = dump_tables(target, Catalogue, [TagStore(), ProductStore()], tmp_path / "dumps", format)
    rebuilt = build_artifact(tmp_path / "rebuilt.db", Catalogue, dumps)

    assert rebuilt.tables == original.tables
    assert rebuilt.content_hash == original.content_hash


Blobs = None


def blob_models():
    """A dataset with a binary column (made once: DataSet names select binds)."""
    global Blobs
    if Blobs is None:
        from sqlalchemy import Column, Integer, LargeBinary, String

        from microcosm_sqlite import DataSet, Store

        base = DataSet.create("Blobs")

        class Blob(base):
            __tablename__ = "blob"
            id = Column(Integer, primary_key=True)
            name = Column(String, nullable=False)
            data = Column(LargeBinary)
            digest = Column(LargeBinary, nullable=False)

        class BlobStore(Store):
            model_class = Blob

        Blobs = (base, Blob, BlobStore)
    return Blobs


BLOB_ROWS = [
    dict(id=1, name="zeros", data=b"\x00\x00\x01", digest=b"\xff\xfe"),
    dict(id=2, name="text", data='é,"\n'.encode(), digest=b"abc"),
    dict(id=3, name="none", data=None, digest=bytes(range(256))),
]


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_binary_columns_survive_dump_and_rebuild_as_base64(tmp_path, format):
    base, Blob, BlobStore = blob_models()
    target = tmp_path / "blobs.db"
    with ArtifactBuild(target, base) as build:
        with build.engine.begin() as connection:
            connection.execute(Blob.__table__.insert(), BLOB_ROWS)
    (tmp_path / "dumps").mkdir()

    dumps = dump_tables(target, base, [BlobStore()], tmp_path / "dumps", format)
    rebuilt = build_artifact(tmp_path / "rebuilt.db", base, dumps)

    assert "AAAB" in dumps[0][1].read_text()  # b"\x00\x00\x01" in base64
    assert rebuilt.content_hash == build.info.content_hash


def test_the_command_line_dump_of_a_binary_column_rebuilds(tmp_path):
    from tests.support.cli import run

    base, Blob, _ = blob_models()
    target = tmp_path / "blobs.db"
    with ArtifactBuild(target, base) as build:
        with build.engine.begin() as connection:
            connection.execute(Blob.__table__.insert(), BLOB_ROWS)

    for format in ("csv", "jsonl"):
        dump = tmp_path / f"blob.{format}"
        result = run("dump", target, "blob", "--format", format, "-o", dump)
        assert result.returncode == 0, result.stderr
        assert (
            build_artifact(tmp_path / f"rebuilt-{format}.db", base, [(Blob, dump)]).content_hash
            == build.info.content_hash
        )


def test_a_binary_cell_that_is_not_base64_is_a_bad_value(tmp_path):
    base, Blob, _ = blob_models()
    source = tmp_path / "blob.csv"
    source.write_text("id,name,data,digest\n1,a,AAAB,b'ab'\n")

    with pytest.raises(BadValueError) as raised:
        build_artifact(tmp_path / "blobs.db", base, [(Blob, source)])

    assert (raised.value.line, raised.value.column, raised.value.value, raised.value.expected) == (
        2,
        "digest",
        "b'ab'",
        "base64 text",
    )
