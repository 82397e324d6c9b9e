"""
Opening sources: a path or a file object becomes a named text stream in a known format.

Each format module (`csv`, `json`, `jsonl`) turns a stream into either `Rows` (a header, then
positional rows: the fast path) or `Records` (one mapping per record); `FORMATS` maps file name
suffixes to them, so adding a format is one module and one line here.

"""
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

from microcosm_sqlite.errors import BuildError, MalformedSourceError, SourceNotFoundError

SourceInput = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]

#: Excel and other Windows tools start UTF-8 files with a byte order mark; `utf-8-sig` drops it.
ENCODING = "utf-8-sig"
BOM = "\ufeff"


@dataclass(frozen=True)
class Origin:
    """Where values come from, for error messages: dataset, source name and target table."""

    data_set: str
    source: str
    table: str

    def error(self, error_class: type[BuildError], problem: str, **details: Any) -> BuildError:
        return error_class(problem, data_set=self.data_set, source=self.source, table=self.table, **details)


@dataclass
class Rows:
    """A tabular source: field names, then `(line where the row starts, values)` per row."""

    fields: list[str]
    rows: Iterator[tuple[int, list[str]]]


@dataclass
class Records:
    """A source of objects: `(position, mapping)` per record; `position` names a line or a record."""

    position: str
    records: Iterator[tuple[int, Any]]


Reader = Callable[[IO[str], Origin], Rows | Records]


def formats() -> dict[str, Reader]:
    """File name suffix -> reader, imported on first use so that importing builders stays cheap."""
    from microcosm_sqlite.builders import csv, json, jsonl

    return {".csv": csv.read, ".json": json.read, ".jsonl": jsonl.read, ".ndjson": jsonl.read}


def source_name(source: SourceInput, table: str) -> str:
    """How errors name a source: its path, its file name, or the table it was loaded into."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return name
    return f"<{table} source>"


def reader_for(name: str, format: str | None, origin: Origin) -> Reader:
    """The reader for a format name ("csv") or, without one, for the source name's suffix."""
    known = formats()
    suffix = f".{format.lower().lstrip('.')}" if format else Path(name).suffix.lower()
    try:
        return known[suffix]
    except KeyError:
        raise origin.error(
            MalformedSourceError,
            f"cannot tell the format of the source from {suffix or 'its name'!r}",
            hint=f"use a file name ending in {', '.join(sorted(known))}, or a builder for the format",
        ) from None


@contextmanager
def open_text(source: SourceInput, origin: Origin) -> Iterator[IO[str]]:
    """A text stream over a source; paths are opened (and closed) here, file objects are not closed."""
    if isinstance(source, (str, os.PathLike)):
        try:
            # newline="" lets the csv module see quoted newlines as they are (csv module docs).
            opened = open(source, encoding=ENCODING, newline="")
        except OSError as error:
            raise origin.error(
                SourceNotFoundError,
                f"cannot read the source ({error.strerror})",
                hint="check the path of the source file",
            ) from None
        with opened as stream:
            yield stream
        return
    if isinstance(source, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(getattr(source, "mode", "")):
        wrapper = io.TextIOWrapper(source, encoding=ENCODING, newline="")  # type: ignore[arg-type,type-var]
        try:
            yield wrapper
        finally:
            # Leave the caller's binary file open: the wrapper would close it when collected.
            wrapper.detach()
        return
    yield source  # type: ignore[misc]


def strip_bom(text: str) -> str:
    """Drop a byte order mark left by a text stream the caller opened as plain utf-8."""
    return text[1:] if text.startswith(BOM) else text
