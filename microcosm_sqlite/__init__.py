"""
microcosm-sqlite: read-only reference data for microcosm services.

Datasets are built offline into SQLite files, shipped like code, and streamed by `Store.search()`.

"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microcosm_sqlite.builders.factory import SQLiteBuilderFactory as SQLiteBuilder
    from microcosm_sqlite.dataset import DataSet, dispose_sqlite_connections
    from microcosm_sqlite.dumpers.factory import SQLiteDumper
    from microcosm_sqlite.factories import SQLiteBindFactory
    from microcosm_sqlite.stores import GetOrCreateSession, Store

__all__ = [
    "DataSet",
    "GetOrCreateSession",
    "SQLiteBindFactory",
    "SQLiteBuilder",
    "SQLiteDumper",
    "Store",
    "dispose_sqlite_connections",
]

#: Where each exported name lives, imported when first asked for (PEP 562): importing a submodule
#: runs this module first, and the command line's `--help` must not pay for SQLAlchemy. The
#: builder and dumper components are the names the 1.0 line exported.
_EXPORTS = {
    "DataSet": ("microcosm_sqlite.dataset", "DataSet"),
    "GetOrCreateSession": ("microcosm_sqlite.stores", "GetOrCreateSession"),
    "SQLiteBindFactory": ("microcosm_sqlite.factories", "SQLiteBindFactory"),
    "SQLiteBuilder": ("microcosm_sqlite.builders.factory", "SQLiteBuilderFactory"),
    "SQLiteDumper": ("microcosm_sqlite.dumpers.factory", "SQLiteDumper"),
    "Store": ("microcosm_sqlite.stores", "Store"),
    "dispose_sqlite_connections": ("microcosm_sqlite.dataset", "dispose_sqlite_connections"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        return _submodule(name)
    module_name, attribute = _EXPORTS[name]
    value = getattr(import_module(module_name), attribute)
    globals()[name] = value  # looked up once: later accesses are plain attribute reads
    return value


def _submodule(name: str) -> Any:
    """
    A submodule not imported yet: code that did `import microcosm_sqlite` and then used
    `microcosm_sqlite.types` worked while this module imported them all eagerly.

    """
    try:
        return import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
