"""
`Store[Model]`: typed stores for users' type checkers, and the model named once.

"""

from pathlib import Path

from mypy import api as mypy

from microcosm_sqlite import Store
from tests.support.fixtures import City, CityStore

ROOT = Path(__file__).resolve().parent.parent

CHECKED = """
from typing import Any, assert_type

from microcosm_sqlite import Store
from microcosm_sqlite.results import SearchResult
from tests.support.fixtures import City


class TypedCityStore(Store[City]):
    pass


class PlainCityStore(Store):
    model_class = City


typed = TypedCityStore()
assert_type(typed.one(id=1), City)
assert_type(typed.first(), City | None)
assert_type(typed.search(), SearchResult[City])
assert_type(typed.create(City()), City)
for city in typed.search():
    assert_type(city, City)

plain = PlainCityStore()
assert_type(plain.one(id=1), Any)
"""


def test_a_type_checker_sees_the_model_of_a_typed_store(tmp_path):
    checked = tmp_path / "typed_stores.py"
    checked.write_text(CHECKED)
    output, errors, status = mypy.run(
        [str(checked), "--follow-imports=silent", "--python-version=3.11", "--cache-dir", str(ROOT / ".mypy_cache")]
    )
    assert status == 0, output + errors


class TypedCityStore(Store[City]):
    auto_filter_fields = (City.id, City.name)


class SubclassedTypedStore(TypedCityStore):
    pass


def test_the_type_parameter_is_the_model_class(read_only_graph):
    assert TypedCityStore.model_class is City
    assert SubclassedTypedStore.model_class is City
    with City.new_context(read_only_graph):
        assert TypedCityStore().one(name="Lyon").name == "Lyon"
        assert [city.name for city in TypedCityStore().search(name="Lyon")] == ["Lyon"]


def test_a_model_class_in_the_body_or_a_property_still_wins():
    class Declared(Store[City]):
        model_class = CityStore.model_class

    class ByProperty(Store):
        @property
        def model_class(self):
            return City

    assert Declared.model_class is City
    assert ByProperty().model_class is City
    assert CityStore.model_class is City
