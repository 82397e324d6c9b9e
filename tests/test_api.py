import subprocess
import sys
from pathlib import Path

import microcosm_sqlite


def test_public_names_are_pinned():
    assert microcosm_sqlite.__all__ == sorted(microcosm_sqlite.__all__)
    assert microcosm_sqlite.__all__ == [
        "DataSet",
        "GetOrCreateSession",
        "SQLiteBindFactory",
        "SQLiteBuilder",
        "SQLiteDumper",
        "Store",
        "dispose_sqlite_connections",
    ]
    for name in microcosm_sqlite.__all__:
        assert getattr(microcosm_sqlite, name) is not None


def test_package_is_typed():
    assert (Path(microcosm_sqlite.__file__).parent / "py.typed").exists()


def test_import_needs_neither_pkg_resources_nor_distutils():
    # A fresh interpreter, so modules other tests imported do not hide a dependency.
    code = (
        "import sys, microcosm_sqlite, microcosm_sqlite.factories, microcosm_sqlite.stores;"
        "from microcosm.api import create_object_graph;"
        "create_object_graph('probe', testing=True).sqlite;"
        "print(sorted(m for m in ('pkg_resources', 'distutils') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_sqlite_factory_is_registered_through_entry_points():
    from importlib.metadata import entry_points

    (entry_point,) = [ep for ep in entry_points(group="microcosm.factories") if ep.name == "sqlite"]
    assert entry_point.value == "microcosm_sqlite.factories:SQLiteBindFactory"
