"""
`microcosm-sqlite build`: run build scripts, showing the rows they load.

"""

import runpy
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from microcosm_sqlite._progress import observing
from microcosm_sqlite.cli.options import FAILED
from microcosm_sqlite.cli.render import console_for
from microcosm_sqlite.errors import SQLiteError

DEFAULT_SCRIPTS_DIR = Path("build_scripts")

#: The script that, by the datasets' convention, runs all the others: `build` with no SCRIPT does that.
ALL_SCRIPT = "build_all.py"


@click.command(short_help="Run build scripts, showing rows loaded and rows/s.")
@click.argument("scripts", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--scripts-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_SCRIPTS_DIR,
    show_default=True,
    help="Where to find the build scripts when no SCRIPT is given.",
)
def build(scripts: tuple[Path, ...], scripts_dir: Path) -> None:
    """
    Run build SCRIPTs (default: every build_*.py in build_scripts/, except build_all.py) as
    `python SCRIPT` would, showing the rows each loads: a progress bar with rows/s on a terminal,
    one plain line per table otherwise (CI logs).

    A script that raises a library error (bad source value, broken foreign key, ...) is reported
    in one line, and its previous artifact stays as it was; any other exception shows its
    traceback. Either way the other scripts still run, each importing its own folder's modules
    afresh, and the command exits 1 if any script failed.

    \b
    Example:
        microcosm-sqlite build                                   # everything in build_scripts/
        microcosm-sqlite build build_scripts/build_airports.py
    """
    if not scripts:
        scripts = tuple(sorted(path for path in scripts_dir.glob("build_*.py") if path.name != ALL_SCRIPT))
        if not scripts:
            raise click.UsageError(f"no build_*.py scripts in {scripts_dir}/: give SCRIPT or --scripts-dir")
    console = console_for(sys.stderr)
    failed = 0
    for script in scripts:
        started = time.perf_counter()
        try:
            with show_progress(console):
                status = run_script(script)
        except SQLiteError as error:
            # The same line a failing command prints (click's "Error: " prefix).
            console.print(f"Error: {error}", style="red", highlight=False, soft_wrap=True)
            status = FAILED
        except Exception as error:
            # Any other exception is a bug in the script: its traceback is what its author needs.
            # The remaining scripts still run, as after a library error.
            click.echo(script_traceback(error, script), err=True, nl=False)
            status = FAILED
        elapsed = time.perf_counter() - started
        if status:
            console.print(f"{script}: failed (exit status {status})", highlight=False)
            failed += 1
        else:
            console.print(f"{script}: done in {elapsed:.1f} s", highlight=False)
    if failed:
        raise SystemExit(FAILED)


def run_script(script: Path) -> int:
    """
    Run a script as `python SCRIPT` would (as __main__, its folder importable); its exit status.

    Modules the script imports from its own folder are forgotten afterwards, so that the next
    script imports its own `models.py` rather than reusing this one's, as separate `python`
    runs would.

    """
    argv, path = sys.argv, list(sys.path)
    folder = script.resolve().parent
    loaded = set(sys.modules)
    sys.argv = [str(script)]
    sys.path.insert(0, str(folder))
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exit:
        return exit_status(exit.code)
    finally:
        sys.argv, sys.path[:] = argv, path
        forget_local_modules(folder, loaded)
    return 0


def script_traceback(error: Exception, script: Path) -> str:
    """The traceback of an exception a script raised, from the script's own frame (not the runner's)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != str(script):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))


def forget_local_modules(folder: Path, loaded: set[str]) -> None:
    """
    Drop the modules imported since `loaded` whose file is inside `folder`.

    Submodules of packages that were already loaded (this library, when a script sits at the
    root of its checkout) are kept: a second copy of them would hold a second copy of their
    classes.

    """
    for name in set(sys.modules) - loaded:
        if name.partition(".")[0] in loaded:
            continue
        file = getattr(sys.modules[name], "__file__", None)
        if file is not None and Path(file).resolve().is_relative_to(folder):
            del sys.modules[name]


def exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)  # sys.exit("message") prints the message and exits 1
    return 1


@contextmanager
def show_progress(console: Console) -> Iterator[None]:
    """Observe builders' row reports: a live bar on a terminal, a line per table otherwise."""
    if console.is_terminal:
        with live_progress(console):
            yield
    else:
        with plain_progress(console):
            yield


@contextmanager
def live_progress(console: Console) -> Iterator[None]:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:>12,.0f} rows"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    tasks: dict[tuple[str, str], TaskID] = {}
    with Progress(*columns, console=console, transient=False) as progress:

        def observe(data_set: str, table: str, rows: int) -> None:
            key = (data_set, table)
            if key not in tasks:
                tasks[key] = progress.add_task(f"{data_set}.{table}", total=None, rate="")
            task_id = tasks[key]
            progress.update(task_id, completed=rows)
            speed = progress.tasks[task_id].speed
            progress.update(task_id, rate="" if speed is None else f"{speed:,.0f} rows/s")

        with observing(observe):
            try:
                yield
            finally:
                # Loads never announce their end: a finished script's bars stop as complete.
                for task_id in tasks.values():
                    progress.update(task_id, total=progress.tasks[task_id].completed)


@contextmanager
def plain_progress(console: Console) -> Iterator[None]:
    loads: list[TableLoad] = []

    def flush() -> None:
        if loads:
            console.print(loads.pop().summary(), highlight=False)

    def observe(data_set: str, table: str, rows: int) -> None:
        key = f"{data_set}.{table}"
        if not loads or loads[-1].key != key or rows < loads[-1].rows:
            flush()
            loads.append(TableLoad(key))
        loads[-1].update(rows)

    with observing(observe):
        try:
            yield
        finally:
            flush()


class TableLoad:
    """One table's load as reported so far: rows, and the time from its start to its last batch."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.rows = 0
        self.started = self.last = time.perf_counter()

    def update(self, rows: int) -> None:
        self.rows = rows
        self.last = time.perf_counter()

    def summary(self) -> str:
        elapsed = max(self.last - self.started, 1e-6)
        return f"{self.key}: {self.rows:,} rows in {elapsed:.2f} s ({self.rows / elapsed:,.0f} rows/s)"
