"""
What every benchmark script shares: the airport table, the checksum, and the one-line report.

Stdlib only, so that the sqlite3 floor pays for nothing it does not use, and the same file works
in every contender's interpreter (the scripts' folder is first on `sys.path` when they run).

"""

import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

TABLE = "airport"
COLUMNS = (
    "id",
    "code",
    "iata",
    "name",
    "city",
    "country",
    "region",
    "timezone",
    "latitude",
    "longitude",
    "elevation",
)

# The DDL SQLAlchemy emits for `airports.Airport` (checked by the harness's smoke test), so the
# stdlib and sqlite-utils contenders load into exactly the table the ORM contenders create.
DDL = """CREATE TABLE airport (
\tid INTEGER NOT NULL, 
\tcode VARCHAR NOT NULL, 
\tiata VARCHAR, 
\tname VARCHAR NOT NULL, 
\tcity VARCHAR NOT NULL, 
\tcountry VARCHAR NOT NULL, 
\tregion VARCHAR NOT NULL, 
\ttimezone VARCHAR NOT NULL, 
\tlatitude FLOAT NOT NULL, 
\tlongitude FLOAT NOT NULL, 
\televation INTEGER NOT NULL, 
\tCONSTRAINT pk_airport PRIMARY KEY (id), 
\tCONSTRAINT uq_airport_code UNIQUE (code)
)"""

LOOKUPS = 20_000


def convert(record: list[str]) -> tuple[Any, ...]:
    """One CSV record typed as the model's columns type it: the same work every builder must do."""
    (id_, code, iata, name, city, country, region, timezone, latitude, longitude, elevation) = record
    return (
        int(id_),
        code,
        iata or None,
        name,
        city,
        country,
        region,
        timezone,
        float(latitude),
        float(longitude),
        int(elevation),
    )


def lookup_ids(rows: int, count: int = LOOKUPS) -> list[int]:
    """The ids every lookup contender fetches, in the same order."""
    rng = random.Random(20_000)
    return [rng.randint(1, rows) for _ in range(count)]


class Checksum:
    """
    Row count and an order-sensitive checksum over every column of every row.

    Every value is touched, so a contender cannot skip the columns it was asked for, and types are
    strict: a float stored as text or an int stored as float breaks the sum or the repr.

    """

    def __init__(self) -> None:
        self.rows = 0
        self.total = 0
        self.floats = 0.0

    def add(self, values: Iterable[tuple[Any, ...]]) -> "Checksum":
        rows, total, floats = self.rows, self.total, self.floats
        for id_, code, iata, name, city, country, region, timezone, latitude, longitude, elevation in values:
            rows += 1
            total += (
                id_ * rows
                + elevation
                + len(code)
                + (len(iata) if iata is not None else -1)
                + len(name)
                + len(city)
                + len(country)
                + len(region)
                + len(timezone)
            )
            floats += latitude - longitude
        self.rows, self.total, self.floats = rows, total, floats
        return self

    @property
    def value(self) -> str:
        return f"{self.total}:{self.floats!r}"


def report(checksum: Checksum, work_seconds: float) -> None:
    """The last line a script prints: what the harness compares and records."""
    print(json.dumps({"rows": checksum.rows, "checksum": checksum.value, "work_s": work_seconds}))


class Work:
    """
    The CPU time of the task itself (after imports and set-up), besides the harness's whole-process figures.

    CPU rather than wall time: on a machine shared with other jobs, a wall clock inside the process
    also counts the time the scheduler gave to someone else.

    """

    def __enter__(self) -> "Work":
        self.start = time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.process_time() - self.start


def arguments() -> dict[str, str]:
    """`key=value` command-line arguments (db=..., csv=..., out=..., rows=...)."""
    return dict(argument.split("=", 1) for argument in sys.argv[1:])


def read_csv(path: str) -> Iterator[list[str]]:
    """The records of a generated CSV, header skipped, streamed."""
    import csv

    with open(path, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        yield from reader
