import sqlite3

import pytest

from tests.support.cli import run

MODELS = """\
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet

Airports = DataSet.create("Airports")


class Airport(Airports):
    __tablename__ = "airport"

    iata = Column(String(3), primary_key=True)
    name = Column(String, nullable=False, index=True)
"""


@pytest.fixture
def project(tmp_path):
    """A project whose models live in package `airports`, migrations in airports/sqlite-migrations/."""
    package = tmp_path / "airports"
    (package / "sqlite-migrations" / "Airports").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(MODELS)
    return tmp_path


def migrate(project, *args):
    return run("migrate", "--path", "airports.db", "airports.models:Airports", *args, cwd=project)


def check(project):
    return run("check-migration", "--path", "airports.db", "airports.models:Airports", cwd=project)


def columns(path):
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(airport)")]


def test_the_migration_cycle_from_the_command_line(project):
    assert migrate(project, "revision", "--autogenerate", "-m", "create airports").returncode == 0
    upgrade = migrate(project, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Running upgrade  -> " in upgrade.stderr
    assert check(project).stdout == "Airports: migrations are up to date\n"

    models = project / "airports" / "models.py"
    models.write_text(MODELS + "    elevation_ft = Column(Integer)\n")
    stale = check(project)
    assert stale.returncode == 1
    assert stale.stderr.splitlines() == [
        f"Error: dataset 'Airports' (airports.db): the models need a migration that "
        f"{project / 'airports' / 'sqlite-migrations' / 'Airports'} lacks: add column airport.elevation_ft (INTEGER); "
        "run `migrate revision --autogenerate -m MESSAGE`, review the new file, then `migrate upgrade head`"
    ]

    assert migrate(project, "revision", "--autogenerate", "-m", "add elevation").returncode == 0
    assert migrate(project, "upgrade", "head").returncode == 0
    assert columns(project / "airports.db") == ["iata", "name", "elevation_ft"]
    assert check(project).returncode == 0

    assert migrate(project, "downgrade", "-1").returncode == 0
    assert columns(project / "airports.db") == ["iata", "name"]
    history = migrate(project, "history")
    assert "(head), add elevation" in history.stdout


def test_a_migrations_dir_option_moves_the_folder(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "Airports").mkdir(parents=True)

    result = run(
        "migrate",
        "--path",
        "airports.db",
        "--migrations-dir",
        elsewhere,
        "airports.models:Airports",
        "revision",
        "-m",
        "empty",
        cwd=project,
    )

    assert result.returncode == 0, result.stderr
    assert len(list((elsewhere / "Airports").glob("*_empty.py"))) == 1


def test_migration_errors_are_one_clean_line(project):
    cases = [
        (check(project), "the database file does not exist"),
        (migrate(project, "init", "x"), "`init` is not needed"),
        (migrate(project, "downgrade", "nosuchrev"), "no revision matches 'nosuchrev'"),
        (
            run(
                "check-migration",
                "--migrations-dir",
                project / "nowhere",
                "--path",
                "airports.db",
                "airports.models:Airports",
                cwd=project,
            ),
            "the migrations folder does not exist",
        ),
    ]
    for result, message in cases:
        assert result.returncode == 1, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and message in errors[0], result.stderr
        assert "Traceback" not in result.stderr


def test_migrate_usage_errors_exit_2(project):
    assert migrate(project).returncode == 2
    assert "give an Alembic command" in migrate(project).stderr
    unknown = migrate(project, "frobnicate")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("usage: microcosm-sqlite migrate airports.models:Airports ")
    wrong = run("migrate", "airports.models:Column", "history", cwd=project)
    assert wrong.returncode == 2
    assert "is not a dataset base made by DataSet.create" in wrong.stderr


def test_a_model_stands_for_its_dataset(project):
    assert migrate(project, "revision", "--autogenerate", "-m", "create airports").returncode == 0

    result = run("migrate", "--path", "airports.db", "airports.models:Airport", "upgrade", "head", cwd=project)

    assert result.returncode == 0, result.stderr
    assert columns(project / "airports.db") == ["iata", "name"]
