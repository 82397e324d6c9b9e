"""
`store.search(q=...)`: plain words, ranked, accent-folded, combined with everything else a search does.

"""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from microcosm_sqlite import Store, dispose_sqlite_connections
from microcosm_sqlite._fulltext import match_words
from microcosm_sqlite.errors import (
    SchemaMismatchError,
    SearchError,
    SearchNotDeclaredError,
    SearchNotSupportedError,
    SearchSyntaxError,
    UnknownFilterError,
)
from microcosm_sqlite.fulltext import search_rank
from tests.support.fixtures import City, CityStore, Geography
from tests.support.graphs import make_graph, write_geography
from tests.support.places import PLACES, Place, PlaceByPopulationStore, Places, PlaceStore


def codes(results):
    return [place.code for place in results]


def test_words_find_rows_best_match_first(places_anywhere):
    store = PlaceStore()

    # "London" is in both names and both cities; the shorter name is the better bm25 match.
    assert codes(store.search(q="london")) == ["LGW", "LHR"]
    assert codes(store.search(q="heathrow")) == ["LHR"]
    assert codes(store.search(q="o'hare")) == ["ORD"]


def test_a_word_in_a_heavier_column_ranks_first(places_anywhere):
    # "heath" is HTH's name (weight 10), and only part of a city word elsewhere.
    assert codes(PlaceStore().search(q="heath")) == ["HTH"]
    # "zurich" is in the name (10) and the city (5) of both; "airport" only narrows.
    assert codes(PlaceStore().search(q="zurich airport")) == ["ZRH"]
    # "paulo" is in GRU's name and city, only in CGH's city: GRU first, whatever their keys' order.
    assert codes(PlaceStore().search(q="paulo")) == ["GRU", "CGH"]


def test_accents_are_folded_both_ways(places_anywhere):
    store = PlaceStore()

    assert codes(store.search(q="zurich")) == codes(store.search(q="Zürich")) == codes(store.search(q="ZÜRICH"))
    assert sorted(codes(store.search(q="zurich"))) == ["ZHB", "ZRH"]
    assert sorted(codes(store.search(q="sao paulo"))) == ["CGH", "GRU"]
    assert sorted(codes(store.search(q="São Paulo"))) == ["CGH", "GRU"]


def test_every_word_must_match(places_anywhere):
    assert codes(PlaceStore().search(q="london gatwick")) == ["LGW"]
    assert codes(PlaceStore().search(q="london zurich")) == []


def test_prefix_matches_the_last_word_as_the_start_of_a_word(places_anywhere):
    store = PlaceStore()

    assert codes(store.search(q="heath")) == ["HTH"]
    assert sorted(codes(store.search(q="heath", prefix=True))) == ["HTH", "LHR"]
    # Only the last word is a prefix.
    assert codes(store.search(q="lond heat", prefix=True)) == []
    assert codes(store.search(q="london heat", prefix=True)) == ["LHR"]
    # Two letters and three have prefix indexes; longer prefixes work the same.
    assert sorted(codes(store.search(q="zu", prefix=True))) == ["ZHB", "ZRH"]
    assert sorted(codes(store.search(q="guarul", prefix=True))) == ["GRU"]


def test_words_combine_with_filters_offset_and_limit(places_anywhere):
    store = PlaceStore()
    everything = codes(store.search(q="airport"))

    assert len(everything) == 7
    assert codes(store.search(q="airport", country="BR")) == [
        code for code in everything if code in ("GRU", "CGH", "SDU")
    ]
    pages = [codes(store.search(q="airport", offset=offset, limit=3)) for offset in (0, 3, 6)]
    assert [code for page in pages for code in page] == everything
    assert store.count(q="airport") == 7
    assert store.count(q="airport", country="GB", offset=1, limit=1) == 2
    assert codes([store.first(q="airport", country="GB")]) == ["LGW"]
    assert store.one(q="heathrow").code == "LHR"
    assert store.one(q="heathrow", code="LHR").code == "LHR"


def test_words_are_applied_on_the_primary_key_lookup_path_too(places_anywhere):
    # one(code=...) alone takes the primary-key fast path; with words the words must still count.
    from microcosm_sqlite.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        PlaceStore().one(code="LHR", q="zurich")


def test_results_behave_like_every_search(places_anywhere):
    results = PlaceStore().search(q="airport")

    assert len(results) == 7
    assert bool(results)
    assert not PlaceStore().search(q="nowhere")
    assert results[0].code == codes(results)[0]
    assert codes(results[2:4]) == codes(results)[2:4]
    assert [row.code for row in results.rows()] == codes(results)
    assert results == list(results)


class PlaceThroughHooksStore(PlaceStore):
    """The library's order through a hook of the store's own: its searches build their query."""

    def _order_by(self, query, **kwargs):
        return super()._order_by(query, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(q="airport"),
        dict(q="airport", limit=3),
        dict(q="airport", offset=2),
        dict(q="airport", offset=1, limit=4, country="GB"),
        dict(q="lon", prefix=True),
        dict(q="nowhere"),
    ],
)
def test_a_search_that_skips_the_hooks_behaves_as_one_through_them(places, kwargs):
    # PlaceStore's hooks are the library's own, so its searches by words skip them.
    def seen(results):
        first = results.first()
        return [
            len(results),
            bool(results),
            codes(results),
            codes(results[1:3]),
            codes(results[::-2]),
            [results[0].code, results[-1].code] if results else [],
            [row.code for row in results.rows()],
            None if first is None else first.code,
            codes(results.all()),
            results == list(results),
        ]

    assert seen(PlaceStore().search(**kwargs)) == seen(PlaceThroughHooksStore().search(**kwargs))


def test_a_store_that_orders_keeps_its_order(places_anywhere):
    matching = set(codes(PlaceStore().search(q="airport")))
    by_population = [row[0] for row in sorted(PLACES, key=lambda row: (-row[4], row[0])) if row[0] in matching]

    assert codes(PlaceByPopulationStore().search(q="airport")) == by_population
    assert codes(PlaceByPopulationStore().search(q="airport", limit=2)) == by_population[:2]


def test_a_store_may_order_by_rank_among_its_own_keys(places_anywhere):
    class BrazilFirstStore(Store):
        model_class = Place

        def _order_by(self, query, q=None, **kwargs):
            return query.order_by(Place.country != "BR", search_rank(Place), Place.code)

    found = codes(BrazilFirstStore().search(q="airport"))

    assert found[:3] == [code for code in codes(PlaceStore().search(q="airport")) if code in ("GRU", "CGH", "SDU")]
    assert sorted(found[3:]) == sorted(set(codes(PlaceStore().search(q="airport"))) - {"GRU", "CGH", "SDU"})


#: User input that FTS5 would read as query syntax, or that looks like SQL: each is plain words.
HOSTILE = [
    '"',
    "'",
    "*",
    "(",
    ")",
    "NEAR(",
    "NEAR(a b",
    "a OR",
    "OR",
    "AND",
    "NOT",
    "-",
    "-london",
    "col:x",
    "name:london",
    "{name city}:london",
    "'; DROP TABLE x; --",
    "'; DROP TABLE place; --",
    '" OR 1=1 --',
    "london*",
    "^london",
    "london +",
    "((london)",
    "\\",
    "%",
    "_",
    "\x00",
    "😀 london",
    "a" * 5000,
    "",
    "   ",
    "near island",
    "not drop table",
    "or yehuda",
    '"quoted"',
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_words_are_plain_words_never_syntax_nor_errors(places_anywhere, q):
    store = PlaceStore()

    found = codes(store.search(q=q))
    store.count(q=q)
    store.first(q=q)
    codes(store.search(q=q, prefix=True))

    assert len(found) <= len(PLACES)
    assert len(found) < len(PLACES) or not q.strip()  # never every row unfiltered


@settings(max_examples=500, deadline=None)
@given(q=st.text() | st.text(alphabet=st.sampled_from("aé1_ \t\u00a0\u2028-'\"*:ſß٣")), prefix=st.booleans())
def test_words_are_what_the_index_calls_words_whatever_the_text(q, prefix):
    # The index's tokenizer keeps letters and digits, and nothing else, as word characters.
    words = re.findall(r"[^\W_]+", q)
    expected = " ".join(f'"{word}"' for word in words) + (" *" if prefix else "") if words else None

    assert match_words(q, prefix=prefix) == expected


def test_hostile_words_find_what_they_say(places_anywhere):
    store = PlaceStore()

    assert codes(store.search(q="near island")) == ["NEA"]
    assert codes(store.search(q="NEAR(")) == ["NEA"]
    assert codes(store.search(q="or yehuda")) == ["ORX"]
    assert codes(store.search(q="not drop table")) == ["NOT"]
    assert codes(store.search(q="'; DROP TABLE x; --")) == []
    assert codes(store.search(q='"quoted"')) == ["QUO"]
    assert codes(store.search(q="col:x")) == []
    assert codes(store.search(q="name:london")) == []  # "name" is a word, not a column filter
    assert codes(store.search(q="-london")) == ["LGW", "LHR"]  # "-" is not NOT


@pytest.mark.parametrize("q", ["", "   ", "*", "--", "'", "()"])
def test_words_without_any_word_match_nothing_rather_than_everything(places_anywhere, q):
    assert codes(PlaceStore().search(q=q)) == []
    assert PlaceStore().count(q=q) == 0


def test_none_means_no_words(places_anywhere):
    assert len(PlaceStore().search(q=None)) == len(PLACES)


def test_match_passes_raw_fts5_syntax(places):
    store = PlaceStore()

    assert sorted(codes(store.search(match="zurich OR heathrow"))) == ["LHR", "ZHB", "ZRH"]
    assert codes(store.search(match="city:london NOT gatwick")) == ["LHR"]
    assert sorted(codes(store.search(match="name:heath*"))) == ["HTH", "LHR"]
    assert codes(store.search(q="airport", match="city:london")) == ["LGW", "LHR"]


@pytest.mark.parametrize("match", ["NEAR(", "a OR", "(london", '"london', "nosuch:london", "AND", "*"])
def test_bad_match_syntax_is_a_typed_error_when_searching(places, match):
    with pytest.raises(SearchSyntaxError, match="not a valid FTS5 query") as raised:
        PlaceStore().search(match=match)

    assert "Places" in str(raised.value)
    with pytest.raises(SearchSyntaxError):
        PlaceStore().count(match=match)
    # The session is still usable.
    assert codes(PlaceStore().search(q="heathrow")) == ["LHR"]


def test_words_must_be_text(places_anywhere):
    with pytest.raises(SearchError, match="q= must be text"):
        PlaceStore().search(q=42)


def test_words_on_a_model_without_search_are_a_typed_error(tmp_path):
    graph = make_graph(paths={"Geography": str(write_geography(tmp_path / "geography.db"))})
    try:
        with Geography.new_context(graph):
            with pytest.raises(SearchNotDeclaredError, match="declares no searchable columns"):
                CityStore().search(q="paris")
            with pytest.raises(UnknownFilterError):
                CityStore().search(prefix=True)
    finally:
        dispose_sqlite_connections(graph)


def test_a_store_with_its_own_q_filter_keeps_it(tmp_path):
    class CityNameStore(Store):
        model_class = City

        def _filter(self, query, q=None, **kwargs):
            if q is not None:
                query = query.filter(City.name.like(f"{q}%"))
            return super()._filter(query, **kwargs)

    graph = make_graph(paths={"Geography": str(write_geography(tmp_path / "geography.db"))})
    try:
        with Geography.new_context(graph):
            assert {city.name for city in CityNameStore().search(q="Par")} == {"Paris"}
    finally:
        dispose_sqlite_connections(graph)


def test_a_writable_dataset_without_the_index_is_a_schema_mismatch(tmp_path):
    graph = make_graph(paths={"Places": str(tmp_path / "places.db")})
    try:
        Places.create_all(graph)
        with Places.new_context(graph) as context:
            context.session.add(Place(code="LHR", name="London Heathrow", city="London", country="GB", population=1))
            context.commit()
            with pytest.raises(SchemaMismatchError, match="no search index"):
                PlaceStore().search(q="london")
            assert PlaceStore().count() == 1
    finally:
        dispose_sqlite_connections(graph)


def test_an_overridden_search_query_that_skips_the_words_is_refused(places_anywhere):
    class OwnQueryStore(PlaceStore):
        def _search_query(self, offset, limit, **kwargs):
            return self._query()

    with pytest.raises(SearchError, match="words asked for"):
        OwnQueryStore().search(q="london")


def test_match_on_postgresql_is_refused_before_any_sql():
    # No server: the dialect alone decides, before a connection is made. FTS5 syntax means
    # nothing to PostgreSQL, so match= is refused there, pointing at q=.
    engine = create_engine("postgresql+pg8000://nobody@localhost/nowhere", module=_NoDriver)
    session = Session(bind=engine)
    store = PlaceStore(get_session=lambda: session)

    for words in (dict(match="london"), dict(q="london", match="london"), dict(match="london", prefix=True)):
        with pytest.raises(SearchNotSupportedError, match="only SQLite reads.*postgresql.*q=") as raised:
            store.search(**words)
        assert "Places" in str(raised.value)
        with pytest.raises(SearchNotSupportedError):
            store.count(**words)
    session.close()


def test_words_on_a_database_that_is_neither_sqlite_nor_postgresql_are_refused_before_any_sql():
    engine = create_engine("mysql+pymysql://nobody@localhost/nowhere", module=_NoDriver)
    session = Session(bind=engine)
    store = PlaceStore(get_session=lambda: session)

    for words in (dict(q="london"), dict(match="london"), dict(q="london", prefix=True)):
        with pytest.raises(SearchNotSupportedError, match="mysql"):
            store.search(**words)
        with pytest.raises(SearchNotSupportedError):
            store.count(**words)
    session.close()


class _NoDriver:
    """A DB-API module that cannot connect: proves no connection is attempted."""

    paramstyle = "format"
    __version__ = "1.31.0"
    Error = Exception

    @staticmethod
    def connect(*args, **kwargs):
        raise AssertionError("a refused search by words tried to connect")


@pytest.mark.parametrize("q", ["", "*", "--"])
def test_words_without_any_word_match_nothing_in_a_store_ordering_by_rank(places_anywhere, q):
    class RankedStore(Store):
        model_class = Place

        def _order_by(self, query, q=None, **kwargs):
            return query.order_by(search_rank(Place), Place.code) if q is not None else query

    assert codes(RankedStore().search(q=q)) == []
    assert RankedStore().count(q=q) == 0
