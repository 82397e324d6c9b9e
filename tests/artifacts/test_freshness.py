import sqlite3

import pytest
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite.artifacts import check_artifact
from microcosm_sqlite.errors import StaleArtifactError
from tests.support.building import build_geography
from tests.support.fixtures import City, CityStore, Country, Geography
from tests.support.graphs import make_graph, write_geography

# The same dataset name with models that changed since the artifact was built.
ChangedGeography = DataSet.create("Geography")


class ChangedCountry(ChangedGeography):
    __tablename__ = "country"

    code = Column(String(2), primary_key=True)
    name = Column(String, nullable=False)


class ChangedCity(ChangedGeography):
    __tablename__ = "city"

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


@pytest.fixture
def sources(tmp_path):
    country, city = tmp_path / "country.csv", tmp_path / "city.csv"
    country.write_text("code,name\nFR,France\n")
    city.write_text("id,name\n1,Paris\n")
    return [(Country, country), (City, city)]


@pytest.fixture
def target(tmp_path, sources):
    path = tmp_path / "geography.db"
    build_geography(path, sources=sources)
    return path


def test_a_fresh_artifact_is_up_to_date(target, sources):
    report = check_artifact(target, Geography, sources)

    assert report.problems == ()
    assert report.up_to_date
    assert report.info.data_set == "Geography"


def test_a_changed_source_is_reported(target, sources):
    sources[1][1].write_text("id,name\n1,Lyon\n")

    report = check_artifact(target, Geography, sources)

    assert not report.up_to_date
    assert len(report.problems) == 1
    assert report.problems[0].startswith("source 'city.csv' (table 'city') changed since the build (sha256 ")


def test_added_removed_and_unreadable_sources_are_reported(tmp_path, target, sources):
    extra = tmp_path / "more.csv"
    extra.write_text("id\n")

    report = check_artifact(target, Geography, [sources[0], (City, extra), (City, tmp_path / "gone.csv")])

    assert report.problems == (
        "source 'more.csv' (table 'city') was not part of the build",
        f"source '{tmp_path / 'gone.csv'}' cannot be read (No such file or directory)",
        "the build used source 'city.csv' (table 'city'), which was not given",
    )


def test_changed_models_are_reported(target):
    report = check_artifact(target, ChangedGeography)

    assert report.problems == ("the schema fingerprint differs from the models': the models changed since the build",)


def test_rows_edited_after_the_build_are_reported(target):
    connection = sqlite3.connect(target)
    connection.execute("UPDATE city SET population = 1 WHERE id = 2")
    connection.commit()
    connection.close()

    assert check_artifact(target, Geography).problems == (
        "table 'city' no longer matches its recorded content hash (edited after the build?)",
    )
    assert check_artifact(target, Geography, verify_content=False).up_to_date


def test_files_that_are_not_artifacts_are_reported(tmp_path):
    foreign = write_geography(tmp_path / "foreign.db")
    text = tmp_path / "text.db"
    text.write_text("hello")

    assert check_artifact(foreign, Geography).problems == (
        "the file has no microcosm-sqlite metadata (it was not built by build_artifact)",
    )
    assert check_artifact(text, Geography).problems == (
        "the file is not an SQLite database: it is text (a source to build an artifact from?)",
    )
    assert check_artifact(tmp_path / "missing.db", Geography).problems == ("the artifact file does not exist",)


def read_cities(path, base=Geography, store=CityStore, **config):
    graph = make_graph(paths={"Geography": str(path)}, read_only=True, **config)
    try:
        with base.new_context(graph):
            return [city.name for city in store().search()]
    finally:
        dispose_sqlite_connections(graph)


def test_runtime_refuses_an_artifact_built_from_other_models(target):
    class ChangedCityStore(CityStore):
        model_class = ChangedCity

        def _order_by(self, query, **kwargs):
            return query

    with pytest.raises(StaleArtifactError) as raised:
        read_cities(target, ChangedGeography, ChangedCityStore)

    assert str(raised.value) == (
        f"dataset 'Geography' ({target}): the artifact was built from other models (its schema fingerprint "
        "differs from the models'); rebuild the artifact with the current models, or deploy "
        "the artifact built for this code"
    )
    assert raised.value.status_code == 500

    # A service whose models knowingly differ (a subset of columns, a new enum member) may opt out;
    # the schema check still guards the tables and columns it reads.
    assert {"Paris", "Lyon"} <= set(read_cities(target, ChangedGeography, ChangedCityStore, refuse_stale=False))


def test_runtime_accepts_current_artifacts_and_files_without_metadata(tmp_path, target):
    assert read_cities(target)[:2] == ["Paris", "Lyon"]
    assert read_cities(write_geography(tmp_path / "foreign.db"))[:2] == ["Paris", "Lyon"]


def test_two_given_sources_with_one_file_name_for_one_table_are_reported(tmp_path, target, sources):
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / "city.csv"
    copy.write_text("id,name\n1,Paris\n")

    report = check_artifact(target, Geography, [*sources, (City, copy)])

    assert not report.up_to_date
    assert report.problems[0] == (
        f"sources {str(sources[1][1])!r}, {str(copy)!r} (table 'city') have the same file name, "
        "which an artifact cannot tell apart"
    )
