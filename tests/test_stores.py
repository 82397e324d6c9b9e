import pytest

from microcosm_sqlite import GetOrCreateSession, Store
from microcosm_sqlite.errors import (
    DuplicateModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    MultipleModelsFoundError,
    NoSessionError,
    UnknownFilterError,
)
from microcosm_sqlite.results import SearchResult
from microcosm_sqlite.stores import get_session
from tests.support.fixtures import City, CityStore, Continent, Country, CountryStore, Geography


@pytest.fixture
def context(writable_graph):
    with Geography.new_context(writable_graph) as context:
        yield context


@pytest.fixture
def read_context(backend_graph):
    """A session on the read-only geography dataset, from its file and from a PostgreSQL server."""
    with Geography.new_context(backend_graph) as context:
        yield context


def test_search_returns_a_lazy_result(read_context):
    result = CityStore().search()
    assert isinstance(result, SearchResult)
    assert [city.id for city in result] == [1, 2, 3, 4, 5, 6]


def test_auto_filter_fields(read_context):
    store = CityStore()
    assert [city.id for city in store.search(name="Paris")] == [1, 6]
    assert [city.id for city in store.search(name="Paris", country_code="CA")] == [6]
    # None is "no filter", not "IS NULL".
    assert store.count(name=None, country_code="FR") == 2
    # String field names and enum columns filter too.
    assert {country.code for country in CountryStore().search(continent=Continent.EUROPE)} == {"FR", "CH"}
    assert [country.code for country in CountryStore().search(name="Mali")] == ["ML"]
    assert {country.code for country in CountryStore().search(landlocked=True)} == {"CH", "ML"}


def test_unknown_keywords_are_refused(read_context):
    # CityStore's _order_by takes **kwargs but reads none of them.
    with pytest.raises(
        UnknownFilterError, match=r"CityStore has no filter 'not_a_field' \(it accepts: country_code, name\)"
    ):
        CityStore().count(not_a_field="x")


@pytest.mark.parametrize("hostile", ["x' OR 1=1 --", "Paris' --", "%", "'; DROP TABLE city; --", "Paris\x00"])
def test_hostile_filter_strings_match_nothing(read_context, hostile):
    assert list(CityStore().search(name=hostile)) == []
    assert CityStore().count(name=hostile) == 0
    assert CityStore().first(name=hostile) is None
    with pytest.raises(ModelNotFoundError):
        CityStore().one(name=hostile)
    assert CityStore().count() == 6


def test_offset_and_limit(read_context):
    store = CityStore()
    assert [city.id for city in store.search(offset=1, limit=2)] == [2, 3]
    assert [city.id for city in store.search(limit=2, name="Paris")] == [1, 6]
    assert [city.id for city in store.search(offset=4)] == [5, 6]
    # count ignores pagination
    assert store.count() == 6


def test_first(read_context):
    store = CityStore()
    assert store.first().id == 1
    assert store.first(offset=2).id == 3
    assert store.first(name="Bern").country_code == "CH"
    assert store.first(name="Atlantis") is None


def test_one(read_context):
    store = CityStore()
    assert store.one(name="Lyon").id == 2
    with pytest.raises(ModelNotFoundError, match=r"no City matched name='Atlantis'") as raised:
        store.one(name="Atlantis")
    assert raised.value.status_code == 404
    with pytest.raises(MultipleModelsFoundError, match=r"more than one City matched name='Paris'"):
        store.one(name="Paris")
    assert store.one(name="Paris", limit=1).id == 1


class CityByIdStore(Store):
    model_class = City
    auto_filter_fields = (City.id,)


def test_one_by_primary_key(read_context):
    """The commonest lookup of all: the fast path on SQLite, the ordinary query on PostgreSQL."""
    store = CityByIdStore()
    bern = store.one(id=3)
    assert (bern.name, bern.country.name) == ("Bern", "Switzerland")
    assert store.one(id=3) is bern
    with pytest.raises(ModelNotFoundError, match=r"no City matched id=99"):
        store.one(id=99)


def test_create(context):
    city = CityStore().create(City(id=7, name="Nice", country_code="FR"))
    assert city.id == 7
    context.commit()
    assert CityStore().one(name="Nice").population is None


def test_create_duplicate_key(context):
    with pytest.raises(DuplicateModelError, match="UNIQUE constraint failed: city.id") as raised:
        CityStore().create(City(id=1, name="Nice", country_code="FR"))
    assert raised.value.status_code == 409
    # The failed flush was rolled back and the session is usable.
    assert CityStore().count() == 6


def test_create_duplicate_unique_column(context):
    with pytest.raises(DuplicateModelError, match="country.name"):
        CountryStore().create(Country(code="XF", name="France", continent=Continent.EUROPE))


def test_create_broken_foreign_key(context):
    with pytest.raises(ModelIntegrityError, match="FOREIGN KEY") as raised:
        CityStore().create(City(id=8, name="Atlantis", country_code="XX"))
    assert not isinstance(raised.value, DuplicateModelError)


def test_create_missing_required_value(context):
    with pytest.raises(ModelIntegrityError, match="NOT NULL"):
        CityStore().create(City(id=8, country_code="FR"))


def test_delete(context):
    assert CityStore().delete(name="Paris") is True
    assert CityStore().count() == 4
    with pytest.raises(ModelNotFoundError, match="no City matched name='Paris'"):
        CityStore().delete(name="Paris")


def test_delete_restricted_by_foreign_key(context):
    with pytest.raises(ModelIntegrityError, match="FOREIGN KEY"):
        CountryStore().delete(name="France")


def test_relationships_lazy_load_on_streamed_objects(read_context):
    assert [(city.name, city.country.name) for city in CityStore().search(name="Paris")] == [
        ("Paris", "France"),
        ("Paris", "Canada"),
    ]
    assert sorted(city.name for city in CountryStore().one(name="France").cities) == ["Lyon", "Paris"]


class ParisStore(Store):
    """Every hook overridden, to pin their order and arguments."""

    model_class = City
    calls: list = []

    def _query(self):
        self.calls.append("query")
        return super()._query()

    def _filter(self, query, only_paris=False, **kwargs):
        self.calls.append("filter")
        if only_paris:
            query = query.filter(City.name == "Paris")
        return super()._filter(query, **kwargs)

    def _order_by(self, query, **kwargs):
        self.calls.append("order_by")
        return query.order_by(City.population.desc())

    def _paginate(self, query, offset, limit):
        self.calls.append(("paginate", offset, limit))
        return super()._paginate(query, offset, limit)


def test_hooks_run_in_order(read_context):
    ParisStore.calls = []
    assert [city.id for city in ParisStore().search(limit=5, only_paris=True)] == [1, 6]
    assert ParisStore.calls == ["query", "filter", "order_by", ("paginate", None, 5)]
    ParisStore.calls = []
    assert ParisStore().count(only_paris=True) == 2
    assert ParisStore.calls == ["query", "filter"]


def test_model_class_as_property(read_context):
    class DynamicStore(Store):
        @property
        def model_class(self):
            return Country

    assert DynamicStore().count() == 4


def test_store_outside_a_context_says_what_to_do(backend_graph):
    with pytest.raises(NoSessionError, match=r"no session is open for dataset 'Geography'.*new_context"):
        CityStore().count()


def test_get_session_uses_the_innermost_open_context(backend_graph):
    store = CityStore()
    with Geography.new_context(backend_graph) as outer:
        assert get_session(store) is outer.session
        with Geography.new_context(backend_graph) as inner:
            assert store.session is inner.session
        assert store.session is outer.session


def test_explicit_get_session_callables(backend_graph):
    session = Geography.new_session(backend_graph)
    try:
        assert CityStore(get_session=lambda: session).count() == 6
        assert CityStore(get_session=lambda store: session).count() == 6
    finally:
        session.close()


def test_get_or_create_session_one_per_thread(backend_graph):
    import threading

    get = GetOrCreateSession(backend_graph)
    store = CityStore(get_session=get)
    assert store.session is store.session
    assert store.count() == 6
    other = []
    thread = threading.Thread(target=lambda: other.append(store.session))
    thread.start()
    thread.join()
    assert other[0] is not store.session
    assert get.expire_on_commit is False and store.session.expire_on_commit is False


@pytest.mark.parametrize("read_only", [True, False])
def test_get_or_create_session_follows_a_new_path(tmp_path, read_only):
    """After `graph.sqlite[name] = path` (or a dispose), a thread's session reads the new file."""
    from microcosm_sqlite import dispose_sqlite_connections
    from tests.support.fixtures import CITIES
    from tests.support.graphs import make_graph, write_geography

    first = write_geography(tmp_path / "first.db")
    second = write_geography(tmp_path / "second.db", cities=CITIES[:2])
    graph = make_graph(paths={"Geography": str(first)}, read_only=read_only)
    store = CityStore(get_session=GetOrCreateSession(graph))
    assert store.count() == 6
    graph.sqlite["Geography"] = str(second)
    assert store.count() == 2
    assert store.session is store.session
    Geography.dispose(graph)
    assert store.count() == 2
    assert store.session.bind is graph.sqlite("Geography").engine
    dispose_sqlite_connections(graph)
