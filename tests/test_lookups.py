"""
The primary-key fast path of `Store.one()`: same answers as a query, taken only when nothing can tell.

"""

import logging

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, event, inspect
from sqlalchemy.orm import deferred, relationship

from microcosm_sqlite import DataSet, Store, dispose_sqlite_connections, stores
from microcosm_sqlite.errors import ModelNotFoundError, ReadOnlyDataSetError
from tests.support.fixtures import City, CityStore, Continent, Country, Geography
from tests.support.graphs import make_graph


class CityByIdStore(Store):
    model_class = City
    auto_filter_fields = (City.id, City.name)


class CountryByCodeStore(Store):
    model_class = Country
    auto_filter_fields = (Country.code,)


@pytest.fixture
def fast_path(monkeypatch):
    """What each fast-path attempt returned (None: it declined and a query ran)."""
    answers = []
    original = stores.find_unique

    def recording(*args, **kwargs):
        answers.append(original(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(stores, "find_unique", recording)
    return answers


def test_lookup_returns_the_persistent_instance_a_query_would(read_only_graph, fast_path):
    with Geography.new_context(read_only_graph) as context:
        city = CityByIdStore().one(id=2)
        assert fast_path == [city]
        assert (city.id, city.name, city.country_code, city.population, city.latitude) == (
            2,
            "Lyon",
            "FR",
            520_000,
            45.76,
        )
        assert inspect(city).persistent
        assert not context.session.dirty
        assert context.session.query(City).filter(City.id == 2).one() is city
        assert CityByIdStore().one(id=2) is city
        # Relationships still lazy-load from the session.
        assert city.country.name == "France"


def test_lookup_converts_values_by_column_type(read_only_graph, fast_path):
    with Geography.new_context(read_only_graph):
        country = CountryByCodeStore().one(code="CH")
    assert fast_path == [country]
    assert country.continent is Continent.EUROPE
    assert country.landlocked is True


def test_missing_and_hostile_keys_are_not_found(read_only_graph, fast_path):
    with Geography.new_context(read_only_graph):
        with pytest.raises(ModelNotFoundError, match=r"^no City matched id=99$"):
            CityByIdStore().one(id=99)
        with pytest.raises(ModelNotFoundError, match=r"no City matched id='1 OR 1=1'"):
            CityByIdStore().one(id="1 OR 1=1")
    assert fast_path == [stores.NOT_FOUND, stores.NOT_FOUND]


def test_changes_made_on_loaded_instances_are_still_refused(read_only_graph):
    with Geography.new_context(read_only_graph) as context:
        city = CityByIdStore().one(id=1)
        city.name = "Lutece"
        with pytest.raises(ReadOnlyDataSetError):
            context.session.flush()


def test_pending_changes_are_flushed_by_a_real_query(writable_graph, fast_path):
    with Geography.new_context(writable_graph) as context:
        context.session.add(City(id=7, name="Nice", country_code="FR"))
        assert CityByIdStore().one(id=7).name == "Nice"
    assert fast_path == [None]


def test_expired_instances_are_refreshed_by_a_real_query(writable_graph, fast_path):
    with Geography.new_context(writable_graph) as context:
        city = CityByIdStore().one(id=3)
        context.session.execute(City.__table__.update().where(City.id == 3).values(population=1))
        context.session.expire(city)
        assert CityByIdStore().one(id=3) is city
        assert city.population == 1
    assert fast_path == [city, None]


def test_other_filters_and_overridden_hooks_take_a_real_query(read_only_graph, fast_path):
    with Geography.new_context(read_only_graph):
        assert CityByIdStore().one(id=6, name="Paris").country_code == "CA"
        assert CityStore().one(name="Bern").id == 3
        assert CityByIdStore().one(name="Lyon").id == 2
    # Two filters never try; CityStore's _order_by only orders, so its lone filter tries, and
    # declines like the other lone filter: `name` alone is not unique.
    assert fast_path == [None, None]


def test_sql_listeners_still_see_every_lookup(artifact, fast_path):
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True)
    statements = []
    event.listen(
        graph.sqlite("Geography").engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append(statement),
    )
    with Geography.new_context(graph):
        assert CityByIdStore().one(id=4).name == "Bamako"
    assert fast_path == [None]
    assert any("FROM city" in statement for statement in statements)


def test_logged_sql_still_logs_every_lookup(read_only_graph, fast_path, caplog):
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"), Geography.new_context(read_only_graph):
        assert CityByIdStore().one(id=5).name == "Toronto"
    assert fast_path == [None]
    assert any("FROM city" in record.getMessage() for record in caplog.records)


Shelf = DataSet.create("Shelf")


class Book(Shelf):
    __tablename__ = "book"

    id = Column(Integer, primary_key=True)
    title = Column(String, nullable=False)
    blurb = deferred(Column(String))


class BookStore(Store):
    model_class = Book
    auto_filter_fields = (Book.id,)


class Review(Shelf):
    __tablename__ = "review"

    id = Column(Integer, primary_key=True)
    book_id = Column(Integer, ForeignKey("book.id"), nullable=False)
    book = relationship(Book, lazy="joined")


class Shelfmark(Shelf):
    __tablename__ = "shelfmark"
    __mapper_args__ = {"always_refresh": True}

    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False)


class ShelfmarkStore(Store):
    model_class = Shelfmark
    auto_filter_fields = (Shelfmark.id,)


class ReviewStore(Store):
    model_class = Review
    auto_filter_fields = (Review.id,)


def test_mappings_a_plain_select_cannot_load_take_a_real_query(tmp_path, fast_path):
    graph = make_graph(paths={"Shelf": str(tmp_path / "shelf.db")})
    Shelf.create_all(graph)
    with Shelf.new_context(graph) as context:
        context.session.add(Book(id=1, title="Dune", blurb="sand"))
        context.commit()
        book = BookStore().one(id=1)
        assert book.title == "Dune"
        assert book.blurb == "sand"
    assert fast_path == [None]
    dispose_sqlite_connections(graph)


def test_eagerly_loaded_relationships_take_a_real_query(tmp_path, fast_path):
    """A query loads lazy="joined" relationships with the row; the object must have them once detached."""
    graph = make_graph(paths={"Shelf": str(tmp_path / "shelf.db")})
    Shelf.create_all(graph)
    with Shelf.new_context(graph) as context:
        context.session.add_all([Book(id=1, title="Dune"), Review(id=1, book_id=1)])
        context.commit()
    with Shelf.new_context(graph):
        review = ReviewStore().one(id=1)
    assert review.book.title == "Dune"  # the session is closed: no lazy load could fetch it now
    assert fast_path == [None]
    dispose_sqlite_connections(graph)


def test_always_refresh_mappers_take_a_real_query(tmp_path, fast_path):
    graph = make_graph(paths={"Shelf": str(tmp_path / "shelf.db")})
    Shelf.create_all(graph)
    with Shelf.new_context(graph) as context:
        context.session.add(Shelfmark(id=1, code="A1"))
        context.commit()
        mark = ShelfmarkStore().one(id=1)  # noqa: F841 (held, so the identity map keeps it)
        context.session.execute(Shelfmark.__table__.update().values(code="B2"))
        assert ShelfmarkStore().one(id=1).code == "B2"
    assert fast_path == [None, None]
    dispose_sqlite_connections(graph)


class CountryByNameStore(Store):
    model_class = Country
    auto_filter_fields = (Country.name, Country.code, Country.continent)

    def _order_by(self, query, **kwargs):
        return query.order_by(Country.name)


def test_unique_columns_are_looked_up_like_the_primary_key(read_only_graph, fast_path):
    with Geography.new_context(read_only_graph):
        mali = CountryByNameStore().one(name="Mali")
        assert (mali.code, mali.continent) == ("ML", Continent.AFRICA)
        assert CountryByNameStore().one(code="ML") is mali
        with pytest.raises(ModelNotFoundError, match=r"^no Country matched name='Atlantis'$"):
            CountryByNameStore().one(name="Atlantis")
    assert fast_path == [mali, mali, stores.NOT_FOUND]


def test_columns_unique_only_together_or_needing_conversion_take_a_real_query(read_only_graph, fast_path):
    with Geography.new_context(read_only_graph):
        # City.name is unique only with country_code; Country.continent is an enum column.
        assert CityByIdStore().one(name="Bern").id == 3
        with pytest.raises(stores.MultipleModelsFoundError):
            CountryByNameStore().one(continent=Continent.EUROPE)
    assert fast_path == [None, None]


def test_the_shipped_airport_store_looks_airports_up_by_code(fast_path):
    from reference_data.airports import Airport, Airports, AirportStore
    from reference_data.paths import AIRPORTS_ARTIFACT

    graph = make_graph(paths={"Airports": str(AIRPORTS_ARTIFACT)}, read_only=True)
    with Airports.new_context(graph) as context:
        by_icao = AirportStore().one(icao="LFPG")
        by_iata = AirportStore().one(iata="CDG")
        assert by_icao is by_iata
        assert context.session.query(Airport).filter(Airport.iata == "CDG").one() is by_icao
        assert by_icao.country_code == "FR"
        # A keyword of the store's own _order_by: its hooks run.
        assert AirportStore().one(icao="LFPG", highest_first=True) is by_icao
    assert fast_path == [by_icao, by_icao]
    dispose_sqlite_connections(graph)
