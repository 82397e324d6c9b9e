"""
Hints in the words of the person reading the error: options on the command line, config in a service.

The same error reaches a build script's author (who passes keyword arguments), a service's
operator (who sets config, often through an environment variable) and a command-line user (who
passes options). The library words its hints through `setting`, `path_setting` and `set_path`;
the command line (`on_command_line`, and `in_code` for the build scripts it runs) and a graph's
`sqlite` component (`in_graph`) say, while they run, who is reading. Context variables carry that,
so threads and asyncio tasks never see each other's reader.

"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "environment_variable",
    "in_code",
    "in_graph",
    "on_command_line",
    "path_setting",
    "reader",
    "set_path",
    "setting",
]

#: While a command runs: whether it takes an option ("--path"). None outside the command line.
_command_options: ContextVar[Callable[[str], bool] | None] = ContextVar("command_options", default=None)

#: While a graph's `sqlite` component opens a dataset: the graph's name, which its environment keys start with.
_graph_name: ContextVar[str | None] = ContextVar("graph_name", default=None)


@contextmanager
def on_command_line(has_option: Callable[[str], bool]) -> Iterator[None]:
    """Word hints for a command's user: `has_option("--path")` says whether the running command takes it."""
    token = _command_options.set(has_option)
    try:
        yield
    finally:
        _command_options.reset(token)


@contextmanager
def in_code() -> Iterator[None]:
    """Word hints for code's author again (a build script the command line runs): keyword arguments and config."""
    token = _command_options.set(None)
    try:
        yield
    finally:
        _command_options.reset(token)


@contextmanager
def in_graph(name: str) -> Iterator[None]:
    """Word hints for the operator of the graph `name`: its environment variables are spelt out."""
    token = _graph_name.set(name)
    try:
        yield
    finally:
        _graph_name.reset(token)


def setting(keyword: str, in_code: str) -> str | None:
    """
    How the reader asks for `keyword`: the running command's option (`--ignore-columns`), or
    `in_code` (`ignore_columns=True`) outside the command line; None when the command has no
    such option, so the hint leaves it out rather than name an argument the reader cannot pass.

    """
    has_option = _command_options.get()
    if has_option is None:
        return in_code
    option = "--" + keyword.replace("_", "-")
    return option if has_option(option) else None


def path_setting(data_set: str | None) -> str | None:
    """
    Where the reader points a dataset at its file: `--path` on the command line, config
    `sqlite.paths.<dataset>` elsewhere, with its environment variable when a graph is opening it;
    None when the reader cannot choose (a command given the file as an argument, a file read
    without a dataset).

    """
    has_option = _command_options.get()
    if has_option is not None:
        return "--path" if has_option("--path") else None
    if data_set is None:
        return None
    config = f"config sqlite.paths.{data_set}"
    graph_name = _graph_name.get()
    if graph_name is None:
        return config
    return f"{config} (environment variable {environment_variable(graph_name, data_set)})"


def reader() -> str:
    """Who reads a dataset's file: the reader's own user on the command line, the service's user elsewhere."""
    return "the service's user" if _command_options.get() is None else "your user"


def set_path(data_set: str, graph_name: str) -> str:
    """
    How the reader gives a dataset of the graph `graph_name` a path: `--path` or the environment
    on the command line (which reads it as a service would), config and its environment variable
    elsewhere.

    """
    variable = environment_variable(graph_name, data_set)
    has_option = _command_options.get()
    if has_option is None:
        return f"set config sqlite.paths.{data_set} (environment variable {variable})"
    option = "pass --path, or " if has_option("--path") else ""
    return f"{option}set the environment variable {variable}"


def environment_variable(graph_name: str, data_set: str) -> str:
    """
    The environment variable that sets a dataset's path in the graph `graph_name`, spelt as
    microcosm's `load_from_environ` reads it: the graph name upper-cased with "-" as "_", then
    the config keys, "__" between them (dataset names are matched case-insensitively).

    """
    return f"{graph_name.upper().replace('-', '_')}__SQLITE__PATHS__{data_set.upper()}"
