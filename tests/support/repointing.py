"""
Threads reading a dataset while the main thread disposes it and points it at another file.

Run as a script, in a subprocess of its own, by `tests/test_concurrency.py`: a segfault then fails
that test instead of killing pytest. Prints a JSON summary on its last line.

    python -m tests.support.repointing FOLDER [--read-only] [--rounds 5] [--threads 8] [--changes 40]

"""

import argparse
import faulthandler
import json
import threading
import time
import traceback
from pathlib import Path

from microcosm_sqlite import GetOrCreateSession, dispose_sqlite_connections
from tests.support.building import build_geography
from tests.support.fixtures import CityStore, Geography
from tests.support.graphs import make_graph

#: Two artifacts that tell apart every row they serve: a read is whole from one file or wrong.
FILES = {"first.db": ("first", 120), "second.db": ("second", 80)}
#: Small batches: each search is many fetchmany() calls, so disposes land in the middle of one.
BATCH_SIZE = 5


def city_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix} {number}" for number in range(count)]


def build_files(folder: Path) -> dict[str, list[str]]:
    """Build both artifacts (once per folder); the names each one serves, by path."""
    expected = {}
    for file_name, (prefix, count) in FILES.items():
        path = folder / file_name
        names = city_names(prefix, count)
        if not path.exists():
            build_geography(path, cities=[dict(id=i + 1, name=name, country_code="FR") for i, name in enumerate(names)])
        expected[str(path)] = names
    return expected


def run_round(expected: dict[str, list[str]], read_only: bool, threads: int, changes: int) -> dict:
    first, second = expected
    graph = make_graph(paths={"Geography": first}, read_only=read_only, search_batch_size=BATCH_SIZE)
    graph.use("sqlite")
    get_session = GetOrCreateSession(graph)
    stop = threading.Event()
    final: list[str] = []
    errors: list[str] = []
    reads = {path: 0 for path in expected}
    lock = threading.Lock()

    def read(with_context: bool) -> list[str]:
        if with_context:
            with Geography.new_context(graph):
                return [city.name for city in CityStore().search()]
        store = CityStore(get_session=get_session)
        names = [city.name for city in store.search()]
        # count() and first() are whole queries of their own: they must agree with one file too.
        count, first_city = store.count(), store.first()
        if count not in (len(names) for names in expected.values()) or first_city is None:
            raise AssertionError(f"count() {count}, first() {first_city!r}")
        return names

    def check(names: list[str]) -> str:
        for path, served in expected.items():
            if names == served:
                return path
        raise AssertionError(f"{len(names)} rows from no single file: {names[:3]}...")

    def reader(with_context: bool) -> None:
        try:
            while not stop.is_set():
                path = check(read(with_context))
                with lock:
                    reads[path] += 1
                # Let the main thread in: with a dozen threads wanting the GIL, it would otherwise
                # wait for it long enough to make a round last seconds.
                time.sleep(0.001)
            # The dataset changes no more: the next use must see the file it points at now.
            names = read(with_context)
            with lock:
                final.append(check(names))
        except BaseException:
            with lock:
                errors.append(traceback.format_exc(limit=8))

    workers = [threading.Thread(target=reader, args=(number % 2 == 1,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    current = first
    try:
        for change in range(changes):
            time.sleep(0.005)
            if change % 10 == 9:
                dispose_sqlite_connections(graph)
            elif change % 2:
                Geography.dispose(graph)
            else:
                current = second if current == first else first
                graph.sqlite["Geography"] = current
    except BaseException:
        errors.append(traceback.format_exc(limit=8))
    finally:
        stop.set()
    for worker in workers:
        worker.join(timeout=60)
    alive = sum(worker.is_alive() for worker in workers)
    dispose_sqlite_connections(graph)
    return dict(
        errors=errors + [f"{alive} threads still running"] * bool(alive),
        reads=sorted(reads.values()),
        final_reads_of_the_current_file=sum(path == current for path in final),
        final_reads=len(final),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--changes", type=int, default=40)
    arguments = parser.parse_args()
    # A crash prints every thread's Python stack to stderr, which the test shows.
    faulthandler.enable()
    expected = build_files(arguments.folder)
    rounds = []
    for number in range(arguments.rounds):
        rounds.append(run_round(expected, arguments.read_only, arguments.threads, arguments.changes))
        print(f"round {number}: {json.dumps(rounds[-1])[:2000]}", flush=True)
    print(json.dumps(rounds), flush=True)


if __name__ == "__main__":
    main()
