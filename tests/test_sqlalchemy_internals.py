"""
The SQLAlchemy internals behind the lookup fast path: found on every supported SQLAlchemy, and a
missing one only switches the fast path off.

"""

import ast
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, create_engine
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import BINARY, VARBINARY, LargeBinary

from microcosm_sqlite import _sqlalchemy_internals
from tests.support.lookup_session import lookups

ROOT = Path(__file__).resolve().parents[1]


def test_every_internal_is_found_on_the_installed_sqlalchemy():
    # On 2.0 and 2.1 alike (make test, make test-oldest): otherwise lookups silently lose the fast path.
    assert _sqlalchemy_internals.FOUND.missing == ()
    assert _sqlalchemy_internals.FAST_PATH


def test_lookups_take_the_fast_path(artifact):
    assert lookups(str(artifact))["attempts"] == ["taken", "taken", "taken", "not found", "search taken"]


@pytest.mark.parametrize("owner, names", list(_sqlalchemy_internals.PROBED.items()))
def test_a_missing_internal_switches_the_fast_path_off(monkeypatch, owner, names):
    holder = _sqlalchemy_internals.owner(owner)
    for name in names:
        for spelling in name.split("|"):  # a renamed name: every spelling goes
            monkeypatch.delattr(holder, spelling, raising=False)

    found = _sqlalchemy_internals.probe()

    assert not found.complete
    assert found.missing and all(missing.startswith(f"{owner}.") for missing in found.missing)
    assert found.add_unpresent is found.session_is_clean is None


@pytest.mark.parametrize(
    "owner, names",
    [
        # Renamed between 2.0 (WeakInstanceDict) and 2.1 (_WeakInstanceDict): the reported crash.
        ("sqlalchemy.orm.identity", ["_WeakInstanceDict", "WeakInstanceDict"]),
        ("sqlalchemy.orm.session.Session", ["_is_clean"]),
        # What the search fast path alone uses.
        ("sqlalchemy.sql.cache_key.HasCacheKey", ["_generate_cache_key"]),
    ],
)
def test_without_an_internal_the_library_imports_and_lookups_give_the_same_objects(artifact, owner, names):
    fast = lookups(str(artifact))

    child = subprocess.run(
        [sys.executable, "-m", "tests.support.internals_child", str(artifact), owner, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert child.returncode == 0, child.stderr
    ordinary = json.loads(child.stdout.splitlines()[-1])
    assert ordinary["missing"]
    assert ordinary["attempts"] == ["declined"] * 4 + ["search declined"]
    assert ordinary["found"] == fast["found"]


def test_without_the_private_binary_base_the_generic_binary_types_are_recognised(monkeypatch):
    columns = [LargeBinary(), BINARY(16), VARBINARY(16)]  # SQLAlchemy itself needs the name to make them
    monkeypatch.delattr(sqltypes, "_Binary", raising=False)

    binary_types = _sqlalchemy_internals._binary_types()

    assert all(isinstance(column, binary_types) for column in columns)


def test_no_private_sqlalchemy_name_is_used_outside_the_internals_module():
    """Private names of SQLAlchemy's modules and classes are reached only through `_sqlalchemy_internals`."""
    offences = []
    for path in sorted((ROOT / "microcosm_sqlite").rglob("*.py")):
        if path.name == "_sqlalchemy_internals.py":
            continue
        tree = ast.parse(path.read_text())
        from_sqlalchemy = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
                from_sqlalchemy.update(alias.asname or alias.name for alias in node.names)
                offences += [
                    f"{path.name}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in from_sqlalchemy
            ):
                offences.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert offences == []


class Number(declarative_base()):
    __tablename__ = "number"
    n = Column(Integer, primary_key=True)


def test_a_search_window_without_the_private_limit_still_respects_the_search_limit(monkeypatch):
    """Where `Select._limit` is missing, indexing counts rows instead and never reads past the limit."""
    from sqlalchemy.sql.selectable import GenerativeSelect

    from microcosm_sqlite.results import SearchResult

    rows = [(n,) for n in range(10)]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE number (n INTEGER PRIMARY KEY)")
    connection.executemany("INSERT INTO number VALUES (?)", rows)
    connection.commit()
    engine = create_engine("sqlite://", creator=lambda: connection, poolclass=StaticPool)
    with Session(engine) as session:
        query = session.query(Number).order_by(Number.n).limit(4)
        expected = [row.n for row in query.all()]
        monkeypatch.delattr(GenerativeSelect, "_limit")
        result = SearchResult(query, batch_size=2)
        assert [result[i].n for i in range(4)] == expected
        assert [row.n for row in result[2:10]] == expected[2:]
        with pytest.raises(IndexError):
            result[4]
