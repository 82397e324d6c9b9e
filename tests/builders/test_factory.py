"""
The `graph.sqlite_builder` front: the microcosm-sqlite 2.0 builder API over `load_sources`.

"""

import io
from importlib.metadata import entry_points

import pytest

from microcosm_sqlite.builders.factory import Builder, SQLiteBuilderFactory
from microcosm_sqlite.errors import BrokenForeignKeyError, BuildError, DuplicateKeyError, ReadOnlyDataSetError
from tests.support.fixtures import City, Country, Geography
from tests.support.graphs import DATA, stored_rows


def test_the_builder_factory_is_registered_as_an_entry_point(empty_graph):
    (entry_point,) = entry_points(group="microcosm.factories", name="sqlite_builder")

    assert entry_point.load() is SQLiteBuilderFactory
    assert isinstance(empty_graph.sqlite_builder, SQLiteBuilderFactory)


def test_csv_build_of_one_model_from_a_file_object(empty_graph):
    with open(DATA / "countries.csv", newline="") as countries:
        counts = empty_graph.sqlite_builder.csv(Country).build(countries)

    assert counts == {"country": 4}
    with Country.new_context(empty_graph) as context:
        assert [country.code for country in context.session.query(Country).order_by(Country.name)] == [
            "CA",
            "FR",
            "ML",
            "CH",
        ]


@pytest.mark.parametrize("method, name", [("csv", "cities.csv"), ("json", "cities.json"), ("jsonl", "cities.jsonl")])
def test_every_format_builds_from_an_unnamed_stream(empty_graph, method, name):
    empty_graph.sqlite_builder.csv(Country).build(DATA / "countries.csv")
    stream = io.StringIO((DATA / name).read_text())

    counts = getattr(empty_graph.sqlite_builder, method)(City).build(stream)

    assert counts["city"] == len(stored_rows(empty_graph, "Geography", "city")) > 0


def test_default_and_bulk_return_the_builder(empty_graph):
    builder = empty_graph.sqlite_builder.csv(Geography)

    assert isinstance(builder, Builder)
    assert builder.default(population=0) is builder
    assert builder.bulk() is builder
    assert builder.bulk_mode


def test_bulk_build_loads_children_before_parents_in_one_transaction(empty_graph):
    builder = empty_graph.sqlite_builder.csv(Geography, bulk_mode=True).default(population=1)

    counts = builder.build([(City, DATA / "cities.csv"), (Country, DATA / "countries.csv")])

    assert counts == {"city": 6, "country": 4}
    # The default fills empty population cells of the model that has the column.
    assert stored_rows(empty_graph, "Geography", "city")[-1] == (6, "Paris", "CA", 1, 43.2)


def test_bulk_build_with_a_broken_foreign_key_loads_nothing(empty_graph, tmp_path):
    countries = tmp_path / "countries.csv"
    countries.write_text("code,name,continent\nFR,France,EUROPE\n")

    with pytest.raises(BrokenForeignKeyError, match="row id=3 of table 'city' has country_code='CH'"):
        empty_graph.sqlite_builder.csv(Geography).bulk().build([(City, DATA / "cities.csv"), (Country, countries)])

    assert stored_rows(empty_graph, "Geography", "country") == []
    assert stored_rows(empty_graph, "Geography", "city") == []


def test_bulk_defaults_no_model_has_are_refused(empty_graph):
    builder = empty_graph.sqlite_builder.csv(Geography).bulk().default(capital="Paris")

    with pytest.raises(BuildError, match="default values were given for 'capital', which no model of the build has"):
        builder.build([(Country, DATA / "countries.csv")])


def test_build_shapes_must_match_the_mode(empty_graph):
    with pytest.raises(BuildError, match=r"call \.bulk\(\) first"):
        empty_graph.sqlite_builder.csv(Country).build([(Country, DATA / "countries.csv")])
    with pytest.raises(BuildError, match="a bulk build takes a list of"):
        empty_graph.sqlite_builder.csv(Country).bulk().build(DATA / "countries.csv")


def test_without_delete_before_load_rows_already_there_are_duplicates(empty_graph):
    empty_graph.sqlite_builder.csv(Country).build(DATA / "countries.csv")

    with pytest.raises(DuplicateKeyError, match="a row with name='France' is already in table 'country'"):
        empty_graph.sqlite_builder.csv(Country).build(DATA / "countries.csv")


def test_delete_before_load_replaces_the_rows(empty_graph, tmp_path):
    empty_graph.sqlite_builder.csv(Country).build(DATA / "countries.csv")
    source = tmp_path / "countries.csv"
    source.write_text("code,name,continent\nDE,Germany,EUROPE\n")

    empty_graph.sqlite_builder.csv(Country, delete_before_load=True).build(source)

    assert stored_rows(empty_graph, "Geography", "country") == [("DE", "Germany", "EUROPE", 0)]


def test_a_failed_replacing_build_keeps_the_old_rows(empty_graph, tmp_path):
    empty_graph.sqlite_builder.csv(Country).build(DATA / "countries.csv")
    before = stored_rows(empty_graph, "Geography", "country")
    source = tmp_path / "countries.csv"
    source.write_text("code,name,continent\nDE,Germany,EUROPE\nAT,Austria,EUROP\n")

    with pytest.raises(BuildError):
        empty_graph.sqlite_builder.csv(Country, delete_before_load=True, commit_on_insert=True).build(source)

    assert stored_rows(empty_graph, "Geography", "country") == before


def test_read_only_datasets_refuse_builds(read_only_graph):
    with pytest.raises(ReadOnlyDataSetError, match="cannot build: the dataset is read-only"):
        read_only_graph.sqlite_builder.csv(Country).build(DATA / "countries.csv")


def test_autocommit_datasets_still_build_atomically(tmp_path):
    from microcosm_sqlite import dispose_sqlite_connections
    from tests.support.graphs import make_graph

    graph = make_graph(paths={"Geography": str(tmp_path / "geography.db")}, autocommit=True)
    Geography.create_all(graph)
    source = tmp_path / "countries.csv"
    source.write_text("code,name,continent\nDE,Germany,EUROPE\nAT,Austria,EUROP\n")

    with pytest.raises(BuildError):
        graph.sqlite_builder.csv(Country).build(source)

    assert stored_rows(graph, "Geography", "country") == []
    assert graph.sqlite_builder.csv(Country).build(DATA / "countries.csv") == {"country": 4}
    dispose_sqlite_connections(graph)
