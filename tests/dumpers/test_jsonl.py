import io
import json

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.dumpers.jsonl import JSONLinesDumper
from microcosm_sqlite.errors import DumpError
from tests.support.catalogue import ProductStore, dump_products, served_catalogue
from tests.support.fixtures import Catalogue
from tests.support.graphs import make_graph


@pytest.fixture
def graph(tmp_path, backend, request):
    """The catalogue from its SQLite file, and from a PostgreSQL copy of it: the same dump."""
    with served_catalogue(backend, tmp_path / "catalogue.db", request) as graph:
        yield graph


def dump(graph, **kwargs):
    return dump_products(graph, "jsonl", **kwargs)


def test_one_json_object_per_line_with_typed_values(graph):
    count, text = dump(graph)

    assert count == 2
    assert text.splitlines() == [
        '{"sku":"007","name":"Widget, \\"large\\"","quantity":-3,"price":0.1,"exact_price":12.5,"available":true,'
        '"featured":true,"released":"2024-02-29","updated":"2024-03-01T12:30:05.000250","opens":"09:30:00",'
        '"colour":"RED","attributes":{"tags":["a","é"],"size":2},"token":"12345678-1234-5678-1234-567812345678",'
        '"note":"two\\nlines"}',
        '{"sku":"010","name":"Gadget","quantity":0,"price":null,"exact_price":null,"available":null,"featured":false,'
        '"released":null,"updated":null,"opens":null,"colour":null,"attributes":"plain","token":null,"note":"none"}',
    ]
    assert text.endswith("\n")


def test_field_names_and_custom_header_choose_and_rename_keys(graph):
    _, text = dump(graph, field_names=["sku", "colour"], custom_header={"colour": "Colour"})

    assert [json.loads(line) for line in text.splitlines()] == [
        {"sku": "007", "Colour": "RED"},
        {"sku": "010", "Colour": None},
    ]


def test_extras_raise_by_default_and_can_be_ignored(graph):
    items = [dict(sku="1", extra=True)]

    with pytest.raises(DumpError, match="fields not in field_names: 'extra'"):
        dump(graph, items=items, field_names=["sku"])
    assert dump(graph, items=items, field_names=["sku"], extras_action="ignore") == (1, '{"sku":"1"}\n')


def test_an_empty_store_dumps_nothing(tmp_path):
    graph = make_graph(paths={"Catalogue": str(tmp_path / "empty.db")})
    try:
        Catalogue.create_all(graph)
        output = io.StringIO()
        with Catalogue.new_context(graph):
            assert JSONLinesDumper(ProductStore()).dump(output) == 0
    finally:
        dispose_sqlite_connections(graph)

    assert output.getvalue() == ""
