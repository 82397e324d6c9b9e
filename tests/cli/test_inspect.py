import json

from tests.support.building import build_geography
from tests.support.cli import run, truncate
from tests.support.graphs import write_geography


def test_inspect_shows_tables_counts_and_build_metadata(tmp_path):
    info = build_geography(tmp_path / "geography.db")

    result = run("inspect", tmp_path / "geography.db")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split("│")[1:3] == [" city    ", " 6    "] for line in lines), result.stdout
    assert any(line.split("│")[1:3] == [" country ", " 4    "] for line in lines), result.stdout
    assert "journal mode delete" in result.stdout
    assert "Geography" in result.stdout
    assert info.content_hash[:40] in result.stdout


def test_inspect_json_takes_counts_from_metadata_when_present(tmp_path):
    info = build_geography(tmp_path / "geography.db")

    tables = json.loads(run("inspect", tmp_path / "geography.db", "--json").stdout)
    shown = run("inspect", tmp_path / "geography.db").stdout

    assert [(table["name"], table["rows"], table["rows_from"]) for table in tables] == [
        ("city", 6, "metadata"),
        ("country", 4, "metadata"),
    ]
    assert tables[0]["artifact"] == str(tmp_path / "geography.db")
    assert tables[0]["content_hash"] == info.tables["city"].content_hash
    assert tables[0]["primary_key"] == ["id"]
    assert [column["name"] for column in tables[1]["columns"]] == ["code", "name", "continent", "landlocked"]
    assert f"│ schema_fingerprint │ {info.schema_fingerprint} │" in shown
    assert f"{(tmp_path / 'geography.db').stat().st_size:,} bytes" in shown.splitlines()[0]
    assert "journal mode delete" in shown.splitlines()[0]


def test_inspect_counts_rows_of_a_file_without_metadata(tmp_path):
    write_geography(tmp_path / "plain.db")

    result = run("inspect", tmp_path / "plain.db", "--json")

    tables = json.loads(result.stdout)
    assert [(table["name"], table["rows"], table["rows_from"], table["content_hash"]) for table in tables] == [
        ("city", 6, "count", None),
        ("country", 4, "count", None),
    ]
    assert "no build metadata" in run("inspect", tmp_path / "plain.db").stdout


def test_inspect_schema_prints_the_create_statements(tmp_path):
    build_geography(tmp_path / "geography.db")

    result = run("inspect", tmp_path / "geography.db", "--schema")

    assert "CREATE TABLE city" in result.stdout
    assert "CREATE INDEX ix_city_name" in result.stdout


def test_inspect_missing_file_is_one_line_and_exit_1(tmp_path):
    result = run("inspect", tmp_path / "missing.db")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'missing.db'}: the artifact file does not exist; build it, or check the path"
    ]
    assert not (tmp_path / "missing.db").exists()


def test_inspect_truncated_and_foreign_files_fail_cleanly(tmp_path):
    build_geography(tmp_path / "geography.db")
    truncated = truncate(tmp_path / "geography.db")
    (tmp_path / "notes.db").write_text("not a database\n" * 20)

    for path, problem in ((truncated, "the file is damaged"), (tmp_path / "notes.db", "not an SQLite database")):
        result = run("inspect", path)
        assert result.returncode == 1
        assert len(result.stderr.splitlines()) == 1
        assert problem in result.stderr
        assert "Traceback" not in result.stderr


def test_inspect_does_not_modify_the_file(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    before = path.read_bytes()

    run("inspect", path, "--schema")

    assert path.read_bytes() == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["geography.db"]


def test_inspect_without_argument_is_a_usage_error():
    result = run("inspect")

    assert result.returncode == 2
    assert "Missing argument 'ARTIFACT'" in result.stderr
