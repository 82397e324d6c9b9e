import os
import re

import pytest

from tests.support.cli import run

BUILD_SCRIPT = '''\
"""Build datasets/geography.db from datasets/sources/."""
from pathlib import Path

from sqlalchemy import Column, ForeignKey, Integer, String

from microcosm_sqlite import DataSet
from microcosm_sqlite.artifacts import build_artifact

Geography = DataSet.create("Geography")


class Country(Geography):
    __tablename__ = "country"
    code = Column(String(2), primary_key=True)
    name = Column(String, nullable=False)


class City(Geography):
    __tablename__ = "city"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    country_code = Column(String(2), ForeignKey("country.code"), nullable=False)


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent / "datasets"
    build_artifact(
        root / "geography.db",
        Geography,
        sources=[(Country, root / "sources" / "country.csv"), (City, root / "sources" / "city.csv")],
    )
    print("built geography")
'''


@pytest.fixture
def project(tmp_path):
    (tmp_path / "build_scripts").mkdir()
    (tmp_path / "datasets" / "sources").mkdir(parents=True)
    (tmp_path / "build_scripts" / "build_geography.py").write_text(BUILD_SCRIPT)
    (tmp_path / "datasets" / "sources" / "country.csv").write_text("code,name\nFR,France\nCH,Switzerland\n")
    cities = "".join(f"{index},City {index},{'FR' if index % 2 else 'CH'}\n" for index in range(1, 12_001))
    (tmp_path / "datasets" / "sources" / "city.csv").write_text("id,name,country_code\n" + cities)
    return tmp_path


def test_build_runs_every_build_script_with_a_line_per_table(project):
    (project / "build_scripts" / "build_all.py").write_text("raise SystemExit('build_all must not run')\n")

    result = run("build", cwd=project)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "built geography\n"
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"Geography\.country: 2 rows in \d+\.\d\d s \([\d,]+ rows/s\)", lines[0]), lines
    assert re.fullmatch(r"Geography\.city: 12,000 rows in \d+\.\d\d s \([\d,]+ rows/s\)", lines[1]), lines
    assert re.fullmatch(r"build_scripts/build_geography\.py: done in \d+\.\d s", lines[2]), lines
    assert len(lines) == 3
    assert run("verify", project / "datasets" / "geography.db").returncode == 0


def test_build_status_lines_are_whole_in_a_pipe(project):
    long_name = "build_" + "geography_" * 10 + ".py"
    (project / "build_scripts" / "build_geography.py").rename(project / "build_scripts" / long_name)

    result = run("build", cwd=project, env={**os.environ, "COLUMNS": "40"})

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rf"build_scripts/{long_name}: done in \d+\.\d s", result.stderr.splitlines()[-1])


def test_build_one_script_by_path(project):
    result = run("build", "build_scripts/build_geography.py", cwd=project)

    assert result.returncode == 0, result.stderr
    assert (project / "datasets" / "geography.db").exists()


def test_bad_input_fails_in_one_line_and_keeps_the_previous_artifact(project):
    assert run("build", cwd=project).returncode == 0
    artifact = project / "datasets" / "geography.db"
    before = artifact.read_bytes()
    (project / "datasets" / "sources" / "city.csv").write_text("id,name,country_code\n1,Paris,FR\nx,Lyon,FR\n")

    result = run("build", cwd=project)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert "city.csv" in errors[0] and "'x'" in errors[0] and "id" in errors[0]
    assert "build_scripts/build_geography.py: failed (exit status 1)" in result.stderr
    assert "Traceback" not in result.stderr
    assert artifact.read_bytes() == before
    assert sorted(path.name for path in artifact.parent.iterdir()) == ["geography.db", "sources"]


def test_a_script_that_exits_non_zero_fails_the_build(project):
    (project / "build_scripts" / "build_broken.py").write_text("import sys\nsys.exit('the upstream file moved')\n")

    result = run("build", cwd=project)

    assert result.returncode == 1
    assert "the upstream file moved" in result.stderr
    assert "build_scripts/build_broken.py: failed (exit status 1)" in result.stderr
    assert "build_scripts/build_geography.py: done" in result.stderr  # the others still run


def test_build_usage_errors_exit_2(project, tmp_path):
    missing = run("build", "build_scripts/build_nothing.py", cwd=project)
    empty = run("build", "--scripts-dir", tmp_path / "datasets", cwd=project)

    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    assert empty.returncode == 2
    assert "no build_*.py scripts in" in empty.stderr


def test_on_a_terminal_a_progress_bar_shows_rows_and_rows_per_second(project):
    # TTY_COMPATIBLE (rich 14 and later) or FORCE_COLOR (rich 13) makes rich treat the captured
    # stream as a terminal.
    result = run("build", cwd=project, env={**os.environ, "TTY_COMPATIBLE": "1", "FORCE_COLOR": "1", "COLUMNS": "120"})

    assert result.returncode == 0, result.stderr
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr).replace("\r", "\n")
    city = [line for line in screen.splitlines() if "Geography.city" in line]
    assert city and "12,000 rows" in city[-1] and re.search(r"[\d,]+ rows/s", city[-1]), screen
    assert "━" in city[-1]


def test_a_script_that_raises_shows_its_traceback_and_the_others_still_run(project):
    (project / "build_scripts" / "build_aaa.py").write_text(
        "def load():\n    raise RuntimeError('bug in the script')\n\nload()\n"
    )

    result = run("build", cwd=project)

    assert result.returncode == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert "RuntimeError: bug in the script" in result.stderr
    assert 'File "build_scripts/build_aaa.py", line 4, in <module>' in result.stderr
    assert "runpy" not in result.stderr  # the script's frames, not the runner's
    assert "build_scripts/build_aaa.py: failed (exit status 1)" in result.stderr
    assert "build_scripts/build_geography.py: done" in result.stderr
    assert (project / "datasets" / "geography.db").exists()


def test_each_script_imports_the_modules_of_its_own_folder(tmp_path):
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "models.py").write_text(f"NAME = {name!r}\n")
        (folder / "build_it.py").write_text("import models\nprint('models from', models.NAME)\n")

    result = run("build", tmp_path / "one" / "build_it.py", tmp_path / "two" / "build_it.py", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["models from one", "models from two"]


def test_submodules_of_packages_loaded_before_the_script_are_kept(tmp_path, monkeypatch):
    # A script at the root of the library's checkout imports library submodules from its own
    # folder: they must stay single copies, or the command would hold two copies of their classes.
    import importlib
    import sys

    from microcosm_sqlite.cli.build import forget_local_modules

    (tmp_path / "loaded_library").mkdir()
    (tmp_path / "loaded_library" / "__init__.py").write_text("")
    (tmp_path / "loaded_library" / "errors.py").write_text("class Error(Exception): pass\n")
    (tmp_path / "local_models.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        importlib.import_module("loaded_library")
        loaded = set(sys.modules)
        importlib.import_module("loaded_library.errors")
        importlib.import_module("local_models")

        forget_local_modules(tmp_path.resolve(), loaded)

        assert "loaded_library.errors" in sys.modules
        assert "local_models" not in sys.modules
    finally:
        for name in ("loaded_library", "loaded_library.errors", "local_models"):
            sys.modules.pop(name, None)
