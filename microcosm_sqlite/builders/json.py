"""
JSON sources: one array of objects.

The whole document is parsed at once (JSON has no streaming form in the stdlib); use JSON Lines
for sources too large to hold in memory.

"""
import json
from typing import IO

from microcosm_sqlite.builders.sources import Origin, Records, strip_bom
from microcosm_sqlite.errors import MalformedSourceError

#: Python's JSON parser recurses per nesting level, and stops with RecursionError near 1000 levels.
NESTED = "malformed JSON (nested too deeply to parse)"
NESTED_HINT = "fix the syntax and build again; reference data is rarely nested more than a few levels"


def read(stream: IO[str], origin: Origin) -> Records:
    """Parse the document now, so a syntax error is reported before any row is inserted."""
    try:
        document = json.loads(strip_bom(stream.read()))
    except UnicodeDecodeError as error:
        raise origin.error(
            MalformedSourceError, f"the file is not UTF-8 ({error.reason})", hint="save it as UTF-8"
        ) from None
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
