"""
Dataset names: one dataset, however its name is spelled.

A dataset is named by its class ("Geography"), while environment variables reach microcosm config
lower-cased ("geography"). Both spellings must select the same path, the same bind and the same
cached checks, or a change made under one spelling is not seen under the other.

"""

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

V = TypeVar("V")


def data_set_base(base: Any) -> Any:
    """The declarative base of a dataset, given the base itself or any model of it (anything else as is)."""
    resolve = getattr(base, "resolve", None)
    return resolve() if callable(resolve) else base


def data_set_key(name: str) -> str:
    """The one key of a dataset, whatever the case of the name it is given by."""
    return name.casefold()


class ByDataSet(MutableMapping[str, V]):
    """
    A dict keyed by dataset name, in which names that differ only in case are the same key.

    It iterates over the spelling each key was last stored under.

    """

    def __init__(self, items: Mapping[str, V] | Iterable[tuple[str, V]] = ()) -> None:
        self._items: dict[str, tuple[str, V]] = {}
        self.update(items)

    def __getitem__(self, name: str) -> V:
        try:
            return self._items[data_set_key(name)][1]
        except KeyError:
            raise KeyError(name) from None

    def __setitem__(self, name: str, value: V) -> None:
        self._items[data_set_key(name)] = (name, value)

    def __delitem__(self, name: str) -> None:
        try:
            del self._items[data_set_key(name)]
        except KeyError:
            raise KeyError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        # Not Mapping.get, which goes through __getitem__ and a KeyError: binds are looked up
        # this way on every store call.
        item = self._items.get(data_set_key(name))
        return default if item is None else item[1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and data_set_key(name) in self._items

    def __iter__(self) -> Iterator[str]:
        # A copy: other threads may add datasets while this one iterates.
        return iter([name for name, _ in list(self._items.values())])

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"
