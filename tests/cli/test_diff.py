import json
import sqlite3

import pytest

from tests.support.building import build_geography
from tests.support.cli import damage, run, run_script
from tests.support.fixtures import CITIES
from tests.support.graphs import folder_snapshot


def changed_cities():
    cities = [dict(row) for row in CITIES if row["id"] != 2]
    cities[0]["population"] = 2_200_000
    return cities + [dict(id=9, name="Zurich", country_code="CH", population=400_000, latitude=47.37)]


def test_identical_content_exits_0(tmp_path):
    build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "b.db", cities=list(reversed(CITIES)))

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "same content"


def test_diff_lists_counts_and_keys_added_removed_changed(tmp_path):
    build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "b.db", cities=changed_cities())

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db")

    assert result.returncode == 1
    assert "city: added (id) = 9" in result.stdout
    assert "city: removed (id) = 2" in result.stdout
    assert "city: changed (id) = 1" in result.stdout
    assert result.stdout.splitlines()[-1] == "the artifacts differ"


def test_diff_json_reports_the_build_content_hashes(tmp_path):
    info_a = build_geography(tmp_path / "a.db")
    info_b = build_geography(tmp_path / "b.db", cities=changed_cities())

    city, country = json.loads(run("diff", tmp_path / "a.db", tmp_path / "b.db", "--json").stdout)

    assert (city["name"], city["same"], country["same"]) == ("city", False, True)
    assert (city["rows_a"], city["rows_b"]) == (6, 6)
    assert city["counts"] == {"added": 1, "removed": 1, "changed": 1}
    assert city["samples"] == {"added": [[9]], "removed": [[2]], "changed": [[1]]}
    assert (city["hash_a"], city["hash_b"]) == (info_a.tables["city"].content_hash, info_b.tables["city"].content_hash)
    assert country["hash_a"] == country["hash_b"] == info_a.tables["country"].content_hash
    assert country["counts"] == {"added": 0, "removed": 0, "changed": 0}


def test_diff_keys_limits_the_listed_keys_not_the_counts(tmp_path):
    build_geography(tmp_path / "a.db", cities=CITIES[:1])
    build_geography(tmp_path / "b.db")

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db", "--keys", "2", "--json")

    city = json.loads(result.stdout)[0]
    assert city["counts"]["added"] == 5
    assert city["samples"]["added"] == [[2], [3]]


def test_diff_reports_tables_and_columns_only_one_side_has(tmp_path):
    build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "b.db")
    with sqlite3.connect(tmp_path / "b.db") as connection:
        connection.execute("CREATE TABLE river (name TEXT PRIMARY KEY)")
        connection.execute("INSERT INTO river VALUES ('Rhine')")
        connection.execute("ALTER TABLE country ADD COLUMN capital TEXT")

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db")

    assert result.returncode == 1
    assert "river: only in B" in result.stdout
    assert "river: added (name) = 'Rhine'" in result.stdout
    assert "country: columns added: capital" in result.stdout


def test_diff_names_the_damaged_file(tmp_path):
    build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "b.db", cities=changed_cities())
    damage(tmp_path / "b.db")

    result = run_script("diff", tmp_path / "a.db", tmp_path / "b.db")

    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {tmp_path / 'b.db'}: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Exception ignored" not in result.stderr


def test_diff_of_a_missing_file_and_bad_usage(tmp_path):
    build_geography(tmp_path / "a.db")

    missing = run_script("diff", tmp_path / "a.db", tmp_path / "missing.db")
    usage = run_script("diff", tmp_path / "a.db")

    assert missing.returncode == 2
    assert "the artifact file does not exist" in missing.stderr
    assert usage.returncode == 2
    assert "Missing argument 'B'" in usage.stderr


def test_a_changed_primary_key_is_a_difference(tmp_path):
    for name, ddl in (
        ("a.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL)"),
        ("b.db", "CREATE TABLE t (id INTEGER NOT NULL, code TEXT PRIMARY KEY)"),
    ):
        with sqlite3.connect(tmp_path / name) as connection:
            connection.execute(ddl)
            connection.executemany("INSERT INTO t VALUES (?, ?)", [(1, "A"), (2, "B"), (3, "C")])
        connection.close()

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db")
    report = run("diff", tmp_path / "a.db", tmp_path / "b.db", "--json")

    assert result.returncode == 1, result.stderr
    assert "t: the primary key changed (id -> code): rows not compared by key" in result.stdout
    assert result.stdout.splitlines()[-1] == "the artifacts differ"
    assert report.returncode == 1
    assert json.loads(report.stdout)[0]["same"] is False
    assert json.loads(report.stdout)[0]["key_changed"] is True


def keyed_values(path, values):
    with sqlite3.connect(path) as connection:
        # No declared type: the column keeps each value's own storage class.
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values, start=1)))
    connection.close()
    return path


def test_a_value_whose_type_changed_is_a_changed_row(tmp_path):
    a = keyed_values(tmp_path / "a.db", [1, "1", 2.5, "same", None])
    b = keyed_values(tmp_path / "b.db", [1.0, 1, 2.5, "same", None])

    result = run_script("diff", a, b)
    report = json.loads(run_script("diff", a, b, "--json").stdout)

    assert result.returncode == 1, result.stderr
    assert "t: changed (id) = 1, 2" in result.stdout
    assert result.stdout.splitlines()[-1] == "the artifacts differ"
    assert report[0]["counts"] == {"added": 0, "removed": 0, "changed": 2}


@pytest.mark.parametrize(
    "b_name, make, problem",
    [
        ("missing.db", lambda path: None, "the artifact file does not exist"),
        ("notes.db", lambda path: path.write_text("not a database\n" * 20), "the file is not an SQLite database"),
        ("empty.db", lambda path: path.write_bytes(b""), "the file is empty"),
        ("folder.db", lambda path: path.mkdir(), "the path is a directory"),
    ],
    ids=["missing", "not-sqlite", "empty", "folder"],
)
def test_diff_errors_exit_2_as_diff_does(tmp_path, b_name, make, problem):
    build_geography(tmp_path / "a.db")
    make(tmp_path / b_name)

    for args in ((tmp_path / "a.db", tmp_path / b_name), (tmp_path / b_name, tmp_path / "a.db")):
        result = run_script("diff", *args)

        assert result.returncode == 2, (result.stdout, result.stderr)
        assert result.stdout == ""
        assert result.stderr.startswith(f"Error: {tmp_path / b_name}: ")
        assert problem in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_same_and_differ_exit_0_and_1_from_the_console_script(tmp_path):
    build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "same.db", cities=list(reversed(CITIES)))
    build_geography(tmp_path / "b.db", cities=changed_cities())

    assert run_script("diff", tmp_path / "a.db", tmp_path / "same.db").returncode == 0
    assert run_script("diff", tmp_path / "a.db", tmp_path / "b.db").returncode == 1


def test_diff_writes_nothing_beside_either_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    build_geography(tmp_path / "a" / "geography.db")
    build_geography(tmp_path / "b" / "geography.db", cities=changed_cities())
    before = folder_snapshot(tmp_path / "a"), folder_snapshot(tmp_path / "b")

    result = run_script("diff", tmp_path / "a" / "geography.db", tmp_path / "b" / "geography.db")

    assert result.returncode == 1, result.stderr
    assert (folder_snapshot(tmp_path / "a"), folder_snapshot(tmp_path / "b")) == before
