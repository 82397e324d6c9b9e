"""
Opening sources: a path or a file object becomes a named text stream in a known format.

Each format module (`csv`, `json`, `jsonl`) turns a stream into either `Rows` (a header, then
positional rows: the fast path) or `Records` (one mapping per record); `FORMATS` maps file name
suffixes to them, so adding a format is one module and one line here.

"""

import io
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

from microcosm_sqlite.errors import BuildError, MalformedSourceError, SourceNotFoundError

__all__ = [
    "BOM",
    "ENCODING",
    "LOCATE_BLOCK",
    "UTF8_HINT",
    "Origin",
    "Reader",
    "Records",
    "Rows",
    "SourceInput",
    "formats",
    "open_text",
    "reader_for",
    "source_name",
    "strip_bom",
    "undecodable_at",
]


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
    """
    A text stream over a source; paths are opened (and closed) here, file objects are not closed.

    Bytes that are not UTF-8, met by a reader anywhere in the source, become a `MalformedSourceError`
    naming their line and byte offset.

    """
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
        with opened as stream, _undecodable_located(origin, lambda: open(source, "rb")):
            yield stream
        return
    if isinstance(source, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(getattr(source, "mode", "")):
        binary: IO[bytes] = source  # type: ignore[assignment]
        start = binary.tell() if binary.seekable() else None
        wrapper = io.TextIOWrapper(binary, encoding=ENCODING, newline="")  # type: ignore[type-var]
        try:
            with _undecodable_located(origin, None if start is None else lambda: _rewound(binary, start)):
                yield wrapper
        finally:
            # Leave the caller's binary file open: the wrapper would close it when collected.
            wrapper.detach()
        return
    # A text stream decodes itself, and where it started in its bytes is not known here.
    with _undecodable_located(origin, None):
        yield source  # type: ignore[misc]


UTF8_HINT = "save it as UTF-8 (with or without BOM)"

#: Bytes read per step while looking for the first byte that is not UTF-8.
LOCATE_BLOCK = 1 << 20


@contextmanager
def _undecodable_located(origin: Origin, reopen: Callable[[], ContextManager[IO[bytes]]] | None) -> Iterator[None]:
    """
    Turn a decoding error into one naming the true line and byte offset of the bad byte.

    Text streams decode a block at a time, so where the error surfaces (the row a reader had got
    to, the offset inside a block) says little about where the byte is. The source's bytes are
    read again from the start, only on this failure path, to find it.

    """
    try:
        yield
    except UnicodeDecodeError as error:
        found = None
        if reopen is not None:
            with suppress(OSError), reopen() as raw:
                found = undecodable_at(raw)
        if found is None:
            raise origin.error(
                MalformedSourceError, f"the file is not UTF-8 ({error.reason})", hint=UTF8_HINT
            ) from None
        line, offset, reason = found
        raise origin.error(
            MalformedSourceError,
            f"the file is not UTF-8 ({reason} at byte {offset}, counting from 0)",
            line=line,
            hint=UTF8_HINT,
        ) from None


@contextmanager
def _rewound(binary: IO[bytes], start: int) -> Iterator[IO[bytes]]:
    """The caller's binary file, back where the build started reading it (and left open)."""
    binary.seek(start)
    yield binary


def undecodable_at(raw: IO[bytes]) -> tuple[int, int, str] | None:
    """The line, byte offset and reason of the first bytes of `raw` that are not UTF-8; None if all are."""
    offset, line, carry = 0, 1, b""
    while True:
        block = raw.read(LOCATE_BLOCK)
        data = carry + block
        try:
            data.decode("utf-8")
            good, carry = len(data), b""
        except UnicodeDecodeError as error:
            if block and error.start >= len(data) - 3:
                # Perhaps a character cut by the block's end: decided with the next block.
                good, carry = error.start, data[error.start :]
            else:
                return line + data.count(b"\n", 0, error.start), offset + error.start, error.reason
        line += data.count(b"\n", 0, good)
        offset += good
        if not block:
            return None


def strip_bom(text: str) -> str:
    """Drop a byte order mark left by a text stream the caller opened as plain utf-8."""
    return text[1:] if text.startswith(BOM) else text
