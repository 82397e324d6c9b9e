import os
import shlex
import shutil
import sqlite3
import subprocess
from contextlib import closing

from tests.support.building import build_geography
from tests.support.cli import ROOT, SCRIPT, damage, run_script
from tests.support.fixtures import CITIES
from tests.support.graphs import folder_snapshot

#: The one line README.md and docs/cli.md tell users to run.
GIT_CONFIG = 'git config diff.microcosm-sqlite.textconv "microcosm-sqlite textconv"'


def moved_paris():
    return [dict(row, population=2_200_000) if row["id"] == 1 else dict(row) for row in CITIES]


def test_textconv_prints_metadata_then_each_tables_rows_in_key_order(tmp_path):
    info = build_geography(tmp_path / "geography.db", cities=list(reversed(CITIES)))

    result = run_script("textconv", tmp_path / "geography.db")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# metadata"
    assert "data_set: Geography" in lines
    assert f"content_hash: {info.content_hash}" in lines
    city = lines.index("# table city: 6 rows, key (id)")
    assert (
        lines[city + 1]
        == "columns: id INTEGER, name VARCHAR, country_code VARCHAR(2), population INTEGER, latitude FLOAT"
    )
    assert lines[city + 2 : city + 8] == [
        '(1, "Paris", "FR", 2100000, 48.85)',
        '(2, "Lyon", "FR", 520000, 45.76)',
        '(3, "Bern", "CH", 134000, 46.95)',
        '(4, "Bamako", "ML", 2700000, 12.64)',
        '(5, "Toronto", "CA", 2800000, 43.65)',
        '(6, "Paris", "CA", 12000, 43.2)',
    ]
    country = lines.index("# table country: 4 rows, key (code)")
    assert city < country  # tables by name
    assert lines[country + 2] == '("CA", "Canada", "NORTH_AMERICA", 0)'


def test_textconv_is_the_same_for_the_same_content(tmp_path):
    build_geography(tmp_path / "a.db")
    build_geography(tmp_path / "b.db", cities=list(reversed(CITIES)))

    first = run_script("textconv", tmp_path / "a.db")
    second = run_script("textconv", tmp_path / "b.db")

    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_textconv_shows_each_values_type_and_keeps_one_row_per_line(tmp_path):
    path = tmp_path / "plain.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        connection.executemany(
            "INSERT INTO t VALUES (?, ?)",
            [(1, 1), (2, 1.0), (3, "1"), (4, None), (5, b"\x00\xff"), (6, 'two\nlines "quoted"')],
        )

    result = run_script("textconv", path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "# metadata: none (not built by microcosm-sqlite)",
        "",
        "# table t: 6 rows, key (id)",
        "columns: id INTEGER, v",
        "(1, 1)",
        "(2, 1.0)",
        '(3, "1")',
        "(4, NULL)",
        "(5, X'00ff')",
        '(6, "two\\nlines \\"quoted\\"")',
    ]


def test_textconv_of_a_missing_or_damaged_file_is_one_line(tmp_path):
    build_geography(tmp_path / "damaged.db")
    damage(tmp_path / "damaged.db")

    missing = run_script("textconv", tmp_path / "missing.db")
    damaged = run_script("textconv", tmp_path / "damaged.db")

    assert missing.returncode == damaged.returncode == 1
    assert missing.stderr.startswith(f"Error: {tmp_path / 'missing.db'}: ")
    assert damaged.stderr.startswith(f"Error: {tmp_path / 'damaged.db'}: ")
    assert len(missing.stderr.splitlines()) == len(damaged.stderr.splitlines()) == 1


def test_the_git_config_line_is_documented():
    assert GIT_CONFIG in (ROOT / "README.md").read_text()
    assert GIT_CONFIG in (ROOT / "docs" / "cli.md").read_text()
    assert "datasets/*.db diff=microcosm-sqlite" in (ROOT / ".gitattributes").read_text().splitlines()


def test_git_diff_and_log_show_the_rows_that_changed(tmp_path):
    repo = tmp_path / "repo"
    (repo / "datasets").mkdir(parents=True)
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    # The console script found on PATH, as for a user; no global git config read.
    env = {
        "PATH": f"{SCRIPT.parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def git(*args: str) -> str:
        completed = subprocess.run(
            ["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60, check=True
        )
        return completed.stdout

    git("init", "-q")
    subprocess.run(shlex.split(GIT_CONFIG), cwd=repo, env=env, check=True, timeout=60)
    artifact = repo / "datasets" / "geography.db"
    build_geography(artifact)
    git("add", ".")
    git("commit", "-q", "-m", "geography")
    build_geography(artifact, cities=moved_paris())
    built = folder_snapshot(repo / "datasets")

    diff = git("diff")
    git("commit", "-q", "-am", "Paris grew")
    log = git("log", "-p", "-1")

    assert "Binary files" not in diff
    assert '-(1, "Paris", "FR", 2100000, 48.85)' in diff.splitlines()
    assert '+(1, "Paris", "FR", 2200000, 48.85)' in diff.splitlines()
    assert '+(1, "Paris", "FR", 2200000, 48.85)' in log.splitlines()
    # Rows that did not change are not part of the diff.
    assert not [line for line in diff.splitlines() if "Lyon" in line and line[:1] in "+-"]
    assert folder_snapshot(repo / "datasets") == built
