import csv
import io
import json
import os
import sqlite3
import tracemalloc

import pytest

from microcosm_sqlite.artifacts import ArtifactBuild
from tests.support.building import build_geography, restamp
from tests.support.catalogue import PRODUCTS
from tests.support.cli import run
from tests.support.fixtures import Catalogue, Product
from tests.support.graphs import write_geography


def test_search_runs_the_store_with_filters_limit_and_offset(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run(
        "search",
        "tests.support.fixtures:CityStore",
        "--path",
        tmp_path / "geography.db",
        "--filter",
        "name=Paris",
        "--format",
        "jsonl",
    )

    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"id": 1, "name": "Paris", "country_code": "FR", "population": 2100000, "latitude": 48.85},
        {"id": 6, "name": "Paris", "country_code": "CA", "population": 12000, "latitude": 43.2},
    ]
    page = run(
        "search",
        "tests.support.fixtures:CityStore",
        "--path",
        tmp_path / "geography.db",
        "--limit",
        "2",
        "--offset",
        "1",
        "--format",
        "csv",
    )
    assert [row["id"] for row in csv.DictReader(io.StringIO(page.stdout))] == ["2", "3"]


def test_search_converts_filter_values_to_the_column_types(tmp_path):
    build_geography(tmp_path / "geography.db")

    europe = run(
        "search",
        "tests.support.fixtures:CountryStore",
        "--path",
        tmp_path / "geography.db",
        "--filter",
        "continent=EUROPE",
        "--filter",
        "landlocked=yes",
        "--format",
        "jsonl",
    )

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

    result = run(
        "search",
        "tests.support.catalogue:FilteredProductStore",
        "--path",
        tmp_path / "catalogue.db",
        "--filter",
        f"{name}={value}",
        "--columns",
        "sku",
        "--format",
        "csv",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sku", "007"]


def test_a_filter_value_that_is_not_of_its_column_type_is_a_usage_error(tmp_path):
    with ArtifactBuild(tmp_path / "catalogue.db", Catalogue):
        pass

    result = run(
        "search",
        "tests.support.catalogue:FilteredProductStore",
        "--path",
        tmp_path / "catalogue.db",
        "--filter",
        "token=not-a-uuid",
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.splitlines()[-1]
        == "Error: Invalid value for --filter: 'not-a-uuid' is not a UUID (column 'token')"
    )


def test_search_output_onto_the_artifact_it_reads_is_refused(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    before = path.read_bytes()

    result = run("search", "tests.support.fixtures:CityStore", "--path", path, "--format", "csv", "-o", path)

    assert result.returncode == 2
    assert "is the artifact being read: writing there would replace it" in result.stderr
    assert path.read_bytes() == before


def test_search_prints_a_table(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("search", "tests.support.fixtures:CityStore", "--path", tmp_path / "geography.db", "--table")

    assert result.returncode == 0, result.stderr
    assert "┃ id ┃ name" in result.stdout
    assert "Toronto" in result.stdout
    assert result.stderr == ""


def test_search_finds_the_path_in_environment_config(tmp_path):
    write_geography(tmp_path / "plain.db")
    env = {**os.environ, "MICROCOSM_SQLITE__SQLITE__PATHS__GEOGRAPHY": str(tmp_path / "plain.db")}

    result = run(
        "search", "tests.support.fixtures:CityStore", "--filter", "country_code=CH", "--format", "csv", env=env
    )

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
        "build it, or point --path at the shipped file"
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
    assert "MICROCOSM_SQLITE__SQLITE__PATHS__GEOGRAPHY" in result.stderr


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
        "4096-byte pages); rebuild it from its sources or restore it from source control"
    ]


def test_out_of_range_numbers_and_abstract_stores_are_one_line_usage_errors(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)

    cases = [
        (["tests.support.fixtures:CityStore", "--limit", str(2**63)], "--limit"),
        (["tests.support.fixtures:CityStore", "--offset", str(2**64)], "--offset"),
        (["microcosm_sqlite:Store"], "is not a concrete store: it has no model_class"),
    ]
    for args, message in cases:
        result = run("search", *args, "--path", path)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert errors == [result.stderr.splitlines()[-1]] and message in errors[0], (args, result.stderr)

    largest = run(
        "search",
        "tests.support.fixtures:CityStore",
        "--path",
        path,
        "--format",
        "csv",
        "--limit",
        str(2**63 - 1),
        "--offset",
        "5",
    )
    assert largest.returncode == 0, largest.stderr
    assert largest.stdout.splitlines() == ["id,name,country_code,population,latitude", "6,Paris,CA,12000,43.2"]


def build_many_cities(path, count):
    cities = [dict(id=i, name=f"City {i}", country_code="FR", population=i, latitude=45.0) for i in range(1, count + 1)]
    build_geography(path, cities=cities)
    return path


def table_search(path, *args):
    """Run `search` in this process (output captured), so tracemalloc sees what it holds."""
    from microcosm_sqlite.cli import main
    from tests.support.cli import cli_runner

    return cli_runner().invoke(
        main, ["search", "tests.support.fixtures:CityStore", "--path", str(path), "--table", *args]
    )


def test_a_table_holds_a_bounded_number_of_rows_whatever_the_limit(tmp_path):
    path = build_many_cities(tmp_path / "geography.db", 10_000)
    table_search(path, "--limit", "10")  # warm up: imports, caches

    peaks = {}
    for limit in (1_000, 10_000):
        tracemalloc.start()
        try:
            result = table_search(path, "--limit", str(limit))
            peaks[limit] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.exit_code == 0, result.output
    print(f"peak: --limit 1000 {peaks[1_000] / 1e6:.1f} MB, --limit 10000 {peaks[10_000] / 1e6:.1f} MB")

    assert peaks[10_000] < 1.5 * peaks[1_000]
    assert sum(1 for line in result.stdout.splitlines() if line.startswith("│ ")) == 1_000
    assert "│ 1000 │ City 1000 │" in result.stdout
    assert result.stderr == (
        "showing the first 1,000 of 10,000 rows (9,000 not shown): a table stops at 1,000 rows; "
        "use --csv, --json or --nl for all of them\n"
    )


def test_search_by_words_ranks_the_rows(tmp_path):
    from tests.support.places import build_places

    path = build_places(tmp_path)

    result = run("search", "tests.support.places:PlaceStore", "--path", path, "--q", "Zürich", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["code"] for line in result.stdout.splitlines()] == ["ZHB", "ZRH"]

    prefix = run(
        "search",
        "tests.support.places:PlaceStore",
        "--path",
        path,
        "--q",
        "london heath",
        "--prefix",
        "--filter",
        "country=GB",
        "--format",
        "jsonl",
        "--columns",
        "code",
    )
    assert prefix.returncode == 0, prefix.stderr
    assert prefix.stdout.splitlines() == ['{"code":"LHR"}']

    raw = run("search", "tests.support.places:PlaceStore", "--path", path, "--match", "city:london NOT gatwick")
    assert raw.returncode == 0, raw.stderr
    assert "London Heathrow Airport" in raw.stdout and "Gatwick" not in raw.stdout


def test_search_by_words_reports_bad_input_in_one_line(tmp_path):
    from tests.support.places import build_places

    path = build_places(tmp_path)

    syntax = run("search", "tests.support.places:PlaceStore", "--path", path, "--match", "NEAR(")
    assert syntax.returncode == 1
    assert "is not a valid FTS5 query" in syntax.stderr
    assert "Traceback" not in syntax.stderr

    hostile = run("search", "tests.support.places:PlaceStore", "--path", path, "--q", "'; DROP TABLE place; --")
    assert hostile.returncode == 0, hostile.stderr

    alone = run("search", "tests.support.places:PlaceStore", "--path", path, "--prefix")
    assert alone.returncode == 2
    assert "give --q too" in alone.stderr

    build_geography(tmp_path / "geography.db")
    undeclared = run("search", "tests.support.fixtures:CityStore", "--path", tmp_path / "geography.db", "--q", "paris")
    assert undeclared.returncode == 2
    assert "declares no searchable columns" in undeclared.stderr
