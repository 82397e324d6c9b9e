"""
JSON Lines sources: one JSON object per line (https://jsonlines.org), read one line at a time.

"""

import json
from collections.abc import Iterator
from typing import IO, Any

from microcosm_sqlite.builders.json import DECODER, NESTED, NESTED_HINT, RepeatedKey, repeated_key_error
from microcosm_sqlite.builders.sources import Origin, Records, strip_bom
from microcosm_sqlite.errors import MalformedSourceError

__all__ = ["read"]


def read(stream: IO[str], origin: Origin) -> Records:
    return Records("line", _records(stream, origin))


def _records(stream: IO[str], origin: Origin) -> Iterator[tuple[int, Any]]:
    for line, text in _lines(stream):
        if line == 1:
            text = strip_bom(text)
        if not text.strip():
            continue  # blank lines, often a trailing one, carry no record
        text = text.rstrip("\r\n")
        try:
            record = DECODER.decode(text)
        except RepeatedKey as repeated:
            raise repeated_key_error(origin, repeated.key, text, 0, line=line) from None
        except json.JSONDecodeError as error:
            raise origin.error(
                MalformedSourceError,
                f"malformed JSON ({error.msg}, column {error.colno})",
                line=line,
                hint="each line must hold one complete JSON object",
            ) from None
        except RecursionError:
            raise origin.error(MalformedSourceError, NESTED, line=line, hint=NESTED_HINT) from None
        yield line, record


def _lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """
    Numbered lines ended by "\\n" only (JSON Lines' separator; "\\r\\n" still ends a line).

    Streams opened with newline="" (as `open_text` opens them, for the csv module) also end a line
    at a bare "\\r", which inside a record is JSON whitespace: such pieces are joined back.

    """
    line, pieces = 0, []
    for piece in stream:
        if not piece.endswith("\n"):
            pieces.append(piece)
            continue
        line += 1
        if pieces:
            pieces.append(piece)
            piece, pieces = "".join(pieces), []
        yield line, piece
    if pieces:
        yield line + 1, "".join(pieces)
