import enum
import os
import subprocess
import sys

import pytest
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table

from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.types import EnumType
from tests.support.fixtures import Geography


def table(metadata, *columns, name="airport", **kwargs):
    return Table(name, metadata, Column("id", Integer, primary_key=True), *columns, **kwargs)


def fingerprint_of(*columns, **kwargs) -> str:
    metadata = MetaData()
    table(metadata, *columns, **kwargs)
    return schema_fingerprint(metadata)


def test_same_models_give_the_same_fingerprint():
    assert fingerprint_of(Column("code", String(3), nullable=False)) == fingerprint_of(
        Column("code", String(3), nullable=False)
    )


@pytest.mark.parametrize(
    "changed",
    [
        [Column("code", String(4), nullable=False)],
        [Column("code", String(3), nullable=True)],
        [Column("iata", String(3), nullable=False)],
        [Column("code", String(3), nullable=False, unique=True)],
        [Column("code", String(3), nullable=False, index=True)],
        [Column("code", String(3), nullable=False), Column("big", Boolean)],
        [Column("code", String(3), nullable=False, default="XXX")],
    ],
)
def test_every_schema_change_changes_the_fingerprint(changed):
    assert fingerprint_of(*changed) != fingerprint_of(Column("code", String(3), nullable=False))


def test_table_order_of_declaration_does_not_matter():
    first, second = MetaData(), MetaData()
    table(first, name="a"), table(first, name="b")
    table(second, name="b"), table(second, name="a")

    assert schema_fingerprint(first) == schema_fingerprint(second)


def test_named_indexes_are_part_of_the_fingerprint():
    first, second = MetaData(), MetaData()
    one = table(first, Column("code", String))
    table(second, Column("code", String))
    Index("ix_code", one.c.code)

    assert schema_fingerprint(first) != schema_fingerprint(second)


def test_fingerprint_is_stable_across_processes():
    script = "from tests.support.fixtures import Geography; from microcosm_sqlite.artifacts import schema_fingerprint; print(schema_fingerprint(Geography.metadata))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }

    assert outputs == {schema_fingerprint(Geography.metadata)}


def test_enum_members_are_part_of_the_fingerprint():
    class Before(enum.Enum):
        RED = 1

    class After(enum.Enum):
        RED = 1
        BLUE = 2

    assert fingerprint_of(Column("colour", EnumType(Before))) != fingerprint_of(Column("colour", EnumType(After)))
