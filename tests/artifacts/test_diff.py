import sqlite3
import tracemalloc

from microcosm_sqlite.artifacts.diff import Change, Side, diff_artifacts, diff_table, merge_join
from microcosm_sqlite.artifacts.reading import sort_key


def keyed(rows):
    return iter([((key,) if not isinstance(key, tuple) else key, values, values) for key, values in rows])


def test_merge_join_yields_added_removed_and_changed_keys_in_order():
    a = keyed([(1, "x"), (2, "y"), (4, "z")])
    b = keyed([(2, "y"), (3, "new"), (4, "Z"), (5, "w")])

    assert list(merge_join(a, b)) == [
        (Change.REMOVED, (1,)),
        (Change.ADDED, (3,)),
        (Change.CHANGED, (4,)),
        (Change.ADDED, (5,)),
    ]


def test_sort_key_orders_values_like_sqlite():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (k)")
    values = [None, 3, 2.5, -1, "b", "B", "é", "a", b"\x00", b"z", 10]
    connection.executemany("INSERT INTO t VALUES (?)", [(value,) for value in values])

    in_sqlite = [row[0] for row in connection.execute("SELECT k FROM t ORDER BY k COLLATE BINARY")]

    assert sorted(values, key=lambda value: sort_key([value])) == in_sqlite


def test_composite_keys_of_mixed_types_join_like_sqlite_orders_them(tmp_path):
    statements = "CREATE TABLE t (a, b, v, PRIMARY KEY (a, b))"
    rows_a = [(1, "x", 1), (1, "y", 2), ("1", "x", 3), (None, "z", 4)]
    rows_b = [(1, "x", 1), (1, "y", 20), ("1", "x", 3), (2.5, "q", 5)]
    sides = []
    for name, rows in (("a", rows_a), ("b", rows_b)):
        connection = sqlite3.connect(tmp_path / f"{name}.db")
        connection.execute(statements)
        connection.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        connection.commit()
        sides.append(Side(tmp_path / f"{name}.db", connection))

    diff = diff_table(*sides, "t")

    assert diff.key == ["a", "b"]
    assert diff.counts == {"added": 1, "removed": 1, "changed": 1}
    assert diff.samples == {"added": [[2.5, "q"]], "removed": [[None, "z"]], "changed": [[1, "y"]]}


def test_merge_join_holds_one_row_per_side_whatever_the_length():
    def rows(count, offset):
        for index in range(count):
            key = (index * 2 + offset,)
            yield key, key, key

    tracemalloc.start()
    try:
        changes = sum(1 for _ in merge_join(rows(30_000, 0), rows(30_000, 1)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert changes == 60_000
    assert peak < 200_000


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
