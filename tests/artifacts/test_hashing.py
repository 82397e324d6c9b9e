import sqlite3

from microcosm_sqlite.artifacts.hashing import file_sha256, hash_table, hash_tables, overall_hash


def make_db(path, rows, schema="CREATE TABLE t (id INTEGER PRIMARY KEY, value)"):
    connection = sqlite3.connect(path)
    connection.execute(schema)
    connection.executemany("INSERT INTO t VALUES (?, ?)", rows)
    connection.commit()
    return connection


ROWS = [(1, "one"), (2, 2.5), (3, None), (4, b"\x00\x01"), (5, 7)]


def test_same_rows_in_another_order_and_layout_hash_the_same(tmp_path):
    first = make_db(tmp_path / "a.db", ROWS)
    second = make_db(tmp_path / "b.db", ROWS[::-1])
    # A different page size gives a different file layout; the logical hash ignores it.
    second.execute("PRAGMA page_size = 1024")
    second.execute("VACUUM")

    assert hash_tables(first) == hash_tables(second)
    assert hash_table(first, "t").rows == 5


def test_storage_class_and_value_changes_change_the_hash(tmp_path):
    base = hash_table(make_db(tmp_path / "base.db", [(1, 1)]), "t").content_hash
    variants = [[(1, "1")], [(1, 1.0)], [(1, None)], [(1, 2)], [(2, 1)], [(1, 1), (2, None)]]

    hashes = {hash_table(make_db(tmp_path / f"{i}.db", rows), "t").content_hash for i, rows in enumerate(variants)}

    assert base not in hashes
    assert len(hashes) == len(variants)


def test_null_and_empty_text_differ(tmp_path):
    empty = make_db(tmp_path / "empty.db", [(1, "")])
    null = make_db(tmp_path / "null.db", [(1, None)])

    assert hash_table(empty, "t") != hash_table(null, "t")


def test_tables_without_primary_key_are_hashed_in_content_order(tmp_path):
    schema = "CREATE TABLE t (a, b)"
    first = make_db(tmp_path / "a.db", [(2, "x"), (1, "y"), (1, "a")], schema)
    second = make_db(tmp_path / "b.db", [(1, "a"), (2, "x"), (1, "y")], schema)

    assert hash_table(first, "t") == hash_table(second, "t")


def test_internal_tables_are_not_content(tmp_path):
    connection = make_db(tmp_path / "a.db", ROWS)
    before = hash_tables(connection)
    connection.execute("CREATE INDEX ix_value ON t (value)")
    connection.execute("ANALYZE")
    connection.execute("CREATE TABLE _microcosm_sqlite_metadata (key TEXT PRIMARY KEY, value TEXT)")

    assert hash_tables(connection) == before
    assert list(before) == ["t"]


def test_overall_hash_follows_every_table(tmp_path):
    connection = make_db(tmp_path / "a.db", ROWS)
    before = overall_hash(hash_tables(connection))
    connection.execute("UPDATE t SET value = 'changed' WHERE id = 5")

    assert overall_hash(hash_tables(connection)) != before


def test_file_sha256(tmp_path):
    path = tmp_path / "source.csv"
    path.write_bytes(b"code,name\n")

    assert file_sha256(path) == "a71e0581e283b94badc8641a8eee7bc94daffd15eeb442fa4df21ce34304737f"
