"""
Model mixins.

"""

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

__all__ = ["IdentityMixin"]


class IdentityMixin:
    """
    Equality by public members, hashing by identity.

    Reference data is compared by value (two rows with the same fields are the same fact), while
    hashing uses only the `identity` so that objects stay usable as dict keys.

    """

    def _members(self) -> dict[str, Any]:
        try:
            mapper = inspect(type(self))
        except NoInspectionAvailable:
            return {key: value for key, value in vars(self).items() if not key.startswith("_")}
        return {attr.key: getattr(self, attr.key) for attr in mapper.column_attrs if not attr.key.startswith("_")}

    @property
    def identity(self) -> Any:
        """The primary key values; override for a natural key."""
        mapper = inspect(type(self))
        return tuple(getattr(self, mapper.get_property_by_column(column).key) for column in mapper.primary_key)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self._members() == other._members()  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self.identity)
