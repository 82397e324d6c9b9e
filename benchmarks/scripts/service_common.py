"""
The service workload every contender runs: which calls, on which table, and the checksum.

A service mostly makes small calls: a few rows filtered by a column (`search(country=X,
limit=10)`), one row by its primary key or another unique column. Each script makes the same
3,000 calls (`calls=`), on either the shipped airports artifact (`data=shipped`) or the generated benchmark
table (`data=generated`), through a store that overrides `_order_by` (`store=ordered`) or one
that overrides `_filter` with a keyword it consumes (`store=filtered`). Stdlib only, like
`common`, so the sqlite3 floor pays for nothing it does not use.

"""

import random
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from common import COLUMNS, TABLE

CALLS = 3_000
LIMIT = 10


@dataclass(frozen=True)
class Workload:
    """One table's columns, by the role each plays in the calls."""

    columns: tuple[str, ...]
    primary_key: str
    unique: str
    group: str  # what searches filter on
    minimum: str  # what the filtered store's own keyword filters on (>=)

    def search_sql(self, store: str) -> str:
        """The statement a search runs: what the store's hooks build, as SQLAlchemy writes it."""
        where = f"{self.group} = ?" if store == "ordered" else f"{self.group} = ? AND {self.minimum} >= ?"
        order = f" ORDER BY {self.primary_key}" if store == "ordered" else ""
        return f"SELECT {', '.join(self.columns)} FROM {TABLE} WHERE {where}{order} LIMIT ?"

    def lookup_sql(self, column: str) -> str:
        return f"SELECT {', '.join(self.columns)} FROM {TABLE} WHERE {column} = ?"


SHIPPED = Workload(
    columns=(
        "icao",
        "iata",
        "lid",
        "name",
        "city",
        "subdivision",
        "country_code",
        "elevation_ft",
        "latitude",
        "longitude",
        "time_zone",
    ),
    primary_key="icao",
    unique="iata",
    group="country_code",
    minimum="elevation_ft",
)
GENERATED = Workload(columns=COLUMNS, primary_key="id", unique="code", group="country", minimum="elevation")


def workload(args: dict[str, str]) -> Workload:
    return SHIPPED if args.get("data") == "shipped" else GENERATED


def calls(args: dict[str, str], work: Workload, call: str) -> list[Any]:
    """The arguments of each call (`calls=`, default `CALLS`), the same for every contender (read untimed)."""
    count = int(args.get("calls", CALLS))
    connection = sqlite3.connect(f"file:{args['db']}?mode=ro&immutable=1", uri=True)
    rng = random.Random(CALLS)
    try:
        if call == "search":
            # Every value of the column in turn, so small and large groups alike are searched.
            groups = [row[0] for row in connection.execute(f"SELECT DISTINCT {work.group} FROM {TABLE} ORDER BY 1")]
            low, high = connection.execute(f"SELECT min({work.minimum}), max({work.minimum}) FROM {TABLE}").fetchone()
            # A lower bound in the lowest tenth of the range: most rows pass, as a service's
            # optional narrowing keyword usually lets them.
            return [
                (groups[i % len(groups)], rng.randint(int(low), int(low + (high - low) / 10))) for i in range(count)
            ]
        column = work.primary_key if call == "one" else work.unique
        keys = [row[0] for row in connection.execute(f"SELECT {column} FROM {TABLE} WHERE {column} IS NOT NULL")]
        return [rng.choice(keys) for _ in range(count)]
    finally:
        connection.close()


class Checksum:
    """Row count and an order-sensitive sum over every value of every row (None, text, numbers)."""

    def __init__(self) -> None:
        self.rows = 0
        self.total = 0
        self.floats = 0.0

    def add(self, rows: Iterable[tuple[Any, ...]]) -> "Checksum":
        count, total, floats = self.rows, self.total, self.floats
        for row in rows:
            count += 1
            for value in row:
                if value is None:
                    total -= 1
                elif type(value) is str:
                    total += len(value) * count
                else:
                    floats += value
        self.rows, self.total, self.floats = count, total, floats
        return self

    @property
    def value(self) -> str:
        return f"{self.total}:{self.floats!r}"
