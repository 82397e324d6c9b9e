import sys
import threading
import time

import pytest
from microcosm.api import create_object_graph, load_from_environ
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import QueuePool

from microcosm_sqlite import GetOrCreateSession, SQLiteBindFactory, dispose_sqlite_connections
from microcosm_sqlite.errors import DataSetNotConfiguredError
from tests.support.building import build_geography
from tests.support.fixtures import CITIES, City, CityStore, Geography
from tests.support.graphs import make_graph


def test_defaults():
    factory = make_graph().sqlite
    assert isinstance(factory, SQLiteBindFactory)
    assert factory.default_path == ":memory:"
    assert factory.read_only is False
    assert factory.options.use_foreign_keys is True
    assert factory.options.immutable is True
    assert factory.options.echo is False
    assert "Geography" not in factory.paths


def test_config_from_environment_strings(monkeypatch, tmp_path):
    monkeypatch.setenv("ENVTEST__SQLITE__READ_ONLY", "True")
    monkeypatch.setenv("ENVTEST__SQLITE__USE_FOREIGN_KEYS", "false")
    monkeypatch.setenv("ENVTEST__SQLITE__IMMUTABLE", "0")
    monkeypatch.setenv("ENVTEST__SQLITE__BUSY_TIMEOUT", "2.5")
    monkeypatch.setenv("ENVTEST__SQLITE__PATHS__GEOGRAPHY", str(tmp_path / "geo.db"))
    factory = create_object_graph("envtest", testing=True, loader=load_from_environ).sqlite
    assert factory.read_only is True
    assert factory.options.use_foreign_keys is False
    assert factory.options.immutable is False
    assert factory.options.busy_timeout == 2.5
    # Environment keys arrive lower-cased; dataset names are class names.
    assert factory["Geography"] == str(tmp_path / "geo.db")
    assert "Geography" in factory


def test_getitem_setitem_and_paths(tmp_path):
    factory = make_graph(paths={"Geography": "/data/geo.db"}).sqlite
    assert factory["Geography"] == "/data/geo.db"
    with pytest.raises(KeyError):
        factory["Unknown"]
    factory["Other"] = tmp_path / "other.db"
    assert factory.paths["Geography"] == "/data/geo.db"
    assert factory.paths["Other"] == str(tmp_path / "other.db")


def test_setitem_points_an_open_dataset_at_the_new_file(tmp_path):
    graph = make_graph(paths={"Geography": str(tmp_path / "a.db")})
    first = graph.sqlite("Geography")
    graph.sqlite["Geography"] = str(tmp_path / "b.db")
    second = graph.sqlite("Geography")
    assert second is not first
    Geography.create_all(graph)
    assert (tmp_path / "b.db").exists()


@pytest.mark.parametrize("read_only", [True, False])
@pytest.mark.parametrize(
    "configured, repointed",
    [("geography", "Geography"), ("geography", "geography"), ("Geography", "geography"), ("GEOGRAPHY", "gEoGrApHy")],
)
def test_repointing_under_another_spelling_reads_the_new_file(tmp_path, configured, repointed, read_only):
    """Config from the environment arrives lower-cased; any spelling of a dataset is that dataset."""
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    build_geography(first)
    build_geography(second, cities=CITIES[:2])
    graph = make_graph(paths={configured: str(first)}, read_only=read_only)
    store = CityStore(get_session=GetOrCreateSession(graph))
    try:
        assert [city.name for city in store.search()] == [city["name"] for city in CITIES]
        kept = store.session

        graph.sqlite[repointed] = str(second)

        assert graph.sqlite["Geography"] == graph.sqlite[configured] == str(second)
        # One dataset, one entry (installed packages may declare other datasets).
        assert [path for name, path in graph.sqlite.paths.items() if name.casefold() == "geography"] == [str(second)]
        assert [city.name for city in store.search()] == ["Paris", "Lyon"]
        assert store.session is not kept
        with Geography.new_context(graph):
            assert [city.name for city in CityStore().search()] == ["Paris", "Lyon"]
        assert graph.sqlite.datasets[configured] is graph.sqlite.datasets["Geography"]
        assert [name for name in graph.sqlite.datasets if name.casefold() == "geography"] == ["Geography"]
    finally:
        dispose_sqlite_connections(graph)


def test_dispose_under_another_spelling_forgets_the_bind(tmp_path):
    build_geography(tmp_path / "geo.db")
    graph = make_graph(paths={"geography": str(tmp_path / "geo.db")}, read_only=True)
    engine = graph.sqlite("Geography").engine
    graph.sqlite.dispose("GEOGRAPHY")
    assert "Geography" not in graph.sqlite.datasets
    assert graph.sqlite("geography").engine is not engine
    assert graph.sqlite("Geography") is graph.sqlite("geography")
    dispose_sqlite_connections(graph)


def test_bind_is_created_once_per_name(tmp_path):
    graph = make_graph(paths={"Geography": str(tmp_path / "geo.db")})
    engine, sessionmaker = graph.sqlite("Geography")
    assert graph.sqlite("Geography") == (engine, sessionmaker)
    assert graph.sqlite.datasets["Geography"].engine is engine
    assert isinstance(engine.pool, QueuePool)


def test_writable_dataset_without_path_is_in_memory():
    graph = make_graph()
    Geography.create_all(graph)
    with Geography.new_context(graph) as context:
        assert context.session.query(City).count() == 0


def test_read_only_dataset_without_path_is_an_error():
    graph = make_graph(read_only=True)
    with pytest.raises(
        DataSetNotConfiguredError, match=r"dataset 'Geography': no path is configured.*sqlite.paths.Geography"
    ):
        graph.sqlite("Geography")


@pytest.mark.parametrize("use_foreign_keys", [True, False])
def test_foreign_keys_follow_config(tmp_path, use_foreign_keys):
    graph = make_graph(paths={"Geography": str(tmp_path / "geo.db")}, use_foreign_keys=use_foreign_keys)
    Geography.create_all(graph)
    with Geography.new_context(graph) as context:
        assert context.session.execute(text("PRAGMA foreign_keys")).scalar() == int(use_foreign_keys)
        context.session.add(City(id=1, name="Nowhere", country_code="XX"))
        if use_foreign_keys:
            with pytest.raises(IntegrityError, match="FOREIGN KEY"):
                context.commit()
        else:
            context.commit()


@pytest.fixture
def entry_point_package(tmp_path, monkeypatch):
    """A real installed distribution (a dist-info on sys.path) declaring dataset paths."""
    site = tmp_path / "site"
    (site / "geo_package-1.0.dist-info").mkdir(parents=True)
    (site / "geo_package-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: geo-package\nVersion: 1.0\n"
    )
    (site / "geo_package-1.0.dist-info" / "entry_points.txt").write_text(
        "[microcosm.sqlite]\nGeography = geo_package:geography_path\nPlanets = geo_package:planets_path\n"
    )
    (site / "geo_package.py").write_text(
        "def geography_path(graph):\n    return '/shipped/' + graph.metadata.name + '/geography.db'\n"
        "def planets_path(graph):\n    return '/shipped/planets.db'\n"
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("geo_package", None)


def test_paths_from_entry_points(entry_point_package):
    """A package declares where its dataset lives; config paths override it."""
    factory = make_graph().sqlite
    assert factory["Geography"] == "/shipped/test/geography.db"
    assert factory["Planets"] == "/shipped/planets.db"

    overridden = make_graph(paths={"Geography": "/elsewhere.db"}).sqlite
    assert overridden.paths["Geography"] == "/elsewhere.db"
    assert overridden.paths["Planets"] == "/shipped/planets.db"
    sys.modules.pop("geo_package", None)


def test_environment_config_overrides_an_entry_point(entry_point_package, monkeypatch):
    # The environment arrives lower-cased ("geography"); it must still beat the entry point "Geography".
    monkeypatch.setenv("ENVTEST__SQLITE__PATHS__GEOGRAPHY", "/from/environment.db")
    factory = create_object_graph("envtest", testing=True, loader=load_from_environ).sqlite
    assert factory["Geography"] == "/from/environment.db"


def test_broken_entry_point_names_itself(entry_point_package):
    (entry_point_package / "geo_package.py").write_text(
        "def geography_path(graph):\n    raise RuntimeError('no disk')\n"
        "def planets_path(graph):\n    return '/shipped/planets.db'\n"
    )
    sys.modules.pop("geo_package", None)
    with pytest.raises(
        DataSetNotConfiguredError,
        match=r"dataset 'Geography': the 'microcosm.sqlite' entry point Geography = geo_package:geography_path "
        r"failed: RuntimeError: no disk; fix or uninstall the package",
    ):
        make_graph().sqlite
    # Config for that dataset means the broken entry point is never called.
    assert make_graph(paths={"Geography": "/ok.db"}).sqlite["Geography"] == "/ok.db"
    sys.modules.pop("geo_package", None)


def test_writer_waits_for_another_writer_instead_of_failing(writable_graph):
    """With a busy timeout, a second writer waits for the lock rather than raising 'database is locked'."""
    first = Geography.new_session(writable_graph)
    first.execute(text("UPDATE city SET population = 1 WHERE id = 1"))  # holds the write lock
    released = threading.Event()

    def release_later():
        time.sleep(0.5)
        first.commit()
        released.set()

    thread = threading.Thread(target=release_later)
    thread.start()
    second = Geography.new_session(writable_graph)
    try:
        second.execute(text("UPDATE city SET population = 2 WHERE id = 1"))
        second.commit()
        assert released.is_set()
        assert second.execute(text("SELECT population FROM city WHERE id = 1")).scalar() == 2
    finally:
        thread.join()
        first.close()
        second.close()
