"""
Bad input stops a build with an error naming source, line, column and value; nothing stays loaded.

"""

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from microcosm_sqlite.builders import load_sources
from microcosm_sqlite.errors import (
    BadValueError,
    BrokenForeignKeyError,
    BuildError,
    DuplicateKeyError,
    MalformedSourceError,
    MissingColumnError,
    MissingValueError,
    SourceNotFoundError,
    SQLiteError,
)
from tests.support.fixtures import City, Country, Geography, Product, Tag
from tests.support.graphs import DATA, load_geography, stored_rows


def assert_nothing_loaded(graph):
    assert stored_rows(graph, "Geography", "country") == []
    assert stored_rows(graph, "Geography", "city") == []


def test_build_errors_are_sqlite_errors_with_a_status_code():
    assert issubclass(BuildError, SQLiteError)
    for error_class in (
        MalformedSourceError,
        MissingColumnError,
        MissingValueError,
        DuplicateKeyError,
        BrokenForeignKeyError,
    ):
        assert issubclass(error_class, BuildError)
    assert BuildError.status_code == 422
    assert DuplicateKeyError.status_code == BrokenForeignKeyError.status_code == 409


def test_the_header_is_checked_before_any_row(empty_graph, tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("id,population\n1,not a number\n")

    with pytest.raises(MissingColumnError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    error = raised.value
    assert (error.line, error.column, error.expected) == (1, "name", "name, country_code")
    assert str(error) == (
        f"dataset 'Geography', {source}, line 1, column 'name': the header lacks required columns 'name', "
        "'country_code' (it has 'id', 'population'); add the column to the source, give the builder .default(column=value), "
        "or make the column nullable or give it a default in the model"
    )
    assert_nothing_loaded(empty_graph)


def test_nullable_and_defaulted_columns_are_not_required(empty_graph, tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("id,name,country_code\n1,Paris,FR\n2,Lyon,FR\n")

    assert load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source)) == {"country": 4, "city": 2}
    assert stored_rows(empty_graph, "Geography", "city") == [
        (1, "Paris", "FR", None, None),
        (2, "Lyon", "FR", None, None),
    ]


def test_an_empty_required_cell_is_a_missing_value(empty_graph, tmp_path):
    source = tmp_path / "countries.csv"
    source.write_text("code,name,continent\nFR,France,EUROPE\nDE,,EUROPE\n")

    with pytest.raises(MissingValueError) as raised:
        load_geography(empty_graph, (Country, source))

    assert (raised.value.source, raised.value.line, raised.value.column, raised.value.value) == (
        str(source),
        3,
        "name",
        "",
    )
    assert_nothing_loaded(empty_graph)


def test_nan_in_a_required_float_column_is_a_bad_value_not_a_missing_one(tmp_path):
    from sqlalchemy import Column, Float, Integer

    from microcosm_sqlite import DataSet
    from tests.support.graphs import make_graph

    Readings = DataSet.create("Readings")

    class Reading(Readings):
        __tablename__ = "reading"
        id = Column(Integer, primary_key=True)
        value = Column(Float, nullable=False)

    graph = make_graph(paths={"Readings": str(tmp_path / "readings.db")})
    Readings.create_all(graph)
    source = io.StringIO("id,value\n1,0.5\n2,nan\n")

    with pytest.raises(BuildError) as raised:
        load_sources(graph.sqlite("Readings").engine, [(Reading, source)], data_set="Readings", format="csv")

    assert type(raised.value) is BadValueError, raised.value
    assert (raised.value.line, raised.value.column) == (3, "value")
    assert raised.value.problem == "nan is not a number SQLite can store (it stores NaN as NULL)"
    assert stored_rows(graph, "Readings", "reading") == []


def test_a_duplicate_key_names_the_key_and_the_line_of_the_repeat(empty_graph, tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("id,name,country_code\n1,Paris,FR\n2,Lyon,FR\n3,Nice,FR\n4,Paris,FR\n5,Metz,FR\n")

    with pytest.raises(DuplicateKeyError) as raised:
        # Batches of two: the first batch was inserted before the repeat, and must be rolled back.
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source), batch_size=2)

    assert raised.value.line == 5
    assert raised.value.value == ("FR", "Paris")
    assert str(raised.value) == (
        f"dataset 'Geography', {source}, line 5: a row with country_code='FR', name='Paris' is already in "
        "table 'city'; remove the duplicate from the sources, or build with delete_before_load=True to "
        "replace rows already in the table"
    )
    assert_nothing_loaded(empty_graph)


def test_a_primary_key_already_in_the_table_is_a_duplicate(writable_graph, tmp_path):
    source = tmp_path / "countries.csv"
    source.write_text("code,name,continent\nDE,Germany,EUROPE\nFR,Republique,EUROPE\n")
    before = stored_rows(writable_graph, "Geography", "country")

    with pytest.raises(DuplicateKeyError) as raised:
        load_geography(writable_graph, (Country, source))

    assert (raised.value.line, raised.value.column, raised.value.value) == (3, "code", "FR")
    assert stored_rows(writable_graph, "Geography", "country") == before


def test_a_broken_foreign_key_names_the_table_row_and_missing_parent(empty_graph, tmp_path):
    cities = tmp_path / "cities.csv"
    cities.write_text("id,name,country_code\n1,Paris,FR\n2,Atlantis,XX\n3,Lemuria,YY\n")

    with pytest.raises(BrokenForeignKeyError) as raised:
        load_geography(empty_graph, (City, cities), (Country, DATA / "countries.csv"))

    error = raised.value
    assert (error.table, error.source, error.line, error.column, error.value) == (
        "city",
        str(cities),
        3,
        "country_code",
        "XX",
    )
    assert str(error) == (
        f"dataset 'Geography', {cities}, line 3, column 'country_code': row id=2 of table 'city' has "
        "country_code='XX', which matches no country.code (1 more row also break foreign keys); "
        "add the missing country rows to the build, or fix the reference in the source"
    )
    assert_nothing_loaded(empty_graph)


@pytest.mark.parametrize(
    "name, text, where",
    [
        (
            "cities.jsonl",
            '{"id": 1, "name": "Paris", "country_code": "FR"}\n\n{"id": 2, "name": "Atlantis", "country_code": "XX"}\n',
            {"line": 3},
        ),
        (
            "cities.json",
            '[{"id": 1, "name": "Paris", "country_code": "FR"}, {"id": 2, "name": "Atlantis", "country_code": "XX"}]',
            {"record": 2},
        ),
    ],
)
def test_a_broken_foreign_key_names_the_line_or_record_of_json_sources(empty_graph, tmp_path, name, text, where):
    cities = tmp_path / name
    cities.write_text(text)

    with pytest.raises(BrokenForeignKeyError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, cities))

    error = raised.value
    assert (error.source, error.line, error.record, error.value) == (
        str(cities),
        where.get("line"),
        where.get("record"),
        "XX",
    )
    position = f"line {where['line']}" if "line" in where else f"record {where['record']}"
    assert str(error).startswith(f"dataset 'Geography', {cities}, {position}, column 'country_code': row id=2 ")


def test_a_broken_foreign_key_names_the_right_one_of_two_sources_of_a_table(empty_graph, tmp_path):
    first, second = tmp_path / "cities_a.csv", tmp_path / "cities_b.csv"
    first.write_text("id,name,country_code\n1,Paris,FR\n2,Lyon,FR\n")
    second.write_text("id,name,country_code\n3,Bern,CH\n4,Atlantis,XX\n")

    with pytest.raises(BrokenForeignKeyError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, first), (City, second))

    assert (raised.value.source, raised.value.line) == (str(second), 3)


def test_a_broken_foreign_key_in_an_artifact_build_names_the_line(tmp_path):
    from microcosm_sqlite.artifacts import build_artifact

    cities = tmp_path / "cities.csv"
    cities.write_text("id,name,country_code\n1,Paris,FR\n2,Atlantis,XX\n")

    with pytest.raises(BrokenForeignKeyError) as raised:
        build_artifact(tmp_path / "geography.db", Geography, [(Country, DATA / "countries.csv"), (City, cities)])

    assert f"{cities}, line 3, column 'country_code'" in str(raised.value)
    assert not (tmp_path / "geography.db").exists()


def test_rows_may_arrive_before_their_parents(empty_graph):
    counts = load_geography(empty_graph, (City, DATA / "cities.csv"), (Country, DATA / "countries.csv"))

    assert counts == {"city": 6, "country": 4}


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ('code,name,continent\nFR,"France"x,EUROPE\n', 2, "malformed CSV (',' expected after '\"')"),
        ('code,name,continent\nFR,"France,EUROPE\n', 2, "malformed CSV (unexpected end of data)"),
        ("code,name,continent\nFR,France\n", 2, "the row has 2 fields but the header has 3"),
        ("code,name,continent\nFR,France,EUROPE,extra\n", 2, "the row has 4 fields but the header has 3"),
        ("", 1, "the source is empty"),
        ("code,name,code\n", 1, "the header names column 'code' twice"),
    ],
)
def test_malformed_csv(empty_graph, tmp_path, text, line, problem):
    source = tmp_path / "countries.csv"
    source.write_text(text)

    with pytest.raises(MalformedSourceError) as raised:
        load_geography(empty_graph, (Country, source))

    assert raised.value.line == line
    assert raised.value.problem == problem
    assert_nothing_loaded(empty_graph)


def test_a_file_that_is_not_utf8_is_malformed(empty_graph, tmp_path):
    source = tmp_path / "countries.csv"
    source.write_bytes("code,name,continent\nCI,Côte d'Ivoire,AFRICA\n".encode("latin-1"))

    with pytest.raises(MalformedSourceError, match="the file is not UTF-8") as raised:
        load_geography(empty_graph, (Country, source))

    assert raised.value.hint == "save it as UTF-8 (with or without BOM)"


def decoder_problem(document: str) -> str:
    """
    The problem reported for a document the stdlib decoder refuses: its reason and its column.

    Asked of the decoder rather than written out, since its wording and columns change between
    Python versions (3.13 says "Illegal trailing comma before end of object", one column earlier).

    """
    try:
        json.loads(document)
    except json.JSONDecodeError as error:
        return f"malformed JSON ({error.msg}, column {error.colno})"
    raise AssertionError(f"{document!r} decodes")


@pytest.mark.parametrize(
    "name, text, position, problem",
    [
        ("cities.json", '[{"id": 1,}]', {"line": 1}, decoder_problem('[{"id": 1,}]')),
        ("cities.json", '{"id": 1}', {}, "the document is a JSON dict, not an array of objects"),
        (
            "cities.json",
            '[{"id": 1, "name": "a", "country_code": "FR"}, 3]',
            {"record": 2},
            "the record is a JSON int, not an object",
        ),
        (
            "cities.jsonl",
            '{"id": 1, "name": "a", "country_code": "FR"}\n{"id": 2\n',
            {"line": 2},
            decoder_problem('{"id": 2'),
        ),
        ("cities.jsonl", '\n\n["a"]\n', {"line": 3}, "the record is a JSON list, not an object"),
        ("cities.json", "[" * 100_000 + "]" * 100_000, {}, "malformed JSON (nested too deeply to parse)"),
        (
            "cities.jsonl",
            '{"id": 1, "name": "a", "country_code": "FR"}\n{"id": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
            {"line": 2},
            "malformed JSON (nested too deeply to parse)",
        ),
    ],
)
def test_malformed_json(empty_graph, tmp_path, name, text, position, problem):
    source = tmp_path / name
    source.write_text(text)

    with pytest.raises(MalformedSourceError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert raised.value.problem == problem
    assert {key: getattr(raised.value, key) for key in position} == position
    assert_nothing_loaded(empty_graph)


def test_an_unknown_format_is_refused_before_reading(empty_graph, tmp_path):
    source = tmp_path / "countries.xlsx"
    source.write_text("whatever")

    with pytest.raises(MalformedSourceError, match=r"cannot tell the format of the source from '\.xlsx'"):
        load_geography(empty_graph, (Country, source))


def test_a_missing_source_file_is_a_build_error_and_rolls_back(empty_graph, tmp_path):
    missing = tmp_path / "cities.csv"

    with pytest.raises(SourceNotFoundError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, missing))

    assert raised.value.source == str(missing)
    assert raised.value.table == "city"
    assert raised.value.problem == "cannot read the source (No such file or directory)"
    assert_nothing_loaded(empty_graph)


def test_a_file_object_without_a_name_is_named_after_its_table(empty_graph):
    with pytest.raises(MissingColumnError) as raised:
        load_geography(empty_graph, (Country, io.StringIO("code\nFR\n")), format="csv")

    assert raised.value.source == "<country source>"


def test_a_base_is_not_a_model(empty_graph):
    with pytest.raises(BuildError, match="is not a mapped model with a table"):
        load_geography(empty_graph, (Geography, DATA / "countries.csv"))


def test_defaults_for_unknown_columns_are_refused(empty_graph):
    with pytest.raises(BuildError, match="default values were given for 'capital', which table 'country' lacks"):
        load_geography(empty_graph, (Country, DATA / "countries.csv"), defaults={Country: {"capital": "Paris"}})


@pytest.mark.parametrize(
    "model, defaults, source, column",
    [
        (Country, {"continent": "MARS"}, "code,name\nFR,France\n", "continent"),
        (Product, {"released": "2024-01-01"}, "sku,name\n007,Widget\n", "released"),
    ],
)
def test_a_default_the_column_cannot_store_is_a_build_error(empty_graph, model, defaults, source, column):
    data_set = "Geography" if model is Country else "Catalogue"

    with pytest.raises(BadValueError) as raised:
        load_sources(
            empty_graph.sqlite(data_set).engine,
            [(model, io.StringIO(source))],
            data_set=data_set,
            defaults={model: defaults},
            format="csv",
        )

    assert raised.value.column == column
    assert raised.value.problem.startswith(
        f"the default value {defaults[column]!r} of column {column!r} cannot be stored ("
    )
    assert raised.value.value == defaults[column]
    assert stored_rows(empty_graph, data_set, model.__tablename__) == []


def test_a_missing_table_is_a_build_error(tmp_path):
    from tests.support.graphs import make_graph

    graph = make_graph(paths={"Geography": str(tmp_path / "no_schema.db")})

    with pytest.raises(BuildError) as raised:
        load_geography(graph, (Country, DATA / "countries.csv"))

    assert str(raised.value) == (
        f"dataset 'Geography', {DATA / 'countries.csv'}: SQLite refused the build (no such table: country); "
        "check that the schema was created from these models (Base.create_all(graph))"
    )


def test_a_failure_in_a_later_source_rolls_back_earlier_sources(empty_graph, tmp_path):
    tags = tmp_path / "tags.csv"
    tags.write_text("sku,label\n007,spy\n")
    products = tmp_path / "products.csv"
    products.write_text("sku,name,quantity\n007,a,1\n008,b,many\n")

    with pytest.raises(BuildError):
        load_sources(empty_graph.sqlite("Catalogue").engine, [(Tag, tags), (Product, products)], data_set="Catalogue")

    assert stored_rows(empty_graph, "Catalogue", "tag") == []
    assert stored_rows(empty_graph, "Catalogue", "product") == []


@pytest.mark.parametrize(
    "name, text, where",
    [
        ("cities.csv", "id,name,country_code,population\n1,a,FR,1\n2,b,FR,99999999999999999999\n", {"line": 3}),
        ("cities.json", '[{"id": 1, "name": "a", "country_code": "FR", "population": -1e300}]', {"record": 1}),
    ],
)
def test_integers_beyond_64_bits_are_bad_values(empty_graph, tmp_path, name, text, where):
    source = tmp_path / name
    source.write_text(text)

    with pytest.raises(BadValueError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert raised.value.column == "population"
    assert raised.value.expected == "an integer from -9223372036854775808 to 9223372036854775807"
    assert {key: getattr(raised.value, key) for key in where} == where
    assert_nothing_loaded(empty_graph)


def test_a_value_the_driver_cannot_store_names_its_row(tmp_path):
    from sqlalchemy import Column, Integer

    from microcosm_sqlite import DataSet
    from tests.support.graphs import make_graph

    Blobs = DataSet.create("Blobs")

    class Blob(Blobs):
        __tablename__ = "blob"
        id = Column(Integer, primary_key=True)
        data = Column("data")  # no type: values go to the driver as they are

    graph = make_graph(paths={"Blobs": str(tmp_path / "blobs.db")})
    with graph.sqlite("Blobs").engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE blob (id INTEGER PRIMARY KEY, data)")  # no DDL type either
    source = tmp_path / "blobs.jsonl"
    source.write_text('{"id": 1, "data": "text is fine"}\n{"id": 2, "data": {"a": 1}}\n')

    with pytest.raises(BuildError) as raised:
        load_sources(graph.sqlite("Blobs").engine, [(Blob, source)], data_set="Blobs")

    assert raised.value.line == 2
    assert raised.value.problem.startswith("SQLite refused the row (Error binding parameter 2")
    assert stored_rows(graph, "Blobs", "blob") == []


@pytest.mark.parametrize("foreign_keys, checked", [(None, False), (True, True), (False, False)])
def test_foreign_keys_are_checked_when_asked_or_enforced(tmp_path, foreign_keys, checked):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")  # pysqlite leaves foreign keys off
    Geography.metadata.create_all(engine)
    source = tmp_path / "cities.csv"
    source.write_text("id,name,country_code\n1,Atlantis,XX\n")

    try:
        load_sources(engine, [(City, source)], data_set="Geography", foreign_keys=foreign_keys)
    except BrokenForeignKeyError:
        assert checked
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM city").scalar() == 0
    else:
        assert not checked
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "name, text, where",
    [
        (
            "cities.jsonl",
            '{"id": 1, "name": "a", "country_code": "FR"}\n{"id": 2, "name": "b\\ud800", "country_code": "FR"}\n',
            {"line": 2},
        ),
        (
            "cities.json",
            '[{"id": 1, "name": "a", "country_code": "FR"}, {"id": 2, "name": "\\udc00", "country_code": "FR"}]',
            {"record": 2},
        ),
    ],
)
def test_text_with_a_lone_surrogate_is_a_bad_value(empty_graph, tmp_path, name, text, where):
    source = tmp_path / name
    source.write_text(text)

    with pytest.raises(BadValueError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert raised.value.column == "name"
    assert raised.value.problem.endswith("is not valid Unicode text (it holds a lone surrogate)")
    assert {key: getattr(raised.value, key) for key in where} == where
    assert_nothing_loaded(empty_graph)


@pytest.mark.parametrize(
    "column, default, reason",
    [
        ("price", float("nan"), "nan is not a number SQLite can store (it stores NaN as NULL)"),
        (
            "updated",
            datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=5))),
            "'2024-01-01T10:00:00+05:00' has a time zone offset",
        ),
    ],
)
def test_a_default_sqlite_would_not_store_faithfully_is_a_build_error(empty_graph, column, default, reason):
    with pytest.raises(BadValueError) as raised:
        empty_graph.sqlite_builder.csv(Product).default(**{column: default}).build(
            io.StringIO("sku,name\n007,Widget\n")
        )

    assert raised.value.column == column
    assert raised.value.problem.startswith(
        f"the default value {default!r} of column {column!r} cannot be stored ({reason}"
    )
    assert stored_rows(empty_graph, "Catalogue", "product") == []


def test_a_callable_default_with_a_time_zone_offset_is_a_bad_value_naming_the_row(empty_graph):
    def five_hours_east():
        return datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=5)))

    with pytest.raises(BadValueError) as raised:
        empty_graph.sqlite_builder.csv(Product).default(updated=five_hours_east).build(
            io.StringIO("sku,name\n007,Widget\n")
        )

    assert (raised.value.line, raised.value.column) == (2, "updated")
    assert raised.value.problem.startswith("'2024-01-01T10:00:00+05:00' has a time zone offset (UTC+05:00)")
    assert stored_rows(empty_graph, "Catalogue", "product") == []
