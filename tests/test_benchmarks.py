"""
Smoke test of the benchmark harness itself: 1k rows, our library and the sqlite3 floor only.

Speed is not asserted here (it is measured only by `make bench`); what is checked is that every
script runs, every reader agrees on rows and checksum, and a disagreement fails the run.

"""

import sqlite3
import sys

from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from benchmarks import harness
from benchmarks.data import generate

sys.path.insert(0, str(harness.HERE / "scripts"))

from airports import Airport  # noqa: E402
from common import DDL  # noqa: E402


def run_harness(tmp_path, *extra):
    out = tmp_path / "RESULTS.md"
    arguments = [
        "--sizes",
        "1000",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--contenders",
        "sqlite3,ours",
        "--python",
        sys.executable,
        "--data-dir",
        str(tmp_path / "data"),
        "--build-dir",
        str(tmp_path),
        "--out",
        str(out),
        "--calls",
        "30",
        *extra,
    ]
    return harness.main(arguments), out


def test_harness_runs_every_task_and_writes_the_table(tmp_path):
    status, out = run_harness(tmp_path)
    assert status == 0
    results = out.read_text()
    for row in (
        "| sqlite3 executemany | ",
        "| ours csv().build() | ",
        "| ours search() models | ",
        "| ours search().rows() | ",
        "| ours one(id=...) | ",
        "| bare python | ",
        "| ours | ",
        "| read the file (1 MiB chunks) | ",
        "| ours first use, digest checked | ",
        "| ours first use, check_digest off | ",
        "| sqlite3 EXCEPT, both attached | ",
        "| ours diff_artifacts() | ",
        "| ours --help | ",
        "| ours --version | ",
    ):
        assert row in results
    assert "| lookups ≤ 5x sqlite3 | 1,000 | " in results
    for row in (
        "| sqlite3 same SELECT | ",
        "| ours search() | ",
        "| ours one(), own _order_by | ",
        "| ours one(), own _filter | ",
        "| sqlite3 SELECT by column | ",
        "| sqlite3 import, connect, same SELECTs | ",
    ):
        assert row in results
    # The service workload runs on the shipped artifact and on the generated table alike.
    assert "shipped airports artifact (data: 1,000 rows)" in results
    assert "benchmark table, 1,000 rows" in results
    assert "| small search ≤ 4x sqlite3 | 1,000 | " in results
    assert "| one() by unique column ≤ 3x sqlite3 | 1,000 | " in results
    assert "| digest at first use ≤ 0.5 s per 100 MiB | 1,000 | " in results
    assert "| diff ≤ 3x sqlite3 EXCEPT | 1,000 | " in results
    assert "pending" not in results  # the builder is in this library
    assert "SQLite " + sqlite3.sqlite_version in results
    # Build outputs live in a temporary folder that is removed afterwards.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["RESULTS.md", "data"]


def test_a_reader_that_disagrees_with_the_data_fails_the_run(tmp_path, capsys):
    data = generate(tmp_path / "data", 1000)
    connection = sqlite3.connect(data.db)
    with connection:
        connection.execute("UPDATE airport SET elevation = elevation + 1 WHERE id = 500")
    connection.close()
    status, out = run_harness(tmp_path)
    assert status == 1
    assert not out.exists()
    assert "scan: sqlite3 cursor returned 1000 rows with checksum" in capsys.readouterr().err


def test_stdlib_contenders_create_the_table_the_model_declares():
    assert str(CreateTable(Airport.__table__).compile(dialect=sqlite.dialect())).strip() == DDL


def test_the_search_benchmark_runs_checks_its_answers_and_writes_its_section(tmp_path):
    from benchmarks import search

    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\n## Targets\n\nkept\n\n## Search by words\n\nan older run\n\n## Later\n\nkept too\n"
    )
    arguments = ["--rows", "2000", "--queries", "30", "--like-queries", "3", "--runs", "1", "--build-runs", "1"]
    arguments += ["--data-dir", str(tmp_path / "data"), "--build-dir", str(tmp_path), "--out", str(out)]

    assert search.main(arguments) == 0

    text = out.read_text()
    assert text.startswith("# Benchmark results\n\n## Targets\n\nkept\n\n## Search by words\n")
    assert "an older run" not in text
    assert text.endswith("\n\n## Later\n\nkept too\n")
    assert text.count("## Search by words") == 1
    for target in ("faster than LIKE", "the same FTS5 query through sqlite3", "≤ 2x the artifact", "build with"):
        assert target in text
