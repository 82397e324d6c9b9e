"""
Writing rows and summaries: CSV and JSON Lines stream, tables are for people.

CSV and JSON Lines are written by the library's dumpers (their encoders and writers), the one place
that decides how a dumped value looks, so a dump from the command line reads back through the
builders unchanged.

"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from microcosm_sqlite.dumpers import CSVDumper, Dumper, JSONLinesDumper, portable_value

#: The library's dumpers by format: what they write, the builders read back unchanged.
DUMPERS: dict[str, type[Dumper]] = {"csv": CSVDumper, "jsonl": JSONLinesDumper}


def write_table(
    console: Console, column_names: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> int:
    """Print rows as a table (held in memory until printed, so callers limit them)."""
    table = Table(*column_names, title=title)
    written = 0
    for row in rows:
        table.add_row(*("" if value is None else str(portable_value(value)) for value in row))
        written += 1
    console.print(table)
    return written


def print_json(value: Any) -> None:
    """Print a value as indented JSON on standard output, for scripts."""
    click.echo(json.dumps(value, indent=2, default=str))
