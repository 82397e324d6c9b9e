"""
Writing rows and summaries: CSV and JSON Lines stream, tables are for people.

"""
import csv
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import IO, Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

ROW_FORMATS = ("csv", "jsonl")


def plain(value: Any) -> Any:
    """A JSON-ready form of a column value: enums by name (as stored), dates in ISO 8601."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


def csv_text(value: Any) -> Any:
    """A CSV cell: NULL is empty, booleans are true/false (what the builders read back)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_rows(output: IO[str], column_names: Sequence[str], rows: Iterable[Sequence[Any]], output_format: str) -> int:
    """Stream rows to `output` as CSV (with a header) or JSON Lines; return how many were written."""
    written = 0
    if output_format == "csv":
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(column_names)
        for row in rows:
            writer.writerow([csv_text(value) for value in row])
            written += 1
    elif output_format == "jsonl":
        for row in rows:
            record = {name: plain(value) for name, value in zip(column_names, row)}
            output.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    else:
        raise ValueError(f"unknown row format {output_format!r}")
    return written


def write_table(
    console: Console, column_names: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> int:
    """Print rows as a table (held in memory until printed, so callers limit them)."""
    table = Table(*column_names, title=title)
    written = 0
    for row in rows:
        table.add_row(*("" if value is None else str(plain(value)) for value in row))
        written += 1
    console.print(table)
    return written


def print_json(value: Any) -> None:
    """Print a value as indented JSON on standard output, for scripts."""
    click.echo(json.dumps(value, indent=2, default=plain))
