"""
Values are coerced from the models' column types, the same way for CSV and JSON sources.

"""

import json
import uuid
from datetime import date, datetime, time

import pytest

from microcosm_sqlite.builders import load_sources
from microcosm_sqlite.errors import BadValueError, MissingValueError
from tests.support.fixtures import Catalogue, Colour, Product
from tests.support.graphs import DATA, stored_rows

HEADER = "sku,name,quantity,price,exact_price,available,featured,released,updated,opens,colour,attributes,token,note"


def read_products(graph):
    with Catalogue.new_context(graph) as context:
        return {product.sku: product for product in context.session.query(Product)}


def test_csv_values_are_coerced_from_column_types(empty_graph):
    assert empty_graph.sqlite_builder.csv(Product).build(str(DATA / "products.csv")) == {"product": 2}

    product = read_products(empty_graph)["007"]
    assert product.name == "Licence to kill"
    assert product.quantity == 3
    assert product.price == 9.5
    assert product.exact_price == 9.99
    assert product.available is True
    assert product.featured is True
    assert product.released == date(2024, 2, 29)
    assert product.updated == datetime(2024, 2, 29, 13, 45)
    assert product.opens == time(8, 30)
    assert product.colour is Colour.RED
    assert product.attributes == {"size": [1, 2]}
    assert product.token == uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert product.note == "kept"


def test_empty_csv_cells_take_defaults_or_null_and_text_is_verbatim(empty_graph):
    empty_graph.sqlite_builder.csv(Product).build(str(DATA / "products.csv"))

    product = read_products(empty_graph)["0100"]
    # Leading zeros and surrounding spaces survive in text columns.
    assert product.sku == "0100"
    assert product.name == " spaced "
    # Column defaults (Python side and server side) fill empty cells ...
    assert product.quantity == 0
    assert product.featured is False
    assert product.note == "none"
    # ... and nullable columns without one get NULL.
    assert (product.price, product.exact_price, product.available, product.released) == (None, None, None, None)
    assert (product.updated, product.opens, product.colour, product.attributes, product.token) == (None,) * 5


def test_dates_and_enums_are_stored_as_the_orm_stores_them(empty_graph):
    empty_graph.sqlite_builder.csv(Product).build(str(DATA / "products.csv"))

    row = stored_rows(empty_graph, "Catalogue", "product")[0]
    assert row[5:13] == (
        1,
        1,
        "2024-02-29",
        "2024-02-29 13:45:00.000000",
        "08:30:00.000000",
        "RED",
        '{"size": [1, 2]}',
        "12345678123456781234567812345678",
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("true", True),
        ("FALSE", False),
        ("yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("T", True),
        ("off", False),
    ],
)
def test_booleans_accept_what_people_write(empty_graph, tmp_path, text, expected):
    source = tmp_path / "products.csv"
    source.write_text(f"sku,name,available,featured\nA,a,{text},{text}\n")

    empty_graph.sqlite_builder.csv(Product).build(source)

    product = read_products(empty_graph)["A"]
    assert (product.available, product.featured) == (expected, expected)


@pytest.mark.parametrize(
    "column, text, expected",
    [
        ("quantity", "3.5", "an integer"),
        ("quantity", "three", "an integer"),
        ("price", "9.5.1", "a number"),
        ("exact_price", "ten", "a number"),
        ("available", "maybe", "a boolean (true/false, yes/no, 1/0)"),
        ("featured", "2", "a boolean (true/false, yes/no, 1/0)"),
        ("released", "29/02/2024", "an ISO 8601 date (YYYY-MM-DD)"),
        ("updated", "yesterday", "an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS)"),
        ("opens", "25h00", "an ISO 8601 time (HH:MM:SS)"),
        ("colour", "BLUE", "one of RED, GREEN (a Colour name)"),
        ("colour", "1", "one of RED, GREEN (a Colour name)"),
        ("attributes", "{size: 1}", "a JSON document"),
        ("token", "not-a-uuid", "a UUID"),
    ],
)
def test_unparsable_csv_values_name_line_column_value_and_type(empty_graph, tmp_path, column, text, expected):
    source = tmp_path / "products.csv"
    source.write_text(f"sku,name,{column}\nA,a,\nB,b,{text}\n")

    with pytest.raises(BadValueError) as raised:
        empty_graph.sqlite_builder.csv(Product).build(source)

    error = raised.value
    assert (error.source, error.line, error.column, error.value, error.expected) == (
        str(source),
        3,
        column,
        text,
        expected,
    )
    assert str(error) == (
        f"dataset 'Catalogue', {source}, line 3, column {column!r}: {text!r} is not {expected}; "
        "fix the value in the source, or change the column's type in the model"
    )
    assert stored_rows(empty_graph, "Catalogue", "product") == []


def test_json_values_of_the_right_type_pass_through(empty_graph, tmp_path):
    record = dict(
        sku="007",
        name="Licence",
        quantity=3,
        price=9,
        exact_price=9.99,
        available=True,
        featured=False,
        released="2024-02-29",
        updated="2024-02-29T13:45:00Z",
        opens="08:30:00",
        colour="GREEN",
        attributes={"size": [1, 2], "ok": None},
        token="12345678-1234-5678-1234-567812345678",
    )
    source = tmp_path / "products.json"
    source.write_text(json.dumps([record]))

    empty_graph.sqlite_builder.json(Product).build(source)

    product = read_products(empty_graph)["007"]
    assert (product.quantity, product.price, product.available, product.featured) == (3, 9.0, True, False)
    assert product.updated == datetime(2024, 2, 29, 13, 45)
    assert product.colour is Colour.GREEN
    assert product.attributes == {"size": [1, 2], "ok": None}
    assert product.note == "none"


def test_json_text_is_read_like_csv_text(empty_graph, tmp_path):
    source = tmp_path / "products.jsonl"
    source.write_text(
        json.dumps(dict(sku=7, name="n", quantity="4", price="1.5", available="yes", exact_price=2)) + "\n"
    )

    empty_graph.sqlite_builder.jsonl(Product).build(source)

    product = read_products(empty_graph)["7"]
    assert (product.quantity, product.price, product.available, product.exact_price) == (4, 1.5, True, 2.0)


@pytest.mark.parametrize(
    "column, value",
    [
        ("quantity", 3.5),
        ("quantity", True),
        ("price", False),
        ("name", 1.5),
        ("name", ["a"]),
        ("released", 20240229),
        ("colour", 1),
        ("available", 2),
    ],
)
def test_json_values_of_the_wrong_type_are_bad_values(empty_graph, tmp_path, column, value):
    source = tmp_path / "products.json"
    source.write_text(json.dumps([dict(sku="A", name="a"), {"sku": "B", "name": "b", column: value}]))

    with pytest.raises(BadValueError) as raised:
        empty_graph.sqlite_builder.json(Product).build(source)

    assert (raised.value.record, raised.value.column, raised.value.value) == (2, column, value)
    assert stored_rows(empty_graph, "Catalogue", "product") == []


def test_json_null_and_absent_keys_follow_the_empty_cell_rules(empty_graph, tmp_path):
    source = tmp_path / "products.jsonl"
    source.write_text('{"sku": "A", "name": "a", "quantity": null, "price": ""}\n{"sku": "B", "name": null}\n')

    with pytest.raises(MissingValueError) as raised:
        empty_graph.sqlite_builder.jsonl(Product).build(source)

    assert (raised.value.line, raised.value.column) == (2, "name")
    assert str(raised.value) == (
        f"dataset 'Catalogue', {source}, line 2, column 'name': a value is required; "
        "give text, or give the builder .default(name=...)"
    )


def test_default_values_fill_missing_columns_and_empty_cells(empty_graph, tmp_path):
    source = tmp_path / "products.csv"
    source.write_text("sku,price,colour\nA,,\nB,2.5,RED\n")
    tokens = iter([uuid.UUID(int=1), uuid.UUID(int=2)])

    empty_graph.sqlite_builder.csv(Product).default(
        name="unnamed", price=1.0, colour=Colour.GREEN, token=lambda: next(tokens)
    ).build(source)

    products = read_products(empty_graph)
    assert [(p.name, p.price, p.colour, p.token) for p in products.values()] == [
        ("unnamed", 1.0, Colour.GREEN, uuid.UUID(int=1)),
        ("unnamed", 2.5, Colour.RED, uuid.UUID(int=2)),
    ]


def test_decimal_numerics_are_parsed_exactly_then_stored_as_sqlite_stores_them():
    from decimal import Decimal

    from sqlalchemy import Column, MetaData, Numeric, Table
    from sqlalchemy.dialects import sqlite

    from microcosm_sqlite.builders.columns import column_coercion

    table = Table("prices", MetaData(), Column("amount", Numeric(10, 2), nullable=False))
    coercion = column_coercion(table.c.amount, sqlite.dialect(), {}, {})

    assert coercion.text("1.10") == coercion.json(Decimal("1.10")) == coercion.json("1.10") == 1.1
    assert coercion.json(0.1) == 0.1
    assert coercion.expected == "a decimal number"
    for bad in ("NaN", "1,5", "ten"):
        with pytest.raises(ValueError):
            coercion.text(bad)


@pytest.mark.parametrize(
    "column, text, zone",
    [("updated", "2024-01-01T10:00:00+05:00", "UTC+05:00"), ("opens", "10:00:00-02:30", "UTC-02:30")],
)
@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_time_zone_offsets_are_refused_rather_than_dropped(empty_graph, tmp_path, column, text, zone, suffix):
    source = tmp_path / f"products.{suffix}"
    if suffix == "csv":
        source.write_text(f"sku,name,{column}\nA,a,{text}\n")
    else:
        source.write_text(json.dumps({"sku": "A", "name": "a", column: text}) + "\n")

    with pytest.raises(BadValueError) as raised:
        empty_graph.sqlite_builder.csv(Product).build(source) if suffix == "csv" else empty_graph.sqlite_builder.jsonl(
            Product
        ).build(source)

    error = raised.value
    assert (error.line, error.column, error.value) == (2 if suffix == "csv" else 1, column, text)
    assert error.problem == (
        f"{text!r} has a time zone offset ({zone}), which the column cannot store: "
        "SQLite keeps date-times without one, so the instant would change"
    )
    assert error.hint == "convert the value to UTC and write it without an offset (or with Z) in the source"
    assert stored_rows(empty_graph, "Catalogue", "product") == []


@pytest.mark.parametrize("text", ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00+00:00"])
def test_a_utc_date_time_is_stored_as_the_same_naive_instant(empty_graph, tmp_path, text):
    source = tmp_path / "products.csv"
    source.write_text(f"sku,name,updated\nA,a,{text}\n")

    empty_graph.sqlite_builder.csv(Product).build(source)

    assert read_products(empty_graph)["A"].updated == datetime(2024, 1, 1, 10, 0)


@pytest.mark.parametrize("column", ["price", "exact_price"])
@pytest.mark.parametrize("suffix, text", [("csv", "NaN"), ("csv", "nan"), ("jsonl", "NaN"), ("jsonl", '"nan"')])
def test_nan_in_a_nullable_float_column_is_refused_not_stored_as_null(empty_graph, tmp_path, column, suffix, text):
    source = tmp_path / f"products.{suffix}"
    if suffix == "csv":
        source.write_text(f"sku,name,{column}\nA,a,1.5\nB,b,{text}\n")
        builder = empty_graph.sqlite_builder.csv(Product)
    else:
        source.write_text(
            f'{{"sku": "A", "name": "a", "{column}": 1.5}}\n{{"sku": "B", "name": "b", "{column}": {text}}}\n'
        )
        builder = empty_graph.sqlite_builder.jsonl(Product)

    with pytest.raises(BadValueError) as raised:
        builder.build(source)

    assert (raised.value.line, raised.value.column) == (3 if suffix == "csv" else 2, column)
    assert str(raised.value).endswith(
        f"column {column!r}: nan is not a number SQLite can store (it stores NaN as NULL); "
        "give a number in the source (an empty cell is NULL in a nullable column)"
    )
    assert stored_rows(empty_graph, "Catalogue", "product") == []


def test_infinities_are_stored_as_sqlite_keeps_them(empty_graph, tmp_path):
    source = tmp_path / "products.csv"
    source.write_text("sku,name,price,exact_price\nA,a,inf,-Infinity\n")

    empty_graph.sqlite_builder.csv(Product).build(source)

    product = read_products(empty_graph)["A"]
    assert (product.price, product.exact_price) == (float("inf"), float("-inf"))


@pytest.mark.parametrize(
    "column, text, problem",
    [
        ("released", "2001-13-01", "'2001-13-01' is not a valid date: month 13 is out of range (1 to 12)"),
        ("released", "2001-00-10", "'2001-00-10' is not a valid date: month 0 is out of range (1 to 12)"),
        (
            "released",
            "2023-02-29",
            "'2023-02-29' is not a valid date: day 29 is out of range for February 2023 (1 to 28)",
        ),
        ("released", "2024-04-31", "'2024-04-31' is not a valid date: day 31 is out of range for April 2024 (1 to 30)"),
        (
            "updated",
            "2001-13-01T10:00:00",
            "'2001-13-01T10:00:00' is not a valid date-time: month 13 is out of range (1 to 12)",
        ),
        (
            "updated",
            "2001-01-01T24:00:00",
            "'2001-01-01T24:00:00' is not a valid date-time: hour 24 is out of range (0 to 23)",
        ),
        ("opens", "25:00", "'25:00' is not a valid time: hour 25 is out of range (0 to 23)"),
        ("opens", "10:60", "'10:60' is not a valid time: minute 60 is out of range (0 to 59)"),
        ("opens", "10:30:61", "'10:30:61' is not a valid time: second 61 is out of range (0 to 59)"),
    ],
)
@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_a_date_out_of_range_says_which_part_is(empty_graph, tmp_path, column, text, problem, format):
    if format == "csv":
        source = tmp_path / "products.csv"
        source.write_text(f"sku,name,{column}\nA,a,\nB,b,{text}\n")
    else:
        source = tmp_path / "products.jsonl"
        source.write_text(f'{{"sku": "A", "name": "a"}}\n{{"sku": "B", "name": "b", "{column}": "{text}"}}\n')

    with pytest.raises(BadValueError) as raised:
        load_sources(empty_graph.sqlite("Catalogue").engine, [(Product, source)], data_set="Catalogue")

    error = raised.value
    assert (error.line, error.column, error.value) == (2 if format == "jsonl" else 3, column, text)
    assert str(error) == (
        f"dataset 'Catalogue', {source}, line {error.line}, column {column!r}: {problem}; fix the value in the source"
    )
    assert "ISO 8601" not in str(error)
