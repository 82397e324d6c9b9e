"""
CSV dumps: a header row, then one row per record; NULL is an empty cell.

"""
import csv
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy.types import TypeEngine

from microcosm_sqlite.dumpers.base import Dumper
from microcosm_sqlite.dumpers.values import Encoder, csv_encoder


class CSVDumper(Dumper):
    """Dump rows as CSV that the CSV builder reads back to the same values."""

    def encoder_for(self, type_: TypeEngine[Any] | None) -> Encoder:
        return csv_encoder(type_)

    def write(self, fileobj: IO[str], labels: list[str], rows: Iterator[list[Any]]) -> int:
        writer = csv.writer(fileobj, lineterminator="\n")
        writer.writerow(labels)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        return count
