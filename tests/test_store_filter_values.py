"""
A store filter whose value its column cannot hold (an enum name the enum lacks, text for a date)
is a typed error naming the filter and what it allows, raised before any SQL: not the raw
`StatementError` SQLAlchemy raises once the query runs.

"""

from datetime import date

import pytest
from sqlalchemy.exc import StatementError

from microcosm_sqlite import Store
from microcosm_sqlite.errors import FilterValueError, SQLiteError
from tests.support.fixtures import Catalogue, Continent, CountryStore, Geography, Product


class ProductStore(Store):
    model_class = Product
    auto_filter_fields = (Product.released, Product.colour, Product.sku)


CONTINENT_ERROR = (
    "dataset 'Geography': CountryStore filter continent='POETRY' is not a value of column country.continent "
    "(allowed: AFRICA, EUROPE, NORTH_AMERICA), so nothing was run; pass a Continent member or one of those names"
)


@pytest.mark.parametrize("method", ["count", "search", "first", "one"])
def test_an_enum_filter_naming_no_member_is_a_typed_error(read_only_graph, method):
    with Geography.new_context(read_only_graph):
        with pytest.raises(FilterValueError) as raised:
            result = getattr(CountryStore(), method)(continent="POETRY")
            list(result)  # a search runs its query when iterated

    error = raised.value
    assert str(error) == CONTINENT_ERROR
    assert (error.store, error.data_set, error.name, error.value) == (
        "CountryStore",
        "Geography",
        "continent",
        "POETRY",
    )
    assert error.allowed == ["AFRICA", "EUROPE", "NORTH_AMERICA"]
    assert isinstance(error, SQLiteError) and isinstance(error, ValueError)
    assert not isinstance(error, StatementError)
    assert error.status_code == 400


def test_a_delete_with_a_bad_value_deletes_nothing(writable_graph):
    with Geography.new_context(writable_graph) as context:
        with pytest.raises(FilterValueError, match="filter continent='POETRY'"):
            CountryStore().delete(continent="POETRY")
        context.commit()
        assert CountryStore().count() == 4


def test_a_boolean_filter_that_is_no_boolean_says_what_it_accepts(read_only_graph):
    with Geography.new_context(read_only_graph):
        with pytest.raises(FilterValueError) as raised:
            CountryStore().count(landlocked="maybe")

    assert str(raised.value).startswith(
        "dataset 'Geography': CountryStore filter landlocked='maybe' is not a value of column country.landlocked "
        "('maybe' is not a boolean (expected true/false, yes/no, 1/0)), so nothing was run"
    )


def test_a_date_filter_given_text_says_to_pass_a_date(empty_graph):
    with Catalogue.new_context(empty_graph):
        with pytest.raises(FilterValueError) as raised:
            ProductStore().count(released="2024-02-29")
        assert ProductStore().count(released=date(2024, 2, 29)) == 0

    assert str(raised.value).endswith("so nothing was run; pass a date")
    assert "filter released='2024-02-29'" in str(raised.value)


def test_values_the_column_holds_still_filter(read_only_graph):
    with Geography.new_context(read_only_graph):
        store = CountryStore()
        assert store.count(continent="EUROPE") == store.count(continent=Continent.EUROPE) == 2
        assert store.count(landlocked="yes") == 2
        assert store.one(name="Mali").continent is Continent.AFRICA
