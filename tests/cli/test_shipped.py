"""The command line against the shipped example datasets (read-only: they are never modified)."""

import json
import sqlite3
from contextlib import closing

from tests.support.cli import ROOT, run, run_script

AIRPORTS = ROOT / "datasets" / "airports.db"
COUNTRIES = ROOT / "datasets" / "countries.db"


def test_the_shipped_artifacts_verify_against_models_and_sources():
    for path, models in (
        (AIRPORTS, "reference_data.airports:Airports"),
        (COUNTRIES, "reference_data.countries:Countries"),
    ):
        result = run_script("verify", path, "--models", models, "--sources", ROOT / "datasets" / "sources")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{path}: sound (file, digest, integrity, search index, schema, metadata checked)\n"


def test_inspect_reads_the_counts_from_the_metadata():
    tables = json.loads(run("inspect", AIRPORTS, "--json").stdout)

    assert "│ data_set           │ Airports " in run("inspect", AIRPORTS).stdout
    assert {table["name"]: table["rows_from"] for table in tables} == {
        "airport": "metadata",
        "country": "metadata",
    }
    assert all(table["rows"] > 200 for table in tables)


def test_search_a_shipped_store_with_chosen_columns():
    result = run(
        "search",
        "reference_data.airports:AirportStore",
        "--path",
        AIRPORTS,
        "--filter",
        "iata=CDG",
        "--columns",
        "icao,iata,city",
        "--format",
        "csv",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "icao,iata,city\nLFPG,CDG,Paris\n"


def test_a_table_stops_at_100_rows_and_says_how_to_see_more():
    result = run("search", "reference_data.airports:AirportStore", "--path", AIRPORTS, "--columns", "icao", "--table")

    assert result.returncode == 0, result.stderr
    assert sum(1 for line in result.stdout.splitlines() if line.startswith("│ ")) == 100
    with closing(sqlite3.connect(f"file:{AIRPORTS}?mode=ro", uri=True)) as connection:
        ((total,),) = connection.execute("SELECT count(*) FROM airport")
    assert result.stderr == (
        f"showing the first 100 of {total:,} rows ({total - 100:,} not shown): use --limit N to show up to "
        "1,000, or --csv, --json or --nl for all of them\n"
    )


def test_unknown_columns_are_a_usage_error():
    result = run("search", "reference_data.airports:AirportStore", "--path", AIRPORTS, "--columns", "icao,elevation")

    assert result.returncode == 2
    assert "elevation: choose from icao, iata" in result.stderr
