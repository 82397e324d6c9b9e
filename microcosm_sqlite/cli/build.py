"""
`microcosm-sqlite build`: build an artifact from source files, or run build scripts, showing the
rows they load.

"""

import os
import runpy
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from microcosm_sqlite._hints import in_code
from microcosm_sqlite._progress import observing
from microcosm_sqlite.cli.options import FAILED, load_models
from microcosm_sqlite.cli.render import console_for
from microcosm_sqlite.errors import SQLiteError

DEFAULT_SCRIPTS_DIR = Path("build_scripts")

#: The script that, by the datasets' convention, runs all the others: `build` with no SCRIPT does that.
ALL_SCRIPT = "build_all.py"


@click.command(short_help="Build an artifact from source files, or run build scripts.")
@click.argument("arguments", nargs=-1, metavar="[TABLE=FILE]... | [SCRIPT]...")
@click.option(
    "--models",
    "models_spec",
    metavar="MODULE:Base",
    help="The dataset's declarative base: build -o from TABLE=FILE sources, with no script.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="DATASET.db",
    help="The artifact to write (with --models); replaced atomically, only once the build passed every check.",
)
@click.option(
    "--ignore-columns",
    is_flag=True,
    help="Skip source columns the models lack (with --models) instead of refusing them.",
)
@click.option(
    "--scripts-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_SCRIPTS_DIR,
    show_default=True,
    help="Where to find the build scripts when no SCRIPT is given.",
)
def build(
    arguments: tuple[str, ...], models_spec: str | None, output: Path | None, ignore_columns: bool, scripts_dir: Path
) -> None:
    """
    With --models, build the artifact DATASET.db from source files, each loaded into the table
    TABLE (its format from its extension: .csv, .json, .jsonl), exactly as build_artifact() does:
    in a new file beside DATASET.db, checked, then renamed onto it. On bad input the error names
    the file, line and column, and the previous DATASET.db stays as it was.

    Otherwise run build SCRIPTs (default: every build_*.py in the --scripts-dir folder, except
    build_all.py) as `python SCRIPT` would, each importing its own folder's modules afresh.
    A script that raises a library error (bad source value, broken foreign key, ...) is
    reported in one line, and its previous artifact stays as it was; any other exception shows
    its traceback. Either way the other scripts still run, and the command exits 1 if any
    script failed.

    Either way the current directory is importable (as with `python -m`), and the rows loaded
    show as a progress bar with rows/s on a terminal, one plain line per table otherwise.

    \b
    Example:
        microcosm-sqlite build --models myapp.models:Geography -o datasets/geography.db \\
            country=sources/countries.csv city=sources/cities.jsonl
        microcosm-sqlite build                                   # everything in build_scripts/
        microcosm-sqlite build build_scripts/build_airports.py
    """
    importable_working_directory()
    console = console_for(sys.stderr)
    if models_spec is not None or output is not None:
        build_from_sources(console, models_spec, output, arguments, ignore_columns)
        return
    if ignore_columns:
        raise click.UsageError("--ignore-columns applies to a build from sources: give --models and -o too")
    run_scripts(console, script_paths(arguments, scripts_dir))


def build_from_sources(
    console: Console, models_spec: str | None, output: Path | None, arguments: tuple[str, ...], ignore_columns: bool
) -> None:
    """Build `output` from TABLE=FILE `arguments` with the models of `models_spec`."""
    from microcosm_sqlite.artifacts import build_artifact

    if models_spec is None:
        raise click.UsageError("a build from sources needs the models: give --models MODULE:Base")
    if output is None:
        raise click.UsageError("a build from sources needs the artifact to write: give -o DATASET.db")
    if not arguments:
        raise click.UsageError("give the sources to build from, as TABLE=FILE (for example city=sources/city.csv)")
    base = load_models(models_spec)
    sources = [source(base, argument) for argument in arguments]
    started = time.perf_counter()
    with show_progress(console):
        info = build_artifact(output, base, sources, ignore_columns=ignore_columns)
    elapsed = time.perf_counter() - started
    console.print(
        f"{output}: built in {elapsed:.1f} s, {sum(table.rows for table in info.tables.values()):,} rows in "
        f"{len(info.tables)} tables (content hash {info.content_hash[:12]})",
        highlight=False,
        soft_wrap=True,
    )


def source(base: Any, argument: str) -> tuple[Any, Path]:
    """The (model, path) a TABLE=FILE argument names, checked before anything is built."""
    from microcosm_sqlite.builders import formats

    table, equals, file = argument.partition("=")
    if not equals or not table or not file:
        raise click.BadParameter(
            f"{argument!r} is not TABLE=FILE (for example city=sources/city.csv)", param_hint="TABLE=FILE"
        )
    models = {mapper.local_table.name: mapper.class_ for mapper in base.registry.mappers}
    if table not in models:
        raise click.BadParameter(
            f"{argument!r}: the models of --models have no table {table!r} (tables: {', '.join(sorted(models))})",
            param_hint="TABLE=FILE",
        )
    path = Path(file)
    suffixes = sorted(formats())
    if path.suffix.lower() not in suffixes:
        raise click.BadParameter(
            f"{argument!r}: cannot tell the format of {file!r} from its extension (use {', '.join(suffixes)})",
            param_hint="TABLE=FILE",
        )
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise click.BadParameter(f"{argument!r}: the file {file!r} {what}", param_hint="TABLE=FILE")
    return models[table], path


def script_paths(arguments: tuple[str, ...], scripts_dir: Path) -> tuple[Path, ...]:
    """The scripts to run: those given (checked), or every build_*.py of `scripts_dir`."""
    if not arguments:
        scripts = tuple(sorted(path for path in scripts_dir.glob("build_*.py") if path.name != ALL_SCRIPT))
        if not scripts:
            raise click.UsageError(f"no build_*.py scripts in {scripts_dir}/: give SCRIPT or --scripts-dir")
        return scripts
    for argument in arguments:
        if "=" in argument and not Path(argument).exists():
            raise click.UsageError(f"{argument!r} looks like TABLE=FILE: a build from sources needs --models and -o")
    script_type = click.Path(exists=True, dir_okay=False, path_type=Path)
    return tuple(script_type.convert(argument, None, None) for argument in arguments)


def importable_working_directory() -> None:
    """Let models and build scripts import the project's own packages, as `python -m` would."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


def run_scripts(console: Console, scripts: tuple[Path, ...]) -> None:
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
        # The script's author passes keyword arguments, not this command's options: hints say so.
        with in_code():
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
