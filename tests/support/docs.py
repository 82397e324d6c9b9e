"""
The code blocks of README.md and docs/*.md, read and run as tests/test_docs.py runs them.

The convention, by a fence's info string (the first word is the kind; GitHub shows only that):

- ```python: run. The blocks of one document run in order in one namespace, in the document's
  scratch folder, so a block may use what an earlier one defined.
- ```sh: a shell script, run with `bash -euo pipefail` in the scratch folder; it must succeed.
- ```console: a terminal session. Each `$ ` line is a command (a line ending in `\\` continues it),
  the lines up to the next `$ ` its expected output (stdout and stderr together, as a terminal
  shows them). The commands run in order in one bash session in the scratch folder; the output
  must match, where `...` stands for any text (as in doctest) and trailing spaces do not count.
  A command that fails must be followed by `$ echo $?` showing its status.
- ```text: not code: output, an error message, a file tree, shown for reading. It may not hold a
  `$ ` or `>>> ` prompt, nor start with a command (that is a console, sh or python block).
  ```text output: what the Python block before it prints; it must match, `...` as above.
- ```csv, json, jsonl, ini, toml, sql: data; checked to parse.
- `file=PATH` after the kind (```python file=books/models.py) writes the block to that file in
  the scratch folder instead of running it (Python is compiled, data parsed), for later blocks.

`DOCS_UPDATE=1 pytest tests/test_docs.py` writes the output each console command really printed
into the documents, in place of what they showed, where it differs: review the diff and put back
`...` where the output varies (timings, temporary paths).

Every run block sees the venv's `bin/` first on PATH and a 100-column terminal. The `sqlite3`
program of the examples is the machine's where it has one, else a stand-in (`sqlite3_shim`) that
runs `sqlite3 FILE "SQL"` through Python's sqlite3 module, printing rows as the program does.
A document whose blocks use `$DATABASE_URL` finds it set, in its shell and Python blocks alike, to
a database of its own on the suite's private PostgreSQL server: its examples publish and read
over a real server. The blocks of a document run in order in one test (tests/test_docs.py), so
they stay together under pytest-xdist. Each document
has its scratch folder: empty, or for the documents tests/test_docs.py lists as run in a checkout,
a copy of the repository's `datasets/` and `build_scripts/`.

A block that cannot run in a test (it installs from the internet, or runs the test suite itself)
starts with the visible comment `# not run by the docs test: REASON`, and tests/test_docs.py lists
it with its justification; the test fails on a marked block it does not list.

"""

import configparser
import contextlib
import csv
import importlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

RUN_KINDS = ("python", "sh", "console")
DATA_KINDS = ("csv", "json", "jsonl", "ini", "toml", "sql")
KINDS = (*RUN_KINDS, "text", *DATA_KINDS)

NOT_RUN_MARKER = "not run by the docs test:"

_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>.*)$")
_RECORD = "\x1e"
#: The output of each console command, closed by its exit status.
_STATUS = re.compile(f"{_RECORD}(\\d+){_RECORD}\n")


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    kind: str
    options: dict[str, str]
    text: str

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"

    @property
    def file(self) -> str | None:
        return self.options.get("file")

    @property
    def not_run_reason(self) -> str | None:
        first = self.text.split("\n", 1)[0]
        if NOT_RUN_MARKER in first:
            return first.split(NOT_RUN_MARKER, 1)[1].strip()
        return None


def blocks(document: Path) -> list[Block]:
    """Every fenced block of a Markdown document, its indentation removed."""
    found = []
    lines = document.read_text(encoding="utf-8").split("\n")
    number = 0
    while number < len(lines):
        opening = _FENCE.match(lines[number])
        number += 1
        if not opening:
            continue
        indent = len(opening["indent"])
        words = opening["info"].split()
        kind = words[0] if words else ""
        options = dict(word.split("=", 1) if "=" in word else (word, "") for word in words[1:])
        start = number
        while not lines[number].strip().startswith("```"):
            number += 1
        body = [line[indent:] if line[:indent].strip() == "" else line for line in lines[start:number]]
        found.append(Block(document, start, kind, options, "\n".join(body) + "\n"))
        number += 1
    return found


def all_blocks() -> list[Block]:
    return [block for document in DOCUMENTS for block in blocks(document)]


@dataclass
class Session:
    """One document's run: its scratch folder, the namespace its Python blocks share."""

    folder: Path
    env: dict[str, str]
    namespace: dict[str, object] = field(default_factory=dict)
    #: What the last Python block printed, for a following ```text output block.
    printed: str = ""
    #: Modules of the same names as the document's own, imported before from elsewhere.
    shadowed: dict[str, object] = field(default_factory=dict)
    preludes: set[str] = field(default_factory=set)


def check_text(block: Block, env: dict[str, str]) -> None:
    prompts = [line for line in block.text.splitlines() if line.startswith(("$ ", ">>> "))]
    assert not prompts, f"{block.where}: a text block holds prompts ({prompts[0]!r}): make it console or python"
    words = block.text.split()
    command = shutil.which(words[0], path=env["PATH"]) if words else None
    assert command is None, f"{block.where}: a text block starts with a command ({words[0]}): make it sh or console"


def check_output(block: Block, session: Session) -> None:
    assert matches(block.text, session.printed), (
        f"{block.where}: the block before printed\n{normalise(session.printed)}\nnot\n{normalise(block.text)}"
    )


def check_data(block: Block) -> None:
    text = block.text
    if block.kind == "json":
        json.loads(text)
    elif block.kind == "jsonl":
        for line in text.splitlines():
            if line.strip():
                json.loads(line)
    elif block.kind == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        widths = {len(row) for row in rows if row}
        assert len(widths) == 1, f"{block.where}: rows of different widths {sorted(widths)}"
    elif block.kind == "ini":
        configparser.ConfigParser().read_string(text)
    elif block.kind == "toml":
        tomllib.loads(text)
    elif block.kind == "sql":
        assert sqlite3.complete_statement(text), f"{block.where}: not complete SQL statements"


def write_file(block: Block, session: Session) -> None:
    assert block.file is not None
    if block.kind == "python":
        compile(block.text, block.where, "exec")
    elif block.kind in DATA_KINDS:
        check_data(block)
    target = session.folder / block.file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.text, encoding="utf-8")


def run_python(block: Block, session: Session) -> None:
    code = compile(block.text, block.where, "exec")
    # Earlier blocks may have created packages in the scratch folder since it was last listed.
    importlib.invalidate_caches()
    shadow_modules(session)
    here = os.getcwd()
    os.chdir(session.folder)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, session.namespace)
    finally:
        os.chdir(here)
        session.printed = printed.getvalue()


def shadow_modules(session: Session) -> None:
    """
    Set aside modules of the names the scratch folder defines that were imported from elsewhere
    (another test's `airports`), so that the document imports its own; `restore` puts them back.

    """
    local = {path.stem if path.suffix == ".py" else path.name for path in session.folder.iterdir()}
    for name, module in list(sys.modules.items()):
        top = name.partition(".")[0]
        file = str(getattr(module, "__file__", None) or "")
        if top in local and not file.startswith(str(session.folder)):
            session.shadowed[name] = sys.modules.pop(name)


def restore(session: Session) -> None:
    """Forget the modules the document imported from its folder; give back those it set aside."""
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(session.folder)):
            del sys.modules[name]
    sys.modules.update(session.shadowed)
    if str(session.folder) in sys.path:
        sys.path.remove(str(session.folder))


def run_sh(block: Block, session: Session) -> None:
    completed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.text],
        cwd=session.folder,
        env=session.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, (
        f"{block.where}: exit status {completed.returncode}\n{completed.stdout}{completed.stderr}"
    )


@dataclass(frozen=True)
class Command:
    line: str
    expected: str


def commands(block: Block) -> list[Command]:
    found: list[Command] = []
    lines = block.text.rstrip("\n").split("\n")
    number = 0
    while number < len(lines):
        line = lines[number]
        assert line.startswith("$ "), f"{block.where}: a console block starts with a `$ ` command, not {line!r}"
        command = line[2:]
        while command.endswith("\\"):
            number += 1
            command = command[:-1] + "\n" + lines[number]
        number += 1
        output = []
        while number < len(lines) and not lines[number].startswith("$ "):
            output.append(lines[number])
            number += 1
        found.append(Command(command, "\n".join(output)))
    return found


def run_console(block: Block, session: Session) -> None:
    steps = commands(block)
    script = ["exec 2>&1"]
    for step in steps:
        script.append(step.line.replace("\n", "\\\n"))
        # The status closes the command's output; `(exit N)` gives it back to a following `echo $?`.
        script.append(f"__status=$?; printf '{_RECORD}%d{_RECORD}\\n' \"$__status\"; (exit $__status)")
    completed = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=session.folder,
        env=session.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    parts = _STATUS.split(completed.stdout)
    outputs, statuses = parts[0:-1:2], [int(status) for status in parts[1::2]]
    assert len(statuses) == len(steps), f"{block.where}: the session stopped early\n{completed.stdout}"
    if os.environ.get("DOCS_UPDATE") and any(not matches(s.expected, o) for s, o in zip(steps, outputs)):
        update(
            block,
            [Command(s.line, s.expected if matches(s.expected, o) else normalise(o)) for s, o in zip(steps, outputs)],
        )
    for index, (step, output, status) in enumerate(zip(steps, outputs, statuses)):
        shown = f"{block.where}: $ {step.line}"
        following = steps[index + 1].line if index + 1 < len(steps) else ""
        assert status == 0 or following.strip() == "echo $?", f"{shown}\nfailed with status {status}:\n{output}"
        assert matches(step.expected, output), f"{shown}\nexpected:\n{step.expected}\ngot:\n{normalise(output)}"


def update(block: Block, steps: list[Command]) -> None:
    """Rewrite a console block's expected output in its document (DOCS_UPDATE mode)."""
    # Blocks updated before this one may have moved it: find it again by its text.
    found = [found for found in blocks(block.document) if found.text == block.text][:1]
    if not found:
        return  # a block made up by a test of the runner itself
    (current,) = found
    lines = block.document.read_text(encoding="utf-8").split("\n")
    opening = current.line - 1
    indent = len(lines[opening]) - len(lines[opening].lstrip(" "))
    end = opening + 1
    while not lines[end].strip().startswith("```"):
        end += 1
    body = []
    for step in steps:
        body.append("$ " + step.line.replace("\n", "\\\n"))
        if step.expected:
            body.extend(step.expected.split("\n"))
    lines[opening + 1 : end] = [(" " * indent + line) if line else line for line in body]
    block.document.write_text("\n".join(lines), encoding="utf-8")


def normalise(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.rstrip().split("\n")).strip("\n")


def matches(expected: str, actual: str) -> bool:
    """Whether `actual` is what `expected` shows, `...` standing for any text."""
    expected, actual = normalise(expected), normalise(actual)
    if "..." not in expected:
        return expected == actual
    pattern = ".*?".join(re.escape(piece) for piece in expected.split("..."))
    return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None


def venv_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "COLUMNS": "100",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }
    env.update(extra or {})
    return env


#: `sqlite3 FILE "SQL; ..."` as the documents use the program: each statement in turn, the rows of
#: a query one a line, values separated by `|`, NULL as nothing; an error on stderr, status 1.
_SQLITE3_SHIM = """\
import sqlite3
import sys

connection = sqlite3.connect(sys.argv[1], isolation_level=None)
statement = ""
try:
    for piece in sys.argv[2].split(";"):
        statement += piece + ";"
        if not sqlite3.complete_statement(statement):
            continue
        if statement.strip(" \\n;"):
            for row in connection.execute(statement):
                print("|".join("" if value is None else str(value) for value in row))
        statement = ""
except sqlite3.Error as error:
    sys.exit(f"Error: {error}")
"""


def sqlite3_shim(folder: Path) -> Path:
    """A folder holding a `sqlite3` program good for the documents' uses of it (see above)."""
    program = folder / "sqlite3"
    program.write_text(f"#!{sys.executable}\n{_SQLITE3_SHIM}", encoding="utf-8")
    program.chmod(0o755)
    return folder
