import sqlite3

from microcosm_sqlite.artifacts.verify import verify_artifact
from tests.support.building import build_geography
from tests.support.fixtures import City, Country, Geography


def test_a_sound_artifact_passes_every_check(tmp_path):
    (tmp_path / "country.csv").write_text("code\n")
    (tmp_path / "city.csv").write_text("id\n")
    path = tmp_path / "geography.db"
    build_geography(path, sources=[(Country, tmp_path / "country.csv"), (City, tmp_path / "city.csv")])

    result = verify_artifact(path, base=Geography, sources=[tmp_path])

    assert result.sound
    assert result.passed == ["file", "digest", "integrity", "schema", "metadata"]
    assert result.notes == []
    assert result.data_set == "Geography"


def test_every_problem_is_its_own_failure(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE city SET name = 'Lutetia' WHERE id = 1")
        connection.execute("UPDATE country SET name = 'Helvetia' WHERE code = 'CH'")
        connection.execute("UPDATE _microcosm_sqlite_metadata SET value = 'x' WHERE key = 'schema_fingerprint'")

    result = verify_artifact(path, base=Geography)

    assert not result.sound
    assert result.passed == ["file", "integrity", "schema"]
    assert len(result.failures) == 4
    assert "the file is damaged: its bytes do not match the SHA-256" in result.failures[0]
    assert "schema fingerprint differs" in result.failures[1]
    assert "table 'city' no longer matches" in result.failures[2]
    assert "table 'country' no longer matches" in result.failures[3]
    assert all(failure.startswith(f"dataset 'Geography' ({path}): ") for failure in result.failures)


def test_a_file_that_is_not_whole_stops_after_the_file_check(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    path.write_bytes(path.read_bytes()[:5000])

    result = verify_artifact(path)

    assert result.passed == []
    assert len(result.failures) == 1
    assert "is not a whole number of 4096-byte pages" in result.failures[0]


def test_a_sources_path_that_does_not_exist_is_named(tmp_path):
    (tmp_path / "country.csv").write_text("code\n")
    (tmp_path / "city.csv").write_text("id\n")
    path = tmp_path / "geography.db"
    build_geography(path, sources=[(Country, tmp_path / "country.csv"), (City, tmp_path / "city.csv")])

    result = verify_artifact(path, base=Geography, sources=[tmp_path / "sourcse"])

    assert not result.sound
    assert f"source path '{tmp_path / 'sourcse'}' does not exist; check the path given for the sources" in str(
        result.failures
    )
