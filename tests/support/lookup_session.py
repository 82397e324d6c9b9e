"""
One session of primary-key lookups and a search, summarised as plain data so two processes can be compared.

"""

from typing import Any

from microcosm_sqlite import Store, dispose_sqlite_connections, results, stores
from microcosm_sqlite.errors import ModelNotFoundError
from tests.support.fixtures import City, Country, Geography
from tests.support.graphs import make_graph


class CityByIdStore(Store):
    model_class = City
    auto_filter_fields = (City.id,)


class CountryByCodeStore(Store):
    model_class = Country
    auto_filter_fields = (Country.code,)


def lookups(artifact: str) -> dict[str, Any]:
    """
    Look cities and countries up by primary key in a read-only graph.

    Returns how each attempt of the fast path ended ("taken", "not found" or "declined": a query
    ran) and what the lookups returned. Along the way, checks that each object is the one a query
    returns from the same session, and that a second lookup returns that same object.

    """
    attempts: list[str] = []
    original = stores.find_unique

    def recording(*args: Any, **kwargs: Any) -> Any:
        answer = original(*args, **kwargs)
        attempts.append("declined" if answer is None else "not found" if answer is stores.NOT_FOUND else "taken")
        return answer

    prepared = results.prepare

    def recording_stream(*args: Any) -> Any:
        answer = prepared(*args)
        attempts.append("search declined" if answer is None else "search taken")
        return answer

    stores.find_unique = recording
    results.prepare = recording_stream
    graph = make_graph(paths={"Geography": artifact}, read_only=True)
    try:
        with Geography.new_context(graph) as context:
            city = CityByIdStore().one(id=2)
            country = CountryByCodeStore().one(code="CH")
            assert context.session.query(City).filter(City.id == 2).one() is city
            assert context.session.query(Country).filter(Country.code == "CH").one() is country
            assert CityByIdStore().one(id=2) is city
            assert city.country.name == "France"  # relationships lazy-load from the session
            try:
                CityByIdStore().one(id=99)
                missing = "found"
            except ModelNotFoundError as error:
                missing = str(error)
            cities = [[c.id, c.name, c is city] for c in CityByIdStore().search()]
            found = {
                "cities": cities,
                "city": [city.id, city.name, city.country_code, city.population, city.latitude],
                "country": [country.code, country.name, country.continent.name, country.landlocked],
                "missing": missing,
            }
    finally:
        stores.find_unique = original
        results.prepare = prepared
        dispose_sqlite_connections(graph)
    return {"attempts": attempts, "found": found}
