"""
Where a dataset's revision files live: `<migrations dir>/<dataset name>`.

"""

from pathlib import Path
from typing import Any

from microcosm.errors import LockedGraphError, NotBoundError

from microcosm_sqlite.errors import MigrationsNotFoundError

#: The graph component that names the migrations directory, when bound.
MIGRATIONS_DIR_COMPONENT = "sqlite_migrations_dir"

#: The graph metadata path used when the component is not bound.
MIGRATIONS_METADATA_PATH = "sqlite-migrations"

CREATE_HINT = "create it, then run `migrate revision --autogenerate -m MESSAGE` to write the first revision"


def migrations_root(graph: Any, data_set: str) -> Path:
    """The directory holding every dataset's migrations folder."""
    try:
        return Path(getattr(graph, MIGRATIONS_DIR_COMPONENT))
    except (NotBoundError, LockedGraphError):
        pass
    try:
        return Path(graph.metadata.get_path(MIGRATIONS_METADATA_PATH))
    except RuntimeError:
        # microcosm raises RuntimeError when the graph's import name resolves to no module.
        raise MigrationsNotFoundError(
            "no migrations directory is configured",
            data_set=data_set,
            hint=(
                f"bind the graph component {MIGRATIONS_DIR_COMPONENT!r} to a directory, or create the "
                f"graph with an import name or root_path whose {MIGRATIONS_METADATA_PATH!r} folder holds "
                "the migrations"
            ),
        ) from None


def migrations_folder(graph: Any, data_set: str) -> Path:
    """The existing folder of one dataset's revision files."""
    folder = (migrations_root(graph, data_set) / data_set).absolute()
    if not folder.is_dir():
        problem = (
            "the migrations path is not a directory" if folder.exists() else ("the migrations folder does not exist")
        )
        raise MigrationsNotFoundError(problem, data_set=data_set, path=folder, hint=CREATE_HINT)
    return folder
