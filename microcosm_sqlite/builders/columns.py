"""
Per-column parsing: how a source value becomes a value of a model's column type, in one place.

Each column gets a `ColumnCoercion` once per source, derived from its SQLAlchemy type: how to read
a CSV cell (text), how to read a JSON value (already typed, or text), and what an empty cell means
(a default, NULL, or an error). The CSV fast path and the JSON path both use these objects, so a
type is read the same way whatever the source format.

Values come out ready for the DB-API driver: after parsing, the dialect's bind processor (the one
SQLAlchemy itself would apply) runs, so dates, enums, JSON and custom `TypeDecorator`s are stored
exactly as the ORM would store them.

"""

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect
from sqlalchemy.types import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Time,
    TypeDecorator,
    TypeEngine,
    Uuid,
)

from microcosm_sqlite._codec import decode_binary
from microcosm_sqlite._sqlalchemy_internals import BINARY_TYPES
from microcosm_sqlite.builders.dates import out_of_range
from microcosm_sqlite.types import EnumType, parse_truthy

__all__ = [
    "NAN_HINT",
    "NAN_PROBLEM",
    "REQUIRED",
    "TIME_ZONE_HINT",
    "BadDefault",
    "ColumnCoercion",
    "EmptyPolicy",
    "Factory",
    "MissingValue",
    "Required",
    "ValueProblem",
    "column_coercion",
    "has_python_default",
    "is_autoincrement",
    "is_required",
    "read_text",
    "verbatim",
]


class Required:
    """The empty-value policy of a column that needs a value: no default, not nullable."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = Required()


@dataclass(frozen=True)
class Factory:
    """The empty-value policy of a column whose default is computed per row (a callable default)."""

    make: Callable[[], Any]


#: What an empty cell (or JSON null, or absent key) becomes: a value, a per-row factory, or REQUIRED.
EmptyPolicy = Any


@dataclass(frozen=True)
class ColumnCoercion:
    """How to turn one column's source values into the values the driver stores."""

    name: str
    expected: str
    from_text: Callable[[str], Any]
    from_json: Callable[[Any], Any]
    empty: EmptyPolicy
    text_verbatim: bool = False
    #: "int" or "float" when the stored value is exactly the builtin's result (a float not NaN),
    #: which the CSV fast path inlines; None otherwise.
    fast: str | None = None

    def empty_value(self) -> Any:
        """The stored value for an empty cell; raises `MissingValue` when the column needs one."""
        if self.empty is REQUIRED:
            raise MissingValue(self.name)
        if isinstance(self.empty, Factory):
            return self.empty.make()
        return self.empty

    def text(self, value: str) -> Any:
        """Coerce a CSV cell."""
        if value == "":
            return self.empty_value()
        return self.from_text(value)

    def json(self, value: Any) -> Any:
        """Coerce a JSON value; null, and "" outside text columns, count as empty."""
        if value is None or (value == "" and not self.text_verbatim):
            return self.empty_value()
        return self.from_json(value)


class MissingValue(Exception):
    """Raised by a coercion when a required column has no value (the caller adds the context)."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


class BadDefault(Exception):
    """Raised when a column's default (`.default()` or the model's) cannot be stored in it."""

    def __init__(self, column: str, value: Any, reason: Exception) -> None:
        super().__init__(f"the default value {value!r} of column {column!r} cannot be stored ({reason})")
        self.column = column
        self.value = value


class ValueProblem(ValueError):
    """
    Raised by a parser when a value reads as its type but cannot be stored faithfully.

    It carries its own problem and hint, which the build error shows instead of the generic
    "is not <type>" wording (the caller adds source, position, column and value).

    """

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


TIME_ZONE_HINT = "convert the value to UTC and write it without an offset (or with Z) in the source"


def _naive(value: Any, original: str) -> Any:
    """Drop a zero UTC offset; refuse any other, which a naive SQLite value would silently shift."""
    offset = value.utcoffset()
    if offset is None:
        return value
    if not offset:
        return value.replace(tzinfo=None)
    raise ValueProblem(
        f"{original!r} has a time zone offset ({value.tzname()}), which the column cannot store: "
        "SQLite keeps date-times without one, so the instant would change",
        TIME_ZONE_HINT,
    )


def _in_range(parse: Callable[[str], Any], kind: str) -> Callable[[str], Any]:
    """`parse`, but a value of the right shape naming no real `kind` says which part is out of range."""

    def read(value: str) -> Any:
        try:
            return parse(value)
        except ValueProblem:
            raise
        except ValueError:
            problem = out_of_range(value, kind)
            if problem is None:
                raise
            raise ValueProblem(f"{value!r} is not a valid {kind}: {problem}", "fix the value in the source") from None

    return read


def _naive_datetime(value: str) -> datetime:
    return _naive(datetime.fromisoformat(value), value)  # type: ignore[no-any-return]


def _naive_time(value: str) -> time:
    return _naive(time.fromisoformat(value), value)  # type: ignore[no-any-return]


_text_datetime = _in_range(_naive_datetime, "date-time")
_text_date = _in_range(date.fromisoformat, "date")
_text_time = _in_range(_naive_time, "time")


@dataclass(frozen=True)
class _Parser:
    expected: str
    from_text: Callable[[str], Any]
    from_json: Callable[[Any], Any]
    text_verbatim: bool = False
    #: "int" or "float" when the CSV fast path calls the builtin (with, for floats, an inline NaN check).
    fast: str | None = None


def verbatim(value: Any) -> Any:
    """Text columns keep the text exactly as written (leading zeros, spaces and all)."""
    return value


def _not_bool(value: Any) -> bool:
    return not isinstance(value, bool)


NAN_PROBLEM = "nan is not a number SQLite can store (it stores NaN as NULL)"
NAN_HINT = "give a number in the source (an empty cell is NULL in a nullable column)"


def _checked_float(number: float) -> float:
    if number != number:
        # SQLite stores a NaN as NULL (https://www.sqlite.org/floatingpoint.html): refused rather
        # than silently lost. Infinities are REAL values SQLite keeps, so they pass.
        raise ValueProblem(NAN_PROBLEM, NAN_HINT)
    return number


def _text_float(value: str) -> float:
    return _checked_float(float(value))


def _json_int(value: Any) -> int:
    if isinstance(value, int) and _not_bool(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value)
    raise ValueError(value)


def _json_float(value: Any) -> float:
    if isinstance(value, (int, float)) and _not_bool(value):
        return _checked_float(float(value))
    if isinstance(value, str):
        return _text_float(value)
    raise ValueError(value)


def _text_decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except ArithmeticError:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def _json_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)) and _not_bool(value):
        # str() first: Decimal(0.1) would keep the binary float's 55 digits.
        return _text_decimal(str(value))
    if isinstance(value, str):
        return _text_decimal(value)
    raise ValueError(value)


def _json_text(value: Any) -> str:
    # Integers are accepted as text (ids written as numbers); floats and booleans are not, because
    # their text form is a guess ("1.0" or "1"? "true" or "True"?).
    if isinstance(value, str):
        return value
    if isinstance(value, int) and _not_bool(value):
        return str(value)
    raise ValueError(value)


def _from_string(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A JSON reader for types JSON has no literal for (dates, enums): only strings are accepted."""

    def from_json(value: Any) -> Any:
        if isinstance(value, str):
            return parse(value)
        raise ValueError(value)

    return from_json


def _enum_parser(enum_class: type[Enum]) -> _Parser:
    members = enum_class.__members__

    def by_name(value: str) -> Enum:
        return members[value]

    return _Parser(
        f"one of {', '.join(members)} (a {enum_class.__name__} name)",
        by_name,
        _from_string(by_name),
    )


def _bool_parser() -> _Parser:
    def from_text(value: str) -> bool:
        parsed = parse_truthy(value)
        assert parsed is not None
        return parsed

    return _Parser("a boolean (true/false, yes/no, 1/0)", from_text, from_text)


def _parser_for(type_: TypeEngine[Any]) -> _Parser:
    """How to read a value of this SQL type, before the dialect's bind processing."""
    if isinstance(type_, EnumType):
        return _enum_parser(type_.enum_class)
    if isinstance(type_, TypeDecorator):
        # Read as the underlying type; the decorator's own process_bind_param runs afterwards.
        return _parser_for(type_.impl_instance)
    if isinstance(type_, Boolean):
        return _bool_parser()
    if isinstance(type_, Integer):
        return _Parser("an integer", int, _json_int, fast="int")
    if isinstance(type_, Float) or (isinstance(type_, Numeric) and not type_.asdecimal):
        return _Parser("a number", _text_float, _json_float, fast="float")
    if isinstance(type_, Numeric):
        return _Parser("a decimal number", _text_decimal, _json_decimal)
    if isinstance(type_, DateTime):
        return _Parser("an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS)", _text_datetime, _from_string(_text_datetime))
    if isinstance(type_, Date):
        return _Parser("an ISO 8601 date (YYYY-MM-DD)", _text_date, _from_string(_text_date))
    if isinstance(type_, Time):
        return _Parser("an ISO 8601 time (HH:MM:SS)", _text_time, _from_string(_text_time))
    if isinstance(type_, JSON):
        return _Parser("a JSON document", json.loads, lambda value: value)
    if isinstance(type_, BINARY_TYPES):  # LargeBinary, BINARY, VARBINARY
        # The dumpers write bytes as base64 (dumpers/values.py), so a dump rebuilds.
        return _Parser("base64 text", decode_binary, _from_string(decode_binary))
    if isinstance(type_, Uuid):
        return _Parser("a UUID", uuid.UUID, _from_string(uuid.UUID))
    if isinstance(type_, String):
        return _Parser("text", verbatim, _json_text, text_verbatim=True)
    # Unknown types get the text as it is and rely on their bind processor, as the ORM would.
    return _Parser(f"a {type(type_).__name__} value", verbatim, verbatim)


def read_text(type_: TypeEngine[Any], value: str) -> Any:
    """
    Read a text value as the Python value of an SQL type, exactly as a CSV cell of it is read.

    For code outside the builders that takes values as text, such as the command line's search
    filters. Raises `ValueError` saying what was expected.

    """
    parser = _parser_for(type_)
    try:
        return parser.from_text(value)
    except ValueProblem as problem:
        raise ValueError(f"{problem.problem}; {problem.hint}") from None
    except Exception:
        raise ValueError(f"{value!r} is not {parser.expected}") from None


def _stored(parse: Callable[[Any], Any], bind: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if bind is None:
        return parse

    def coerce(value: Any) -> Any:
        return bind(parse(value))

    return coerce


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect, parser: _Parser) -> Callable[[Any], Any] | None:
    if not isinstance(type_, TypeDecorator) and (parser.fast is not None or parser.text_verbatim):
        # Integers, floats and text come out of parsing exactly as the driver stores them; skipping
        # their (no-op or float()) processors keeps the CSV fast path to one builtin call per cell
        # (and, for floats, the NaN comparison the row function inlines).
        return None
    # The dialect-specific implementation's processor (SQLite stores dates as ISO strings), the one
    # SQLAlchemy's own statement execution applies.
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _faithful(value: Any) -> Any:
    """A default value as a source value would be checked: no NaN, no non-zero time zone offset."""
    if isinstance(value, float):
        return _checked_float(value)
    if isinstance(value, (datetime, time)):
        return _naive(value, value.isoformat())
    return value


def _faithful_factory(make: Callable[[], Any]) -> Callable[[], Any]:
    def faithful() -> Any:
        return _faithful(make())

    return faithful


def _bound_factory(make: Callable[[], Any], bind: Callable[[Any], Any]) -> Callable[[], Any]:
    def bound() -> Any:
        return bind(make())

    return bound


def _python_default(column: Column[Any], given: Mapping[str, Any]) -> EmptyPolicy | None:
    """A `.default()` value or the column's own default, as a Python value (or Factory); else None."""
    if column.name in given:
        value = given[column.name]
        return Factory(value) if callable(value) else value
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    if default is not None and getattr(default, "is_callable", False):
        # SQLAlchemy wraps zero-argument callables so that they take an execution context.
        make = default.arg  # type: ignore[attr-defined]
        return Factory(lambda: make(None))
    return None


def has_python_default(column: Column[Any], given: Mapping[str, Any]) -> bool:
    """Whether the builder fills this column itself when a source leaves it out."""
    return _python_default(column, given) is not None


def is_required(column: Column[Any], given: Mapping[str, Any]) -> bool:
    """Whether a source must provide this column: it has no default of any kind and cannot be NULL."""
    return (
        _python_default(column, given) is None
        and column.server_default is None
        and not column.nullable
        and not is_autoincrement(column)
    )


def is_autoincrement(column: Column[Any]) -> bool:
    """
    Whether SQLite may number this primary key column: only when the model says so explicitly.

    SQLAlchemy treats every single integer primary key as autoincrementing ("auto"), so a source
    whose key column was misspelt or left out would load with its rows silently renumbered; a key
    left out or NULL gets the next rowid only with `autoincrement=True` on the column.

    """
    return column.table.autoincrement_column is column and column.autoincrement is True


def column_coercion(
    column: Column[Any],
    dialect: Dialect,
    given: Mapping[str, Any],
    server_defaults: Mapping[str, Any],
) -> ColumnCoercion:
    """
    The coercion of one column, derived from its type, defaults and nullability.

    An empty value becomes, in this order: the `.default()` value, the column's default, its
    server default (`server_defaults` holds them evaluated by SQLite), NULL, or an error.

    """
    parser = _parser_for(column.type)
    bind = _bind_processor(column.type, dialect, parser)
    policy: EmptyPolicy = _python_default(column, given)
    if isinstance(policy, Factory):
        policy = Factory(_faithful_factory(policy.make))
    elif policy is not None:
        try:
            policy = _faithful(policy)
        except ValueProblem as problem:
            raise BadDefault(column.name, policy, problem) from None
    if policy is not None and bind is not None:
        # Defaults are Python values (an enum member, a date): store them as the ORM would.
        if isinstance(policy, Factory):
            policy = Factory(_bound_factory(policy.make, bind))
        else:
            try:
                policy = bind(policy)
            except Exception as error:
                raise BadDefault(column.name, policy, error) from None
    elif policy is None:
        if column.name in server_defaults:
            policy = server_defaults[column.name]
        elif is_required(column, given):
            policy = REQUIRED
    return ColumnCoercion(
        name=column.name,
        expected=parser.expected,
        from_text=_stored(parser.from_text, bind),
        from_json=_stored(parser.from_json, bind),
        empty=policy,
        text_verbatim=parser.text_verbatim,
        fast=parser.fast if bind is None else None,
    )
