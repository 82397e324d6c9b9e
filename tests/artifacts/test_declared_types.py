"""
First use compares the file's declared column types with the models' (by SQLite affinity).

Files made by other tools may declare a column TEXT that the models read as Float: SQLite then keeps
'not-a-float' as it is, and a read-only dataset validates nothing per row, so the value would be
served as is. The declared types are what the first-use check can see cheaply.

"""

import enum
import sqlite3
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    PickleType,
    SmallInteger,
    String,
    Text,
    Time,
    Unicode,
    UnicodeText,
    Uuid,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite.artifacts.affinity import affinity, can_read
from microcosm_sqlite.artifacts.verify import verify_artifact
from microcosm_sqlite.errors import SchemaMismatchError
from microcosm_sqlite.types import EnumType, Truthy
from tests.support.fixtures import CityStore, CountryStore, Geography
from tests.support.graphs import make_graph

#: The Geography schema as another tool might write it, with each column's declared type a slot.
DECLARED = dict(
    code="VARCHAR(2)",
    name="VARCHAR",
    continent="VARCHAR(13)",
    landlocked="BOOLEAN",
    id="INTEGER",
    city_name="VARCHAR",
    country_code="VARCHAR(2)",
    population="INTEGER",
    latitude="FLOAT",
)


def foreign_geography(path, latitude_value=48.85, population_value=2_100_000, landlocked_value=0, **declared):
    """A Geography file written with the stdlib driver, as another tool would, one row per table."""
    types = {**DECLARED, **declared}
    with sqlite3.connect(path) as connection:
        connection.executescript(
            f"""
            CREATE TABLE country (code {types["code"]} PRIMARY KEY, name {types["name"]}, continent {types["continent"]},
                landlocked {types["landlocked"]});
            CREATE TABLE city (id {types["id"]} PRIMARY KEY, name {types["city_name"]},
                country_code {types["country_code"]}, population {types["population"]}, latitude {types["latitude"]});
            """
        )
        connection.execute("INSERT INTO country VALUES ('FR', 'France', 'EUROPE', ?)", (landlocked_value,))
        connection.execute("INSERT INTO city VALUES (1, 'Paris', 'FR', ?, ?)", (population_value, latitude_value))
    connection.close()
    return path


def first_use(path):
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)
    try:
        with Geography.new_context(graph):
            return [(city.name, city.population, city.latitude) for city in CityStore().search()], [
                country.landlocked for country in CountryStore().search()
            ]
    finally:
        dispose_sqlite_connections(graph)


@pytest.mark.parametrize(
    "declared, value, mismatch",
    [
        (
            dict(latitude="TEXT"),
            dict(latitude_value="not-a-float"),
            "city.latitude is TEXT in the file, Float in the model",
        ),
        (
            dict(population="TEXT"),
            dict(population_value="many"),
            "city.population is TEXT in the file, Integer in the model",
        ),
        (
            dict(population="REAL"),
            dict(population_value=2.5),
            "city.population is REAL in the file, Integer in the model",
        ),
        (dict(country_code="INTEGER"), {}, "city.country_code is INTEGER in the file, String in the model"),
        # No CHAR, CLOB or TEXT in the name: NUMERIC affinity, which turns '007' into 7.
        (dict(city_name="STRING"), {}, "city.name is STRING in the file, String in the model"),
        (dict(continent="BLOB"), {}, "country.continent is BLOB in the file, EnumType in the model"),
        (dict(landlocked="BLOB"), {}, "country.landlocked is BLOB in the file, Truthy in the model"),
    ],
    ids=["float-text", "integer-text", "integer-real", "string-integer", "string-numeric", "enum-blob", "truthy-blob"],
)
def test_a_declared_type_the_model_cannot_read_is_a_schema_mismatch(tmp_path, declared, value, mismatch):
    path = foreign_geography(tmp_path / "foreign.db", **declared, **value)

    with pytest.raises(SchemaMismatchError) as raised:
        first_use(path)

    assert str(raised.value) == (
        f"dataset 'Geography' ({path}): the artifact does not match the models (columns of another type: {mismatch}); "
        "rebuild the artifact with the current models, or deploy the artifact built for this code "
        "(for a file made by another tool: declare the models' columns with types that match the file's)"
    )


def test_verify_reports_declared_type_mismatches_with_the_schema(tmp_path):
    path = foreign_geography(tmp_path / "foreign.db", latitude="TEXT", population="TEXT")

    verification = verify_artifact(path, base=Geography)

    assert "schema" not in verification.passed
    assert (
        "columns of another type: city.population is TEXT in the file, Integer in the model, "
        "city.latitude is TEXT in the file, Float in the model" in verification.failures[0]
    )


@pytest.mark.parametrize(
    "declared, value",
    [
        (dict(population="BIGINT", latitude="DOUBLE PRECISION"), {}),
        (dict(population="NUMBER", latitude="NUMERIC(9, 6)"), {}),
        (dict(latitude="INTEGER"), dict(latitude_value=48)),
        (dict(code="TEXT", name="NVARCHAR(100)", continent="CHARACTER(20)", city_name="CLOB"), {}),
        # Truthy reads the text other tools write for booleans.
        (dict(landlocked="TEXT"), dict(landlocked_value="no")),
        # Declared without a type: nothing declared to disagree with, values read as given.
        (dict(population="", latitude=""), {}),
    ],
    ids=["wider-numbers", "numeric", "integer-for-float", "text-spellings", "truthy-text", "untyped"],
)
def test_declared_types_the_model_can_read_are_accepted(tmp_path, declared, value):
    path = foreign_geography(tmp_path / "foreign.db", **declared, **value)

    cities, landlocked = first_use(path)

    assert cities[0][0] == "Paris"
    assert landlocked == [False]


def test_values_are_not_validated_per_row(tmp_path):
    # Documented limit: a column declared without a type holds whatever was written, served as is.
    path = foreign_geography(tmp_path / "foreign.db", latitude="", latitude_value="not-a-float")

    assert first_use(path)[0] == [("Paris", 2_100_000, "not-a-float")]


@pytest.mark.parametrize(
    "declared, expected",
    [
        ("INT", "INTEGER"),
        ("TINYINT", "INTEGER"),
        ("FLOATING POINT", "INTEGER"),  # rule 1 wins: "INT" in "POINT"
        ("VARCHAR(255)", "TEXT"),
        ("NATIVE CHARACTER(70)", "TEXT"),
        ("CLOB", "TEXT"),
        ("BLOB", "BLOB"),
        ("", "BLOB"),
        ("REAL", "REAL"),
        ("DOUBLE PRECISION", "REAL"),
        ("FLOAT", "REAL"),
        ("NUMERIC", "NUMERIC"),
        ("DECIMAL(10,5)", "NUMERIC"),
        ("BOOLEAN", "NUMERIC"),
        ("DATETIME", "NUMERIC"),
        ("STRING", "NUMERIC"),
    ],
)
def test_affinity_follows_sqlites_rules(declared, expected):
    # The examples of https://www.sqlite.org/datatype3.html section 3.1.1, and their pitfalls.
    assert affinity(declared) == expected


class Colour(enum.Enum):
    RED = 1


class Upper(TypeDecorator[str]):
    impl = String
    cache_ok = True


#: Every column type a model may declare, as our builder would write it.
TYPES = [
    Integer(),
    BigInteger(),
    SmallInteger(),
    Float(),
    Double(),
    Numeric(10, 2),
    Boolean(),
    String(),
    String(20),
    Text(),
    Unicode(),
    UnicodeText(),
    Enum(Colour),
    Date(),
    DateTime(),
    Time(),
    Interval(),
    JSON(),
    LargeBinary(),
    PickleType(),
    Uuid(),
    EnumType(Colour),
    Truthy(),
    Upper(),
]


@pytest.mark.parametrize("type_", TYPES, ids=lambda type_: type(type_).__name__)
def test_every_type_reads_the_type_our_builder_declares_for_it(type_):
    assert can_read(type_, type_.compile(dialect=sqlite.dialect()))


def test_a_file_built_from_models_of_every_type_passes_first_use(tmp_path):
    Everything = DataSet.create("Everything")

    columns = {f"c{number}": Column(type_) for number, type_ in enumerate(TYPES)}
    Row = type("Row", (Everything,), {"__tablename__": "row", "id": Column(Integer, primary_key=True), **columns})
    values = [
        1,
        1,
        1,
        1.5,
        1.5,
        1.25,
        True,
        "a",
        "b",
        "c",
        "d",
        "e",
        Colour.RED,
        date(2024, 1, 2),
        datetime(2024, 1, 2, 3, 4),
        time(5, 6),
        timedelta(days=1),
        {"a": [1]},
        b"\x00",
        {"p": 1},
        uuid.uuid4(),
        Colour.RED,
        "yes",
        "f",
    ]
    path = tmp_path / "everything.db"
    writable = make_graph(paths={"Everything": str(path)})
    Everything.create_all(writable)
    with writable.sqlite("Everything").engine.begin() as connection:
        connection.execute(Row.__table__.insert(), [{"id": 1, **{f"c{n}": v for n, v in enumerate(values)}}])
    dispose_sqlite_connections(writable)

    graph = make_graph(paths={"Everything": str(path)}, read_only=True)
    with Everything.new_context(graph) as context:
        row = context.session.get(Row, 1)
    dispose_sqlite_connections(graph)
    assert [getattr(row, f"c{n}") for n in range(len(values))] == [*values[:18], b"\x00", *values[19:22], True, "f"]
