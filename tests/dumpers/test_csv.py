import csv
import io
import tracemalloc

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.factory import SQLiteDumper
from microcosm_sqlite.errors import DumpError, SQLiteError
from tests.support.catalogue import ProductStore, dump_products, served_catalogue
from tests.support.fixtures import Catalogue, CityStore, Geography
from tests.support.graphs import make_graph


@pytest.fixture
def graph(tmp_path, backend, request):
    """The catalogue from its SQLite file, and from a PostgreSQL copy of it: the same dump."""
    with served_catalogue(backend, tmp_path / "catalogue.db", request) as graph:
        yield graph


def dump(graph, **kwargs):
    return dump_products(graph, "csv", **kwargs)


def test_the_graph_has_a_dumper_factory(graph):
    assert isinstance(graph.sqlite_dumper, SQLiteDumper)
    assert isinstance(graph.sqlite_dumper.csv(ProductStore()), CSVDumper)


def test_every_row_and_column_of_any_model_is_dumped_by_default(graph):
    count, text = dump(graph)

    assert count == 2
    assert text == (
        "sku,name,quantity,price,exact_price,available,featured,released,updated,opens,colour,attributes,token,note\r\n"
        '007,"Widget, ""large""",-3,0.1,12.5,true,true,2024-02-29,2024-03-01T12:30:05.000250,09:30:00,RED,'
        '"{""tags"":[""a"",""é""],""size"":2}",12345678-1234-5678-1234-567812345678,"two\nlines"\r\n'
        '010,Gadget,0,,,,false,,,,,"""plain""",,none\r\n'
    )
    assert [row["name"] for row in csv.DictReader(io.StringIO(text))] == ['Widget, "large"', "Gadget"]


def test_field_names_and_custom_header(graph):
    _, text = dump(graph, field_names=["sku", "price"], custom_header=["SKU", "Price"])
    _, mapped = dump(graph, field_names=["sku", "price"], custom_header={"price": "Price"})

    assert text == "SKU,Price\r\n007,0.1\r\n010,\r\n"
    assert mapped == "sku,Price\r\n007,0.1\r\n010,\r\n"


def test_a_custom_header_of_the_wrong_length_is_refused(graph):
    with pytest.raises(DumpError, match=r"custom_header has 1 labels for 2 fields \(sku, price\)"):
        dump(graph, field_names=["sku", "price"], custom_header=["SKU"])


def test_given_items_objects_or_dicts(graph):
    with Catalogue.new_context(graph):
        products = ProductStore().search()
        _, objects = dump(graph, items=products[:1], field_names=["sku", "colour"])
    _, dicts = dump(graph, items=[dict(sku="1", colour="RED")], field_names=["sku", "colour"])

    assert objects == "sku,colour\r\n007,RED\r\n"
    assert dicts == "sku,colour\r\n1,RED\r\n"


def test_extras_raise_by_default_and_can_be_ignored(graph):
    items = [dict(sku="1", name="x", colour="RED")]

    with pytest.raises(DumpError, match=r"fields not in field_names: 'colour' \(pass extras_action='ignore'") as raised:
        dump(graph, items=items, field_names=["sku", "name"])
    _, text = dump(graph, items=items, field_names=["sku", "name"], extras_action="ignore")

    # Callers that caught csv.DictWriter's ValueError keep working.
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, SQLiteError)
    assert text == "sku,name\r\n1,x\r\n"


def test_unknown_fields_and_actions_are_refused(graph):
    with pytest.raises(DumpError, match="Product has no field 'weight' to dump"):
        with Catalogue.new_context(graph):
            dump(graph, items=ProductStore().search(), field_names=["weight"])
    with pytest.raises(DumpError, match="extras_action must be 'raise' or 'ignore', not 'drop'"):
        dump(graph, extras_action="drop")


def test_a_field_that_is_not_a_column_is_refused_when_rows_are_streamed(graph):
    with pytest.raises(DumpError, match="Product has no field 'nmae' to dump"):
        dump(graph, field_names=["sku", "nmae"])


def test_a_bare_carriage_return_is_quoted():
    output = io.StringIO()

    CSVDumper(None).dump(output, items=[dict(a="x\ry", b=1)])

    assert output.getvalue() == 'a,b\r\n"x\ry",1\r\n'
    assert list(csv.reader(io.StringIO(output.getvalue(), newline=""))) == [["a", "b"], ["x\ry", "1"]]


def test_dicts_without_a_model_name_their_own_fields():
    output = io.StringIO()

    CSVDumper(None).dump(output, items=iter([dict(a=1, b=None), dict(a=2, b=True)]))

    assert output.getvalue() == "a,b\r\n1,\r\n2,true\r\n"


class CountingSink:
    """A file that keeps only the number of characters written to it."""

    def __init__(self):
        self.size = 0

    def write(self, text):
        self.size += len(text)
        return len(text)


def test_dumping_streams_with_flat_memory(tmp_path):
    graph = make_graph(paths={"Geography": str(tmp_path / "geo.db")})
    try:
        Geography.create_all(graph)
        engine = graph.sqlite("Geography").engine
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO country VALUES ('FR', 'France', 'EUROPE', 0)")
            connection.exec_driver_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
                "INSERT INTO city SELECT i, printf('city number %-80d', i), 'FR', i * 10, i / 1000.0 FROM n"
            )
        sink = CountingSink()
        with Geography.new_context(graph):
            # A first dump fills SQLAlchemy's one-off caches (compiled statements, mappers).
            graph.sqlite_dumper.csv(CityStore()).dump(CountingSink(), items=CityStore().search(limit=10).rows())
            tracemalloc.start()
            count = graph.sqlite_dumper.csv(CityStore()).dump(sink)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    finally:
        dispose_sqlite_connections(graph)

    assert count == 30_000
    assert sink.size > 3_000_000
    # Far less than the dump itself: rows are fetched, written and dropped in batches.
    assert peak < 1_500_000
