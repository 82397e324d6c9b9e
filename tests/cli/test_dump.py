import csv
import io
import json

import pytest

from microcosm_sqlite.artifacts import ArtifactBuild, build_artifact
from tests.support.building import build_geography
from tests.support.catalogue import PRODUCTS, TAGS
from tests.support.cli import damage, run
from tests.support.fixtures import CITIES, Catalogue, City, Country, Geography, Product, Tag


def test_dump_streams_a_table_as_csv_in_key_order(tmp_path):
    build_geography(tmp_path / "geography.db", cities=list(reversed(CITIES)))

    result = run("dump", tmp_path / "geography.db", "city")

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[0] == {"id": "1", "name": "Paris", "country_code": "FR", "population": "2100000", "latitude": "48.85"}


def test_dump_jsonl_to_a_file(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("dump", tmp_path / "geography.db", "country", "--format", "jsonl", "-o", tmp_path / "country.jsonl")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    records = [json.loads(line) for line in (tmp_path / "country.jsonl").read_text().splitlines()]
    assert records[0] == {"code": "CA", "name": "Canada", "continent": "NORTH_AMERICA", "landlocked": False}
    assert [record["code"] for record in records] == ["CA", "CH", "FR", "ML"]


def test_dump_of_an_unknown_table_names_the_tables(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("dump", tmp_path / "geography.db", "cities")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'geography.db'}: the artifact has no table 'cities'; choose one of: city, country"
    ]


def test_dump_of_a_damaged_file_fails_cleanly_and_leaves_no_output_file(tmp_path):
    build_geography(tmp_path / "geography.db")
    damage(tmp_path / "geography.db")

    result = run("dump", tmp_path / "geography.db", "country", "-o", tmp_path / "country.csv")

    assert result.returncode == 1
    assert "the file is damaged" in result.stderr or "SQLite cannot read the file" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "country.csv").exists()


def test_dump_of_a_changed_value_is_refused_by_the_digest_rather_than_written_to_the_sources(tmp_path):
    """Dumped rows become sources: a changed value would be rebuilt into an artifact with a valid digest."""
    artifact = tmp_path / "geography.db"
    build_geography(artifact)
    data = artifact.read_bytes()
    offset = data.index(b"Bamako")
    artifact.write_bytes(data[:offset] + b"Bamaki" + data[offset + 6 :])

    result = run("dump", artifact, "city", "-o", tmp_path / "city.csv")

    assert result.returncode == 1
    assert "its bytes do not match the SHA-256 recorded at build time" in result.stderr
    assert not (tmp_path / "city.csv").exists()


def test_dump_with_a_bad_format_is_a_usage_error(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("dump", tmp_path / "geography.db", "city", "--format", "xml")

    assert result.returncode == 2
    assert "'xml' is not one of 'table', 'csv', 'tsv', 'json', 'nl', 'jsonl'" in result.stderr


def test_dump_to_a_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("dump", tmp_path / "geography.db", "city", "-o", tmp_path / "missing" / "city.csv")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '-o' / '--output': cannot write "
        f"'{tmp_path / 'missing' / 'city.csv'}' (No such file or directory)"
    )


def test_dump_onto_the_artifact_itself_is_refused_and_leaves_it_intact(tmp_path):
    build_geography(tmp_path / "geography.db")
    before = (tmp_path / "geography.db").read_bytes()

    result = run("dump", tmp_path / "geography.db", "city", "-o", tmp_path / "geography.db")

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '-o' / '--output': '{tmp_path / 'geography.db'}' is the artifact being "
        "read: writing there would replace it"
    )
    assert (tmp_path / "geography.db").read_bytes() == before


def dump_and_rebuild(artifact, base, models, output_format):
    """Dump each model's table with the CLI, then build a new artifact from the dumps."""
    sources = []
    for model in models:
        source = artifact.with_name(f"{model.__tablename__}.{output_format}")
        result = run("dump", artifact, model.__tablename__, "--format", output_format, "-o", source)
        assert result.returncode == 0, result.stderr
        sources.append((model, source))
    return build_artifact(artifact.with_name(f"rebuilt-{output_format}.db"), base, sources=sources)


@pytest.mark.parametrize("output_format", ["csv", "jsonl"])
def test_dump_then_rebuild_gives_the_same_content_hash(tmp_path, output_format):
    info = build_geography(tmp_path / "geography.db")

    rebuilt = dump_and_rebuild(tmp_path / "geography.db", Geography, [Country, City], output_format)

    assert rebuilt.content_hash == info.content_hash


@pytest.mark.parametrize("output_format", ["csv", "jsonl"])
def test_every_column_type_survives_dump_then_rebuild(tmp_path, output_format):
    with ArtifactBuild(tmp_path / "catalogue.db", Catalogue) as build:
        with build.engine.begin() as connection:
            connection.execute(Product.__table__.insert(), PRODUCTS)
            connection.execute(Tag.__table__.insert(), TAGS)

    rebuilt = dump_and_rebuild(tmp_path / "catalogue.db", Catalogue, [Product, Tag], output_format)

    assert rebuilt.tables == build.info.tables


def test_dump_of_a_missing_file_creates_nothing(tmp_path):
    result = run("dump", tmp_path / "missing.db", "city", "-o", tmp_path / "city.csv")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'missing.db'}: the artifact file does not exist; build it, or check the path"
    ]
    assert list(tmp_path.iterdir()) == []


def test_dump_hides_the_metadata_table_as_inspect_does(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("dump", tmp_path / "geography.db", "_microcosm_sqlite_metadata")

    assert result.returncode == 1
    assert "the artifact has no table '_microcosm_sqlite_metadata'; choose one of: city, country" in result.stderr
