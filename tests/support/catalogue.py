"""
Rows, stores and helpers for the Catalogue models of `tests.support.fixtures` (one column of every type).

"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from uuid import UUID

from microcosm_sqlite import Store, dispose_sqlite_connections
from tests.support.fixtures import Catalogue, Colour, Product, Tag


class ProductStore(Store):
    model_class = Product

    def _order_by(self, query, **kwargs):
        return query.order_by(Product.sku)


class FilteredProductStore(ProductStore):
    """Products filtered on any column, for the command line's typed --filter values."""

    auto_filter_fields = tuple(column.name for column in Product.__table__.columns)


class TagStore(Store):
    model_class = Tag

    def _order_by(self, query, **kwargs):
        return query.order_by(Tag.id)


PRODUCTS = [
    dict(
        sku="007",
        name='Widget, "large"',
        quantity=-3,
        price=0.1,
        exact_price=12.5,
        available=True,
        featured=True,
        released=date(2024, 2, 29),
        updated=datetime(2024, 3, 1, 12, 30, 5, 250),
        opens=time(9, 30),
        colour=Colour.RED,
        attributes={"tags": ["a", "é"], "size": 2},
        token=UUID("12345678-1234-5678-1234-567812345678"),
        note="two\nlines",
    ),
    dict(
        sku="010",
        name="Gadget",
        quantity=0,
        price=None,
        exact_price=None,
        available=None,
        featured=False,
        released=None,
        updated=None,
        opens=None,
        colour=None,
        attributes="plain",
        token=None,
        note="none",
    ),
]

TAGS = [dict(id=1, sku="007", label="new"), dict(id=2, sku="010", label="sale")]


@contextmanager
def catalogue_graph(path: Path) -> Iterator:
    """A writable graph on a new Catalogue file holding PRODUCTS and TAGS."""
    from tests.support.graphs import make_graph

    graph = make_graph(paths={"Catalogue": str(path)})
    try:
        Catalogue.create_all(graph)
        with Catalogue.new_context(graph) as context:
            context.session.add_all([Product(**row) for row in PRODUCTS])
            context.session.flush()
            context.session.add_all([Tag(**row) for row in TAGS])
            context.commit()
        yield graph
    finally:
        dispose_sqlite_connections(graph)


def dump_products(graph, format: str, **kwargs) -> tuple[int, str]:
    """Dump the products with `graph.sqlite_dumper.<format>`: the rows written and the text."""
    output = io.StringIO()
    with Catalogue.new_context(graph):
        count = getattr(graph.sqlite_dumper, format)(ProductStore()).dump(output, **kwargs)
    return count, output.getvalue()


@contextmanager
def served_catalogue(backend: str, path: Path, request) -> Iterator:
    """
    The catalogue of PRODUCTS and TAGS as a dumper reads it: a writable SQLite file, or a
    read-only PostgreSQL copy of that file (`backend` "postgresql").

    """
    with catalogue_graph(path) as writable:
        if backend == "sqlite":
            yield writable
            return
    from tests.support.graphs import make_graph
    from tests.support.postgres import publish_for_tests

    url = publish_for_tests(path, request.getfixturevalue("postgres_url"), Catalogue)
    graph = make_graph(paths={"Catalogue": url}, read_only=True)
    try:
        yield graph
    finally:
        dispose_sqlite_connections(graph)
