"""
CSV dumps: a header row, then one row per record; NULL is an empty cell.

Open the file with `newline=""`, as the csv module asks, so quoted line breaks are written as they are.

"""

import csv
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy.types import TypeEngine

from microcosm_sqlite.dumpers.base import Dumper
from microcosm_sqlite.dumpers.values import Encoder, csv_encoder

__all__ = ["CSVDumper", "write_csv"]


class CSVDumper(Dumper):
    """Dump rows as CSV that the CSV builder reads back to the same values."""

    def encoder_for(self, type_: TypeEngine[Any] | None) -> Encoder:
        return csv_encoder(type_)

    def write(self, fileobj: IO[str], labels: list[str], rows: Iterator[list[Any]]) -> int:
        return write_csv(fileobj, labels, rows)


def write_csv(fileobj: IO[str], labels: list[str], rows: Iterator[list[Any]]) -> int:
    """Write a header of `labels`, then the encoded `rows`; returns how many rows were written."""
    # The default "\r\n" terminator also makes the writer quote fields holding a bare "\r",
    # which a reader would otherwise take for the end of the row.
    writer = csv.writer(fileobj)
    writer.writerow(labels)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
