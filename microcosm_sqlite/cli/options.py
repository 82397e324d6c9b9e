"""
What the commands share: error translation, option decorators, importing `module:Name` objects.

"""

import errno
import functools
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import import_module
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from microcosm_sqlite._hints import on_command_line

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status when a check fails (usage errors exit 2, as click does).
FAILED = 1


class LibraryError(click.ClickException):
    """A library error, shown as one line on stderr with a non-zero exit and no traceback."""

    exit_code = FAILED

    @classmethod
    def from_error(cls, error: Exception) -> "LibraryError":
        return cls(str(error))


class Group(click.Group):
    """
    A command group whose commands turn library errors into clean `LibraryError`s.

    Commands are named by `module:function` and imported only when used, so that running one
    command does not pay for importing every other (Alembic, the ORM, rich's progress), and
    `--help` lists them from `short_help` without importing any.

    """

    def __init__(
        self,
        *args: Any,
        lazy_commands: dict[str, str] | None = None,
        short_help: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        self.lazy_short_help = dict(short_help or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = self.lazy_commands.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = spec.partition(":")
        command: click.Command = getattr(import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            help_text = self.lazy_short_help.get(name)
            if help_text is None:  # a command without a listed short help: ask the command itself
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                help_text = command.get_short_help_str(limit=formatter.width - 6 - len(name))
            rows.append((name, help_text))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as error:
            # Written before any command runs (--help, --version, a usage message): click lets
            # anything but a closed pipe through as a traceback.
            if not kwargs.get("standalone_mode", True):
                raise
            _os_error(error).show()
            sys.exit(FAILED)

    def invoke(self, ctx: click.Context) -> Any:
        # Imported here rather than at the top: `--help` and `--version` never get this far.
        from microcosm_sqlite.errors import SQLiteError

        try:
            try:
                # Hints in library errors then name this command's options rather than config.
                with on_command_line(_running_command_takes):
                    return super().invoke(ctx)
            finally:
                # Written now, while an error can still be one line: at exit, Python would print
                # a failed flush (a full disk) as "Exception ignored" and exit 120.
                sys.stdout.flush()
        except SQLiteError as error:
            raise LibraryError.from_error(error) from None
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # the reader went away (`| head`): click exits 1 quietly
            raise _os_error(error) from None


def _running_command_takes(option: str) -> bool:
    """Whether the command being run has `option` (`--path`): what library hints may tell its user to pass."""
    context = click.get_current_context(silent=True)
    return context is not None and any(option in parameter.opts for parameter in context.command.params)


def _os_error(error: OSError) -> click.ClickException:
    """
    An operating system error as one line.

    Files the commands write report their own failures (`OutputError`, naming the path), and an
    error naming no file comes from writing standard output (a full disk): what is still buffered
    there would fail again at exit, so it goes to /dev/null instead (the Python docs' advice for
    a broken pipe).

    """
    if error.filename:
        return LibraryError(f"{error.filename}: {error.strerror or error}")
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return LibraryError(f"cannot write to standard output: {error.strerror or error}")


class Location(click.ParamType):
    """
    A dataset's file, or (where `urls` is true) the URL of a published dataset, kept a string: a
    Path folds the '//' of a URL, which then reached the library as a file name, password and all.
    A URL given where only a file will do is one line, its password masked.

    """

    name = "path"

    def __init__(self, urls: bool) -> None:
        self.urls = urls

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str | Path:
        # Imported here: `--help` never converts a value, and must not import SQLAlchemy.
        from microcosm_sqlite._locations import is_url
        from microcosm_sqlite.artifacts.server import masked

        if isinstance(value, Path) or not is_url(str(value)):
            return Path(value)
        if self.urls:
            return str(value)
        command = ctx.command_path if ctx is not None else "this command"
        raise LibraryError(
            f"{masked(str(value))}: {command} reads an SQLite file, not a database URL; "
            "give the artifact's path (publish, verify and search take a URL)"
        )


def artifact_argument(name: str = "artifact", **kwargs: Any) -> Callable[[F], F]:
    """A path argument naming an artifact file; existence and permissions are the library's to check."""
    return click.argument(name, type=Location(urls=False), **kwargs)


def output_option(function: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
        default="-",
        help="Write to FILE instead of standard output.",
    )(function)


@contextmanager
def opened_output(path: Path) -> Iterator[IO[str]]:
    """
    Standard output for "-"; otherwise what `path` names, written as `>` would write it.

    A regular file (or a symlink's target: the link stays a link) is written to a temporary file
    beside it and renamed onto it once all of it is written, so a failed dump never leaves half a
    file that looks whole. Anything else (a FIFO, a device) is opened and written in place: a
    rename would replace the node itself with a regular file. A write that fails (a full disk, a
    reader gone) is one line naming the path.

    """
    if str(path) == "-":
        yield sys.stdout
        return
    target = Path(os.path.realpath(path))
    try:
        opened = _open_in_place(target) if _is_special(target) else _TemporaryOutput(target)
    except OSError as error:
        # What click.File says of a file it cannot open: a usage error, exit status 2.
        raise click.BadParameter(
            f"cannot write {str(path)!r} ({error.strerror})", param_hint="'-o' / '--output'"
        ) from None
    try:
        with opened as output:
            yield output
    except OSError as error:
        if error.filename:
            raise  # not a write to `output` (those name no file): the command's own error
        raise OutputError(f"cannot write {str(path)!r}: {error.strerror or error}") from None


class OutputError(click.ClickException):
    """Writing the output failed part way (a full disk, a closed pipe): one line, exit status 1."""

    exit_code = FAILED


def _is_special(path: Path) -> bool:
    """Whether `path` exists and is not a regular file (a FIFO, a device, a socket)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def _open_in_place(path: Path) -> IO[str]:
    return open(path, "w", encoding="utf-8", newline="")


class _TemporaryOutput:
    """
    A text file written beside `target` and renamed onto it when closed without an error.

    It is created with mode 0o666 less the umask, as `open()` would create `target` (mkstemp's
    0o600 would leave a dump unreadable to the group), or with the mode `target` already has.

    """

    def __init__(self, target: Path) -> None:
        self.target = target
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = None
        for _ in range(100):
            self.temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
            try:
                descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(errno.EEXIST, "no unused temporary name", str(target.parent))
        try:
            if mode is not None:
                os.fchmod(descriptor, mode)
            self.file = os.fdopen(descriptor, "w", encoding="utf-8", newline="")
        except BaseException:
            os.close(descriptor)
            os.unlink(self.temporary)
            raise

    def __enter__(self) -> IO[str]:
        return self.file

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.file.close()
                os.replace(self.temporary, self.target)
            else:
                # The error being raised is the one to report, not a flush failing after it.
                with suppress(OSError):
                    self.file.close()
        finally:
            with suppress(FileNotFoundError):
                os.unlink(self.temporary)


def refuse_to_overwrite(output: Path, *inputs: str | Path | None) -> None:
    """
    A usage error when `-o` names a file the command reads: the output would replace it.

    Symlinks and hard links are followed (`os.path.samefile`), so no name of the file escapes.

    """
    if str(output) == "-":
        return
    for path in inputs:
        if path is not None and _same_file(output, Path(path)):
            raise click.BadParameter(
                f"{str(output)!r} is the artifact being read: writing there would replace it",
                param_hint="'-o' / '--output'",
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        # Either does not exist (yet): the same file only if both names lead to one place.
        return os.path.realpath(a) == os.path.realpath(b)


#: Every output format, as the flags name them (sqlite-utils' names): a table for people, CSV and
#: TSV with a header line, a JSON array, and newline-delimited JSON (one object a line).
FORMATS = ("table", "csv", "tsv", "json", "nl")

#: What `--format` also accepts, for the name the dumpers give JSON lines.
FORMAT_ALIASES = {"jsonl": "nl"}

_FORMAT_HELP = {
    "table": "A table for people (the default on a terminal).",
    "csv": "CSV with a header line.",
    "tsv": "Tab-separated values with a header line.",
    "json": "One JSON array of objects.",
    "nl": "Newline-delimited JSON: one object a line.",
}


def format_options(in_a_pipe: str) -> Callable[[F], F]:
    """
    `--table`, `--csv`, `--tsv`, `--json` and `--nl`, the same on every command that prints rows or
    a report; the command gets `output_format`, None when no flag chose one: `chosen_format` then
    picks a table on a terminal and the command's `in_a_pipe` anywhere else (named in the help). `--format NAME` (hidden) says the
    same in one option, for scripts that build the name.

    """

    def decorate(function: F) -> F:
        for name in reversed(FORMATS):
            text = _FORMAT_HELP[name]
            if name == in_a_pipe and name != "table":
                text = text[:-1] + " (the default when not on a terminal)."
            elif name == in_a_pipe:
                text = "A table for people (the default, on a terminal or not)."
            function = click.option(f"--{name}", "output_format", flag_value=name, default=None, help=text)(function)
        function = click.option(
            "--format",
            "format_name",
            type=click.Choice([*FORMATS, *FORMAT_ALIASES]),
            hidden=True,
            help="The output format by name.",
        )(function)

        @functools.wraps(function)
        def command(*args: Any, output_format: str | None, format_name: str | None, **kwargs: Any) -> Any:
            if format_name is not None:
                output_format = FORMAT_ALIASES.get(format_name, format_name)
            return function(*args, output_format=output_format, **kwargs)

        return command  # type: ignore[return-value]

    return decorate


def chosen_format(output_format: str | None, stream: IO[str], in_a_pipe: str) -> str:
    """The format a command writes to `stream`: the one a flag chose, else a table on a terminal."""
    if output_format is not None:
        return output_format
    return "table" if stream.isatty() else in_a_pipe


def load_object(spec: str, what: str) -> Any:
    """
    Import `module:Name` (the Name may be dotted), as `what` for error messages.

    The working directory is importable, as with `python -m`, so a project's own models and stores
    load without installing the project.

    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise click.BadParameter(f"{spec!r} is not MODULE:NAME (for example airports.stores:AirportStore)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        value: Any = import_module(module_name)
    except ImportError as error:
        raise click.BadParameter(f"cannot import module {module_name!r} for {what} ({error})") from None
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise click.BadParameter(f"module {module_name!r} has no {attribute!r} for {what}") from None
    return value


def load_models(spec: str) -> Any:
    """Import a dataset's declarative base (`DataSet.create(...)`, or any of its models) named `module:Base`."""
    base = load_object(spec, "the models")
    if not hasattr(base, "resolve") or not hasattr(getattr(base, "metadata", None), "tables"):
        raise click.BadParameter(f"{spec!r} is not a dataset base made by DataSet.create", param_hint="--models")
    return base.resolve()
