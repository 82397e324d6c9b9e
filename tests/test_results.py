import json
import sqlite3
import subprocess
import sys
import textwrap
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet, Store, dispose_sqlite_connections
from tests.support.fixtures import CityStore, Geography
from tests.support.graphs import make_graph


@pytest.fixture
def read_context(backend_graph):
    """A session on the read-only geography dataset, from its file and from a PostgreSQL server."""
    with Geography.new_context(backend_graph) as context:
        yield context


def test_old_list_idioms_keep_working(read_context):
    result = CityStore().search(name="Paris")
    assert len(result) == 2
    assert bool(result) is True
    assert result[0].id == 1
    assert result[-1].id == 6
    assert [city.id for city in result[0:1]] == [1]
    assert result == [result[0], result[1]]
    assert [city.id for city in result] == [1, 6]
    assert [city.id for city in result] == [1, 6]  # iterating twice
    assert sorted(result, key=lambda city: -city.id)[0].id == 6
    assert list(reversed(result))[0].id == 6
    assert result.index(result[1]) == 1
    assert result[1] in result


def test_empty_result_is_falsy(read_context):
    result = CityStore().search(name="Atlantis")
    assert not result
    assert len(result) == 0
    assert list(result) == []
    assert result == []
    with pytest.raises(IndexError):
        result[0]


def test_len_and_truthiness_respect_pagination(read_context):
    assert len(CityStore().search(offset=4, limit=10)) == 2
    assert len(CityStore().search(limit=3)) == 3
    assert not CityStore().search(offset=6)
    assert not CityStore().search(limit=0)


def test_len_and_truthiness_do_not_load_rows(read_context):
    result = CityStore().search()
    assert len(result) == 6 and result
    assert repr(result) == "<SearchResult not loaded>"
    result[0], result[-1], result[1:3]
    assert repr(result) == "<SearchResult not loaded>"
    assert result == list(result)  # comparing with a list loads it once
    assert repr(result) == "<SearchResult 6 rows>"


def test_iteration_sees_each_row_once_across_batches(geography_location):
    graph = make_graph(paths={"Geography": geography_location}, read_only=True, search_batch_size=4)
    with Geography.new_context(graph):
        result = CityStore().search()
        assert result.batch_size == 4
        assert [city.id for city in result] == [1, 2, 3, 4, 5, 6]
        assert [city.id for city in CityStore().search(offset=1, limit=4)] == [2, 3, 4, 5]
    dispose_sqlite_connections(graph)


def test_rows_mode_yields_plain_tuples(read_context):
    rows = list(CityStore().search(country_code="FR").rows())
    assert rows == [(1, "Paris", "FR", 2_100_000, 48.85), (2, "Lyon", "FR", 520_000, 45.76)]
    assert rows[0].name == "Paris"


def test_first_on_result(read_context):
    assert CityStore().search(name="Bern").first().id == 3
    assert CityStore().search(name="Atlantis").first() is None


SCAN = textwrap.dedent(
    """
    import json, resource, sys
    from sqlalchemy import Column, Float, Integer, String
    from microcosm.api import create_object_graph, load_from_dict
    from microcosm_sqlite import DataSet, Store

    Big = DataSet.create("Big")

    class Row(Big):
        __tablename__ = "row"
        id = Column(Integer, primary_key=True)
        code = Column(String, nullable=False)
        name = Column(String)
        latitude = Column(Float)

    class RowStore(Store):
        model_class = Row

    graph = create_object_graph("scan", testing=True, loader=load_from_dict(
        sqlite=dict(paths={"Big": sys.argv[1]}, read_only=True)))
    count = total = 0
    with Big.new_context(graph):
        for row in RowStore().search():
            count += 1
            total += row.id
    print(json.dumps({"count": count, "total": total,
                      "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    """
)


def build_big(path, rows):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT, latitude FLOAT)")
    connection.executemany(
        "INSERT INTO row VALUES (?, ?, ?, ?)",
        ((i, f"C{i:07d}", f"Row number {i} with a longish name", i / 7) for i in range(1, rows + 1)),
    )
    connection.commit()
    connection.close()
    return path


def peak_scan(path):
    output = subprocess.run([sys.executable, "-c", SCAN, str(path)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)


def publish_big(url, schema, rows):
    """The `Big` dataset on the server: `rows` rows copied in with COPY, in a schema of its own."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(
            f"CREATE TABLE {schema}.row (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT, latitude FLOAT)"
        )
        with connection.cursor().copy(f"COPY {schema}.row FROM STDIN") as copy:
            for i in range(1, rows + 1):
                copy.write_row((i, f"C{i:07d}", f"Row number {i} with a longish name", i / 7))
    return f"{url}&schema={schema}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_streaming_memory_is_flat(tmp_path, request, backend):
    """
    Scanning 400k rows peaks at most 40 MiB above scanning 20k rows, in real processes; on
    PostgreSQL, at most 8 MiB above: a server-side cursor, where a client-side one would hold all
    400k rows in the driver (about 7 MiB per 200k rows, measured).

    """
    large_rows = 400_000
    if backend == "sqlite":
        small_location, large_location = (
            build_big(tmp_path / "small.db", 20_000),
            build_big(tmp_path / "large.db", large_rows),
        )
    else:
        url = request.getfixturevalue("postgres_url")
        small_location, large_location = publish_big(url, "small", 20_000), publish_big(url, "large", large_rows)
    small = peak_scan(small_location)
    large = peak_scan(large_location)
    assert small["count"] == 20_000 and large["count"] == large_rows
    assert large["total"] == large_rows * (large_rows + 1) // 2
    growth_mib = (large["peak_kib"] - small["peak_kib"]) / 1024
    print(
        f"peak RSS: 20k rows {small['peak_kib'] / 1024:.1f} MiB, {large_rows} rows {large['peak_kib'] / 1024:.1f} MiB"
    )
    assert growth_mib <= (40 if backend == "sqlite" else 8)


def test_eager_loaded_collections_are_iterated_unbatched(read_context):
    """joinedload of a collection and subqueryload cannot use yield_per; search() still iterates."""
    from sqlalchemy.orm import joinedload, subqueryload

    from microcosm_sqlite import Store
    from tests.support.fixtures import Country

    class JoinedCountryStore(Store):
        model_class = Country

        def _query(self):
            return super()._query().options(joinedload(Country.cities))

        def _order_by(self, query, **kwargs):
            return query.order_by(Country.code)

    class SubqueryCountryStore(JoinedCountryStore):
        def _query(self):
            return self.session.query(Country).options(subqueryload(Country.cities))

    for store in (JoinedCountryStore(), SubqueryCountryStore()):
        result = store.search()
        expected = [("CA", 2), ("CH", 1), ("FR", 2), ("ML", 1)]
        assert [(country.code, len(country.cities)) for country in result] == expected
        assert [(country.code, len(country.cities)) for country in result] == expected
        assert len(result) == 4


Pages = DataSet.create("Pages")


class Page(Pages):
    __tablename__ = "page"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


class PageStore(Store):
    model_class = Page

    def _order_by(self, query, **kwargs):
        # A total order: OFFSET picks the same row a full scan reaches at that position.
        return query.order_by(Page.id)


def build_pages(path, rows):
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE page (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        connection.executemany("INSERT INTO page VALUES (?, ?)", ((i, f"page {i} " * 8) for i in range(1, rows + 1)))
    connection.close()
    return path


@pytest.fixture(scope="module")
def pages_graph(tmp_path_factory):
    path = build_pages(tmp_path_factory.mktemp("pages") / "pages.db", 40)
    graph = make_graph(paths={"Pages": str(path)}, read_only=True, search_batch_size=7)
    # In a tuple: hypothesis probes a test's first argument with hasattr(), which a graph answers
    # by looking for a component of that name.
    yield (graph,)
    dispose_sqlite_connections(graph)


def ids(rows):
    return [row.id for row in rows]


bounds = st.none() | st.integers(min_value=-50, max_value=50)
pagination = st.none() | st.integers(min_value=0, max_value=45)


@settings(max_examples=300, deadline=None)
@given(
    offset=pagination,
    limit=pagination,
    index=st.integers(min_value=-50, max_value=50)
    | st.builds(slice, bounds, bounds, st.none() | st.sampled_from([1, 2, 3, -1, -2, -5])),
)
def test_indexing_and_slicing_give_what_the_list_gives(pages_graph, offset, limit, index):
    with Pages.new_context(*pages_graph):
        expected = list(PageStore().search(offset=offset, limit=limit))
        result = PageStore().search(offset=offset, limit=limit)
        if isinstance(index, int) and not -len(expected) <= index < len(expected):
            with pytest.raises(IndexError):
                result[index]
        elif isinstance(index, int):
            assert result[index].id == expected[index].id
        else:
            assert ids(result[index]) == ids(expected[index])
        assert repr(result) == "<SearchResult not loaded>"


def test_first_respects_the_search_limit_and_offset(pages_graph):
    with Pages.new_context(*pages_graph):
        assert PageStore().search(limit=0).first() is None
        assert PageStore().search(offset=40).first() is None
        assert PageStore().search(offset=5, limit=2).first().id == 6


def test_zero_slice_step_is_refused_as_by_a_list(pages_graph):
    with Pages.new_context(*pages_graph):
        with pytest.raises(ValueError):
            PageStore().search()[::0]
        with pytest.raises(TypeError):
            PageStore().search()["1"]


def peak_bytes(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_indexing_and_slicing_use_flat_memory(tmp_path):
    """An index or a short slice deep into 50k rows costs a fraction of loading them all."""
    graph = make_graph(paths={"Pages": str(build_pages(tmp_path / "pages.db", 50_000))}, read_only=True)
    try:
        with Pages.new_context(graph):
            PageStore().search()[0]  # warm up: imports, schema checks, statement caches
            loaded = peak_bytes(lambda: list(PageStore().search()))
            cases = {
                "[40000]": lambda: PageStore().search()[40_000],
                "[-3]": lambda: PageStore().search()[-3],
                "[45000:45010]": lambda: PageStore().search()[45_000:45_010],
                "[-10:]": lambda: PageStore().search()[-10:],
                "[::1000]": lambda: PageStore().search()[::1000],
                "[::-5000]": lambda: PageStore().search()[::-5000],
                "offset+limit [900]": lambda: PageStore().search(offset=30_000, limit=1_000)[900],
            }
            for name, case in cases.items():
                peak = peak_bytes(case)
                print(f"{name}: peak {peak / 1e6:.2f} MB (list(search()): {loaded / 1e6:.1f} MB)")
                assert peak < loaded / 20, name
            assert PageStore().search()[40_000].id == 40_001
            assert ids(PageStore().search()[-10:]) == list(range(49_991, 50_001))
            assert ids(PageStore().search()[::-5000]) == list(range(50_000, 0, -5000))
    finally:
        dispose_sqlite_connections(graph)
