import sqlite3

import pytest

from microcosm_sqlite.artifacts.reading import (
    columns,
    open_artifact,
    primary_key,
    reading_table,
    stream_rows,
    table_names,
)
from microcosm_sqlite.errors import DamagedArtifactError, TableNotFoundError, UnsupportedArtifactError
from tests.support.building import build_geography


def test_reading_a_table_streams_it_in_key_order_without_writing(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    before = path.read_bytes()

    with reading_table(path, "country") as (declared, rows):
        assert [column.name for column in declared] == ["code", "name", "continent", "landlocked"]
        assert [row[0] for row in rows] == ["CA", "CH", "FR", "ML"]

    assert path.read_bytes() == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["geography.db"]


def test_the_connection_refuses_writes(tmp_path):
    build_geography(tmp_path / "geography.db")

    with open_artifact(tmp_path / "geography.db") as connection, pytest.raises(sqlite3.OperationalError):
        connection.execute("DELETE FROM city")


def test_tables_without_a_primary_key_are_keyed_by_every_column(tmp_path):
    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE pair (b TEXT, a INTEGER)")
        connection.execute("CREATE TABLE keyed (x INTEGER, y INTEGER, z TEXT, PRIMARY KEY (y, x))")
        connection.executemany("INSERT INTO pair VALUES (?, ?)", [("z", 2), ("a", 1)])

    with open_artifact(path) as connection:
        assert table_names(connection) == ["keyed", "pair"]
        assert primary_key(connection, "pair") == ["b", "a"]
        assert primary_key(connection, "keyed") == ["y", "x"]
        assert [column.primary_key for column in columns(connection, "keyed")] == [True, True, False]
        assert list(stream_rows(connection, "pair", ["b", "a"], order_by=["b", "a"])) == [("a", 1), ("z", 2)]


def test_unknown_table_lists_the_tables(tmp_path):
    build_geography(tmp_path / "geography.db")

    with pytest.raises(TableNotFoundError, match="the artifact has no table 'town'; choose one of: city, country"):
        with reading_table(tmp_path / "geography.db", "town"):
            pass


def test_damage_found_while_reading_names_the_file(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    with sqlite3.connect(path) as connection:
        root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'city'").fetchone()[0]
    with path.open("r+b") as artifact:
        artifact.seek((root - 1) * 4096)
        artifact.write(b"\xff" * 64)

    with pytest.raises(DamagedArtifactError, match=r"^\S*geography.db: SQLite cannot read the file"):
        with reading_table(path, "city") as (_, rows):
            list(rows)


def test_wal_files_are_refused_before_any_sql(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")

    with pytest.raises(UnsupportedArtifactError, match="WAL mode"):
        with open_artifact(path):
            pass
