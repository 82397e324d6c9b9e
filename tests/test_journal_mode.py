"""
Config `sqlite.journal_mode`: WAL for datasets maintained in place, rollback journal by default.

"""

import multiprocessing
import sqlite3
import threading
import time

import pytest
from microcosm.api import create_object_graph, load_from_environ
from sqlalchemy import Column, Integer, String, func, insert, select
from sqlalchemy.exc import OperationalError

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite.errors import ConfigurationError, UnsupportedArtifactError
from tests.support.fixtures import CityStore, Geography
from tests.support.graphs import make_graph

Journal = DataSet.create("Journal")


class Entry(Journal):
    __tablename__ = "entry"

    id = Column(Integer, primary_key=True)
    note = Column(String, nullable=False)


def header_journal_bytes(path) -> tuple[int, int]:
    """File header bytes 18-19: 1 for a rollback journal, 2 for WAL (https://www.sqlite.org/fileformat.html)."""
    header = path.read_bytes()[:20]
    return header[18], header[19]


def pragma(graph, name: str, statement: str):
    with graph.sqlite(name).engine.connect() as connection:
        return connection.exec_driver_sql(statement).scalar()


def test_the_default_keeps_a_single_file_with_a_rollback_journal(tmp_path):
    path = tmp_path / "journal.db"
    graph = make_graph(paths={"Journal": str(path)})
    assert graph.sqlite.options.journal_mode == "delete"
    Journal.create_all(graph)

    assert pragma(graph, "Journal", "PRAGMA journal_mode") == "delete"
    assert pragma(graph, "Journal", "PRAGMA synchronous") == 2  # FULL, SQLite's default
    dispose_sqlite_connections(graph)
    assert header_journal_bytes(path) == (1, 1)


def test_wal_is_applied_per_connection_with_synchronous_normal(tmp_path):
    path = tmp_path / "journal.db"
    graph = make_graph(paths={"Journal": str(path)}, journal_mode="wal")
    Journal.create_all(graph)

    engine = graph.sqlite("Journal").engine
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert header_journal_bytes(path) == (2, 2)
    dispose_sqlite_connections(graph)


def test_journal_mode_from_an_environment_string(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNALTEST__SQLITE__JOURNAL_MODE", "WAL")
    monkeypatch.setenv("JOURNALTEST__SQLITE__PATHS__JOURNAL", str(tmp_path / "journal.db"))
    graph = create_object_graph("journaltest", testing=True, loader=load_from_environ)

    assert graph.sqlite.options.journal_mode == "wal"
    assert pragma(graph, "Journal", "PRAGMA journal_mode") == "wal"
    dispose_sqlite_connections(graph)


@pytest.mark.parametrize("value", ["truncate", "memory", "wall", ""])
def test_any_other_journal_mode_is_a_clear_error(tmp_path, value):
    with pytest.raises(ConfigurationError) as raised:
        make_graph(paths={"Journal": str(tmp_path / "journal.db")}, journal_mode=value).sqlite

    assert str(raised.value) == (
        f"config sqlite.journal_mode is {value!r}: use 'delete' (the default: one file, a rollback journal) "
        "or 'wal' (for a dataset maintained in place: readers never block the writer)"
    )
    assert not (tmp_path / "journal.db").exists()


def test_a_writer_configured_otherwise_than_the_file_in_use_is_a_clear_error(tmp_path):
    path = tmp_path / "journal.db"
    wal = make_graph(paths={"Journal": str(path)}, journal_mode="wal")
    Journal.create_all(wal)
    graph = make_graph(paths={"Journal": str(path)}, busy_timeout=0.1)
    with wal.sqlite("Journal").engine.connect():
        # Leaving WAL needs every other connection closed: the mismatch is named, not "locked".
        with pytest.raises(
            ConfigurationError, match="config sqlite.journal_mode is 'delete', but .* cannot leave 'wal' mode"
        ):
            with graph.sqlite("Journal").engine.connect():
                pass
    dispose_sqlite_connections(wal)

    # Once it is the only one, the configured mode wins: the file is one file again.
    assert pragma(graph, "Journal", "PRAGMA journal_mode") == "delete"
    dispose_sqlite_connections(graph)
    assert header_journal_bytes(path) == (1, 1)


def test_switching_waits_for_a_connection_that_lets_go_within_the_busy_timeout(tmp_path):
    # Two processes of one service starting together: one holds the new file a moment while the
    # other switches it to WAL. The switch waits for it, as any write waits on a lock.
    path = tmp_path / "journal.db"
    Journal.create_all(make_graph(paths={"Journal": str(path)}))
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM entry").fetchone()
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    graph = make_graph(paths={"Journal": str(path)}, journal_mode="wal", busy_timeout=5)

    assert pragma(graph, "Journal", "PRAGMA journal_mode") == "wal"
    release.join()
    other.close()
    dispose_sqlite_connections(graph)
    assert header_journal_bytes(path) == (2, 2)


def test_a_read_only_dataset_still_refuses_a_wal_file_whatever_the_config(tmp_path):
    path = tmp_path / "journal.db"
    writable = make_graph(paths={"Journal": str(path)}, journal_mode="wal")
    Journal.create_all(writable)
    dispose_sqlite_connections(writable)

    graph = make_graph(paths={"Journal": str(path)}, journal_mode="wal", read_only=True)
    with pytest.raises(UnsupportedArtifactError, match="WAL mode"):
        graph.sqlite("Journal")


def test_a_read_only_artifact_opens_unchanged_with_wal_configured(artifact):
    before = artifact.read_bytes()
    graph = make_graph(paths={"Geography": str(artifact)}, journal_mode="wal", read_only=True)
    with Geography.new_context(graph):
        assert CityStore().count() == 6
    dispose_sqlite_connections(graph)

    assert artifact.read_bytes() == before
    assert sorted(path.name for path in artifact.parent.iterdir()) == ["geography.db"]


# The writer and its readers: real processes sharing one WAL file.

WRITE_SECONDS = 2.0
READERS = 4


def writer(path: str, start, done, results) -> None:
    try:
        graph = make_graph(paths={"Journal": path}, journal_mode="wal")
        engine = graph.sqlite("Journal").engine
        committed = 0
        start.wait(timeout=30)
        deadline = time.monotonic() + WRITE_SECONDS
        while time.monotonic() < deadline:
            # One transaction per row: the most commits, so the most chances to block a reader.
            with engine.begin() as connection:
                connection.execute(insert(Entry.__table__).values(note=f"row {committed}"))
            committed += 1
        results.put(("writer", committed, 0, None))
    except BaseException as error:  # report, do not hang the parent
        results.put(("writer", 0, 0, repr(error)))
    finally:
        done.set()


def reader(path: str, start, done, results) -> None:
    reads = locked = 0
    problem = None
    try:
        # No busy timeout: a reader that had to wait for the writer's lock fails at once, and is
        # counted, instead of waiting quietly (with the default 10 s, a rollback journal passed too).
        graph = make_graph(paths={"Journal": path}, journal_mode="wal", busy_timeout=0)
        engine = graph.sqlite("Journal").engine
        seen = 0
        start.wait(timeout=30)
        while not done.is_set():
            try:
                with engine.connect() as connection:
                    count = connection.execute(select(func.count()).select_from(Entry.__table__)).scalar_one()
            except OperationalError as error:
                if "database is locked" not in str(error):
                    raise
                locked += 1
                continue
            if count < seen:
                problem = f"the count went back from {seen} to {count}"
            seen = count
            reads += 1
    except BaseException as error:
        problem = repr(error)
    results.put(("reader", reads, locked, problem))


def test_under_wal_readers_never_wait_for_the_writer_and_no_row_is_lost(tmp_path):
    path = tmp_path / "journal.db"
    graph = make_graph(paths={"Journal": str(path)}, journal_mode="wal")
    Journal.create_all(graph)
    dispose_sqlite_connections(graph)

    # Forked children open their own graphs: nothing of the parent's connections is used.
    context = multiprocessing.get_context("fork")
    # All start together, whichever took longer to open its graph.
    start, done, results = context.Barrier(1 + READERS), context.Event(), context.Queue()
    processes = [context.Process(target=writer, args=(str(path), start, done, results))]
    processes += [context.Process(target=reader, args=(str(path), start, done, results)) for _ in range(READERS)]
    # Held open so that the WAL index exists before the children connect: the first connection to
    # a closed WAL file rebuilds it, and a reader with no busy timeout arriving then would be refused.
    keeper = sqlite3.connect(path)
    keeper.execute("SELECT count(*) FROM entry").fetchone()
    try:
        for process in processes:
            process.start()
        reports = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        keeper.close()

    assert [report[3] for report in reports] == [None] * len(processes), reports
    (committed,) = [report[1] for report in reports if report[0] == "writer"]
    reads = sum(report[1] for report in reports if report[0] == "reader")
    lock_errors = sum(report[2] for report in reports if report[0] == "reader")
    print(f"\nWAL: {committed} commits by 1 writer, {reads} reads by {READERS} readers, {lock_errors} lock errors")
    assert committed > 0 and all(report[1] > 0 for report in reports)
    assert lock_errors == 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM entry").fetchone()[0] == committed
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
