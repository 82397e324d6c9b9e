import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from microcosm_sqlite.errors import StoredValueError
from microcosm_sqlite.types import EnumType, Truthy, parse_truthy
from tests.support.fixtures import Continent, Country, CountryStore, Geography
from tests.support.graphs import make_graph


@pytest.mark.parametrize("value", ["true", "True", " YES ", "y", "t", "on", "1", 1, True])
def test_truthy_true(value):
    assert parse_truthy(value) is True


@pytest.mark.parametrize("value", ["false", "FALSE", "no", "n", "f", "off", "0", "", 0, False])
def test_truthy_false(value):
    assert parse_truthy(value) is False


@pytest.mark.parametrize("value", ["maybe", "tru", 2, 0.5])
def test_truthy_refuses_what_is_not_a_boolean(value):
    with pytest.raises(ValueError, match="is not a boolean"):
        parse_truthy(value)


def test_truthy_keeps_null():
    assert parse_truthy(None) is None


def test_types_are_cacheable():
    assert EnumType.cache_ok is True
    assert Truthy.cache_ok is True
    assert EnumType(Continent).length == len("NORTH_AMERICA")


def test_enum_is_stored_by_name_and_read_as_member(writable_graph):
    with Geography.new_context(writable_graph) as context:
        CountryStore().create(
            Country(code="US", name="United States", continent=Continent.NORTH_AMERICA, landlocked="no")
        )
        CountryStore().create(Country(code="AT", name="Austria", continent="EUROPE", landlocked="yes"))
        context.commit()
        raw = dict(
            context.session.execute(text("SELECT code, continent FROM country WHERE code IN ('US', 'AT')")).all()
        )
        assert raw == {"US": "NORTH_AMERICA", "AT": "EUROPE"}
        assert CountryStore().one(name="Austria").continent is Continent.EUROPE
        assert CountryStore().one(name="Austria").landlocked is True
        assert CountryStore().one(name="United States").landlocked is False
        assert CountryStore().count(continent="NORTH_AMERICA") == 2


def test_unknown_enum_name_is_refused(writable_graph):
    with Geography.new_context(writable_graph):
        with pytest.raises(StatementError, match=r"'OCEANIA' is not a member of Continent \(expected one of AFRICA"):
            CountryStore().create(Country(code="AU", name="Australia", continent="OCEANIA"))


def write_foreign_values(path, continent, landlocked):
    """A geography file as another tool might write it: text where we would store 0/1."""
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("UPDATE country SET continent = ?, landlocked = ? WHERE code = 'FR'", (continent, landlocked))
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    "stored, expected", [("false", False), ("no", False), ("0", False), ("yes", True), (1, True), (0, False), (2, True)]
)
def test_truthy_reads_booleans_other_tools_wrote(artifact, stored, expected):
    write_foreign_values(artifact, "EUROPE", stored)
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True)
    with Geography.new_context(graph):
        assert CountryStore().one(name="France").landlocked is expected


def test_unreadable_stored_values_say_file_and_models_disagree(artifact):
    write_foreign_values(artifact, "OCEANIA", "maybe")
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True)
    with Geography.new_context(graph):
        with pytest.raises(
            StoredValueError, match=r"stored value 'OCEANIA' is not a member of Continent .*rebuild the artifact"
        ):
            CountryStore().one(name="France")
    write_foreign_values(artifact, "EUROPE", "maybe")
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True)
    with Geography.new_context(graph):
        with pytest.raises(StoredValueError, match=r"stored 'maybe' is not a boolean .*disagree"):
            CountryStore().one(name="France")


def test_statements_with_these_types_are_cached():
    from sqlalchemy import select

    first = select(Country).where(Country.continent == Continent.EUROPE, Country.landlocked == "yes")
    second = select(Country).where(Country.continent == Continent.AFRICA, Country.landlocked == "no")
    # A type without cache_ok gives no cache key, and every execution would be compiled afresh.
    assert first._generate_cache_key() is not None
    assert first._generate_cache_key() == second._generate_cache_key()
