"""
Run by tests/test_sqlalchemy_internals.py in a fresh process: import the library while a SQLAlchemy
internal is missing, then look rows up and print what came back, as JSON.

Usage: python -m tests.support.internals_child ARTIFACT OWNER NAME [NAME ...]
OWNER is a dotted path ("sqlalchemy.orm.identity", "sqlalchemy.orm.Session"); each NAME is hidden
from it while microcosm_sqlite is first imported (as in a SQLAlchemy release without it), then put
back, since SQLAlchemy's own code still needs it.

"""

import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def resolve(dotted: str) -> Any:
    module, _, attribute = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ImportError:
        return getattr(importlib.import_module(module), attribute)


@contextmanager
def hidden(owner: Any, names: list[str]) -> Iterator[None]:
    saved = {name: vars(owner)[name] for name in names if name in vars(owner)}
    for name in saved:
        delattr(owner, name)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(owner, name, value)


def main(artifact: str, owner: str, names: list[str]) -> None:
    with hidden(resolve(owner), names):
        import microcosm_sqlite  # noqa: F401  (the import that must not fail)
        from microcosm_sqlite import _sqlalchemy_internals

    from tests.support.lookup_session import lookups

    print(json.dumps({"missing": list(_sqlalchemy_internals.FOUND.missing), **lookups(artifact)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
