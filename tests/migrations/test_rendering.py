"""
How revision files name column types, and how `check_migration` names changes.

"""

from types import SimpleNamespace

from sqlalchemy import Column, ForeignKeyConstraint, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.types import UserDefinedType

from microcosm_sqlite.migrations.changes import describe_changes
from microcosm_sqlite.migrations.environment import render_storage_type
from microcosm_sqlite.types import EnumType, Truthy
from tests.support.migration_fixtures import Kind


class Point(UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kwargs):
        return "POINT"


def render(type_):
    context = SimpleNamespace(imports=set())
    return render_storage_type("type", type_, context), context.imports


def test_decorated_types_render_as_what_they_store():
    assert render(EnumType(Kind)) == ("sa.String(length=5)", set())
    assert render(Truthy()) == ("sa.Boolean()", set())


def test_sqlalchemy_types_keep_alembics_rendering():
    assert render(Integer()) == (False, set())
    assert render_storage_type("column", Column("x", Integer), SimpleNamespace(imports=set())) is False


def test_other_types_get_their_import():
    assert render(Point()) == (False, {f"import {__name__}"})


def test_describe_changes():
    metadata = MetaData()
    country = Table("country", metadata, Column("code", String(2), primary_key=True))
    city = Table("city", metadata, Column("id", Integer, primary_key=True), Column("country_code", String(2)))
    unique = UniqueConstraint(city.c.country_code, name="uq_city_country_code")
    foreign_key = ForeignKeyConstraint([city.c.country_code], [country.c.code], name="fk_city_country_code_country")
    city.append_constraint(unique)
    city.append_constraint(foreign_key)
    diffs = [
        ("add_table", country),
        ("remove_column", None, "city", city.c.id),
        ("add_constraint", unique),
        ("remove_fk", foreign_key),
        [("modify_nullable", None, "city", "country_code", {}, True, False)],
    ]
    assert describe_changes(diffs) == [
        "add table country",
        "remove column city.id (INTEGER)",
        "add constraint uq_city_country_code on city",
        "remove foreign key fk_city_country_code_country on city",
        "change nullable of city.country_code from True to False",
    ]
