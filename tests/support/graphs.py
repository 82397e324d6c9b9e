"""
Graphs and dataset files the tests share: real SQLite files under tmp_path, built as users build them.

"""

import os
from pathlib import Path

from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite import dispose_sqlite_connections
from tests.support.fixtures import CITIES, COUNTRIES, City, Country, Geography


def make_graph(**sqlite_config):
    return create_object_graph("test", testing=True, loader=load_from_dict(sqlite=sqlite_config))


def write_geography(path: Path, cities=CITIES) -> Path:
    """Build a real Geography file with the writable runtime."""
    graph = make_graph(paths={"Geography": str(path)})
    Geography.create_all(graph)
    with Geography.new_context(graph) as context:
        context.session.add_all([Country(**row) for row in COUNTRIES])
        context.session.add_all([City(**row) for row in cities])
        context.commit()
    dispose_sqlite_connections(graph)
    return path


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def stored_rows(graph, data_set: str, table: str) -> list[tuple]:
    """The rows of a table as SQLite stores them, in insertion order."""
    from sqlalchemy import text

    with graph.sqlite(data_set).engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY rowid"))]


#: Source files the builder tests load.
DATA = Path(__file__).resolve().parent.parent / "data"


def load_geography(graph, *sources, **kwargs) -> dict[str, int]:
    """Load `(model, source)` pairs into the graph's Geography file with `load_sources`."""
    from microcosm_sqlite.builders import load_sources

    return load_sources(graph.sqlite("Geography").engine, sources, data_set="Geography", **kwargs)
