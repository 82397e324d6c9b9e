"""
Many processes and threads reading one artifact: forked children and threads, for real.

"""
import multiprocessing
import os
import threading

import pytest

from microcosm_sqlite import GetOrCreateSession, dispose_sqlite_connections
from tests.conftest import make_graph
from tests.fixtures import CityStore, Geography


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
    for pid, inherited, names, count, _session_id in results:
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
