"""
Text that is not UTF-8 in an artifact: a damaged file, named with its table and column.

SQLite stores TEXT as whatever bytes it was given; Python's driver decodes them as UTF-8 on the
way out and, when it cannot, raises `OperationalError("Could not decode to UTF-8 column ...")`
(https://docs.python.org/3/library/sqlite3.html#sqlite3.Connection.text_factory). The builder only
writes UTF-8, so such bytes mean a damaged file (or one written by another tool): the reader gets a
`DamagedArtifactError` that says where, rather than a driver error.

A custom `text_factory` could catch it at the value, but would decode every text value in Python
and slow every read; the error is translated where it surfaces instead.

"""

import re
import sqlite3
from pathlib import Path
from typing import Any

from microcosm_sqlite.artifacts.checks import REBUILD_HINT
from microcosm_sqlite.errors import DamagedArtifactError

__all__ = ["COLUMN", "MESSAGE", "is_undecodable", "undecodable_text"]


# The driver's wording (CPython Modules/_sqlite/cursor.c); the column is what the query named it.
MESSAGE = "Could not decode to UTF-8"
COLUMN = re.compile(r"column '(?P<column>[^']*)'")


def is_undecodable(error: BaseException | None) -> bool:
    """Whether a DB-API error is the driver failing to decode stored text as UTF-8."""
    return isinstance(error, sqlite3.OperationalError) and MESSAGE in str(error)


def undecodable_text(
    data_set: str | None, path: str | Path | None, error: BaseException, table: str | None = None, statement: Any = None
) -> DamagedArtifactError:
    """
    The error for text that is not UTF-8, naming the column and, when it can be known, the table.

    `statement` is the SQLAlchemy statement that read it: its selected columns tell which table a
    result column came from (the ORM labels them `<table>_<column>`).

    """
    match = COLUMN.search(str(error))
    column = None if match is None else match.group("column")
    if column is not None and table is None:
        table, column = _source(statement, column)
    where = "a column" if column is None else f"column {column!r}"
    if table is not None:
        where += f" of table {table!r}"
    return DamagedArtifactError(
        f"the file is damaged: {where} holds text that is not UTF-8", data_set=data_set, path=path, hint=REBUILD_HINT
    )


def _source(statement: Any, label: str) -> tuple[str | None, str]:
    """`(table, column)` of the selected column a result column `label` stands for."""
    for selected in getattr(statement, "selected_columns", ()):
        table = getattr(getattr(selected, "table", None), "name", None)
        name = getattr(selected, "name", None)
        if table is not None and name is not None and label in (name, f"{table}_{name}"):
            return str(table), str(name)
    return None, label
