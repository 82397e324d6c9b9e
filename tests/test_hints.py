"""
Hints in a service name what its operator can set: the graph's own environment variable for a
dataset's path, spelt as microcosm's environment loader reads it, never a placeholder.

"""

import pytest
from microcosm.api import create_object_graph, load_each, load_from_dict, load_from_environ

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import ArtifactNotFoundError, DataSetNotConfiguredError, NotAnArtifactError
from tests.support.building import build_geography
from tests.support.fixtures import CountryStore, Geography


def service_graph(name, **sqlite):
    return create_object_graph(
        name, testing=True, loader=load_each(load_from_environ, load_from_dict(sqlite={"read_only": True, **sqlite}))
    )


def open_geography(graph):
    with Geography.new_context(graph):
        return CountryStore().count()


def test_an_unconfigured_dataset_names_the_graphs_environment_variable():
    graph = service_graph("reference-service")

    with pytest.raises(DataSetNotConfiguredError) as raised:
        open_geography(graph)

    assert str(raised.value) == (
        "dataset 'Geography': no path is configured and a read-only dataset cannot be an empty in-memory "
        "database; set config sqlite.paths.Geography (environment variable "
        "REFERENCE_SERVICE__SQLITE__PATHS__GEOGRAPHY), or declare a 'microcosm.sqlite' entry point named 'Geography'"
    )


def test_a_missing_artifact_names_the_graphs_environment_variable(tmp_path):
    missing = tmp_path / "geography.db"
    graph = service_graph("reference-service", paths={"Geography": str(missing)})

    with pytest.raises(ArtifactNotFoundError) as raised:
        open_geography(graph)

    assert str(raised.value) == (
        f"dataset 'Geography' ({missing}): the artifact file does not exist; build it, or point config "
        "sqlite.paths.Geography (environment variable REFERENCE_SERVICE__SQLITE__PATHS__GEOGRAPHY) at the shipped file"
    )


def test_a_source_configured_as_the_artifact_is_said_to_be_one(tmp_path):
    source = tmp_path / "country.csv"
    source.write_text("code,name,continent,landlocked\nFR,France,EUROPE,false\n")
    graph = service_graph("reference-service", paths={"Geography": str(source)})

    with pytest.raises(NotAnArtifactError) as raised:
        open_geography(graph)

    assert str(raised.value).startswith(
        f"dataset 'Geography' ({source}): the file is not an SQLite database: it is CSV"
    )
    assert "REFERENCE_SERVICE__SQLITE__PATHS__GEOGRAPHY" in str(raised.value)


def test_the_variable_a_hint_names_configures_the_dataset(tmp_path, monkeypatch):
    graph = service_graph("reference-service")
    with pytest.raises(DataSetNotConfiguredError) as raised:
        open_geography(graph)
    variable = str(raised.value).split("(environment variable ")[1].split(")")[0]
    build_geography(tmp_path / "geography.db")

    monkeypatch.setenv(variable, str(tmp_path / "geography.db"))
    graph = service_graph("reference-service")
    try:
        assert open_geography(graph) == 4
        with Geography.new_context(graph):
            assert CountryStore().one(name="France").code == "FR"
    finally:
        dispose_sqlite_connections(graph)


def test_a_graph_without_a_name_of_its_own_still_names_config(tmp_path):
    # Code that runs the checks outside any graph (a script calling check_artifact_file) gets config words.
    from microcosm_sqlite.artifacts.checks import check_artifact_file

    with pytest.raises(ArtifactNotFoundError, match=r"point config sqlite\.paths\.Geography at the shipped file$"):
        check_artifact_file("Geography", tmp_path / "missing.db")
