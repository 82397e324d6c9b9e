"""
How values are written, so that the builders read them back to the same values.

The single place that decides dump encodings: enums by name, booleans as true/false, dates and
times in ISO 8601, floats in their shortest exact form, binary values in standard base64, JSON
columns as JSON, NULL as an empty CSV cell or a JSON null. Binary values go through
`microcosm_sqlite._codec`, which the builders use to read them back.

"""

import json
from collections.abc import Callable
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator, TypeEngine

from microcosm_sqlite._codec import encode_binary

__all__ = [
    "Encoder",
    "csv_encoder",
    "is_json_type",
    "json_value",
    "jsonl_encoder",
    "portable_value",
    "text_value",
    "to_json_text",
]


Encoder = Callable[[Any], Any]


def to_json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def portable_value(value: Any) -> Any:
    """Enums as their names, dates and times as ISO 8601 text, bytes as base64; anything else unchanged."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return encode_binary(value)
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def text_value(value: Any) -> str:
    """A value as the text of a CSV cell."""
    value = portable_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr() is the shortest text that parses back to the same float.
        return repr(value)
    if isinstance(value, (dict, list)):
        return to_json_text(value)
    return str(value)


def json_value(value: Any) -> Any:
    """A value as the JSON value of a JSON Lines record."""
    value = portable_value(value)
    if value is None or isinstance(value, (bool, int, float, str, dict, list)):
        return value
    # Decimals too: a JSON number would go through float and lose digits.
    return str(value)


def is_json_type(type_: TypeEngine[Any]) -> bool:
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return isinstance(type_, JSON)


def csv_encoder(type_: TypeEngine[Any] | None) -> Encoder:
    """The CSV encoder for a column: JSON columns always hold JSON text, even for a bare string."""
    if type_ is not None and is_json_type(type_):
        return lambda value: "" if value is None else to_json_text(value)
    return text_value


def jsonl_encoder(type_: TypeEngine[Any] | None) -> Encoder:
    """The JSON Lines encoder for a column: JSON columns are written as nested JSON."""
    if type_ is not None and is_json_type(type_):
        return lambda value: value
    return json_value
