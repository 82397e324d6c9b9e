"""
Many processes and threads reading one artifact: forked children and threads, for real.

"""

import gc
import json
import multiprocessing
import os
import subprocess
import sys
import threading

import pytest

from microcosm_sqlite import GetOrCreateSession, dispose_sqlite_connections
from tests.support.building import build_geography
from tests.support.cli import ROOT
from tests.support.fixtures import CITIES, CityStore, Geography
from tests.support.graphs import make_graph


def child_query(graph, get_session, queue):
    try:
        # The inherited pool must have been dropped: the parent's connection never serves the child.
        engine = graph.sqlite("Geography").engine
        inherited = engine.pool.checkedin()
        with Geography.new_context(graph):
            names = [city.name for city in CityStore().search(country_code="FR")]
        store = CityStore(get_session=get_session)
        queue.put((os.getpid(), inherited, names, store.count(), id(store.session)))
    except BaseException as error:  # report, do not hang the parent
        queue.put(("error", repr(error)))


def test_forked_children_query_after_the_parent(read_only_graph):
    get_session = GetOrCreateSession(read_only_graph)
    parent_store = CityStore(get_session=get_session)
    assert parent_store.count() == 6
    parent_session = parent_store.session
    with Geography.new_context(read_only_graph):
        assert len(CityStore().search()) == 6
    assert read_only_graph.sqlite("Geography").engine.pool.checkedin() >= 1

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=child_query, args=(read_only_graph, get_session, queue)) for _ in range(3)]
    for child in children:
        child.start()
    results = [queue.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0

    assert all(result[0] != "error" for result in results), results
    assert len({result[0] for result in results}) == 3
    for _pid, inherited, names, count, _session_id in results:
        assert inherited == 0
        assert names == ["Paris", "Lyon"]
        assert count == 6
    # The parent is untouched by its children.
    assert parent_store.session is parent_session
    assert parent_store.count() == 6


def test_forked_child_does_not_inherit_an_open_context(read_only_graph):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def inside_open_context():
        from microcosm_sqlite.errors import NoSessionError

        try:
            CityStore().count()
            queue.put("reused the parent's session")
        except NoSessionError:
            queue.put("refused")

    with Geography.new_context(read_only_graph):
        child = context.Process(target=inside_open_context)
        child.start()
        child.join(timeout=60)
    assert queue.get(timeout=10) == "refused"


def test_eight_threads_search_at_once(read_only_graph):
    # As a service does at start-up: microcosm creates components lazily and not thread-safely.
    read_only_graph.use("sqlite")
    get_session = GetOrCreateSession(read_only_graph)
    barrier = threading.Barrier(8)
    results, errors, sessions = [], [], []

    def search():
        try:
            store = CityStore(get_session=get_session)
            barrier.wait(timeout=30)
            for _ in range(50):
                results.append([city.id for city in store.search()])
            sessions.append(store.session)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=search) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 400
    assert all(ids == [1, 2, 3, 4, 5, 6] for ids in results)
    assert len({id(session) for session in sessions}) == 8


def test_threads_with_their_own_contexts(read_only_graph):
    read_only_graph.use("sqlite")
    errors, counts = [], []

    def work():
        try:
            for _ in range(20):
                with Geography.new_context(read_only_graph):
                    counts.append(CityStore().count(name="Paris"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and counts == [2] * 160


@pytest.mark.parametrize("read_only", [True, False])
def test_more_threads_than_the_pool_each_keep_a_session(artifact, read_only):
    """GetOrCreateSession holds one connection per thread; thread 16 must not wait for a free one."""
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=read_only)
    graph.use("sqlite")
    get_session = GetOrCreateSession(graph)
    barrier = threading.Barrier(20)
    counts, errors = [], []

    def hold_a_session():
        try:
            counts.append(CityStore(get_session=get_session).count())
            barrier.wait(timeout=10)  # every thread's session still holds its connection here
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=hold_a_session) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    dispose_sqlite_connections(graph)
    assert errors == [] and counts == [6] * 20


def test_child_forked_while_another_thread_holds_the_factory_lock(read_only_graph):
    """The holder thread does not exist in the child: an inherited held lock would deadlock it."""
    factory = read_only_graph.sqlite
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with factory._lock:
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(timeout=10)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def first_use_in_child():
        with Geography.new_context(read_only_graph):
            queue.put(CityStore().count())

    try:
        child = context.Process(target=first_use_in_child)
        child.start()
        child.join(timeout=20)
        stuck = child.is_alive()
        if stuck:
            child.kill()
    finally:
        release.set()
        holder.join()
    assert not stuck
    assert queue.get(timeout=5) == 6


@pytest.mark.parametrize("read_only", [True, False])
def test_disposing_and_repointing_never_disturbs_reading_threads(tmp_path, read_only):
    """
    8 threads read (half through GetOrCreateSession, half through contexts, in batches of 5 rows)
    while the main thread disposes the dataset and swaps its file 40 times, in 5 rounds per mode:
    every read is whole from one file, none fails, and once the changes stop the next read of
    every thread comes from the file the dataset points at. In a subprocess, because closing a
    connection under another thread's fetchmany() is a segfault (every run crashed before the fix).
    """
    command = [sys.executable, "-m", "tests.support.repointing", str(tmp_path), "--rounds", "5", "--threads", "8"]
    if read_only:
        command.append("--read-only")
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert process.returncode == 0, process.stderr[-5000:]
    # Nothing printed: no warning about connections collected unreturned, no "Exception ignored".
    assert process.stderr == ""
    rounds = json.loads(process.stdout.splitlines()[-1])
    assert len(rounds) == 5
    for summary in rounds:
        assert summary["errors"] == []
        assert summary["final_reads"] == summary["final_reads_of_the_current_file"] == 8
    # Both files were really read, over and over, while they were being swapped.
    assert min(min(summary["reads"]) for summary in rounds) > 0


def open_files(path) -> int:
    """How many of this process's file descriptors are open on `path`."""
    target = os.path.realpath(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == target
        except OSError:  # closed since listed
            pass
    return count


def two_files(tmp_path):
    """Two Geography artifacts: 6 cities, then only the first 2 of them."""
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    build_geography(first)
    build_geography(second, cities=CITIES[:2])
    return first, second


@pytest.mark.parametrize("read_only", [True, False])
def test_a_search_in_flight_finishes_on_the_old_file_which_is_closed_after(tmp_path, read_only):
    first, second = two_files(tmp_path)
    graph = make_graph(paths={"Geography": str(first)}, read_only=read_only, search_batch_size=2)
    graph.use("sqlite")
    started, repointed = threading.Event(), threading.Event()
    seen, errors = {}, []

    def reader():
        try:
            get_session = GetOrCreateSession(graph)
            store = CityStore(get_session=get_session)
            rows = iter(store.search())
            names = [next(rows).name]
            started.set()
            repointed.wait(timeout=30)
            # A lookup in the middle of the search uses a new session, on the new file...
            seen["meanwhile"] = CityStore(get_session=get_session).count()
            # ...while the search goes on with the old one.
            names.extend(city.name for city in rows)
            seen["in flight"] = names
            seen["next use"] = [city.name for city in store.search()]
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        started.wait(timeout=30)
        assert open_files(first) >= 1
        # Kept alive here, so that only closing its connections can let go of the old file.
        old_engine = graph.sqlite("Geography").engine
        graph.sqlite["Geography"] = str(second)
        Geography.dispose(graph)
        with Geography.new_context(graph):
            assert [city.name for city in CityStore().search()] == ["Paris", "Lyon"]
        repointed.set()
        thread.join(timeout=30)
        assert errors == []
        assert seen["in flight"] == [city["name"] for city in CITIES]
        assert seen["meanwhile"] == 2
        assert seen["next use"] == ["Paris", "Lyon"]
        # The thread is gone with its sessions: nothing holds the old file open any more.
        gc.collect()
        assert open_files(first) == 0
        assert open_files(second) >= 1
        assert graph.sqlite("Geography").engine is not old_engine
    finally:
        repointed.set()
        dispose_sqlite_connections(graph)
    assert open_files(second) == 0


@pytest.mark.parametrize("read_only", [True, False])
def test_a_thread_lets_go_of_the_old_file_at_its_next_use(tmp_path, read_only):
    """Not at some later garbage collection: a service may repoint often, with many threads."""
    first, second = two_files(tmp_path)
    graph = make_graph(paths={"Geography": str(first)}, read_only=read_only)
    graph.use("sqlite")
    used, repointed = threading.Event(), threading.Event()
    seen, errors = [], []

    def reader():
        try:
            store = CityStore(get_session=GetOrCreateSession(graph))
            seen.append(store.count())
            used.set()
            repointed.wait(timeout=30)
            seen.append(store.count())
            seen.append(open_files(first))
        except BaseException as error:
            errors.append(error)

    gc.disable()
    thread = threading.Thread(target=reader)
    try:
        thread.start()
        used.wait(timeout=30)
        old_engine = graph.sqlite("Geography").engine
        graph.sqlite["Geography"] = str(second)
        assert open_files(first) == 1  # the reader's session still holds it: nothing closed it
        repointed.set()
        thread.join(timeout=30)
        assert errors == []
        assert seen == [6, 2, 0]
        assert old_engine is not graph.sqlite("Geography").engine
    finally:
        gc.enable()
        repointed.set()
        dispose_sqlite_connections(graph)


@pytest.mark.parametrize("change", ["repoint", "dispose"])
@pytest.mark.parametrize("through", ["context", "GetOrCreateSession"])
def test_a_search_in_flight_in_the_thread_that_repoints_finishes_on_the_old_file(tmp_path, through, change):
    """As in an asyncio service: one task streams a search while another, on the same thread, repoints."""
    first, second = two_files(tmp_path)
    graph = make_graph(paths={"Geography": str(first)}, read_only=True, search_batch_size=2)
    context = Geography.new_context(graph).open()
    try:
        store = CityStore(get_session=GetOrCreateSession(graph)) if through == "GetOrCreateSession" else CityStore()
        rows = iter(store.search())
        names = [next(rows).name]
        if change == "repoint":
            graph.sqlite["geography"] = str(second)
        else:
            dispose_sqlite_connections(graph)
        names.extend(city.name for city in rows)
        assert names == [city["name"] for city in CITIES]
        if through == "GetOrCreateSession":
            assert store.count() == (2 if change == "repoint" else 6)
    finally:
        context.close()
        dispose_sqlite_connections(graph)
    gc.collect()
    assert open_files(first) == 0


@pytest.mark.parametrize("poolclass", ["StaticPool", "SingletonThreadPool", "NullPool"])
def test_a_search_in_flight_survives_a_repoint_with_any_configured_pool(tmp_path, poolclass):
    """StaticPool and SingletonThreadPool close connections in use when disposed; QueuePool never does."""
    first, second = two_files(tmp_path)
    graph = make_graph(paths={"Geography": str(first)}, read_only=True, search_batch_size=2, poolclass=poolclass)
    graph.use("sqlite")
    started, repointed = threading.Event(), threading.Event()
    seen, errors = [], []

    def reader():
        try:
            rows = iter(CityStore(get_session=GetOrCreateSession(graph)).search())
            names = [next(rows).name]
            started.set()
            repointed.wait(timeout=30)
            seen.extend(names + [city.name for city in rows])
        except BaseException as error:
            errors.append(error)
            started.set()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        started.wait(timeout=30)
        graph.sqlite["Geography"] = str(second)
        with Geography.new_context(graph):
            assert CityStore().count() == 2
        repointed.set()
        thread.join(timeout=30)
        assert errors == []
        assert seen == [city["name"] for city in CITIES]
    finally:
        repointed.set()
        dispose_sqlite_connections(graph)
