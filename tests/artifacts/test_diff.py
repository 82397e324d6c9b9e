import sqlite3
import tracemalloc
from contextlib import closing

from microcosm_sqlite.artifacts.diff import Change, changes, compared, diff_artifacts
from microcosm_sqlite.artifacts.reading import sort_key
from tests.support.building import build_geography


def test_sort_key_orders_values_like_sqlite():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (k)")
    values = [None, 3, 2.5, -1, "b", "B", "é", "a", b"\x00", b"z", 10]
    connection.executemany("INSERT INTO t VALUES (?)", [(value,) for value in values])

    in_sqlite = [row[0] for row in connection.execute("SELECT k FROM t ORDER BY k COLLATE BINARY")]

    assert sorted(values, key=lambda value: sort_key([value])) == in_sqlite


def table_files(tmp_path, ddl, rows_a, rows_b):
    """Two plain SQLite files with one table `t` each, the rows given."""
    paths = []
    for name, rows in (("a", rows_a), ("b", rows_b)):
        path = tmp_path / f"{name}.db"
        with closing(sqlite3.connect(path)) as connection, connection:
            connection.execute(ddl)
            if rows:
                placeholders = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO t VALUES ({placeholders})", rows)
        paths.append(path)
    return paths


def test_composite_keys_of_mixed_types_join_like_sqlite_orders_them(tmp_path):
    a, b = table_files(
        tmp_path,
        "CREATE TABLE t (a, b, v, PRIMARY KEY (a, b))",
        [(1, "x", 1), (1, "y", 2), ("1", "x", 3), (None, "z", 4)],
        [(1, "x", 1), (1, "y", 20), ("1", "x", 3), (2.5, "q", 5)],
    )

    (diff,) = diff_artifacts(a, b).tables

    assert diff.key == ["a", "b"]
    assert diff.counts == {"added": 1, "removed": 1, "changed": 1}
    assert diff.samples == {"added": [[2.5, "q"]], "removed": [[None, "z"]], "changed": [[1, "y"]]}


def test_changes_stream_in_key_order_whatever_their_kind(tmp_path):
    a, b = table_files(
        tmp_path,
        "CREATE TABLE t (code TEXT PRIMARY KEY, v INTEGER)",
        [("a", 1), ("c", 3), ("e", 5), ("g", 7)],
        [("b", 2), ("c", 30), ("e", 5), ("f", 6), ("g", 7.5)],
    )

    with compared(a, b) as (left, right):
        found = list(changes(left, right, "t", ["code"], ["code", "v"]))

    assert found == [
        (Change.REMOVED, ("a",)),
        (Change.ADDED, ("b",)),
        (Change.CHANGED, ("c",)),
        (Change.ADDED, ("f",)),
        (Change.CHANGED, ("g",)),
    ]


def test_null_keys_match_null_keys(tmp_path):
    # A PRIMARY KEY of a rowid table that is not INTEGER allows NULL (https://www.sqlite.org/lang_createtable.html).
    a, b = table_files(
        tmp_path,
        "CREATE TABLE t (k TEXT PRIMARY KEY, v)",
        [(None, "same"), ("x", 1)],
        [(None, "same"), ("x", 1), ("y", 2)],
    )
    (tmp_path / "changed").mkdir()
    a_changed, b_changed = table_files(
        tmp_path / "changed",
        "CREATE TABLE t (k TEXT PRIMARY KEY, v)",
        [(None, "old")],
        [(None, "new")],
    )

    (diff,) = diff_artifacts(a, b).tables
    (changed,) = diff_artifacts(a_changed, b_changed).tables

    assert diff.counts == {"added": 1, "removed": 0, "changed": 0}
    assert changed.counts == {"added": 0, "removed": 0, "changed": 1}
    assert changed.samples["changed"] == [[None]]


def test_a_table_without_primary_key_compares_rows_as_a_multiset(tmp_path):
    a, b = table_files(
        tmp_path,
        "CREATE TABLE t (x, y)",
        [(1, "a"), (1, "a"), (2, "b"), (None, None), (3, "c")],
        [(1, "a"), (2, "b"), (2, "b"), (3.0, "c")],
    )

    (diff,) = diff_artifacts(a, b).tables

    assert diff.key == ["x", "y"]
    # Every column is the key: a changed value is a row removed and another added, and a value
    # equal to `=` but of another type (3 and 3.0) a changed row.
    assert diff.counts == {"added": 1, "removed": 2, "changed": 1}
    assert diff.samples == {"added": [[2, "b"]], "removed": [[None, None], [1, "a"]], "changed": [[3, "c"]]}


def test_a_table_only_one_side_has_lists_every_row(tmp_path):
    a, b = table_files(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY)", [(2,), (1,)], [])
    with closing(sqlite3.connect(b)) as connection, connection:
        connection.execute("DROP TABLE t")
        connection.execute("CREATE TABLE u (id INTEGER PRIMARY KEY)")
        connection.execute("INSERT INTO u VALUES (5)")

    removed, added = diff_artifacts(a, b).tables

    assert (removed.name, removed.rows_b, removed.counts["removed"], removed.samples["removed"]) == (
        "t",
        None,
        2,
        [[1], [2]],
    )
    assert (added.name, added.rows_a, added.counts["added"], added.samples["added"]) == ("u", None, 1, [[5]])


def test_diff_trusts_the_recorded_hashes_only_of_a_file_whose_digest_matches(tmp_path):
    info = build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "b.db")
    # An edit by hand: the digest no longer matches, so the recorded hash no longer says what the file holds.
    with closing(sqlite3.connect(tmp_path / "b.db")) as connection, connection:
        connection.execute("UPDATE city SET population = population + 1 WHERE id = 3")

    city, country = diff_artifacts(tmp_path / "a.db", tmp_path / "b.db").tables

    assert city.hash_a == info.tables["city"].content_hash
    assert city.hash_b != info.tables["city"].content_hash
    assert city.counts == {"added": 0, "removed": 0, "changed": 1}
    assert country.same


def test_changes_hold_one_batch_of_keys_whatever_the_length(tmp_path):
    a, b = table_files(
        tmp_path,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v)",
        [(index * 2, "x") for index in range(30_000)],
        [(index * 2 + 1, "x") for index in range(30_000)],
    )

    with compared(a, b) as (left, right):
        tracemalloc.start()
        try:
            found = sum(1 for _ in changes(left, right, "t", ["id"], ["id", "v"]))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert found == 60_000
    assert peak < 1_000_000


def same_rows_with_keys(path, ddl):
    with sqlite3.connect(path) as connection:
        connection.execute(ddl)
        connection.executemany("INSERT INTO t VALUES (?, ?)", [(1, "A"), (2, "B"), (3, "C")])
    connection.close()
    return path


def test_a_changed_primary_key_is_a_difference_even_when_the_rows_hash_alike(tmp_path):
    a = same_rows_with_keys(tmp_path / "a.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL)")
    b = same_rows_with_keys(tmp_path / "b.db", "CREATE TABLE t (id INTEGER NOT NULL, code TEXT PRIMARY KEY)")

    result = diff_artifacts(a, b)

    (table,) = result.tables
    assert table.hash_a == table.hash_b  # the same rows, in both keys' order
    assert table.key_changed and not table.same and not result.same
    assert diff_artifacts(a, a).same
