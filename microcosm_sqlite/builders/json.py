"""
JSON sources: one array of objects.

The whole document is parsed at once (JSON has no streaming form in the stdlib); use JSON Lines
for sources too large to hold in memory.

"""

import json
import re
from typing import IO, Any

from microcosm_sqlite.builders.sources import Origin, Records, strip_bom
from microcosm_sqlite.errors import BuildError, MalformedSourceError

__all__ = ["DECODER", "NESTED", "NESTED_HINT", "RepeatedKey", "read", "repeated_key_error", "unique_keys"]


#: Python's JSON parser recurses per nesting level, and stops with RecursionError near 1000 levels.
NESTED = "malformed JSON (nested too deeply to parse)"
NESTED_HINT = "fix the syntax and build again; reference data is rarely nested more than a few levels"

#: JSON's whitespace (RFC 8259 section 2), skipped between the records of the array.
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class RepeatedKey(Exception):
    """Raised while parsing when an object names a key twice (the reader adds where)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """
    `object_pairs_hook` building each object, refusing one that names a key twice.

    The stdlib keeps the last value of a repeated key without a word (RFC 8259 leaves it to the
    parser), so `{"name": "a", "name": "b"}` would load "b" and lose "a"; a CSV header naming a
    column twice is refused, and so is this.

    """
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return record


#: One decoder for every record: `json.loads(text, object_pairs_hook=...)` would build one per call.
DECODER = json.JSONDecoder(object_pairs_hook=unique_keys)


def repeated_key_error(origin: Origin, key: str, text: str, start: int, starts: str = "", **where: Any) -> BuildError:
    """The error for a repeated key in the record that starts at `text[start]` (`starts` says where)."""
    # Parsed again, keeping the last value, to tell the record's own keys (columns) from a nested
    # object's: objects are built innermost first, so the record's is the last one built.
    built: list[list[tuple[str, Any]]] = []

    def keep_last(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built.append(pairs)
        return dict(pairs)

    json.JSONDecoder(object_pairs_hook=keep_last).raw_decode(text, start)
    own = bool(built) and [name for name, _ in built[-1]].count(key) > 1
    return origin.error(
        MalformedSourceError,
        f"{'the record' if own else 'an object inside the record'}{starts} names key {key!r} twice "
        "(a JSON parser would keep only its last value)",
        column=key if own else None,
        hint="remove or rename one of them",
        **where,
    )


def read(stream: IO[str], origin: Origin) -> Records:
    """Parse the document now, so a syntax error is reported before any row is inserted."""
    text = strip_bom(stream.read())
    try:
        document = DECODER.decode(text)
    except RepeatedKey as repeated:
        raise _locate_repeated_key(text, repeated.key, origin) from None
    except json.JSONDecodeError as error:
        raise origin.error(
            MalformedSourceError,
            f"malformed JSON ({error.msg}, column {error.colno})",
            line=error.lineno,
            hint="fix the syntax and build again",
        ) from None
    except RecursionError:
        raise origin.error(MalformedSourceError, NESTED, hint=NESTED_HINT) from None
    if not isinstance(document, list):
        raise origin.error(
            MalformedSourceError,
            f"the document is a JSON {type(document).__name__}, not an array of objects",
            hint="wrap the records in [...], or use JSON Lines (.jsonl) with one object per line",
        )
    return Records("record", enumerate(document, start=1))


def _locate_repeated_key(text: str, key: str, origin: Origin) -> BuildError:
    """Walk the array record by record (only on this failure path) to name the record at fault."""
    position = _WHITESPACE.match(text).end()  # type: ignore[union-attr]
    if text.startswith("[", position):
        record = 0
        position += 1
        while True:
            position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            record += 1
            try:
                _, position = DECODER.raw_decode(text, position)
            except RepeatedKey:
                line = text.count("\n", 0, position) + 1
                return repeated_key_error(origin, key, text, position, f" (starting on line {line})", record=record)
            except ValueError:
                break  # not where the parse failed: fall back to naming the key only
            position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            if not text.startswith(",", position):
                break
            position += 1
    return origin.error(
        MalformedSourceError, f"an object names key {key!r} twice", column=key, hint="remove or rename one of them"
    )
