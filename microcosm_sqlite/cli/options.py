"""
What the commands share: error translation, option decorators, importing `module:Name` objects.

"""
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import import_module
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from microcosm_sqlite.errors import SQLiteError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status when a check fails (usage errors exit 2, as click does).
FAILED = 1


class LibraryError(click.ClickException):
    """A library error, shown as one line on stderr with a non-zero exit and no traceback."""

    exit_code = FAILED

    @classmethod
    def from_error(cls, error: SQLiteError) -> "LibraryError":
        return cls(str(error))


class Group(click.Group):
    """
    A command group whose commands turn library errors into clean `LibraryError`s.

    Commands are named by `module:function` and imported only when used, so that running one
    command does not pay for importing every other (Alembic, the ORM, rich's progress).

    """

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = self.lazy_commands.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = spec.partition(":")
        command: click.Command = getattr(import_module(module_name), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SQLiteError as error:
            raise LibraryError.from_error(error) from None


def artifact_argument(name: str = "artifact", **kwargs: Any) -> Callable[[F], F]:
    """A path argument naming an artifact file; existence and permissions are the library's to check."""
    return click.argument(name, type=click.Path(dir_okay=True, readable=False, path_type=Path), **kwargs)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables.")(
        function
    )


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
    Standard output for "-"; otherwise a file that appears only once all of it is written.

    The text goes to a temporary file beside `path`, renamed onto it on success and removed on
    failure, so a failed dump never leaves half a file that looks whole.

    """
    if str(path) == "-":
        yield sys.stdout
        return
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        # What click.File says of a file it cannot open: a usage error, exit status 2.
        raise click.BadParameter(
            f"cannot write {str(path)!r} ({error.strerror})", param_hint="'-o' / '--output'"
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as output:
            yield output
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def refuse_to_overwrite(output: Path, *inputs: Path | None) -> None:
    """A usage error when `-o` names a file the command reads: the dump would replace it."""
    if str(output) == "-":
        return
    for path in inputs:
        if path is not None and output.exists() and path.exists() and os.path.samefile(output, path):
            raise click.BadParameter(
                f"{str(output)!r} is the artifact being read: writing there would replace it",
                param_hint="'-o' / '--output'",
            )


def format_option(*choices: str, default: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


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
