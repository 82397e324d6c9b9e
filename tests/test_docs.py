"""
Every code block of README.md and docs/*.md, run: a wrong example fails here, not in a user's hands.

The convention (which fences run and how) is in tests/support/docs.py. The few blocks that cannot
run in a test are listed below with the reason; each carries the visible marker
`# not run by the docs test: ...` in the document itself.

"""

import os
import shutil
import sys

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from tests.support import doc_worlds, docs
from tests.support.docs import ROOT, Block, Session

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
}

#: Blocks that need a change another branch is making: run, and expected to fail until it lands
#: (strict, so the entry must go once it passes).
PENDING = {
    ("docs/quickstart.md", "microcosm-sqlite build --models"): "`build --models ... TABLE=FILE` (branch build-errors)",
}

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
}

BLOCKS = docs.all_blocks()


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


_sessions: dict[str, Session] = {}


@pytest.fixture(scope="session")
def sessions():
    yield _sessions
    # The documents' graphs, and the packages they wrote in their scratch folders, go with them.
    for session in _sessions.values():
        for value in list(session.namespace.values()):
            if type(value).__name__ == "ObjectGraph":
                dispose_sqlite_connections(value)
        docs.restore(session)
    _sessions.clear()


def session_for(block: Block, sessions: dict[str, Session], tmp_path_factory) -> Session:
    document = str(block.document.relative_to(ROOT))
    if document not in sessions:
        folder = tmp_path_factory.mktemp(block.document.stem)
        if document in IN_A_CHECKOUT:
            shutil.copytree(ROOT / "datasets", folder / "datasets")
            shutil.copytree(ROOT / "build_scripts", folder / "build_scripts")
        session = Session(folder, docs.venv_env())
        sys.path.insert(0, str(folder))
        sessions[document] = session
    return sessions[document]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.where)
def test_code_block(block, sessions, tmp_path_factory, request):
    assert block.kind in docs.KINDS, (
        f"{block.where}: a fence needs a kind, one of {', '.join(docs.KINDS)} (see tests/support/docs.py)"
    )
    reason = block.not_run_reason
    if reason is not None:
        assert listed(NOT_RUN, block), f"{block.where}: marked not run ({reason}) but not listed in NOT_RUN"
        return
    session = session_for(block, sessions, tmp_path_factory)
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
    pending = listed(PENDING, block)
    if pending:
        request.applymarker(pytest.mark.xfail(reason=f"needs {pending}", strict=True))
    run = {"python": docs.run_python, "sh": docs.run_sh, "console": docs.run_console}[block.kind]
    run(block, session)


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
