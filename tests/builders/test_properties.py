"""
Property: whatever the input, a build either loads every row or raises a BuildError and leaves the
tables exactly as they were. Never another exception, never a partial table.

"""

import csv
import io
import json
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.builders import load_sources
from microcosm_sqlite.errors import BuildError
from tests.support.fixtures import Catalogue, Product, Tag
from tests.support.graphs import make_graph, stored_rows

COLUMNS = [column.name for column in Product.__table__.columns]
BASELINE = "sku,name\nbase,kept\n"

# Cells that are sometimes valid for some column and often not for others.
cells = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab0,"\n\r\x00\ufeff é;{}[]:-T.')), max_size=12),
    st.sampled_from(
        [
            "",
            "1",
            "-3",
            "1.5",
            "nan",
            "true",
            "no",
            "2024-02-29",
            "2024-02-30",
            "RED",
            "BLUE",
            '{"a": 1}',
            "12345678-1234-5678-1234-567812345678",
            "base",
            "0100",
            " ",
            "99999999999999999999",
            "-9223372036854775809",
        ]
    ),
    st.integers().map(str),
    st.floats().map(str),
)


@st.composite
def csv_sources(draw, model) -> str:
    columns = [column.name for column in model.__table__.columns]
    required = [
        column.name
        for column in model.__table__.columns
        if not column.nullable
        and column.default is None
        and column.server_default is None
        and model.__table__.autoincrement_column is not column
    ]
    if draw(st.integers(0, 9)):
        # Mostly headers that pass the header check, so that rows get coerced and inserted.
        header = draw(
            st.permutations(
                required
                + draw(st.lists(st.sampled_from([c for c in columns if c not in required] + ["extra"]), unique=True))
            )
        )
    else:
        header = draw(st.lists(st.sampled_from(columns + ["extra", ""]), max_size=8))
    width = st.just(len(header)) if draw(st.integers(0, 4)) else st.integers(0, len(header) + 1)
    rows = draw(st.lists(width.flatmap(lambda n: st.lists(cells, min_size=n, max_size=n)), max_size=6))
    if draw(st.integers(0, 3)):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()
    # Joined by hand: quotes, commas and newlines inside cells make malformed CSV.
    return "\n".join(",".join(row) for row in [header, *rows])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | cells,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(COLUMNS), children, max_size=4),
    max_leaves=12,
)
records = st.dictionaries(st.sampled_from(COLUMNS + ["id", "label"]), json_values, max_size=8)


@st.composite
def json_sources(draw) -> tuple[str, str]:
    kind = draw(st.sampled_from(["json", "jsonl", "garbage-json", "garbage-jsonl"]))
    items = draw(st.lists(st.one_of(records, json_values), max_size=5))
    if kind == "json":
        return "json", json.dumps(items)
    if kind == "jsonl":
        return "jsonl", "\n".join(json.dumps(item) for item in items)
    return kind.split("-")[1], draw(st.text(max_size=40))


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    graph = make_graph(paths={"Catalogue": str(tmp_path_factory.mktemp("properties") / "catalogue.db")})
    Catalogue.create_all(graph)
    # Wrapped: hypothesis probes its first argument with hasattr(), which an object graph answers
    # with NotBoundError rather than AttributeError.
    yield SimpleNamespace(graph=graph)
    dispose_sqlite_connections(graph)


def reset(graph) -> None:
    with graph.sqlite("Catalogue").engine.begin() as connection:
        connection.execute(sql("DELETE FROM tag"))
        connection.execute(sql("DELETE FROM product"))
    load_sources(
        graph.sqlite("Catalogue").engine, [(Product, io.StringIO(BASELINE))], data_set="Catalogue", format="csv"
    )


def assert_all_or_nothing(graph, sources, format) -> None:
    reset(graph)
    before = {table: stored_rows(graph, "Catalogue", table) for table in ("product", "tag")}
    try:
        counts = load_sources(graph.sqlite("Catalogue").engine, sources, data_set="Catalogue", format=format)
    except BuildError as error:
        event(type(error).__name__)
        assert str(error).startswith("dataset 'Catalogue'")
        assert {table: stored_rows(graph, "Catalogue", table) for table in before} == before
    else:
        event("loaded")
        for table, rows in before.items():
            assert len(stored_rows(graph, "Catalogue", table)) == len(rows) + counts.get(table, 0)


PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(products=csv_sources(Product), tags=csv_sources(Tag))
def test_garbage_csv_gives_a_build_error_or_a_whole_load(catalogue, products, tags):
    sources = [(Tag, io.StringIO(tags)), (Product, io.StringIO(products))]
    assert_all_or_nothing(catalogue.graph, sources, "csv")


@PROPERTY_SETTINGS
@given(source=json_sources())
def test_garbage_json_gives_a_build_error_or_a_whole_load(catalogue, source):
    format, text = source
    assert_all_or_nothing(catalogue.graph, [(Product, io.StringIO(text))], format)


@settings(PROPERTY_SETTINGS, max_examples=50)
@given(data=st.binary(max_size=60))
def test_garbage_bytes_give_a_build_error_or_a_whole_load(catalogue, data):
    assert_all_or_nothing(catalogue.graph, [(Product, io.BytesIO(b"sku,name\n" + data))], "csv")
