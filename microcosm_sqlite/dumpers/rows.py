"""
Plain rows (no model, no store) in a dump format: what `microcosm-sqlite dump` writes from a table.

The same encoders and writers as the dumpers, so a table dumped this way reads back through the
builders unchanged, exactly like a dump through a store.

"""

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import IO, Any

from microcosm_sqlite.dumpers.csv import write_csv
from microcosm_sqlite.dumpers.jsonl import write_jsonl
from microcosm_sqlite.dumpers.values import Encoder, csv_encoder, jsonl_encoder

__all__ = ["ROW_FORMATS", "dump_rows"]

_FORMATS: dict[str, tuple[Encoder, Callable[[IO[str], list[str], Iterator[list[Any]]], int]]] = {
    "csv": (csv_encoder(None), write_csv),
    "jsonl": (jsonl_encoder(None), write_jsonl),
}

#: The formats `dump_rows` writes, as the dumpers name them.
ROW_FORMATS = tuple(_FORMATS)


def dump_rows(
    fileobj: IO[str],
    output_format: str,
    column_names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    json_columns: Collection[str] = (),
) -> int:
    """
    Stream plain rows to `fileobj` as CSV or JSON Lines; returns how many were written.

    `json_columns` hold JSON text: a CSV cell keeps the text, a JSON Lines record nests the value.

    """
    encode, write = _FORMATS[output_format]
    encoders = [_parsed_json if output_format == "jsonl" and name in json_columns else encode for name in column_names]
    encoded = ([encoder(value) for encoder, value in zip(encoders, row)] for row in rows)
    return write(fileobj, list(column_names), encoded)


def _parsed_json(value: Any) -> Any:
    return None if value is None else json.loads(value)
