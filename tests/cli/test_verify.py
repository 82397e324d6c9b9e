import json
import sqlite3

import pytest

from tests.support.building import build_geography
from tests.support.cli import damage, run, truncate
from tests.support.fixtures import City, Country
from tests.support.graphs import write_geography

MODELS = "tests.support.fixtures:Geography"


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "country.csv").write_text("code,name\nFR,France\n")
    (folder / "city.csv").write_text("id,name\n1,Paris\n")
    return folder


@pytest.fixture
def built(tmp_path, sources):
    path = tmp_path / "geography.db"
    build_geography(path, sources=[(Country, sources / "country.csv"), (City, sources / "city.csv")])
    return path


def failures(result):
    return [line for line in result.stderr.splitlines() if line.startswith("FAILED ")]


def test_a_sound_current_artifact_exits_0(built, sources):
    result = run("verify", built, "--models", MODELS, "--sources", sources)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{built}: sound (file, digest, integrity, schema, metadata checked)\n"
    assert result.stderr == ""


def test_without_models_the_metadata_and_content_are_still_checked(built):
    result = run("verify", built)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{built}: sound (file, digest, integrity, metadata checked)\n"


def test_each_failure_is_one_line_naming_the_file(tmp_path, built):
    truncated, damaged = tmp_path / "truncated.db", tmp_path / "damaged.db"
    truncated.write_bytes(built.read_bytes())
    damaged.write_bytes(built.read_bytes())
    truncate(truncated)
    damage(damaged)
    (tmp_path / "text.db").write_text("hello\n" * 50)

    result = run("verify", built, truncated, damaged, tmp_path / "text.db", tmp_path / "missing.db")

    assert result.returncode == 1
    assert result.stdout == f"{built}: sound (file, digest, integrity, metadata checked)\n"
    lines = failures(result)
    assert len(lines) == 5
    assert f"{truncated}: the file is truncated" in lines[0] or f"{truncated}: the file is damaged" in lines[0]
    assert f"{damaged}: the file is damaged: " in lines[1]
    assert f"{damaged}: " in lines[2] and ("malformed" in lines[2] or "integrity check failed" in lines[2])
    assert f"{tmp_path / 'text.db'}: the file is not an SQLite database" in lines[3]
    assert f"{tmp_path / 'missing.db'}: the artifact file does not exist" in lines[4]
    assert not (tmp_path / "missing.db").exists()


def test_a_wal_file_fails_the_single_file_check(built):
    with sqlite3.connect(built) as connection:
        connection.execute("PRAGMA journal_mode = WAL")

    result = run("verify", built)

    assert result.returncode == 1
    assert "the file is in WAL mode" in failures(result)[0]


def test_stale_against_changed_sources(built, sources):
    (sources / "city.csv").write_text("id,name\n1,Paris\n2,Lyon\n")

    result = run("verify", built, "--models", MODELS, "--sources", sources)

    assert result.returncode == 1
    [line] = failures(result)
    assert line.startswith(
        f"FAILED dataset 'Geography' ({built}): source 'city.csv' (table 'city') changed since the build"
    )


def test_sources_given_as_files_must_be_the_recorded_ones(built, sources, tmp_path):
    (tmp_path / "extra.csv").write_text("x\n")

    result = run(
        "verify", built, "--models", MODELS, "--sources", sources / "country.csv", "--sources", tmp_path / "extra.csv"
    )

    assert result.returncode == 1
    lines = failures(result)
    assert "the build used source 'city.csv' (table 'city'), which was not given" in lines[0]
    assert f"source '{tmp_path / 'extra.csv'}' was not part of the build" in lines[1]


def test_stale_against_changed_models(built):
    with sqlite3.connect(built) as connection:
        connection.execute("UPDATE _microcosm_sqlite_metadata SET value = 'other' WHERE key = 'schema_fingerprint'")

    result = run("verify", built, "--models", MODELS)

    assert result.returncode == 1
    assert "the schema fingerprint differs from the models'" in failures(result)[1]


def test_rows_edited_after_the_build_are_caught(built):
    with sqlite3.connect(built) as connection:
        connection.execute("UPDATE city SET population = 1 WHERE id = 1")

    result = run("verify", built)

    assert result.returncode == 1
    digest_line, content_line = failures(result)
    # The file's bytes changed (the digest), and so did a table's rows (its content hash).
    # Named after the file until its metadata is read: a damaged file's metadata cannot be trusted.
    assert digest_line.startswith(f"FAILED {built}: the file is damaged: its bytes do not match")
    assert [content_line] == [
        f"FAILED dataset 'Geography' ({built}): table 'city' no longer matches its recorded content hash "
        "(edited after the build?); rebuild the artifact with the current models, "
        "or deploy the artifact built for this code"
    ]


def test_a_file_without_metadata_fails(tmp_path):
    path = write_geography(tmp_path / "plain.db")

    result = run("verify", path, "--models", MODELS)

    assert result.returncode == 1
    assert "the file has no microcosm-sqlite metadata" in failures(result)[0]


def test_a_file_missing_model_tables_fails_the_schema_check(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE country (code TEXT PRIMARY KEY)")

    result = run("verify", path, "--models", MODELS)

    assert result.returncode == 1
    assert (
        "missing tables city; missing columns country.name, country.continent, country.landlocked"
        in failures(result)[0]
    )


def test_json_output(built, tmp_path):
    result = run("verify", built, tmp_path / "missing.db", "--json", "--quick")

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(item["path"], item["sound"]) for item in report] == [
        (str(built), True),
        (str(tmp_path / "missing.db"), False),
    ]
    assert report[0]["passed"] == ["file", "digest", "integrity", "metadata"]
    assert report[0]["notes"] == []


def test_usage_errors_exit_2(built, sources):
    cases = [
        ([], "Missing argument 'ARTIFACTS...'"),
        ([built, "--sources", sources], "--sources needs --models"),
        ([built, "--models", "tests.support.fixtures:CityStore"], "is not a dataset base made by DataSet.create"),
        ([built, "--models", "tests.support.fixtures"], "is not MODULE:NAME"),
    ]
    for args, message in cases:
        result = run("verify", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr


def test_a_sources_path_that_does_not_exist_is_a_usage_error(built, tmp_path):
    result = run("verify", built, "--models", MODELS, "--sources", tmp_path / "sourcse")

    assert result.returncode == 2
    assert f"Path '{tmp_path / 'sourcse'}' does not exist" in result.stderr
    assert "was not part of the build" not in result.stderr


def flip_in_index(path, name: bytes) -> None:
    """Flip one bit of an entry of the city name index: the table, its rows and quick_check are unchanged."""
    with sqlite3.connect(path) as connection:
        (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_city_name'").fetchone()
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    offset = data.index(name, start, start + page_size)
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_quick_verify_catches_an_index_flip_that_quick_check_misses(built):
    flip_in_index(built, b"Paris")
    with sqlite3.connect(built) as connection:
        assert connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        # The damage a service would see: a lookup through the index misses a row the table holds.
        assert connection.execute("SELECT count(*) FROM city NOT INDEXED WHERE name = 'Paris'").fetchone() == (2,)
        assert connection.execute("SELECT count(*) FROM city WHERE name = 'Paris'").fetchone() == (1,)
    connection.close()

    result = run("verify", built, "--quick")

    assert result.returncode == 1
    [line] = failures(result)
    assert line.startswith(f"FAILED {built}: the file is damaged: its bytes do not match the SHA-256")
    assert "rebuild it" in line


def without_digest(path):
    """Make `path` what an artifact of format 1 was: metadata, no digest."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DELETE FROM _microcosm_sqlite_metadata WHERE key = 'file_sha256'")
    connection.execute("UPDATE _microcosm_sqlite_metadata SET value = '1' WHERE key = 'format_version'")
    connection.execute("PRAGMA user_version = 1")
    connection.close()
    return path


@pytest.mark.parametrize("quick", [False, True])
def test_an_artifact_without_a_digest_is_sound_and_says_so(built, sources, quick):
    without_digest(built)

    result = run("verify", built, "--models", MODELS, "--sources", sources, *(["--quick"] if quick else []))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{built}: sound (file, integrity, schema, metadata checked; no digest)\n"
