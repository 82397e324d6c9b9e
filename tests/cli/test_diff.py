import json
import sqlite3

from tests.support.building import build_geography
from tests.support.cli import damage, run
from tests.support.fixtures import CITIES


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

    report = json.loads(run("diff", tmp_path / "a.db", tmp_path / "b.db", "--json").stdout)

    city, country = report["tables"]
    assert report["same"] is False
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

    city = json.loads(result.stdout)["tables"][0]
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

    result = run("diff", tmp_path / "a.db", tmp_path / "b.db")

    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'b.db'}: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Exception ignored" not in result.stderr


def test_diff_of_a_missing_file_and_bad_usage(tmp_path):
    build_geography(tmp_path / "a.db")

    missing = run("diff", tmp_path / "a.db", tmp_path / "missing.db")
    usage = run("diff", tmp_path / "a.db")

    assert missing.returncode == 1
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
    assert json.loads(report.stdout)["same"] is False
    assert json.loads(report.stdout)["tables"][0]["key_changed"] is True
