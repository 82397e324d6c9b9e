"""The build scripts' front: rebuild, verify and summarise example artifacts."""

import dataclasses
import io
import os
import re
import shutil
import subprocess
import sys

from rich.console import Console

from reference_data.build import check
from reference_data.paths import SOURCES_DIR
from reference_data.rebuild import rebuild
from reference_data.staging import COUNTRIES
from tests.support.cli import ROOT


def test_rebuild_builds_verifies_and_summarises(tmp_path):
    target = tmp_path / "countries.db"
    output = io.StringIO()

    status = rebuild([dataclasses.replace(COUNTRIES, artifact=target)], Console(file=output, width=200))

    assert status == 0
    assert target.read_bytes() == COUNTRIES.artifact.read_bytes()
    assert "✓ Countries: countries.db built in" in output.getvalue()
    assert "verified up to date" in output.getvalue()
    assert "│ Countries │ subdivision │ 5,046 │" in output.getvalue()


def test_rebuild_reports_a_failed_build_and_keeps_going_no_further(tmp_path):
    broken = dataclasses.replace(
        COUNTRIES,
        artifact=tmp_path / "countries.db",
        upstream=(*COUNTRIES.upstream, (COUNTRIES.upstream[0][0], "missing.json")),
    )
    output = io.StringIO()

    status = rebuild(
        [broken, dataclasses.replace(COUNTRIES, artifact=tmp_path / "never.db")], Console(file=output, width=200)
    )

    assert status == 1
    assert "Countries: build failed" in output.getvalue()
    assert "missing.json" in output.getvalue()
    assert not (tmp_path / "countries.db").exists()
    assert not (tmp_path / "never.db").exists()


def test_rebuild_in_a_pipe_keeps_each_status_line_whole(tmp_path):
    """`make demo | cat`: the status line with its content hash is one line, not folded at 80 columns."""
    script = (
        "import dataclasses, pathlib, sys\n"
        "from reference_data.rebuild import rebuild\n"
        "from reference_data.staging import COUNTRIES\n"
        "sys.exit(rebuild([dataclasses.replace(COUNTRIES, artifact=pathlib.Path(sys.argv[1]))]))\n"
    )

    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "countries.db")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "40"},
    )

    assert completed.returncode == 0, completed.stderr
    whole = re.compile(
        r"✓ Countries: countries.db built in [0-9.]+ s, [0-9,]+ KiB, verified up to date \(content hash [0-9a-f]{12}\)"
    )
    assert [line for line in completed.stdout.splitlines() if whole.fullmatch(line)], completed.stdout


def test_a_build_script_builds_the_datasets_beside_it_not_the_installed_checkouts(tmp_path):
    # The docs run `microcosm-sqlite build` in a copy of the repository: it must never rewrite the
    # checkout the example package is installed from.
    shutil.copytree(ROOT / "build_scripts", tmp_path / "build_scripts")
    shutil.copytree(SOURCES_DIR, tmp_path / "datasets" / "sources")
    committed = COUNTRIES.artifact.stat()

    completed = subprocess.run(
        [sys.executable, "build_scripts/build_countries.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    built = tmp_path / "datasets" / "countries.db"
    assert check(COUNTRIES, path=built, sources_dir=tmp_path / "datasets" / "sources").problems == ()
    assert (COUNTRIES.artifact.stat().st_ino, COUNTRIES.artifact.stat().st_mtime_ns) == (
        committed.st_ino,
        committed.st_mtime_ns,
    )
