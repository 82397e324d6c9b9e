"""
Schema fingerprints: a stable hash of what the models declare.

The fingerprint is computed from the `MetaData` alone (never from a database), from names and
SQLite type names sorted into a canonical JSON document, so it is the same on every run and every
machine and changes exactly when a table, column, type, nullability, key, constraint or index does,
or a model's search declaration (`__search__`: the columns of its search index, their weights).

"""

import hashlib
import json
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator, TypeEngine

from microcosm_sqlite._fulltext import search_index

__all__ = ["describe_schema", "schema_fingerprint"]


_DIALECT = sqlite.dialect()


def schema_fingerprint(metadata: MetaData) -> str:
    """The SHA-256 of the canonical description of every table of `metadata`."""
    document = json.dumps(describe_schema(metadata), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def describe_schema(metadata: MetaData) -> dict[str, Any]:
    """Everything about the tables that decides what an artifact holds, as plain JSON values."""
    return {name: _describe_table(table) for name, table in sorted(metadata.tables.items())}


def _describe_table(table: Table) -> dict[str, Any]:
    constraints = sorted(
        (_describe_constraint(constraint) for constraint in table.constraints),
        key=lambda described: json.dumps(described, sort_keys=True),
    )
    indexes = sorted(
        (
            {
                "name": index.name,
                "unique": bool(index.unique),
                "expressions": [str(expression) for expression in index.expressions],
            }
            for index in table.indexes
        ),
        key=lambda described: json.dumps(described, sort_keys=True),
    )
    described: dict[str, Any] = {
        # Column order is kept: it is the order of the CREATE TABLE and of dumped files.
        "columns": [_describe_column(column) for column in table.columns],
        "constraints": constraints,
        "indexes": indexes,
    }
    search = search_index(table)
    if search is not None:
        # Only when declared, so the fingerprints of models without search stay what they were.
        described["search"] = search.describe()
    return described


def _describe_column(column: Column[Any]) -> dict[str, Any]:
    return {
        "name": column.name,
        "type": _describe_type(column.type),
        "nullable": bool(column.nullable),
        "primary_key": bool(column.primary_key),
        "default": _describe_default(column.default),
        "server_default": _describe_default(column.server_default),
    }


def _describe_type(type_: TypeEngine[Any]) -> dict[str, Any]:
    described: dict[str, Any] = {"sql": type_.compile(dialect=_DIALECT)}
    if isinstance(type_, TypeDecorator):
        # Two decorators over the same SQL type store different values (EnumType vs String).
        described["decorator"] = type(type_).__name__
    enum_class = getattr(type_, "enum_class", None)
    if enum_class is not None:
        described["members"] = list(enum_class.__members__)
    elif getattr(type_, "enums", None):
        described["members"] = list(getattr(type_, "enums"))  # noqa: B009 (not every TypeEngine declares it)
    return described


def _describe_default(default: Any) -> Any:
    if default is None:
        return None
    arg: Any = getattr(default, "arg", None)
    if callable(arg):
        # A function's identity is its name: its address would change every run.
        return {"callable": getattr(arg, "__name__", type(arg).__name__)}
    text = getattr(arg, "text", None)
    if text is not None:
        return {"sql": str(text)}
    return {"value": repr(arg)}


def _describe_constraint(constraint: Any) -> dict[str, Any]:
    described: dict[str, Any] = {
        "kind": type(constraint).__name__,
        "name": None if constraint.name is None else str(constraint.name),
        "columns": [column.name for column in getattr(constraint, "columns", ())],
    }
    elements = getattr(constraint, "elements", None)
    if elements is not None:
        described["references"] = [element.target_fullname for element in elements]
        described["ondelete"] = constraint.ondelete
        described["onupdate"] = constraint.onupdate
    sqltext = getattr(constraint, "sqltext", None)
    if sqltext is not None:
        described["sql"] = str(sqltext)
    return described
