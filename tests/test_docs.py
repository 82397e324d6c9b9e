"""
Every code block of README.md and docs/*.md, run: a wrong example fails here, not in a user's hands.

The convention (which fences run and how) is in tests/support/docs.py. The few blocks that cannot
run in a test are listed below with the reason; each carries the visible marker
`# not run by the docs test: ...` in the document itself.

"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from tests.support import doc_worlds, docs
from tests.support.docs import ROOT, Block, Session
from tests.support.postgres import create_database

#: Blocks that do not run, by document and first command: why each cannot.
NOT_RUN = {
    # make demo rewrites the checkout's datasets/ (tests/reference_data checks those), make test is this suite.
    ("README.md", "make demo"): "it rebuilds the repository's datasets and runs this test suite",
    ("docs/quickstart.md", "pip install"): "it installs from the package index",
    ("docs/datasets.md", "make demo"): "it rebuilds the repository's datasets, as README.md's make demo",
    ("docs/benchmarks.md", "make bench"): "it measures for minutes, in venvs of its own",
    (
        "docs/benchmarks.md",
        "python -m benchmarks.harness",
    ): "it measures for a minute; tests/test_benchmarks.py runs the harness small",
    ("docs/benchmarks.md", "VENV/bin/python -m benchmarks.harness"): "VENV stands for a venv of each SQLAlchemy line",
    ("docs/benchmarks.md", "python -m benchmarks.publish"): "it publishes 1M rows three times to a server it starts",
    ("docs/benchmarks.md", "python -m benchmarks.search"): "it measures searches for minutes",
    ("docs/benchmarks.md", "python -m benchmarks.server_search"): "it measures searches on a server for minutes",
}

#: Blocks that need a change another branch is making: run, and expected to fail until it lands
#: (strict: the test fails once one passes, so that its entry goes).
PENDING: dict[tuple[str, str], str] = {}

#: Documents whose examples run in a copy of this repository (its datasets/ and build_scripts/);
#: the others start in an empty folder, as a new user does.
IN_A_CHECKOUT = {"README.md", "docs/cli.md"}

#: What a block's prose assumes exists (a graph, rows, source files), set up just before it runs.
PRELUDES = {
    ("README.md", "with Planets.new_context(graph)"): doc_worlds.planets,
    ("README.md", "from microcosm_sqlite.artifacts import build_artifact"): doc_worlds.geography_sources,
    ("README.md", "from microcosm_sqlite.cmd import check_migration"): doc_worlds.planets_migrations,
    ("docs/artifacts.md", "from microcosm_sqlite.artifacts import build_artifact"): doc_worlds.geography_sources,
    ("docs/artifacts.md", "microcosm-sqlite verify old.db"): doc_worlds.format_1_artifact,
    ("docs/builders.md", "builder = graph.sqlite_builder.csv("): doc_worlds.writable_geography,
    ("docs/dumpers.md", "with Geography.new_context(graph)"): doc_worlds.paris_and_bern,
    ("docs/cli.md", "cd geo"): doc_worlds.bad_geography_project,
    ("docs/cli.md", "cd fu_project"): doc_worlds.broken_script_project,
    ("docs/cli.md", "cd project"): doc_worlds.airports_project,
    ("docs/cli.md", "microcosm-sqlite migrate-sql --check"): doc_worlds.state_project,
    ("docs/migrations.md", "-- 002_add_etag.sql"): doc_worlds.state_project,
    ("docs/migrations.md", "from microcosm_sqlite.sql_migrations import"): doc_worlds.state_graph,
    ("docs/cli.md", "microcosm-sqlite build --models library.models:Library"): doc_worlds.library_project,
    ("README.md", "git config diff.microcosm-sqlite.textconv"): doc_worlds.git_checkout,
    ("docs/cli.md", "git config diff.microcosm-sqlite.textconv"): doc_worlds.geography_history,
    ("docs/cli.md", 'microcosm-sqlite verify "$DATABASE_URL" --schema airports'): doc_worlds.published_airports_edited,
}

BLOCKS = docs.all_blocks()
DOCUMENT_NAMES = [str(document.relative_to(ROOT)) for document in docs.DOCUMENTS]


def first_command(block: Block) -> str:
    lines = [line for line in block.text.splitlines() if line.strip() and docs.NOT_RUN_MARKER not in line]
    return lines[0].removeprefix("$ ") if lines else ""


def key(block: Block) -> tuple[str, str]:
    return block.where.split(":")[0], first_command(block)


def listed(table: dict[tuple[str, str], str], block: Block) -> str | None:
    document, command = key(block)
    for (listed_document, prefix), reason in table.items():
        if listed_document == document and command.startswith(prefix):
            return reason
    return None


def uses_a_server(document: str) -> bool:
    return any("DATABASE_URL" in block.text for block in BLOCKS if key(block)[0] == document)


def new_session(document: str, tmp_path_factory, request, monkeypatch) -> Session:
    folder = tmp_path_factory.mktemp(Path(document).stem)
    if document in IN_A_CHECKOUT:
        shutil.copytree(ROOT / "datasets", folder / "datasets")
        shutil.copytree(ROOT / "build_scripts", folder / "build_scripts")
    extra: dict[str, str] = {}
    if uses_a_server(document):
        # The document's examples read $DATABASE_URL as a service would: a database of its own
        # on the suite's private server, so that they really publish and read over PostgreSQL.
        url = create_database(request.getfixturevalue("postgres_server"), f"docs_{Path(document).stem}")
        extra["DATABASE_URL"] = url
        monkeypatch.setenv("DATABASE_URL", url)
    session = Session(folder, docs.venv_env(extra))
    # Last on PATH: the machine's own sqlite3 program wins where there is one.
    session.env["PATH"] += ":" + str(docs.sqlite3_shim(tmp_path_factory.mktemp("bin")))
    sys.path.insert(0, str(folder))
    return session


def run_block(block: Block, session: Session) -> None:
    if block.kind == "text":
        docs.check_text(block, session.env)
        if "output" in block.options:
            docs.check_output(block, session)
        return
    prelude = listed(PRELUDES, block)
    if prelude and prelude.__name__ not in session.preludes:
        session.preludes.add(prelude.__name__)
        prelude(session.folder, session.namespace)
    if block.file is not None:
        docs.write_file(block, session)
        return
    if block.kind in docs.DATA_KINDS:
        docs.check_data(block)
        return
    run = {"python": docs.run_python, "sh": docs.run_sh, "console": docs.run_console}[block.kind]
    run(block, session)


# One test per document, its blocks in order: a block uses what the ones before it made, so the
# blocks of a document never part (as they would across pytest-xdist workers as tests of their own).
@pytest.mark.parametrize("document", DOCUMENT_NAMES)
def test_code_blocks(document, tmp_path_factory, request, monkeypatch):
    blocks = [block for block in BLOCKS if key(block)[0] == document]
    for block in blocks:
        assert block.kind in docs.KINDS, (
            f"{block.where}: a fence needs a kind, one of {', '.join(docs.KINDS)} (see tests/support/docs.py)"
        )
        reason = block.not_run_reason
        if reason is not None:
            assert listed(NOT_RUN, block), f"{block.where}: marked not run ({reason}) but not listed in NOT_RUN"
    session = new_session(document, tmp_path_factory, request, monkeypatch)
    try:
        for block in blocks:
            if block.not_run_reason is not None:
                continue
            pending = listed(PENDING, block)
            if not pending:
                run_block(block, session)
                continue
            try:
                run_block(block, session)
            except Exception:
                continue
            pytest.fail(f"{block.where} passes now: remove its PENDING entry ({pending})")
    finally:
        # The document's graphs, and the packages it wrote in its scratch folder, go with it.
        for value in list(session.namespace.values()):
            if type(value).__name__ == "ObjectGraph":
                dispose_sqlite_connections(value)
        docs.restore(session)


def test_every_listed_exception_is_a_block_still_marked():
    marked = {key(block) for block in BLOCKS if block.not_run_reason is not None}
    stale = [entry for entry in NOT_RUN if not any(k[0] == entry[0] and k[1].startswith(entry[1]) for k in marked)]
    assert stale == []


def test_every_pending_block_exists():
    present = {key(block) for block in BLOCKS}
    stale = [entry for entry in PENDING if not any(k[0] == entry[0] and k[1].startswith(entry[1]) for k in present)]
    assert stale == []


def test_the_runner_compares_console_output(tmp_path):
    # The runner itself can fail: a wrong output, a failing command, a wrong exit status.
    session = Session(tmp_path, docs.venv_env())

    def console(text: str) -> Block:
        return Block(ROOT / "README.md", 1, "console", {}, text)

    docs.run_console(console("$ echo hello\nhello\n$ false\n$ echo $?\n1\n"), session)
    docs.run_console(console("$ printf 'a 1.23 s\\nb\\n'\na ... s\nb\n"), session)
    # A line ending in `\\` continues the command, as in the terminal.
    docs.run_console(console("$ echo one \\\n    two\none two\n"), session)
    with pytest.raises(AssertionError, match="expected:\nbye"):
        docs.run_console(console("$ echo hello\nbye\n"), session)
    with pytest.raises(AssertionError, match="failed with status 1"):
        docs.run_console(console("$ false\n"), session)
    with pytest.raises(AssertionError, match="expected:\n2"):
        docs.run_console(console("$ (exit 1)\n$ echo $?\n2\n"), session)
    assert os.listdir(tmp_path) == []


def test_the_runner_refuses_code_hidden_as_text_and_compares_printed_output(tmp_path):
    session = Session(tmp_path, docs.venv_env())

    def block(kind: str, text: str, **options: str) -> Block:
        return Block(ROOT / "README.md", 1, kind, options, text)

    with pytest.raises(AssertionError, match="starts with a command"):
        docs.check_text(block("text", "make demo\n"), session.env)
    with pytest.raises(AssertionError, match="holds prompts"):
        docs.check_text(block("text", "$ microcosm-sqlite --help\n"), session.env)
    docs.check_text(block("text", "BadValueError: dataset 'Geography' ...\n"), session.env)
    docs.run_python(block("python", "print('built', 3, 'rows')\n"), session)
    docs.check_output(block("text", "built ... rows\n", output=""), session)
    with pytest.raises(AssertionError, match="printed"):
        docs.check_output(block("text", "built 4 rows\n", output=""), session)


def test_the_sqlite3_stand_in_prints_as_the_program(tmp_path):
    # The documents' `sqlite3 FILE "SQL"` runs on machines without the program: through the stand-in.
    program = docs.sqlite3_shim(tmp_path) / "sqlite3"
    database = str(tmp_path / "t.db")

    def sqlite3(sql: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([program, database, sql], capture_output=True, text=True, timeout=60)

    assert sqlite3("CREATE TABLE t (k TEXT, v); INSERT INTO t VALUES ('a;b', 1.5), ('c', NULL)").returncode == 0
    assert sqlite3("SELECT k, v FROM t ORDER BY k; SELECT count(*) FROM t").stdout == "a;b|1.5\nc|\n2\n"
    failed = sqlite3("SELECT nope FROM t")
    assert (failed.returncode, failed.stderr) == (1, "Error: no such column: nope\n")
