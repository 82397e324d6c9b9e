"""
Object graphs for commands that run library code against a dataset.

"""

from pathlib import Path
from typing import Any

from microcosm.api import create_object_graph, load_each, load_from_dict, load_from_environ

#: The graph name commands use by default, so configuration comes from MICROCOSM_SQLITE__... variables.
DEFAULT_GRAPH_NAME = "microcosm_sqlite"


def create_graph(
    graph_name: str,
    data_set: str,
    path: str | Path | None,
    read_only: bool,
    import_name: str | None = None,
    components: dict[str, Any] | None = None,
) -> Any:
    """
    A graph configured like a service's: environment (`<GRAPH_NAME>__SQLITE__...`) and installed
    `microcosm.sqlite` entry points, with `path` (when given) and `read_only` on top. `import_name`
    roots the graph's metadata paths (the `sqlite-migrations` folder); `components` are bound as is.

    """
    sqlite: dict[str, Any] = {"read_only": read_only}
    if path is not None:
        sqlite["paths"] = {data_set: str(path)}
    graph = create_object_graph(
        graph_name,
        import_name=import_name,
        loader=load_each(load_from_environ, load_from_dict(sqlite=sqlite)),
    )
    for key, value in (components or {}).items():
        graph.assign(key, value)
    return graph
