import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from tests.support.graphs import make_graph
from tests.support.fixtures import CityStore, Geography


@pytest.fixture
def read_context(read_only_graph):
    with Geography.new_context(read_only_graph) as context:
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
    result[0]
    assert repr(result) == "<SearchResult 6 rows>"


def test_iteration_sees_each_row_once_across_batches(artifact):
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True, search_batch_size=4)
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


def test_streaming_memory_is_flat(tmp_path):
    """Scanning 400k rows peaks at most 40 MiB above scanning 20k rows, in real processes."""
    small = peak_scan(build_big(tmp_path / "small.db", 20_000))
    large = peak_scan(build_big(tmp_path / "large.db", 400_000))
    assert small["count"] == 20_000 and large["count"] == 400_000
    assert large["total"] == 400_000 * 400_001 // 2
    growth_mib = (large["peak_kib"] - small["peak_kib"]) / 1024
    print(f"peak RSS: 20k rows {small['peak_kib'] / 1024:.1f} MiB, 400k rows {large['peak_kib'] / 1024:.1f} MiB")
    assert growth_mib <= 40


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
