"""
Deterministic airport-like data: a CSV source and the SQLite file the readers scan.

Same `rows`, same bytes, on every machine (a seeded generator, no clock), so every contender
reads and writes exactly the same values and their checksums must agree.

"""

import csv
import random
import sqlite3
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "scripts"))

from common import COLUMNS, DDL, TABLE, Checksum, convert, read_csv  # noqa: E402

COUNTRIES = ["FR", "US", "CA", "DE", "JP", "BR", "ML", "IN", "AU", "NZ", "ZA", "AR", "NO", "ES", "IT"]
KINDS = ["International", "Regional", "Municipal", "Field", "Airstrip", "Heliport", "Airbase"]
TIMEZONES = ["Europe/Paris", "America/Toronto", "Asia/Tokyo", "Africa/Bamako", "Australia/Perth", "UTC"]


@dataclass(frozen=True)
class DataFiles:
    """The generated inputs for one size, and what every reader must find in them."""

    rows: int
    csv: Path
    db: Path
    checksum: str


def _word(rng: random.Random) -> str:
    return rng.choice(string.ascii_uppercase) + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 11)))


def _records(rows: int) -> Iterator[list[str]]:
    rng = random.Random(rows)
    for id_ in range(1, rows + 1):
        city = _word(rng)
        yield [
            str(id_),
            f"A{id_:07d}",
            "" if rng.random() < 0.3 else "".join(rng.choices(string.ascii_uppercase, k=3)),
            f"{city} {rng.choice(KINDS)}",
            city,
            rng.choice(COUNTRIES),
            f"{rng.choice(COUNTRIES)}-{rng.randint(1, 99):02d}",
            rng.choice(TIMEZONES),
            f"{rng.uniform(-90, 90):.6f}",
            f"{rng.uniform(-180, 180):.6f}",
            str(rng.randint(-50, 4500)),
        ]


def generate(folder: Path, rows: int) -> DataFiles:
    """Write (or reuse) `airports-<rows>.csv` and `airports-<rows>.db` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"airports-{rows}.csv"
    db_path = folder / f"airports-{rows}.db"
    if not csv_path.exists():
        partial = csv_path.with_suffix(".csv.partial")
        with partial.open("w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target)
            writer.writerow(COLUMNS)
            writer.writerows(_records(rows))
        partial.replace(csv_path)
    if not db_path.exists():
        partial = db_path.with_suffix(".db.partial")
        partial.unlink(missing_ok=True)
        connection = sqlite3.connect(partial)
        connection.execute(DDL)
        placeholders = ", ".join("?" * len(COLUMNS))
        with connection:
            connection.executemany(
                f"INSERT INTO {TABLE} VALUES ({placeholders})", map(convert, read_csv(str(csv_path)))
            )
        connection.execute("ANALYZE")
        connection.close()
        partial.replace(db_path)
    checksum = Checksum().add(map(convert, read_csv(str(csv_path)))).value
    return DataFiles(rows=rows, csv=csv_path, db=db_path, checksum=checksum)


def table_checksum(db: Path) -> tuple[int, str]:
    """Rows and checksum of the airport table in a built file, read in id order with the stdlib."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        checksum = Checksum().add(connection.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY id"))
    finally:
        connection.close()
    return checksum.rows, checksum.value


#: Every CHANGE_EVERY-th airport gets a new name in the changed copy the diff task compares with.
CHANGE_EVERY = 100


def changed_ids(rows: int) -> list[int]:
    """The ids whose row differs between the generated data and its changed copy (1% of them)."""
    return list(range(1, rows + 1, CHANGE_EVERY))


def diff_expectation(rows: int) -> tuple[int, str]:
    """What every diff contender must report: the changed rows, and a checksum of their ids."""
    ids = changed_ids(rows)
    checksum = Checksum()
    checksum.rows, checksum.total = len(ids), sum(ids)
    return checksum.rows, checksum.value


def write_changed_csv(data: DataFiles) -> Path:
    """The generated CSV with 1% of its airports renamed (`changed_ids`), written once beside it."""
    target = data.csv.with_name(f"airports-{data.rows}-changed.csv")
    if target.exists():
        return target
    changed = set(changed_ids(data.rows))
    partial = target.with_suffix(".csv.partial")
    with open(data.csv, newline="", encoding="utf-8") as source, partial.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(source), csv.writer(out)
        writer.writerow(next(reader))
        for record in reader:
            if int(record[0]) in changed:
                record[3] += " (renamed)"
            writer.writerow(record)
    partial.replace(target)
    return target
