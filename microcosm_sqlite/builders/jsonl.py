"""
JSON Lines sources: one JSON object per line (https://jsonlines.org), read one line at a time.

"""
import json
from collections.abc import Iterator
from typing import IO, Any

from microcosm_sqlite.builders.json import NESTED, NESTED_HINT
from microcosm_sqlite.builders.sources import Origin, Records, strip_bom
from microcosm_sqlite.errors import MalformedSourceError


def read(stream: IO[str], origin: Origin) -> Records:
    return Records("line", _records(stream, origin))


def _records(stream: IO[str], origin: Origin) -> Iterator[tuple[int, Any]]:
    line = 0
    try:
        for line, text in enumerate(stream, start=1):
            if line == 1:
                text = strip_bom(text)
            if not text.strip():
                continue  # blank lines, often a trailing one, carry no record
            try:
                yield line, json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as error:
                raise origin.error(
                    MalformedSourceError,
                    f"malformed JSON ({error.msg}, column {error.colno})",
                    line=line,
                    hint="each line must hold one complete JSON object",
                ) from None
            except RecursionError:
                raise origin.error(MalformedSourceError, NESTED, line=line, hint=NESTED_HINT) from None
    except UnicodeDecodeError as error:
        raise origin.error(
            MalformedSourceError, f"the file is not UTF-8 ({error.reason})", line=line + 1, hint="save it as UTF-8"
        ) from None
