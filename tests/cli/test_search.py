import csv
import io
import json
import os
import sqlite3

import pytest

from microcosm_sqlite.artifacts import ArtifactBuild
from tests.support.building import build_geography, restamp
from tests.support.cli import run
from tests.support.catalogue import PRODUCTS
from tests.support.graphs import write_geography
from tests.support.fixtures import Catalogue, Product


def test_search_runs_the_store_with_filters_limit_and_offset(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run(
        "search", "tests.support.fixtures:CityStore", "--path", tmp_path / "geography.db",
        "--filter", "name=Paris", "--format", "jsonl",
    )

    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"id": 1, "name": "Paris", "country_code": "FR", "population": 2100000, "latitude": 48.85},
        {"id": 6, "name": "Paris", "country_code": "CA", "population": 12000, "latitude": 43.2},
    ]
    page = run("search", "tests.support.fixtures:CityStore", "--path", tmp_path / "geography.db",
               "--limit", "2", "--offset", "1", "--format", "csv")
    assert [row["id"] for row in csv.DictReader(io.StringIO(page.stdout))] == ["2", "3"]


def test_search_converts_filter_values_to_the_column_types(tmp_path):
    build_geography(tmp_path / "geography.db")

    europe = run("search", "tests.support.fixtures:CountryStore", "--path", tmp_path / "geography.db",
                 "--filter", "continent=EUROPE", "--filter", "landlocked=yes", "--format", "jsonl")

    assert europe.returncode == 0, europe.stderr
    assert [json.loads(line) for line in europe.stdout.splitlines()] == [
        {"code": "CH", "name": "Switzerland", "continent": "EUROPE", "landlocked": True}
    ]


@pytest.mark.parametrize(
    "name, value",
    [
        ("updated", "2024-03-01T12:30:05.000250"),
        ("opens", "09:30"),
        ("token", "12345678-1234-5678-1234-567812345678"),
        ("released", "2024-02-29"),
        ("exact_price", "12.5"),
        ("colour", "RED"),
    ],
)
def test_search_reads_filter_values_as_the_csv_builder_reads_cells(tmp_path, name, value):
    with ArtifactBuild(tmp_path / "catalogue.db", Catalogue) as build:
        with build.engine.begin() as connection:
            connection.execute(Product.__table__.insert(), PRODUCTS)

    result = run("search", "tests.support.catalogue:FilteredProductStore", "--path", tmp_path / "catalogue.db",
                 "--filter", f"{name}={value}", "--columns", "sku", "--format", "csv")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sku", "007"]


def test_a_filter_value_that_is_not_of_its_column_type_is_a_usage_error(tmp_path):
    with ArtifactBuild(tmp_path / "catalogue.db", Catalogue):
        pass

    result = run("search", "tests.support.catalogue:FilteredProductStore", "--path", tmp_path / "catalogue.db",
                 "--filter", "token=not-a-uuid")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "Error: Invalid value for --filter: 'not-a-uuid' is not a UUID (column 'token')"


def test_search_output_onto_the_artifact_it_reads_is_refused(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    before = path.read_bytes()

    result = run("search", "tests.support.fixtures:CityStore", "--path", path, "--format", "csv", "-o", path)

    assert result.returncode == 2
    assert "is the artifact being read: writing there would replace it" in result.stderr
    assert path.read_bytes() == before


def test_search_prints_a_table_by_default(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("search", "tests.support.fixtures:CityStore", "--path", tmp_path / "geography.db")

    assert result.returncode == 0, result.stderr
    assert "┃ id ┃ name" in result.stdout
    assert "Toronto" in result.stdout
    assert result.stderr == ""


def test_search_finds_the_path_in_environment_config(tmp_path):
    write_geography(tmp_path / "plain.db")
    env = {**os.environ, "MICROCOSM_SQLITE__SQLITE__PATHS__GEOGRAPHY": str(tmp_path / "plain.db")}

    result = run("search", "tests.support.fixtures:CityStore", "--filter", "country_code=CH", "--format", "csv", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["3,Bern,CH,134000,46.95"]


def test_search_opens_the_artifact_read_only(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    before = path.read_bytes()

    run("search", "tests.support.fixtures:CityStore", "--path", path, "--format", "csv")

    assert path.read_bytes() == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["geography.db"]


def test_search_of_a_missing_artifact_is_one_line_and_creates_nothing(tmp_path):
    result = run("search", "tests.support.fixtures:CityStore", "--path", tmp_path / "missing.db")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: dataset 'Geography' ({tmp_path / 'missing.db'}): the artifact file does not exist; "
        "build it, or point config sqlite.paths at the shipped file"
    ]
    assert list(tmp_path.iterdir()) == []


def test_search_of_a_stale_artifact_says_so(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE _microcosm_sqlite_metadata SET value = 'other' WHERE key = 'schema_fingerprint'")
    restamp(path)

    result = run("search", "tests.support.fixtures:CityStore", "--path", path)

    assert result.returncode == 1
    assert "the artifact was built from other models" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_search_without_a_configured_path_says_what_to_set(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROCOSM_SQLITE__")}

    result = run("search", "tests.support.fixtures:CityStore", env=env)

    assert result.returncode == 1
    assert "no path is configured" in result.stderr
    assert "sqlite.paths.Geography" in result.stderr


def test_search_usage_errors_exit_2(tmp_path):
    build_geography(tmp_path / "geography.db")
    path = tmp_path / "geography.db"

    cases = [
        (["tests.support.fixtures"], "is not MODULE:NAME"),
        (["tests.nowhere:CityStore"], "cannot import module 'tests.nowhere'"),
        (["tests.support.fixtures:Nowhere"], "module 'tests.support.fixtures' has no 'Nowhere'"),
        (["tests.support.fixtures:City"], "is not a Store class"),
        (["tests.support.fixtures:CityStore", "--filter", "name"], "'name' is not NAME=VALUE"),
        (["tests.support.fixtures:CountryStore", "--filter", "landlocked=maybe"], "'maybe' is not a boolean"),
        (["tests.support.fixtures:CityStore", "--limit", "-1"], "--limit"),
    ]
    for args, message in cases:
        result = run("search", *args, "--path", path)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)


def test_search_of_a_damaged_artifact_is_one_line(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    path.write_bytes(path.read_bytes()[:5000])

    result = run("search", "tests.support.fixtures:CityStore", "--path", path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: dataset 'Geography' ({path}): the file is damaged (size 5000 is not a whole number of "
        "4096-byte pages); rebuild it from its sources (build_scripts/) or restore it from source control"
    ]
