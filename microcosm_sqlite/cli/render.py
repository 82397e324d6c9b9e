"""
How the commands print rows and reports: the one place that decides every output format and how
a value looks in it, so that `dump`, `search`, `inspect`, `verify` and `diff` print alike.

Values are written by the dumpers' encoders, the library's one source for how a dumped value looks:
booleans `true`/`false`, enums by name, dates in ISO 8601, binary values in base64, JSON columns as
JSON. A table shows each value as its CSV cell; JSON and JSON lines keep numbers, booleans and null
as JSON values. So a table dumped as CSV or JSON lines reads back through the builders unchanged.

Nothing wraps unless standard output is a terminal: a pipe or a file gets each line whole.

"""

import csv
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.types import TypeEngine

from microcosm_sqlite.dumpers import csv_encoder, jsonl_encoder, portable_value

#: Rows a table shows when the command is not told otherwise.
TABLE_LIMIT = 100

#: Rows a table shows at most: rich holds a table in memory to size its columns before printing it
#: (100,000 rows held 394 MB; the other formats stream instead).
MAX_TABLE_ROWS = 1_000

#: The width given to rich when the output is not a terminal: wide enough that nothing wraps (rich
#: would otherwise assume 80 columns and fold a 64-character hash in two).
UNWRAPPED = 1_000_000

Encoder = Callable[[Any], Any]


def console_for(stream: IO[str]) -> Console:
    """A rich console writing to `stream` that wraps lines only on a terminal, as wide as it is."""
    console = Console(file=stream)
    if console.is_terminal:
        return console
    return Console(file=stream, width=UNWRAPPED, soft_wrap=True)


def declared_reader(declared_type: str) -> Callable[[Any], Any]:
    """
    How a value is read without the models, from its column's declared type: a column declared
    BOOLEAN (as SQLAlchemy's Boolean declares it) holds 0 and 1 for false and true; anything else is
    printed as SQLite holds it.

    """
    return _boolean if declared_type.upper() == "BOOLEAN" else _unchanged


def cell_text(value: Any) -> str:
    """A value as text, as a CSV cell or a table shows it (true/false, enum names, ISO dates)."""
    text: str = _TEXT(value)
    return text


def write_rows(
    stream: IO[str],
    output_format: str,
    column_names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    types: Sequence[TypeEngine[Any] | None] | None = None,
    json_text: Collection[str] = (),
    table_limit: int | None = None,
) -> int:
    """
    Write rows of values in `output_format`; how many were written.

    `types` are the columns' SQLAlchemy types, when known (JSON columns hold JSON whatever their
    value); `json_text` names columns holding JSON as text (a JSON column read without the models),
    nested in JSON output. A table holds at most `table_limit` rows (it is built in memory): the
    caller says what was left out.

    """
    names = list(column_names)
    column_types = list(types) if types is not None else [None] * len(names)
    if output_format in ("json", "nl"):
        encoders = [
            _parsed_json if name in json_text else jsonl_encoder(type_) for name, type_ in zip(names, column_types)
        ]
    else:
        encoders = [csv_encoder(type_) for type_ in column_types]
    encoded = ([encode(value) for encode, value in zip(encoders, row)] for row in rows)
    return WRITERS[output_format](stream, names, encoded, table_limit)


def write_records(
    stream: IO[str], output_format: str, column_names: Sequence[str], records: Iterable[Mapping[str, Any]]
) -> int:
    """Write a report's records (mappings, nested lists and dicts allowed) in a machine format."""
    names = list(column_names)
    return write_rows(
        stream, output_format, names, ([_plain(record.get(name)) for name in names] for record in records)
    )


def cut_short(shown: int, total: int, can_raise_limit: bool) -> str:
    """The note under a table that could not show every row."""
    start = f"showing the first {shown:,} of {total:,} rows ({total - shown:,} not shown)"
    if can_raise_limit:
        return f"{start}: use --limit N to show up to {MAX_TABLE_ROWS:,}, or --csv, --json or --nl for all of them"
    return f"{start}: a table stops at {MAX_TABLE_ROWS:,} rows; use --csv, --json or --nl for all of them"


def _write_table(stream: IO[str], names: list[str], rows: Iterator[list[Any]], limit: int | None) -> int:
    table = Table(*names)
    written = 0
    for row in rows:
        if limit is not None and written >= limit:
            break
        table.add_row(*row)
        written += 1
    console_for(stream).print(table)
    return written


def _writing_csv(delimiter: str) -> Callable[[IO[str], list[str], Iterator[list[Any]], int | None], int]:
    def write(stream: IO[str], names: list[str], rows: Iterator[list[Any]], _: int | None) -> int:
        # The csv module's default "\r\n" terminator also quotes fields holding a bare "\r", which a
        # reader would otherwise take for the end of the row: the dumpers' choice too.
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(names)
        written = 0
        for row in rows:
            writer.writerow(row)
            written += 1
        return written

    return write


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _write_json(stream: IO[str], names: list[str], rows: Iterator[list[Any]], _: int | None) -> int:
    """One JSON array, streamed: an object a line between the brackets, so that it also reads well."""
    written = 0
    for row in rows:
        stream.write(",\n " if written else "[\n ")
        stream.write(_ENCODER.encode(dict(zip(names, row))))
        written += 1
    stream.write("\n]\n" if written else "[]\n")
    return written


def _write_nl(stream: IO[str], names: list[str], rows: Iterator[list[Any]], _: int | None) -> int:
    written = 0
    for row in rows:
        stream.write(_ENCODER.encode(dict(zip(names, row))))
        stream.write("\n")
        written += 1
    return written


WRITERS: dict[str, Callable[[IO[str], list[str], Iterator[list[Any]], int | None], int]] = {
    "table": _write_table,
    "csv": _writing_csv(","),
    "tsv": _writing_csv("\t"),
    "json": _write_json,
    "nl": _write_nl,
}


_TEXT = csv_encoder(None)


def _plain(value: Any) -> Any:
    """A report's value with what JSON cannot hold, nested or not, as dumps write it (bytes in base64)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return portable_value(value)


def _unchanged(value: Any) -> Any:
    return value


def _boolean(value: Any) -> Any:
    return bool(value) if value in (0, 1) and not isinstance(value, float) else value


def _parsed_json(value: Any) -> Any:
    return None if value is None else json.loads(value)
