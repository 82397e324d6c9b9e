"""
Output that scripts and pipes can trust: the same format flags on every command that prints rows
or a report (`--table`, `--csv`, `--tsv`, `--json`, `--nl`), the same text for a value whatever
the command, and nothing wrapped at 80 columns when standard output is not a terminal.

"""

import csv
import io
import json
import sqlite3

import pytest

from tests.support.building import build_geography
from tests.support.cli import run, run_on_terminal, run_script
from tests.support.fixtures import CITIES

MODELS = "tests.support.fixtures:Geography"
FORMATS = ("--table", "--csv", "--tsv", "--json", "--nl")


@pytest.fixture
def artifact(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    return path


@pytest.fixture
def changed(tmp_path):
    path = tmp_path / "changed.db"
    cities = [dict(row) for row in CITIES if row["id"] != 2]
    build_geography(path, cities=cities)
    return path


def commands(artifact, changed):
    """Each command that prints rows or a report, with arguments that make it print something."""
    return {
        "dump": ["dump", artifact, "country"],
        "search": ["search", "tests.support.fixtures:CountryStore", "--path", artifact],
        "inspect": ["inspect", artifact],
        "verify": ["verify", artifact, "--models", MODELS],
        "diff": ["diff", artifact, changed],
    }


def records(output_format, text):
    """The rows a script reads back from `text` written in `output_format`."""
    if output_format == "--json":
        value = json.loads(text)
        assert isinstance(value, list)
        return value
    if output_format == "--nl":
        return [json.loads(line) for line in text.splitlines()]
    delimiter = "\t" if output_format == "--tsv" else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("name", ["dump", "search", "inspect", "verify", "diff"])
def test_every_command_takes_the_same_format_flags_and_prints_the_same_rows_in_each(artifact, changed, name):
    command = commands(artifact, changed)[name]
    read = {}
    for output_format in ("--csv", "--tsv", "--json", "--nl"):
        result = run(*command, output_format)
        assert result.returncode in (0, 1), (output_format, result.stderr)
        assert "Traceback" not in result.stderr
        read[output_format] = records(output_format, result.stdout)

    assert read["--json"] == read["--nl"] != []
    # CSV and TSV hold text: the same rows, each value as text, the same whatever the separator.
    assert read["--csv"] == read["--tsv"]
    assert [list(row) for row in read["--csv"]] == [list(row) for row in read["--json"]]
    table = run(*command, "--table")
    assert table.returncode in (0, 1), table.stderr
    assert table.stdout.strip() and not table.stdout.lstrip().startswith(("[", "{"))


def test_json_is_one_array_and_nl_one_object_a_line(artifact):
    array = run("dump", artifact, "city", "--json")
    lines = run("dump", artifact, "city", "--nl")

    assert [row["id"] for row in json.loads(array.stdout)] == [1, 2, 3, 4, 5, 6]
    assert len(lines.stdout.splitlines()) == 6
    assert json.loads(lines.stdout.splitlines()[0]) == {
        "id": 1,
        "name": "Paris",
        "country_code": "FR",
        "population": 2100000,
        "latitude": 48.85,
    }


def test_an_empty_result_is_an_empty_array(artifact):
    result = run(
        "search", "tests.support.fixtures:CityStore", "--path", artifact, "--filter", "name=Atlantis", "--json"
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_a_boolean_prints_true_or_false_in_dump_and_search_and_an_enum_its_name(artifact):
    search = run("search", "tests.support.fixtures:CountryStore", "--path", artifact, "--csv")
    for dump in (
        run("dump", artifact, "country", "--csv"),
        run("dump", artifact, "country", "--csv", "--models", MODELS),
    ):
        assert dump.returncode == 0, dump.stderr
        assert sorted(dump.stdout.splitlines()) == sorted(search.stdout.splitlines())  # the store keeps file order
    rows = list(csv.DictReader(io.StringIO(search.stdout)))
    assert {row["code"]: (row["continent"], row["landlocked"]) for row in rows} == {
        "CA": ("NORTH_AMERICA", "false"),
        "CH": ("EUROPE", "true"),
        "FR": ("EUROPE", "false"),
        "ML": ("AFRICA", "true"),
    }
    nl = run("dump", artifact, "country", "--nl")
    assert json.loads(nl.stdout.splitlines()[0])["landlocked"] is False
    table = run("dump", artifact, "country", "--table")
    assert "│ CH   │ Switzerland │ EUROPE        │ true       │" in table.stdout


def test_dump_reads_values_through_the_models_types(tmp_path):
    """A date-time is stored as SQLite text; through the models it prints as search and the dumpers print it."""
    from microcosm_sqlite.artifacts import ArtifactBuild
    from tests.support.catalogue import PRODUCTS
    from tests.support.fixtures import Catalogue, Product

    with ArtifactBuild(tmp_path / "catalogue.db", Catalogue) as build:
        with build.engine.begin() as connection:
            connection.execute(Product.__table__.insert(), PRODUCTS)

    raw = run("dump", tmp_path / "catalogue.db", "product", "--nl")
    typed = run("dump", tmp_path / "catalogue.db", "product", "--nl", "--models", "tests.support.fixtures:Catalogue")
    searched = run("search", "tests.support.catalogue:ProductStore", "--path", tmp_path / "catalogue.db", "--nl")

    assert typed.returncode == 0, typed.stderr
    assert typed.stdout == searched.stdout
    assert raw.stdout != typed.stdout  # the file's own text for date-times, without the models


def test_dump_models_that_lack_the_table_is_a_usage_error(artifact):
    result = run("dump", artifact, "country", "--models", "tests.support.fixtures:Catalogue")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "country" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("name", ["dump", "search"])
def test_rows_default_to_csv_in_a_pipe_and_a_table_on_a_terminal(artifact, changed, name):
    command = commands(artifact, changed)[name]

    piped = run_script(*command)
    shown = run_on_terminal(*command)

    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == run(*command, "--csv").stdout
    assert shown.returncode == 0
    assert "│ CH   │ Switzerland │ EUROPE        │ true       │" in shown.stdout


@pytest.mark.parametrize("name", ["inspect", "verify", "diff"])
def test_reports_default_to_their_table_in_a_pipe_as_on_a_terminal(artifact, changed, name):
    command = commands(artifact, changed)[name]

    piped = run_script(*command)

    assert piped.stdout == run(*command, "--table").stdout
    assert not piped.stdout.lstrip().startswith(("[", "{"))


def test_inspect_in_a_pipe_never_splits_a_hash(artifact):
    """`inspect | cat`: each 64-character hash whole on one line, however narrow the terminal."""
    hashes = dict(sqlite3.connect(artifact).execute("SELECT key, value FROM _microcosm_sqlite_metadata"))

    result = run_script("inspect", artifact, env={"COLUMNS": "40", "PATH": "/usr/bin:/bin"})

    assert result.returncode == 0, result.stderr
    for key in ("content_hash", "file_sha256", "schema_fingerprint"):
        line = next(line for line in result.stdout.splitlines() if key in line)
        assert hashes[key] in line


def test_a_boolean_key_prints_true_or_false_in_diff(tmp_path):
    for name, rows in (("a.db", [("x", 0), ("y", 1)]), ("b.db", [("x", 0), ("x", 1)])):
        with sqlite3.connect(tmp_path / name) as connection:
            connection.execute("CREATE TABLE flag (name TEXT, active BOOLEAN, PRIMARY KEY (name, active))")
            connection.executemany("INSERT INTO flag VALUES (?, ?)", rows)
        connection.close()

    shown = run("diff", tmp_path / "a.db", tmp_path / "b.db")
    (flag,) = json.loads(run("diff", tmp_path / "a.db", tmp_path / "b.db", "--json").stdout)

    assert shown.returncode == 1, shown.stderr
    assert "flag: added (name, active) = ('x', true)" in shown.stdout
    assert "flag: removed (name, active) = ('y', true)" in shown.stdout
    assert flag["samples"]["added"] == [["x", True]]


@pytest.mark.parametrize("output_format", ["--json", "--csv", "--table"])
def test_diff_lists_binary_keys_in_base64_in_every_format(tmp_path, output_format):
    for name, keys in (("a.db", [b"\x00\x01"]), ("b.db", [b"\x00\x01", b"\xff\xfe"])):
        with sqlite3.connect(tmp_path / name) as connection:
            connection.execute("CREATE TABLE token (id BLOB PRIMARY KEY)")
            connection.executemany("INSERT INTO token VALUES (?)", [(key,) for key in keys])
        connection.close()

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db", output_format)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "//4=" in result.stdout  # b"\xff\xfe" in base64
