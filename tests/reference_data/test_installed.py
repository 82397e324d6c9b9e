"""
The example datasets installed as a service installs them: both wheels built from the checkout,
installed (not editable) into a fresh venv, and each shipped dataset read read-only through its
`microcosm.sqlite` entry point, far from the repository.

Offline and quick: the wheels are built with this venv's setuptools (no build isolation) and
installed without their dependencies, which the fresh venv reads from this venv's site-packages
(a `.pth` line: the editable installs there are `.pth` files too, which a path added that way
does not run, so the checkout stays out of sight).

"""

import hashlib
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support.cli import ROOT

EXAMPLE = ROOT / "examples" / "reference_data"

READ_EVERY_DATA_SET = """
import microcosm_sqlite, reference_data
from microcosm_sqlite import dispose_sqlite_connections
from reference_data.airports import Airports, AirportStore
from reference_data.countries import Countries, CountryStore, LanguageStore
from reference_data.demo import create_graph

graph = create_graph()
with Airports.new_context(graph), Countries.new_context(graph):
    print("library", microcosm_sqlite.__file__)
    print("example", reference_data.__file__)
    print("Airports", graph.sqlite["Airports"], AirportStore().count(), AirportStore().one(iata="CDG").name)
    print("Countries", graph.sqlite["Countries"], CountryStore().count(), LanguageStore().count())
dispose_sqlite_connections(graph)
"""


def run(*args: object, cwd: Path, timeout: float = 120, **env: str) -> str:
    completed = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", **env},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def copy_sources(destination: Path) -> tuple[Path, Path]:
    """The library and the example as a fresh clone has them, so that no build output lands in the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", ".*")
    library = destination / "library"
    library.mkdir()
    shutil.copytree(ROOT / "microcosm_sqlite", library / "microcosm_sqlite", ignore=ignore)
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, library / name)
    # The example keeps its place relative to datasets/, which it ships.
    example = library / "examples" / "reference_data"
    shutil.copytree(EXAMPLE, example, ignore=ignore, symlinks=True)
    (library / "datasets").mkdir()
    for artifact in (ROOT / "datasets").glob("*.db"):
        shutil.copy(artifact, library / "datasets" / artifact.name)
    return library, example


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("wheels")
    library, example = copy_sources(folder)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    run(*pip, "--wheel-dir", folder / "dist", library, example, cwd=folder)
    return sorted((folder / "dist").glob("*.whl"))


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheels) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index"]
    run(*pip, *wheels, cwd=venv.parent)
    site_packages = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv).strip()
    )
    (site_packages / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_example_wheel_ships_its_artifacts(wheels):
    (example,) = [wheel for wheel in wheels if wheel.name.startswith("microcosm_sqlite_reference_data-")]
    with zipfile.ZipFile(example) as archive:
        shipped = {name: archive.read(name) for name in archive.namelist() if name.endswith(".db")}

    assert shipped == {
        f"reference_data/datasets/{path.name}": path.read_bytes() for path in sorted((ROOT / "datasets").glob("*.db"))
    }


def test_an_installed_service_reads_every_shipped_dataset_read_only(venv, tmp_path):
    site_packages = next((venv / "lib").glob("python3*/site-packages"))

    lines = run(venv / "bin" / "python", "-c", READ_EVERY_DATA_SET, cwd=tmp_path).splitlines()

    found = dict(line.split(" ", 1) for line in lines)
    assert Path(found["library"]).is_relative_to(site_packages)
    assert Path(found["example"]).is_relative_to(site_packages)
    airports_path, airports, cdg = found["Airports"].split(" ", 2)
    countries_path, countries, languages = found["Countries"].split(" ")
    assert Path(airports_path) == site_packages / "reference_data" / "datasets" / "airports.db"
    assert Path(countries_path) == site_packages / "reference_data" / "datasets" / "countries.db"
    assert (int(airports), cdg) == (28298, "Charles de Gaulle International Airport")
    assert (int(countries), int(languages)) == (249, 7923)
    assert list(tmp_path.iterdir()) == []


def test_the_installed_demo_runs(venv, tmp_path):
    output = run(venv / "bin" / "python", "-m", "reference_data.demo", cwd=tmp_path)

    assert "The 10 highest airports of Nepal (NP)" in output
    assert "│ ZAR      │ Rand" in output


def test_the_example_imported_from_its_wheel_as_a_zip_reads_cached_copies(venv, wheels, tmp_path):
    # A wheel is a zip Python can import from: the artifacts inside it are copied once into the
    # cache folder, under their SHA-256, and read from there.
    (example,) = [wheel for wheel in wheels if wheel.name.startswith("microcosm_sqlite_reference_data-")]
    cache = tmp_path / "cache"

    lines = run(
        venv / "bin" / "python",
        "-c",
        READ_EVERY_DATA_SET,
        cwd=tmp_path,
        PYTHONPATH=str(example),
        MICROCOSM_SQLITE_CACHE_DIR=str(cache),
    ).splitlines()

    found = dict(line.split(" ", 1) for line in lines)
    assert Path(found["example"]).is_relative_to(example)
    airports_path, airports, _ = found["Airports"].split(" ", 2)
    countries_path, countries, _ = found["Countries"].split(" ")
    for path, name in ((airports_path, "airports.db"), (countries_path, "countries.db")):
        shipped = (ROOT / "datasets" / name).read_bytes()
        assert Path(path) == cache / hashlib.sha256(shipped).hexdigest() / name
        assert Path(path).read_bytes() == shipped
    assert (int(airports), int(countries)) == (28298, 249)
