"""
CSV sources: a header row, then one row per record.

Rows are read with the stdlib `csv` module in strict mode, so bad quoting is an error rather than a
silently mangled value; each row carries the file line where it starts, which differs from the
row count as soon as a quoted value spans lines.

"""

import csv
from collections.abc import Iterator
from typing import IO, Any

from microcosm_sqlite.builders.sources import Origin, Rows, strip_bom
from microcosm_sqlite.errors import MalformedSourceError

__all__ = ["FIELD_SIZE_LIMIT", "FIX_HINT", "read"]


#: Python's csv module refuses fields over 128 KiB by default; reference data has longer ones
#: (descriptions, geometries). The largest value accepted on every platform (a C long).
FIELD_SIZE_LIMIT = 2**31 - 1

FIX_HINT = "fix the file (quotes must be doubled inside quoted values) and build again"


def read(stream: IO[str], origin: Origin) -> Rows:
    """Read the header now (so missing columns are reported before any row) and rows lazily."""
    # The limit is process-wide: only ever raise it, so other code relying on a higher one is safe.
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise origin.error(
            MalformedSourceError,
            "the source is empty",
            line=1,
            hint="a CSV source starts with a header row naming its columns",
        ) from None
    except csv.Error as error:
        raise _malformed(origin, error, 1) from None
    fields = [strip_bom(header[0]), *header[1:]] if header else []
    seen: set[str] = set()
    for field in fields:
        if field in seen:
            raise origin.error(
                MalformedSourceError,
                f"the header names column {field!r} twice",
                line=1,
                column=field,
                hint="remove or rename one of them",
            )
        seen.add(field)
    return Rows(fields, _rows(reader, len(fields), origin))


def _rows(reader: Any, width: int, origin: Origin) -> Iterator[tuple[int, list[str]]]:
    last = reader.line_num
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if len(row) != width:
                if not row:
                    continue  # a blank line
                raise origin.error(
                    MalformedSourceError,
                    f"the row has {len(row)} fields but the header has {width}",
                    line=start,
                    hint="check for a missing or extra delimiter, or an unquoted comma in a value",
                )
            yield start, row
    except csv.Error as error:
        raise _malformed(origin, error, last + 1) from None


def _malformed(origin: Origin, error: Exception, line: int) -> MalformedSourceError:
    # Bytes that are not UTF-8 are reported by `open_text`, which can find their true line.
    return origin.error(  # type: ignore[return-value]
        MalformedSourceError, f"malformed CSV ({error})", line=line, hint=FIX_HINT
    )
