"""
Where silence would cost data the builders refuse: columns the model lacks, a missing primary key,
repeated JSON keys; and their errors name the true place of bytes that are not UTF-8.

"""

import io

import pytest
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet
from microcosm_sqlite.builders import load_sources
from microcosm_sqlite.errors import (
    BuildError,
    MalformedSourceError,
    MissingColumnError,
    MissingValueError,
    UnknownColumnError,
)
from tests.support.fixtures import City, Country
from tests.support.graphs import DATA, load_geography, stored_rows

Numbered = DataSet.create("Numbered")


class Note(Numbered):
    """A key SQLite numbers only because the model says so explicitly."""

    __tablename__ = "note"

    id = Column(Integer, primary_key=True, autoincrement=True)
    text = Column(String, nullable=False)


def assert_no_city_loaded(graph):
    assert stored_rows(graph, "Geography", "city") == []


# A misspelt primary key header: 2.0 ignored 'Id' and let SQLite number the rows 1 and 2.
MISSPELT_KEY = {
    "cities.csv": "Id,name,country_code\n100,Paris,FR\n200,Lyon,FR\n",
    "cities.json": '[{"Id": 100, "name": "Paris", "country_code": "FR"}, {"Id": 200, "name": "Lyon", "country_code": "FR"}]',
    "cities.jsonl": '{"Id": 100, "name": "Paris", "country_code": "FR"}\n{"Id": 200, "name": "Lyon", "country_code": "FR"}\n',
}


@pytest.mark.parametrize(
    "name, position", [("cities.csv", {"line": 1}), ("cities.json", {"record": 1}), ("cities.jsonl", {"line": 1})]
)
def test_a_source_column_the_model_lacks_is_an_error_naming_it_and_the_model_columns(
    empty_graph, tmp_path, name, position
):
    source = tmp_path / name
    source.write_text(MISSPELT_KEY[name])

    with pytest.raises(UnknownColumnError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    error = raised.value
    assert isinstance(error, BuildError)
    assert (error.source, error.column) == (str(source), "Id")
    assert {key: getattr(error, key) for key in position} == position
    # The model's columns are listed, so that the near miss is plain to see.
    assert "'id', 'name', 'country_code', 'population', 'latitude'" in str(error)
    assert "ignore_columns=True" in str(error)
    assert stored_rows(empty_graph, "Geography", "country") == []


@pytest.mark.parametrize("name", sorted(MISSPELT_KEY))
def test_ignoring_columns_is_an_explicit_opt_in_and_still_requires_the_key(empty_graph, tmp_path, name):
    source = tmp_path / name
    source.write_text(MISSPELT_KEY[name])

    with pytest.raises((MissingColumnError, MissingValueError)) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source), ignore_columns=True)

    assert (raised.value.source, raised.value.column) == (str(source), "id")
    assert_no_city_loaded(empty_graph)


@pytest.mark.parametrize(
    "name, text",
    [
        ("countries.csv", "flag,code,name,continent\nX,FR,France,EUROPE\n"),
        ("countries.json", '[{"flag": "X", "code": "FR", "name": "France", "continent": "EUROPE"}]'),
        ("countries.jsonl", '{"flag": "X", "code": "FR", "name": "France", "continent": "EUROPE"}\n'),
    ],
)
def test_ignore_columns_loads_sources_with_extra_columns(empty_graph, tmp_path, name, text):
    source = tmp_path / name
    source.write_text(text)

    load_geography(empty_graph, (Country, source), ignore_columns=True)

    assert stored_rows(empty_graph, "Geography", "country") == [("FR", "France", "EUROPE", 0)]


def test_a_later_record_with_an_unknown_key_names_its_record(empty_graph, tmp_path):
    source = tmp_path / "cities.jsonl"
    source.write_text(
        '{"id": 1, "name": "Paris", "country_code": "FR"}\n\n{"id": 2, "name": "Lyon", "country_code": "FR", "mayor": "x"}\n'
    )

    with pytest.raises(UnknownColumnError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert (raised.value.line, raised.value.column) == (3, "mayor")
    assert_no_city_loaded(empty_graph)


def test_a_missing_primary_key_column_is_an_error(empty_graph, tmp_path):
    source = tmp_path / "cities.csv"
    source.write_text("name,country_code\nParis,FR\n")

    with pytest.raises(MissingColumnError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert (raised.value.line, raised.value.column) == (1, "id")
    assert_no_city_loaded(empty_graph)


@pytest.mark.parametrize("name", ["cities.json", "cities.jsonl"])
def test_a_record_without_its_primary_key_is_an_error(empty_graph, tmp_path, name):
    records = ['{"id": 1, "name": "Paris", "country_code": "FR"}', '{"name": "Lyon", "country_code": "FR"}']
    source = tmp_path / name
    source.write_text(f"[{', '.join(records)}]" if name.endswith(".json") else "\n".join(records))

    with pytest.raises(MissingValueError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert raised.value.column == "id"
    assert getattr(raised.value, "record" if name.endswith(".json") else "line") == 2
    assert_no_city_loaded(empty_graph)


@pytest.mark.parametrize(
    "text, format", [("text\nfirst\nsecond\n", "csv"), ('{"text": "first"}\n{"text": "second"}\n', "jsonl")]
)
def test_an_explicitly_autoincrementing_key_may_be_left_out(tmp_path, text, format):
    from sqlalchemy import create_engine
    from sqlalchemy import text as sql

    engine = create_engine(f"sqlite:///{tmp_path / 'numbered.db'}")
    Numbered.metadata.create_all(engine)

    load_sources(engine, [(Note, io.StringIO(text))], data_set="Numbered", format=format)

    with engine.connect() as connection:
        assert list(connection.execute(sql("SELECT id, text FROM note"))) == [(1, "first"), (2, "second")]
    engine.dispose()


@pytest.mark.parametrize(
    "name, text, position",
    [
        (
            "cities.json",
            '[\n{"id": 1, "name": "Paris", "country_code": "FR"},\n{"id": 2, "name": "a", "name": "b", "country_code": "FR"}\n]',
            {"record": 2},
        ),
        (
            "cities.jsonl",
            '{"id": 1, "name": "Paris", "country_code": "FR"}\n{"id": 2, "name": "a", "name": "b", "country_code": "FR"}\n',
            {"line": 2},
        ),
    ],
)
def test_a_repeated_json_key_is_refused_naming_record_and_key(empty_graph, tmp_path, name, text, position):
    source = tmp_path / name
    source.write_text(text)

    with pytest.raises(MalformedSourceError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert raised.value.source == str(source)
    assert {key: getattr(raised.value, key) for key in position} == position
    assert raised.value.column == "name"
    assert "twice" in raised.value.problem
    if name.endswith(".json"):
        assert "starting on line 3" in raised.value.problem
    assert_no_city_loaded(empty_graph)


def test_a_repeated_key_in_a_nested_object_is_refused_too(empty_graph, tmp_path):
    source = tmp_path / "cities.json"
    source.write_text('[{"id": 1, "name": "Paris", "country_code": "FR", "extra": {"a": 1, "a": 2}}]')

    with pytest.raises(MalformedSourceError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source), ignore_columns=True)

    assert raised.value.record == 1
    assert "'a'" in raised.value.problem


def latin1_on_line(line: int, header: str, row: str, bad: str) -> tuple[bytes, int]:
    """UTF-8 lines (long enough to span several read blocks), then one with a latin-1 byte."""
    good = "".join(row.format(n=n) for n in range(2, line))
    prefix = (header + good).encode("utf-8")
    return prefix + bad.encode("latin-1"), len(prefix) + bad.encode("latin-1").index(b"\xf4")


@pytest.mark.parametrize(
    "name, header, row, bad, position",
    [
        (
            "cities.csv",
            "id,name,country_code\n",
            "{n},Cité number {n} with a long name,FR\n",
            "1501,Côte,FR\n",
            {"line": 1501},
        ),
        (
            "cities.jsonl",
            '{"id": 1, "name": "Cité 1", "country_code": "FR"}\n',
            '{{"id": {n}, "name": "Cité number {n} with a long name", "country_code": "FR"}}\n',
            '{"id": 1501, "name": "Côte", "country_code": "FR"}\n',
            {"line": 1501},
        ),
        (
            "cities.json",
            '[{"id": 1, "name": "Cité 1", "country_code": "FR"}\n',
            ',{{"id": {n}, "name": "Cité number {n} with a long name", "country_code": "FR"}}\n',
            ',{"id": 1501, "name": "Côte", "country_code": "FR"}]\n',
            {"line": 1501},
        ),
    ],
)
def test_a_byte_that_is_not_utf8_is_reported_at_its_true_line_and_offset(
    empty_graph, tmp_path, name, header, row, bad, position
):
    source = tmp_path / name
    data, offset = latin1_on_line(1501, header, row, bad)
    source.write_bytes(data)

    with pytest.raises(MalformedSourceError) as raised:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, source))

    assert {key: getattr(raised.value, key) for key in position} == position
    assert f"byte {offset}" in raised.value.problem
    assert raised.value.problem.startswith("the file is not UTF-8")
    assert_no_city_loaded(empty_graph)


def test_a_binary_file_object_is_located_too(empty_graph):
    data, offset = latin1_on_line(
        1501, "code,name,continent\n", "C{n},Country {n} with a long name,EUROPE\n", "CI,Côte,AFRICA\n"
    )

    with pytest.raises(MalformedSourceError) as raised:
        load_geography(empty_graph, (Country, io.BytesIO(data)), format="csv")

    assert raised.value.line == 1501
    assert f"byte {offset}" in raised.value.problem


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_bare_carriage_return_inside_a_json_lines_record_is_whitespace(empty_graph, tmp_path, ending):
    source = tmp_path / "countries.jsonl"
    source.write_bytes(
        (
            '{"code": "FR",\r"name": "France", "continent": "EUROPE"}'
            + ending
            + '{"code": "CH",\r"name": "Switzerland",\r\r"continent": "EUROPE"}'
            + ending
        ).encode()
    )

    load_geography(empty_graph, (Country, source))

    assert stored_rows(empty_graph, "Geography", "country") == [
        ("FR", "France", "EUROPE", 0),
        ("CH", "Switzerland", "EUROPE", 0),
    ]


def test_json_lines_line_numbers_count_newlines_only(empty_graph, tmp_path):
    source = tmp_path / "countries.jsonl"
    source.write_bytes(
        b'{"code": "FR",\r"name": "France", "continent": "EUROPE"}\r\n{"code": "CH", "name": null, "continent": "EUROPE"}\n'
    )

    with pytest.raises(MissingValueError) as raised:
        load_geography(empty_graph, (Country, source))

    assert (raised.value.line, raised.value.column) == (2, "name")


@pytest.mark.parametrize(
    "method, name, text",
    [
        ("csv", "countries.csv", "code,name,continent,flag\nFR,France,EUROPE,X\n"),
        ("json", "countries.json", '[{"code": "FR", "name": "France", "continent": "EUROPE", "flag": "X"}]'),
        ("jsonl", "countries.jsonl", '{"code": "FR", "name": "France", "continent": "EUROPE", "flag": "X"}\n'),
    ],
)
def test_the_builder_front_refuses_extra_columns_unless_told_to_ignore_them(empty_graph, tmp_path, method, name, text):
    source = tmp_path / name
    source.write_text(text)
    builders = empty_graph.sqlite_builder

    with pytest.raises(UnknownColumnError):
        getattr(builders, method)(Country).build(source)
    assert stored_rows(empty_graph, "Geography", "country") == []

    assert getattr(builders, method)(Country, ignore_columns=True).build(source) == {"country": 1}
    assert stored_rows(empty_graph, "Geography", "country") == [("FR", "France", "EUROPE", 0)]


def test_build_artifact_refuses_extra_columns_unless_told_to_ignore_them(tmp_path):
    from microcosm_sqlite.artifacts import build_artifact
    from tests.support.fixtures import Geography

    target = tmp_path / "geography.db"
    cities = tmp_path / "cities.csv"
    cities.write_text("id,name,country_code,mayor\n1,Paris,FR,someone\n")
    sources = [(Country, DATA / "countries.csv"), (City, cities)]

    with pytest.raises(UnknownColumnError) as raised:
        build_artifact(target, Geography, sources)
    assert raised.value.column == "mayor"
    assert not target.exists()

    info = build_artifact(target, Geography, sources, ignore_columns=True)
    assert info.tables["city"].rows == 1
