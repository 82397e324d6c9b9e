"""
`microcosm-sqlite search`: run a real `Store.search()` against an artifact, read-only.

"""

from collections.abc import Generator, Iterable, Sized
from contextlib import ExitStack, closing
from itertools import islice
from pathlib import Path
from typing import Any

import click
from sqlalchemy import inspect as inspect_mapper

from microcosm_sqlite._filters import check_filters
from microcosm_sqlite._word_search import accepted as accepted_words
from microcosm_sqlite.builders import read_text
from microcosm_sqlite.cli.graph import DEFAULT_GRAPH_NAME, create_graph
from microcosm_sqlite.cli.options import (
    Location,
    chosen_format,
    format_options,
    load_object,
    opened_output,
    output_option,
    refuse_to_overwrite,
)
from microcosm_sqlite.cli.render import MAX_TABLE_ROWS, TABLE_LIMIT, cut_short, write_rows
from microcosm_sqlite.dataset import dispose_sqlite_connections
from microcosm_sqlite.errors import SearchNotDeclaredError, UnknownFilterError
from microcosm_sqlite.stores import Store

#: SQLite's LIMIT and OFFSET are signed 64-bit integers.
SQLITE_MAX_INTEGER = 2**63 - 1


@click.command(short_help="Run a Store's search() on an artifact, read-only.")
@click.argument("store_spec", metavar="MODULE:StoreClass")
@click.option(
    "--path",
    type=Location(urls=True),
    help="The artifact, or a published dataset's URL, to search (default: from config).",
)
@click.option(
    "--filter", "filters", multiple=True, metavar="NAME=VALUE", help="A search keyword argument (repeatable)."
)
@click.option("--q", "q", metavar="WORDS", help="Rows matching these words, best match first (plain words).")
@click.option("--match", metavar="FTS5_QUERY", help="Rows matching a raw FTS5 query (column:word, OR, NEAR...).")
@click.option("--prefix", is_flag=True, help="With --q: the last word also matches longer words (autocomplete).")
@click.option("--limit", type=click.IntRange(min=0, max=SQLITE_MAX_INTEGER), help="At most this many rows.")
@click.option("--offset", type=click.IntRange(min=0, max=SQLITE_MAX_INTEGER), help="Skip this many rows first.")
@click.option("--columns", metavar="NAME,...", help="Show only these columns, in this order.")
@format_options(in_a_pipe="csv")
@output_option
@click.option("--graph-name", default=DEFAULT_GRAPH_NAME, show_default=True, help="Graph name for environment config.")
def search(
    store_spec: str,
    path: str | Path | None,
    filters: tuple[str, ...],
    q: str | None,
    match: str | None,
    prefix: bool,
    limit: int | None,
    offset: int | None,
    columns: str | None,
    output_format: str | None,
    output: Path,
    graph_name: str,
) -> None:
    """
    Run STORE's search() on an artifact opened read-only and print the rows it streams.

    Without --path, the dataset's file comes from config, as in a service: the
    <GRAPH_NAME>__SQLITE__PATHS__<DATASET> environment variable or a 'microcosm.sqlite' entry point.
    Filter values are read as the CSV builder reads a cell of the model column of the same name.
    --q searches by words the columns the model declares in __search__ (accents folded, best
    match first unless the store orders its rows itself); --match takes raw FTS5 query syntax.
    On a terminal the rows are a table, of at most 100 rows unless --limit says otherwise and never
    more than 1,000; anywhere else they are CSV. --csv, --tsv, --json and --nl stream every row.

    \b
    Example:
        microcosm-sqlite search myapp.stores:CityStore --path datasets/geography.db \\
            --filter country_code=FR --limit 10 --columns id,name --json
        microcosm-sqlite search reference_data.airports:AirportStore --q "zurich" --limit 3
    """
    store_class = load_object(store_spec, "the store")
    if not (isinstance(store_class, type) and issubclass(store_class, Store)):
        raise click.BadParameter(f"{store_spec!r} is not a Store class", param_hint="MODULE:StoreClass")
    model_class = concrete_model(store_class, store_spec)
    keywords = {name: coerce(model_class, name, value) for name, value in map(split_filter, filters)}
    keywords.update(words(q, match, prefix))
    try:
        store = store_class()
        check_filters(store, keywords, also=accepted_words(store, keywords))
    except SearchNotDeclaredError as error:
        raise click.BadParameter(str(error), param_hint="--q/--match") from None
    except UnknownFilterError as error:
        raise click.BadParameter(str(error), param_hint="--filter") from None
    column_names = chosen_columns(model_class, columns)
    shown_limit = min(TABLE_LIMIT if limit is None else limit, MAX_TABLE_ROWS)
    data_set = model_class.resolve().__name__
    graph = create_graph(graph_name, data_set, path, read_only=True)
    try:
        # The file config resolves to (--path, environment, entry point), as the search will open it.
        refuse_to_overwrite(output, graph.sqlite.path_for(data_set))
        with model_class.new_context(graph), opened_output(output) as stream, ExitStack() as stack:
            store = store_class()
            # Closed inside the session, so that a reader stopping early (a closed pipe) closes the
            # cursor before the connection goes.
            results = store.search(offset=offset, limit=limit, **keywords)
            models = stack.enter_context(closing(streamed(results)))
            chosen = chosen_format(output_format, stream, in_a_pipe="csv")
            names = attributes(model_class, column_names)
            types = [model_class.__table__.c[name].type for name in column_names]
            rows = (tuple(getattr(model, name) for name in names) for model in models)
            if chosen != "table":
                write_rows(stream, chosen, column_names, rows, types=types)
                return
            written = write_rows(stream, chosen, column_names, islice(rows, shown_limit), types=types)
            if written == shown_limit:
                total = count(results, models, written)
                if total > written:
                    click.echo(cut_short(written, total, can_raise_limit=written < MAX_TABLE_ROWS), err=True)
    finally:
        dispose_sqlite_connections(graph)


def words(q: str | None, match: str | None, prefix: bool) -> dict[str, Any]:
    """The search-by-words keywords the options give (none without --q or --match)."""
    if prefix and q is None:
        raise click.BadParameter("--prefix completes the last word of --q: give --q too", param_hint="--prefix")
    given: dict[str, Any] = {name: value for name, value in (("q", q), ("match", match)) if value is not None}
    if prefix:
        given["prefix"] = True
    return given


def concrete_model(store_class: type[Store], store_spec: str) -> Any:
    """The model a store searches (read on an instance, for stores that make it a property)."""
    model_class = store_class().model_class
    if not (isinstance(model_class, type) and hasattr(model_class, "resolve") and hasattr(model_class, "__table__")):
        raise click.BadParameter(
            f"{store_spec!r} is not a concrete store: it has no model_class (a model of a DataSet)",
            param_hint="MODULE:StoreClass",
        )
    return model_class


def count(results: Any, models: Generator[Any, None, None], shown: int) -> int:
    """
    How many rows the search matched, after `shown` were read from `models` (its stream).

    A `SearchResult` counts in SQL (its offset and limit applied); anything else is read to the end.

    """
    if isinstance(results, Sized):
        models.close()
        return len(results)
    return shown + sum(1 for _ in models)


def chosen_columns(model_class: Any, columns: str | None) -> list[str]:
    """The model's column names, or the chosen ones (checked, in the order given)."""
    available = [column.name for column in model_class.__table__.columns]
    if columns is None:
        return available
    chosen = [name.strip() for name in columns.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in available]
    if unknown or not chosen:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'no columns'}: choose from {', '.join(available)}", param_hint="--columns"
        )
    return chosen


def attributes(model_class: Any, column_names: list[str]) -> list[str]:
    """The mapped attribute of each column (models may name an attribute unlike its column)."""
    by_column = {column.name: prop.key for prop in inspect_mapper(model_class).column_attrs for column in prop.columns}
    return [by_column[name] for name in column_names]


def streamed(results: Iterable[Any]) -> Generator[Any, None, None]:
    """The results as a generator, whose close() reaches SQLAlchemy's own (and its cursor)."""
    yield from results


def split_filter(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--filter")
    return name, value


def coerce(model_class: Any, name: str, value: str) -> Any:
    """Convert a filter value to the model column of the same name, as the CSV builder reads a cell."""
    column = inspect_mapper(model_class).columns.get(name)
    if column is None:
        return value  # a keyword the store's own _filter understands
    try:
        return read_text(column.type, value)
    except ValueError as error:
        raise click.BadParameter(f"{error} (column {name!r})", param_hint="--filter") from None
