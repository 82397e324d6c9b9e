"""
Search by words on PostgreSQL: the shipped airports published to a private server, searched through
the store and through plain psycopg with the very statement the store sends.

    python -m benchmarks.server_search --queries 300

Starts its own PostgreSQL server (`pgserver`, in a temporary folder), times `publish_artifact` of
`datasets/airports.db`, then for a few words (rare, common, prefix) times `search(q=word, limit=10)`
through `AirportStore` (hooks of its own) and through a store with none, against the same SQL and
parameters executed by psycopg on a connection of its own: wall and client CPU per query, in one
run, so the ratios hold on a noisy machine. It also prints PostgreSQL's own account of one query
(`EXPLAIN (ANALYZE, SUMMARY)`: planning and execution time, and whether the GIN index answered).

"""

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.server import private_server

HERE = Path(__file__).parent
ARTIFACT = HERE.parent / "datasets" / "airports.db"
#: (label, q, prefix): a rare word, a word in most rows, a prefix, two words.
WORDS = [
    ("rare", "heathrow", False),
    ("common", "airport", False),
    ("prefix", "zur", True),
    ("two words", "sao paulo", False),
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(call: Callable[[], object], queries: int, budget: float = 20.0) -> tuple[float, float]:
    """Median wall and client CPU per call, in ms, over `queries` calls (fewer past `budget` s) after a warm-up."""
    for _ in range(5):
        call()
    walls: list[float] = []
    cpus: list[float] = []
    while len(walls) < queries and (len(walls) < 5 or sum(walls) < budget):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server_search", description=__doc__.split("\n\n")[1])
    parser.add_argument("--queries", type=int, default=300, help="timed queries per word and contender")
    args = parser.parse_args(argv)

    import psycopg
    from microcosm.api import create_object_graph, load_from_dict

    from microcosm_sqlite import Store, dispose_sqlite_connections
    from microcosm_sqlite.artifacts import publish_artifact
    from reference_data.airports import Airport, Airports, AirportStore

    class PlainAirportStore(Store):
        model_class = Airport

    with private_server(Path(tempfile.gettempdir())) as server:
        server.psql("CREATE DATABASE search_bench")  # type: ignore[attr-defined]
        url = server.get_uri("search_bench").replace("postgresql://", "postgresql+psycopg://", 1)  # type: ignore[attr-defined]
        publish_times = []
        for _ in range(3):
            started = time.perf_counter()
            publish_artifact(ARTIFACT, url, Airports, keep=0)
            publish_times.append(time.perf_counter() - started)
        log(f"published {ARTIFACT.name}: {', '.join(f'{t:.2f}s' for t in publish_times)}")

        graph = create_object_graph(
            "bench", testing=True, loader=load_from_dict(sqlite={"paths": {"Airports": url}, "read_only": True})
        )
        plain = psycopg.connect("postgresql://" + url.partition("://")[2], autocommit=True)
        plain.execute("SET search_path TO airports")
        rows: list[tuple[str, str, float, float, float, float, float]] = []
        explained: list[tuple[str, str, str, bool]] = []
        try:
            with Airports.new_context(graph) as context:
                dialect = context.session.bind.dialect
                for label, q, prefix in WORDS:
                    for store_name, store in (
                        ("AirportStore", AirportStore()),
                        ("Store, no hooks", PlainAirportStore()),
                    ):
                        query = store._search_query(None, 10, q=q, prefix=prefix)
                        compiled = query.statement.compile(dialect=dialect)
                        params: dict[str, Any] = {**compiled.params, **query._params}
                        sql = str(compiled)
                        cursor = plain.execute(sql, params)  # type: ignore[call-overload]
                        names = [column.name for column in cursor.description or ()]
                        expected = [row[names.index("icao")] for row in cursor.fetchall()]
                        got = [airport.icao for airport in store.search(q=q, prefix=prefix, limit=10)]
                        if got != expected or not got:
                            log(f"  {store_name} {q!r}: store gave {got}, SQL gave {expected}")
                            return 1

                        def through_store(store: Store = store, q: str = q, prefix: bool = prefix) -> object:
                            # Iterated, not list(): list() asks len() first, which is a COUNT query.
                            return [airport for airport in store.search(q=q, prefix=prefix, limit=10)]

                        def through_psycopg(sql: str = sql, params: dict[str, Any] = params) -> object:
                            return plain.execute(sql, params).fetchall()  # type: ignore[call-overload]

                        store_wall, store_cpu = timed(through_store, args.queries)
                        sql_wall, sql_cpu = timed(through_psycopg, args.queries)
                        rows.append(
                            (label, store_name, store_wall, store_cpu, sql_wall, sql_cpu, store_wall / sql_wall)
                        )
                        if store_name == "AirportStore":
                            plan = [
                                line
                                for (line,) in plain.execute(f"EXPLAIN (ANALYZE, SUMMARY) {sql}", params)  # type: ignore[call-overload]
                            ]
                            planning = next(line for line in plan if line.startswith("Planning Time"))
                            execution = next(line for line in plan if line.startswith("Execution Time"))
                            indexed = any("airport_fts" in line for line in plan)
                            explained.append((f"{label} {q!r}", planning, execution, indexed))
        finally:
            plain.close()
            dispose_sqlite_connections(graph)

    print(
        f"Search by words on PostgreSQL 16: {ARTIFACT.name} published, search(q=..., limit=10), medians of {args.queries}\n"
    )
    print(f"publish_artifact: {statistics.median(publish_times):.2f}s (median of {len(publish_times)})\n")
    print("| word | store | store wall ms | store CPU ms | psycopg wall ms | psycopg CPU ms | store / psycopg |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, store_name, store_wall, store_cpu, sql_wall, sql_cpu, ratio in rows:
        print(
            f"| {label} | {store_name} | {store_wall:.2f} | {store_cpu:.2f} | {sql_wall:.2f} | {sql_cpu:.2f} | {ratio:.2f}x |"
        )
    print("\nEXPLAIN (ANALYZE, SUMMARY) of AirportStore's statement, once, after the timed runs:\n")
    for word, planning, execution, indexed in explained:
        print(f"- {word}: {planning}, {execution}, {'GIN index' if indexed else 'no index (a sequential scan)'}")
    return 0


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        sys.exit(main())
