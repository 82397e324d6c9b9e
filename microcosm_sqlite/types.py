"""
Column types for reference data.

"""

from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import Boolean, String, TypeDecorator

from microcosm_sqlite.errors import StoredValueError

__all__ = ["EnumType", "Truthy", "parse_truthy"]


_TRUE_STRINGS = frozenset({"true", "t", "yes", "y", "on", "1"})
_FALSE_STRINGS = frozenset({"false", "f", "no", "n", "off", "0", ""})


def parse_truthy(value: Any) -> bool | None:
    """
    Interpret a value as a boolean the way people write booleans in CSV files.

    Raises `ValueError` for strings that are neither true nor false, so a typo never becomes False.

    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise ValueError(f"{value!r} is not a boolean (expected 0 or 1)")
    text = str(value).strip().lower()
    if text in _TRUE_STRINGS:
        return True
    if text in _FALSE_STRINGS:
        return False
    raise ValueError(f"{value!r} is not a boolean (expected true/false, yes/no, 1/0)")


def _read_truthy(value: Any) -> bool | None:
    """Read a stored boolean: 0/1 as SQLAlchemy writes them, or text that other tools wrote."""
    if isinstance(value, (int, float)):
        return bool(value)  # SQLite's own rule: any non-zero number is true
    try:
        return parse_truthy(value)
    except ValueError as error:
        raise StoredValueError(f"stored {error}; the file and the models disagree") from None


class EnumType(TypeDecorator[Enum]):
    """
    Store an `Enum` member by its *name*.

    Names are stable where values are often implementation details (ints, tuples), and names read
    well in a dumped CSV. Accepts members or their names on the way in.

    """

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[Enum], *args: Any, **kwargs: Any) -> None:
        self.enum_class = enum_class
        kwargs.setdefault("length", max((len(name) for name in enum_class.__members__), default=1))
        super().__init__(*args, **kwargs)

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, self.enum_class):
            return value.name
        if isinstance(value, str) and value in self.enum_class.__members__:
            return value
        raise ValueError(
            f"{value!r} is not a member of {self.enum_class.__name__} "
            f"(expected one of {', '.join(self.enum_class.__members__)})"
        )

    def process_result_value(self, value: Any, dialect: Dialect) -> Enum | None:
        if value is None:
            return None
        try:
            return self.enum_class[value]
        except KeyError:
            raise StoredValueError(
                f"stored value {value!r} is not a member of {self.enum_class.__name__} "
                f"(expected one of {', '.join(self.enum_class.__members__)}); the file and the models "
                "disagree: rebuild the artifact, or add the member to the enum"
            ) from None

    @property
    def python_type(self) -> type[Enum]:
        return self.enum_class


class Truthy(TypeDecorator[bool]):
    """A boolean that also accepts strings such as "true", "no", "0" and ""."""

    impl = Boolean
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bool | None:
        return parse_truthy(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], bool | None]:
        # Files written by other tools hold 'false' or 'no' as text, which Boolean's own result
        # processor would read as True (any non-empty string is truthy): parse the raw value.
        return _read_truthy

    @property
    def python_type(self) -> type[bool]:
        return bool
