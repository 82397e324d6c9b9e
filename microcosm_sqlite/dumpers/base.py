"""
What every dumper shares: choosing fields and labels, and streaming records from a store.

"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import IO, Any

from sqlalchemy import inspect
from sqlalchemy.engine import Row
from sqlalchemy.types import TypeEngine

from microcosm_sqlite.constants import DEFAULT_SEARCH_BATCH_SIZE
from microcosm_sqlite.dumpers.values import Encoder
from microcosm_sqlite.errors import DumpError
from microcosm_sqlite.results import SearchResult

__all__ = ["EXTRAS_ACTIONS", "Dumper", "columns_in_order", "header_labels"]


EXTRAS_ACTIONS = ("raise", "ignore")


class Dumper:
    """
    Dump a model's rows, streamed from a store (or given), one record at a time.

    Subclasses choose a file format through `encoder_for` and `write`.

    """

    def __init__(self, store: Any, model_cls: Any = None) -> None:
        self.store = store
        self.model_cls = model_cls if model_cls is not None else getattr(store, "model_class", None)

    def dump(
        self,
        fileobj: IO[str],
        items: Iterable[Any] | None = None,
        field_names: Sequence[str] | None = None,
        extras_action: str | None = None,
        custom_header: Sequence[str] | Mapping[str, str] | None = None,
    ) -> int:
        """
        Write `items` (by default every row of the store, streamed) to `fileobj`; the rows written.

        `field_names` default to the model's columns; `extras_action` ('raise', the default, or
        'ignore') says what to do with mapping items that have keys outside `field_names`;
        `custom_header` relabels the fields (a list, one label per field, or a mapping).

        """
        extras_action = extras_action or "raise"
        if extras_action not in EXTRAS_ACTIONS:
            raise DumpError(f"extras_action must be 'raise' or 'ignore', not {extras_action!r}")
        records: Iterable[Any] = self._stream() if items is None else items
        if field_names is None:
            field_names, records = self._default_field_names(records)
        field_names = list(field_names)
        if items is None:
            self._check_columns(field_names)
        labels = header_labels(field_names, custom_header)
        encoders = [self.encoder_for(self._column_type(name)) for name in field_names]
        attributes = self._attribute_names()
        values = (
            [
                encode(value)
                for encode, value in zip(encoders, self._values(record, field_names, extras_action, attributes))
            ]
            for record in records
        )
        return self.write(fileobj, labels, values)

    def encoder_for(self, type_: TypeEngine[Any] | None) -> Encoder:
        raise NotImplementedError

    def write(self, fileobj: IO[str], labels: list[str], rows: Iterator[list[Any]]) -> int:
        raise NotImplementedError

    def _stream(self) -> Iterator[Any]:
        """
        Every row of the store's query, in primary-key order.

        A dump is of the store's rows as a search with no keywords finds them (its `_query` and
        `_filter`, which may always narrow them), in key order as 2.0 wrote a table (rowid order,
        which is key order for integer keys): the store's `_order_by` is not applied. Plain rows
        rather than ORM objects: no identity map, several times faster, flat memory.

        """
        query = self.store._filter(self.store._query())
        model = self.model_cls if self.model_cls is not None else self.store.model_class
        query = query.order_by(None).order_by(*inspect(model).primary_key)
        batch_size = self.store.session.info.get("search_batch_size", DEFAULT_SEARCH_BATCH_SIZE)
        return SearchResult(query, batch_size).rows()

    def _default_field_names(self, records: Iterable[Any]) -> tuple[list[str], Iterable[Any]]:
        if self.model_cls is not None:
            return columns_in_order(self.model_cls), records
        # Without a model, the first mapping item names the fields.
        iterator = iter(records)
        first = next(iterator, None)
        if first is None:
            return [], iterator
        if not isinstance(first, Mapping):
            raise DumpError("field_names are needed to dump objects without a model class")
        return list(first), chain([first], iterator)

    def _check_columns(self, field_names: list[str]) -> None:
        """Streamed rows hold columns only: a name that is not one would dump as empty cells."""
        if self.model_cls is None:
            return
        columns = {column.name for column in self.model_cls.__table__.columns}
        unknown = [name for name in field_names if name not in columns]
        if unknown:
            raise DumpError(
                f"{self.model_cls.__name__} has no field {unknown[0]!r} to dump "
                f"(its columns: {', '.join(columns_in_order(self.model_cls))})"
            )

    def _column_type(self, name: str) -> TypeEngine[Any] | None:
        if self.model_cls is None:
            return None
        column = self.model_cls.__table__.columns.get(name)
        return None if column is None else column.type

    def _values(
        self, record: Any, field_names: list[str], extras_action: str, attributes: dict[str, str]
    ) -> Iterator[Any]:
        if isinstance(record, Row):
            # Rows streamed from the store hold every column: only the chosen ones are wanted.
            mapping = record._mapping
            return (mapping.get(name) for name in field_names)
        if isinstance(record, Mapping):
            if extras_action == "raise":
                extras = [key for key in record if key not in field_names]
                if extras:
                    raise DumpError(
                        f"dict contains fields not in field_names: {', '.join(map(repr, extras))} "
                        "(pass extras_action='ignore' to leave them out)"
                    )
            return (record.get(name) for name in field_names)
        return (_attribute(record, attributes.get(name, name)) for name in field_names)

    def _attribute_names(self) -> dict[str, str]:
        """Column name -> mapped attribute name, for models whose attributes rename columns."""
        if self.model_cls is None:
            return {}
        mapper = inspect(self.model_cls)
        return {column.name: prop.key for prop in mapper.column_attrs for column in prop.columns}


def columns_in_order(model_cls: Any) -> list[str]:
    return [column.name for column in model_cls.__table__.columns]


def _attribute(item: Any, name: str) -> Any:
    try:
        return getattr(item, name)
    except AttributeError:
        raise DumpError(f"{type(item).__name__} has no field {name!r} to dump") from None


def header_labels(field_names: list[str], custom_header: Sequence[str] | Mapping[str, str] | None) -> list[str]:
    """The header labels: the field names, or the custom labels that replace them."""
    if custom_header is None:
        return field_names
    if isinstance(custom_header, Mapping):
        return [custom_header.get(name, name) for name in field_names]
    labels = list(custom_header)
    if len(labels) != len(field_names):
        raise DumpError(
            f"custom_header has {len(labels)} labels for {len(field_names)} fields ({', '.join(field_names)})"
        )
    return labels
