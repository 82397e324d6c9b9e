"""
`packaged_artifact`: an artifact shipped as package data, read through a graph, whether the
package is installed on disk or imported from a zip.

"""

import hashlib
import importlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import ArtifactNotFoundError, ConfigurationError
from microcosm_sqlite.resources import CACHE_DIR_VARIABLE, cache_dir, packaged_artifact
from tests.support.fixtures import City, Geography
from tests.support.graphs import make_graph

ENTRY_POINT = """
from microcosm_sqlite.resources import packaged_artifact


def geography_path(graph):
    return packaged_artifact(__name__.rpartition(".")[0], "data/geography.db")
"""


@pytest.fixture
def importable(tmp_path, request):
    """Put a folder or zip on sys.path for one test, forgetting what it imported afterwards."""
    added = []

    def add(location: Path) -> None:
        sys.path.insert(0, str(location))
        added.append(str(location))

    loaded = set(sys.modules)
    yield add
    for location in added:
        sys.path.remove(location)
    for name in set(sys.modules) - loaded:
        del sys.modules[name]
    importlib.invalidate_caches()


def package_files(name: str, artifact: Path) -> dict[str, bytes]:
    return {
        f"{name}/__init__.py": b"",
        f"{name}/paths.py": ENTRY_POINT.encode(),
        f"{name}/data/geography.db": artifact.read_bytes(),
    }


def write_tree(root: Path, contents: dict[str, bytes]) -> Path:
    for name, data in contents.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def write_zip(path: Path, contents: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def city_names(path: Path) -> list[str]:
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)
    try:
        with Geography.new_context(graph) as context:
            return sorted(city.name for city in context.session.query(City))
    finally:
        dispose_sqlite_connections(graph)


def test_a_package_on_disk_gives_its_own_file(tmp_path, importable, geography_artifact):
    importable(write_tree(tmp_path / "site", package_files("shipped_on_disk", geography_artifact)))

    path = importlib.import_module("shipped_on_disk.paths").geography_path(graph=None)

    assert path == tmp_path / "site" / "shipped_on_disk" / "data" / "geography.db"
    assert "Paris" in city_names(path)


def test_a_package_in_a_zip_gives_a_cached_copy_keyed_by_content(tmp_path, importable, geography_artifact):
    archive = write_zip(tmp_path / "app.zip", package_files("shipped_in_zip", geography_artifact))
    importable(archive)
    cache = tmp_path / "cache"

    path = packaged_artifact("shipped_in_zip", "data/geography.db", cache=cache)

    digest = hashlib.sha256(geography_artifact.read_bytes()).hexdigest()
    assert path == cache / digest / "geography.db"
    assert path.read_bytes() == geography_artifact.read_bytes()
    assert sorted(str(p.relative_to(cache)) for p in cache.rglob("*")) == [digest, f"{digest}/geography.db"]
    assert "Paris" in city_names(path)


def test_a_cached_copy_is_written_once(tmp_path, importable, geography_artifact):
    importable(write_zip(tmp_path / "app.zip", package_files("shipped_once", geography_artifact)))
    first = packaged_artifact("shipped_once", "data/geography.db", cache=tmp_path / "cache")
    written = first.stat()

    again = packaged_artifact("shipped_once", "data/geography.db", cache=tmp_path / "cache")

    assert again == first
    assert (again.stat().st_ino, again.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


def test_a_new_version_of_the_artifact_gets_a_new_file(tmp_path, importable, geography_artifact):
    contents = package_files("shipped_twice", geography_artifact)
    importable(write_zip(tmp_path / "v1.zip", contents))
    old = packaged_artifact("shipped_twice", "data/geography.db", cache=tmp_path / "cache")
    changed = tmp_path / "changed.db"
    changed.write_bytes(geography_artifact.read_bytes() + b"\0" * 4096)
    write_zip(tmp_path / "v2.zip", package_files("shipped_twice_v2", changed))
    importable(tmp_path / "v2.zip")

    new = packaged_artifact("shipped_twice_v2", "data/geography.db", cache=tmp_path / "cache")

    assert new != old
    assert old.read_bytes() == geography_artifact.read_bytes()
    assert new.read_bytes() == changed.read_bytes()


def test_processes_materialising_at_once_share_one_whole_file(tmp_path, geography_artifact):
    archive = write_zip(tmp_path / "app.zip", package_files("shipped_shared", geography_artifact))
    cache = tmp_path / "cache"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from microcosm_sqlite.resources import packaged_artifact;"
        "print(packaged_artifact('shipped_shared', 'data/geography.db'))"
    )
    env = {**os.environ, CACHE_DIR_VARIABLE: str(cache)}

    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(archive)], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60)[0].strip() for process in processes]

    assert [process.returncode for process in processes] == [0] * 4
    assert len(set(outputs)) == 1
    path = Path(outputs[0])
    assert path.read_bytes() == geography_artifact.read_bytes()
    # No temporary copy left behind by the processes that lost the race.
    assert [p.name for p in path.parent.iterdir()] == ["geography.db"]


def test_a_missing_resource_in_a_zip_is_reported_at_its_place(tmp_path, importable, geography_artifact):
    archive = write_zip(tmp_path / "app.zip", package_files("shipped_missing", geography_artifact))
    importable(archive)

    path = packaged_artifact("shipped_missing", "data/airports.db", cache=tmp_path / "cache")

    with pytest.raises(ArtifactNotFoundError, match=r"app\.zip/shipped_missing/data/airports\.db"):
        city_names(path)
    assert not (tmp_path / "cache").exists()


def test_a_missing_resource_on_disk_is_reported_at_its_place(tmp_path, importable, geography_artifact):
    importable(write_tree(tmp_path / "site", package_files("shipped_absent", geography_artifact)))

    path = packaged_artifact("shipped_absent", "data/airports.db")

    with pytest.raises(ArtifactNotFoundError, match=r"shipped_absent/data/airports\.db"):
        city_names(path)


def test_a_cache_that_cannot_be_written_is_a_configuration_error(tmp_path, importable, geography_artifact):
    importable(write_zip(tmp_path / "app.zip", package_files("shipped_nowhere", geography_artifact)))
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file, not a folder")

    with pytest.raises(ConfigurationError, match=f"into the cache folder {not_a_folder} .*{CACHE_DIR_VARIABLE}"):
        packaged_artifact("shipped_nowhere", "data/geography.db", cache=not_a_folder)


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"

    monkeypatch.delenv(CACHE_DIR_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "microcosm-sqlite" / "artifacts"
