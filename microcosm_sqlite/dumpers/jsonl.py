"""
JSON Lines dumps: one JSON object per line, keys in field order; NULL is null.

"""

import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy.types import TypeEngine

from microcosm_sqlite.dumpers.base import Dumper
from microcosm_sqlite.dumpers.values import Encoder, jsonl_encoder

__all__ = ["JSONLinesDumper", "write_jsonl"]


class JSONLinesDumper(Dumper):
    """Dump rows as JSON Lines that the JSON Lines builder reads back to the same values."""

    def encoder_for(self, type_: TypeEngine[Any] | None) -> Encoder:
        return jsonl_encoder(type_)

    def write(self, fileobj: IO[str], labels: list[str], rows: Iterator[list[Any]]) -> int:
        return write_jsonl(fileobj, labels, rows)


def write_jsonl(fileobj: IO[str], labels: list[str], rows: Iterator[list[Any]]) -> int:
    """Write one JSON object per encoded row, keyed by `labels`; returns how many were written."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    count = 0
    for row in rows:
        fileobj.write(encoder.encode(dict(zip(labels, row))))
        fileobj.write("\n")
        count += 1
    return count
