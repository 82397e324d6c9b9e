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


def typed_db(path, values, declared):
    return make_db(path, [(1, value) for value in values], f"CREATE TABLE t (id INTEGER PRIMARY KEY, value {declared})")


def test_json_documents_hash_by_their_meaning(tmp_path):
    """Key order and spacing are how one engine wrote the document, not what it says."""
    written = typed_db(tmp_path / "a.db", ['{"b": [1, 2], "a": "é"}'], "JSON")
    canonical = typed_db(tmp_path / "b.db", ['{"a":"é","b":[1,2]}'], "JSON")
    other = typed_db(tmp_path / "c.db", ['{"a":"é","b":[2,1]}'], "JSON")

    assert hash_table(written, "t") == hash_table(canonical, "t")
    assert hash_table(written, "t") != hash_table(other, "t")


def test_dates_and_times_hash_by_their_value(tmp_path):
    stored = typed_db(tmp_path / "a.db", ["2024-02-29 13:45:00.000000"], "DATETIME")
    another_form = typed_db(tmp_path / "b.db", ["2024-02-29T13:45:00"], "DATETIME")
    text = typed_db(tmp_path / "c.db", ["2024-02-29T13:45:00"], "VARCHAR")

    assert hash_table(stored, "t") == hash_table(another_form, "t")
    assert hash_table(text, "t") != hash_table(another_form, "t")


def test_formats_1_and_2_keep_hashing_stored_values(tmp_path):
    """Artifacts built before format 3 recorded hashes of the stored text: they still verify."""
    written = typed_db(tmp_path / "a.db", ['{"b": 1, "a": 2}'], "JSON")
    canonical = typed_db(tmp_path / "b.db", ['{"a":2,"b":1}'], "JSON")

    assert hash_table(written, "t", format_version=2) != hash_table(canonical, "t", format_version=2)
    assert hash_table(written, "t", format_version=2) != hash_table(written, "t", format_version=3)


def test_typed_values_encode_as_sqlite_stores_them():
    """What PostgreSQL hands back (booleans, decimals, dates, UUIDs) encodes as SQLite's stored form."""
    import datetime
    import decimal
    import uuid

    from microcosm_sqlite.artifacts.hashing import encode_value

    assert encode_value(True) == encode_value(1)
    assert encode_value(decimal.Decimal("3.00")) == encode_value(3)
    assert encode_value(decimal.Decimal("9.99")) == encode_value(9.99)
    assert encode_value(datetime.date(2024, 2, 29)) == encode_value("2024-02-29")
    assert encode_value(datetime.datetime(2024, 2, 29, 13, 45)) == encode_value("2024-02-29 13:45:00.000000")
    assert encode_value(datetime.time(8, 30)) == encode_value("08:30:00.000000")
    token = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert encode_value(token) == encode_value(token.hex)
