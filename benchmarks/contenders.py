"""
Who runs which task: each contender is one script run by one interpreter.

Our library and the original 2.0 run the very same `microcosm_*` scripts, each from its own
installation, so they do exactly the same work through the same public API.

"""

from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).parent / "scripts"
#: The airports artifact this repository ships (built by `make datasets`), for the service workload.
SHIPPED_ARTIFACT = Path(__file__).resolve().parent.parent / "datasets" / "airports.db"

# Families a run can select (`--contenders`); the floor is always the stdlib. `postgresql`: the
# tasks on a private PostgreSQL server, ours against plain SQLAlchemy on the same server.
FLOOR, OURS, SQLALCHEMY, SQLITE_UTILS, ORIGINAL = "sqlite3", "ours", "sqlalchemy", "sqlite-utils", "original"
POSTGRES = "postgresql"
FAMILIES = (FLOOR, OURS, SQLALCHEMY, SQLITE_UTILS, ORIGINAL, POSTGRES)


@dataclass(frozen=True)
class Contender:
    label: str
    family: str
    script: str
    #: Extra `key=value` arguments for the script (one script, several configurations).
    options: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> Path:
        return SCRIPTS / f"{self.script}.py"


@dataclass(frozen=True)
class Task:
    """One kind of work; `per_size` tasks run at every size, the others once, at the smallest."""

    name: str
    title: str
    contenders: tuple[Contender, ...]
    per_size: bool = True
    builds: bool = False
    #: Reads an artifact built by `build_artifact` from the CSV, rather than the generated file.
    artifact: bool = False
    #: Compares that artifact (`a=`) with one built from a copy of the CSV with 1% of rows changed (`b=`).
    pair: bool = False
    #: Reads the generated rows published on a private PostgreSQL server (`db` is its URL).
    server: bool = False
    #: Reads the shipped airports artifact (`SHIPPED_ARTIFACT`) rather than the generated file.
    shipped: bool = False
    #: Contenders must return what the floor returns (some rows), not the whole generated data.
    like_floor: bool = False

    @property
    def floor(self) -> Contender:
        return self.contenders[0]


def service_tasks(data: str, shipped: bool) -> tuple[Task, ...]:
    """The service workload on one table: small searches and lookups through real stores."""
    suffix = "" if shipped else "-gen"
    where = "shipped airports artifact" if shipped else "benchmark table"
    group, key, unique = ("country_code", "icao", "iata") if shipped else ("country", "id", "code")
    ordered = "AirportStore (own _order_by)" if shipped else "store with own _order_by"
    common = (("data", data),)

    def contender(label: str, family: str, script: str, call: str, store: str = "ordered") -> Contender:
        return Contender(label, family, script, (*common, ("call", call), ("store", store)))

    return (
        Task(
            f"svc-search{suffix}",
            f"service: 3,000 search({group}=X, limit=10), {ordered}, {where}",
            (
                contender("sqlite3 same SELECT", FLOOR, "service_sqlite3", "search"),
                contender("SQLAlchemy select()", SQLALCHEMY, "service_sqlalchemy", "search"),
                contender("ours search()", OURS, "service_ours", "search"),
            ),
            per_size=not shipped,
            shipped=shipped,
            like_floor=True,
        ),
        Task(
            f"svc-filter{suffix}",
            f"service: 3,000 search({group}=X, at_least=N, limit=10), store with own _filter, {where}",
            (
                contender("sqlite3 same SELECT", FLOOR, "service_sqlite3", "search", "filtered"),
                contender("SQLAlchemy select()", SQLALCHEMY, "service_sqlalchemy", "search", "filtered"),
                contender("ours search()", OURS, "service_ours", "search", "filtered"),
            ),
            per_size=not shipped,
            shipped=shipped,
            like_floor=True,
        ),
        Task(
            f"svc-one{suffix}",
            f"service: 3,000 one({key}=K) by primary key, {where}",
            (
                contender("sqlite3 SELECT by key", FLOOR, "service_sqlite3", "one"),
                contender("SQLAlchemy session.get", SQLALCHEMY, "service_sqlalchemy", "one"),
                contender("ours one(), own _order_by", OURS, "service_ours", "one"),
                contender("ours one(), own _filter", OURS, "service_ours", "one", "filtered"),
            ),
            per_size=not shipped,
            shipped=shipped,
            like_floor=True,
        ),
        Task(
            f"svc-unique{suffix}",
            f"service: 3,000 one({unique}=K) by unique column, {where}",
            (
                contender("sqlite3 SELECT by column", FLOOR, "service_sqlite3", "unique"),
                contender("SQLAlchemy select().where()", SQLALCHEMY, "service_sqlalchemy", "unique"),
                contender("ours one(), own _order_by", OURS, "service_ours", "unique"),
                contender("ours one(), own _filter", OURS, "service_ours", "unique", "filtered"),
            ),
            per_size=not shipped,
            shipped=shipped,
            like_floor=True,
        ),
    )


TASKS = (
    Task(
        "build",
        "build from CSV",
        (
            Contender("sqlite3 executemany", FLOOR, "sqlite3_build"),
            Contender("ours csv().build()", OURS, "microcosm_build"),
            Contender("sqlite-utils insert_all", SQLITE_UTILS, "sqlite_utils_build"),
            Contender("original 2.0 csv().build()", ORIGINAL, "microcosm_build"),
        ),
        builds=True,
    ),
    Task(
        "scan",
        "full streamed scan (read-only)",
        (
            Contender("sqlite3 cursor", FLOOR, "sqlite3_scan"),
            Contender("ours search() models", OURS, "microcosm_scan"),
            Contender("ours search().rows()", OURS, "microcosm_rows"),
            Contender("SQLAlchemy ORM yield_per", SQLALCHEMY, "sqlalchemy_scan"),
            Contender("original 2.0 search()", ORIGINAL, "microcosm_scan"),
        ),
    ),
    Task(
        "firstuse",
        "first use of a read-only artifact (whole-file digest)",
        (
            Contender("read the file (1 MiB chunks)", FLOOR, "file_read"),
            Contender("ours first use, digest checked", OURS, "microcosm_first_use"),
            Contender("ours first use, check_digest off", OURS, "microcosm_first_use", (("check_digest", "false"),)),
        ),
        artifact=True,
    ),
    Task(
        "diff",
        "diff of two artifacts, 1% of rows changed",
        (
            Contender("sqlite3 EXCEPT, both attached", FLOOR, "sqlite3_except"),
            Contender("ours diff_artifacts()", OURS, "microcosm_diff"),
        ),
        pair=True,
    ),
    Task(
        "lookup",
        "20k store.one(id=...) lookups",
        (
            Contender("sqlite3 SELECT by id", FLOOR, "sqlite3_lookup"),
            Contender("ours one(id=...)", OURS, "microcosm_lookup"),
            Contender("original 2.0 one(id=...)", ORIGINAL, "microcosm_lookup"),
        ),
        per_size=False,
    ),
    Task(
        "pgscan",
        "full streamed scan on PostgreSQL (read-only, same server)",
        (
            Contender("SQLAlchemy ORM yield_per + stream_results", POSTGRES, "sqlalchemy_server_scan"),
            Contender("ours search() models on PostgreSQL", POSTGRES, "microcosm_scan"),
        ),
        server=True,
    ),
    Task(
        "pglookup",
        "20k store.one(id=...) lookups on PostgreSQL (same server)",
        (
            Contender("SQLAlchemy session.get", POSTGRES, "sqlalchemy_server_lookup"),
            Contender("ours one(id=...) on PostgreSQL", POSTGRES, "microcosm_lookup"),
        ),
        per_size=False,
        server=True,
    ),
    Task(
        "startup",
        "import + graph creation",
        (
            Contender("bare python", FLOOR, "bare_startup"),
            Contender("ours", OURS, "microcosm_startup"),
            Contender("original 2.0", ORIGINAL, "microcosm_startup"),
        ),
        per_size=False,
    ),
    Task(
        "cli",
        "command line start-up: --help and --version",
        (
            Contender("bare python", FLOOR, "bare_startup"),
            Contender("ours --help", OURS, "cli_startup", (("args", "--help"),)),
            Contender("ours --version", OURS, "cli_startup", (("args", "--version"),)),
            Contender("sqlite-utils --help", SQLITE_UTILS, "sqlite_utils_cli_startup", (("args", "--help"),)),
            Contender("sqlite-utils --version", SQLITE_UTILS, "sqlite_utils_cli_startup", (("args", "--version"),)),
        ),
        per_size=False,
    ),
    *service_tasks("shipped", shipped=True),
    *service_tasks("generated", shipped=False),
    Task(
        "firstcall",
        "service: first call after start-up (import, graph, one(), a small search)",
        (
            Contender("sqlite3 import, connect, same SELECTs", FLOOR, "sqlite3_first_call"),
            Contender("ours", OURS, "microcosm_first_call"),
            Contender("original 2.0", ORIGINAL, "microcosm_first_call"),
        ),
        per_size=False,
    ),
)
