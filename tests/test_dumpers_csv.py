import csv
import io
import tracemalloc

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.factory import SQLiteDumper
from microcosm_sqlite.errors import DumpError, SQLiteError
from tests.conftest import make_graph
from tests.fixtures import CityStore, Geography
from tests.typed_fixtures import PRODUCTS, Catalogue, Product, ProductStore


@pytest.fixture
def graph(tmp_path):
    graph = make_graph(paths={"Catalogue": str(tmp_path / "catalogue.db"), "Geography": str(tmp_path / "geo.db")})
    Catalogue.create_all(graph)
    with Catalogue.new_context(graph) as context:
        context.session.add_all([Product(**row) for row in PRODUCTS])
        context.commit()
    yield graph
    dispose_sqlite_connections(graph)


def dump(graph, **kwargs):
    output = io.StringIO()
    with Catalogue.new_context(graph):
        count = graph.sqlite_dumper.csv(ProductStore()).dump(output, **kwargs)
    return count, output.getvalue()


def test_the_graph_has_a_dumper_factory(graph):
    assert isinstance(graph.sqlite_dumper, SQLiteDumper)
    assert isinstance(graph.sqlite_dumper.csv(ProductStore()), CSVDumper)


def test_every_row_and_column_of_any_model_is_dumped_by_default(graph):
    count, text = dump(graph)

    assert count == 2
    assert text == (
        "sku,name,note,price,quantity,active,colour,released,updated,attributes\n"
        '007,"Widget, ""large""","two\nlines",0.1,-3,true,RED,2024-02-29,2024-03-01T12:30:05.000250,'
        '"{""tags"":[""a"",""é""],""size"":2}"\n'
        '010,Gadget,,,,false,,,,"""plain"""\n'
    )
    assert [row["name"] for row in csv.DictReader(io.StringIO(text))] == ['Widget, "large"', "Gadget"]


def test_field_names_and_custom_header(graph):
    _, text = dump(graph, field_names=["sku", "price"], custom_header=["SKU", "Price"])
    _, mapped = dump(graph, field_names=["sku", "price"], custom_header={"price": "Price"})

    assert text == "SKU,Price\n007,0.1\n010,\n"
    assert mapped == "sku,Price\n007,0.1\n010,\n"


def test_a_custom_header_of_the_wrong_length_is_refused(graph):
    with pytest.raises(DumpError, match=r"custom_header has 1 labels for 2 fields \(sku, price\)"):
        dump(graph, field_names=["sku", "price"], custom_header=["SKU"])


def test_given_items_objects_or_dicts(graph):
    with Catalogue.new_context(graph):
        products = ProductStore().search()
        _, objects = dump(graph, items=products[:1], field_names=["sku", "colour"])
    _, dicts = dump(graph, items=[dict(sku="1", colour="RED")], field_names=["sku", "colour"])

    assert objects == "sku,colour\n007,RED\n"
    assert dicts == "sku,colour\n1,RED\n"


def test_extras_raise_by_default_and_can_be_ignored(graph):
    items = [dict(sku="1", name="x", colour="RED")]

    with pytest.raises(DumpError, match=r"fields not in field_names: 'colour' \(pass extras_action='ignore'") as raised:
        dump(graph, items=items, field_names=["sku", "name"])
    _, text = dump(graph, items=items, field_names=["sku", "name"], extras_action="ignore")

    # Callers that caught csv.DictWriter's ValueError keep working.
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, SQLiteError)
    assert text == "sku,name\n1,x\n"


def test_unknown_fields_and_actions_are_refused(graph):
    with pytest.raises(DumpError, match="Product has no field 'weight' to dump"):
        with Catalogue.new_context(graph):
            dump(graph, items=ProductStore().search(), field_names=["weight"])
    with pytest.raises(DumpError, match="extras_action must be 'raise' or 'ignore', not 'drop'"):
        dump(graph, extras_action="drop")


def test_dicts_without_a_model_name_their_own_fields():
    output = io.StringIO()

    CSVDumper(None).dump(output, items=iter([dict(a=1, b=None), dict(a=2, b=True)]))

    assert output.getvalue() == "a,b\n1,\n2,true\n"


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
