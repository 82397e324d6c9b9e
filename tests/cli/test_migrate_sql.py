"""
`microcosm-sqlite migrate-sql`: numbered SQL migrations from the real command line.

"""

import sqlite3
import subprocess

from microcosm_sqlite.cli import main
from tests.support.cli import SCRIPT, cli_runner, run

MODELS = """\
from microcosm_sqlite import DataSet

Notes = DataSet.create("Notes")
"""


def project(tmp_path, **files: str):
    package = tmp_path / "notes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(MODELS)
    folder = tmp_path / "sql"
    folder.mkdir()
    add(tmp_path, **files)
    return tmp_path


def add(tmp_path, **files: str) -> None:
    for name, sql in files.items():
        (tmp_path / "sql" / f"{name}.sql").write_text(sql)


def migrate_sql(cwd, *options):
    return run("migrate-sql", "--path", "notes.db", *options, "notes.models:Notes", "sql", cwd=cwd)


def applied(cwd) -> list[str]:
    with sqlite3.connect(cwd / "notes.db") as connection:
        return [row[0] for row in connection.execute("SELECT name FROM _migrations ORDER BY name")]


CREATE = "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
SEED = "INSERT INTO note (body) VALUES ('first');\n"


def test_check_apply_and_check_again(tmp_path):
    cwd = project(tmp_path, **{"001_create": CREATE, "002_seed": SEED})

    check = migrate_sql(cwd, "--check")
    assert check.returncode == 1
    assert check.stdout.splitlines() == ["pending 001_create.sql", "pending 002_seed.sql"]
    assert "Notes: 2 migration(s) pending" in check.stderr
    assert not (cwd / "notes.db").exists()

    first = migrate_sql(cwd)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["applied 001_create.sql", "applied 002_seed.sql"]
    assert applied(cwd) == ["001_create.sql", "002_seed.sql"]

    second = migrate_sql(cwd)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == ["Notes: no migration to apply"]

    done = migrate_sql(cwd, "--check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Notes: no migration pending"]

    # An applied file edited afterwards fails the check, naming it.
    add(cwd, **{"001_create": CREATE.replace("body", "text")})
    changed = migrate_sql(cwd, "--check")
    assert changed.returncode == 1
    assert "001_create.sql was applied and has changed since" in changed.stderr
    assert "Traceback" not in changed.stderr


def test_a_failing_migration_names_the_file_and_the_sql_error(tmp_path):
    cwd = project(tmp_path, **{"001_create": CREATE, "002_seed": "INSERT INTO nowhere VALUES (1);\n"})

    result = migrate_sql(cwd)

    assert result.returncode == 1
    assert result.stdout.splitlines() == ["applied 001_create.sql"]
    assert "002_seed.sql failed at line 1: no such table: nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    assert applied(cwd) == ["001_create.sql"]


def test_two_commands_at_once_apply_each_file_once(tmp_path):
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT count(*) FROM n;\n"
    files = {"001_create": "CREATE TABLE run (migration TEXT NOT NULL);\n"}
    files.update({f"{n:03}_step": f"{slow}INSERT INTO run VALUES ('{n:03}');\n" for n in range(2, 7)})
    cwd = project(tmp_path, **files)
    command = [str(SCRIPT), "migrate-sql", "--path", "notes.db", "notes.models:Notes", "sql"]

    runners = [
        subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [runner.communicate(timeout=60) for runner in runners]

    assert [runner.returncode for runner in runners] == [0, 0], outputs
    lines = [line for stdout, _ in outputs for line in stdout.splitlines() if line.startswith("applied ")]
    assert sorted(lines) == [f"applied {name}.sql" for name in files]
    with sqlite3.connect(cwd / "notes.db") as connection:
        assert [row[0] for row in connection.execute("SELECT migration FROM run ORDER BY rowid")] == [
            f"{n:03}" for n in range(2, 7)
        ]


def test_a_dataset_with_no_file_is_refused_rather_than_migrated_in_memory(tmp_path):
    # In process (no file is touched, so nothing a subprocess would add): the library's default
    # path is ':memory:', where the files would be applied and lost on exit.
    (tmp_path / "001_create.sql").write_text(CREATE)

    result = cli_runner().invoke(main, ["migrate-sql", "tests.migrations.test_sql_migrations:Notes", str(tmp_path)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "dataset 'Notes': no file is configured" in result.stderr and "--path" in result.stderr
