"""
Alembic's failures, told as microcosm-sqlite errors that name the dataset and its folder.

"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.script.revision import ResolutionError, RevisionError
from alembic.util import CommandError
from sqlalchemy.exc import DBAPIError

from microcosm_sqlite.errors import (
    MigrationCommandError,
    MigrationError,
    RevisionNotFoundError,
    SQLiteError,
)

HISTORY_HINT = "run `migrate history` to list the dataset's revisions"
UPGRADE_HINT = "run `migrate upgrade head` first, so the file is at the latest revision"


@contextmanager
def alembic_errors(data_set: str, folder: Path) -> Iterator[None]:
    """Turn what Alembic (or SQLite, under a migration) raises into our errors."""
    try:
        yield
    except SQLiteError:
        raise
    except (CommandError, RevisionError) as error:
        raise translate(error, data_set, folder) from None
    except DBAPIError as error:
        raise MigrationError(
            f"a migration failed ({error.orig}); nothing was changed",
            data_set=data_set,
            path=folder,
            hint="fix the revision file that ran last (see the log above), then run it again",
        ) from None


def translate(error: Exception, data_set: str, folder: Path) -> MigrationError:
    """The microcosm-sqlite error for one Alembic error."""
    # Alembic wraps a revision it cannot resolve in a CommandError, keeping it as the cause.
    for candidate in (error, error.__cause__):
        if isinstance(candidate, ResolutionError):
            return RevisionNotFoundError(
                f"no revision matches {candidate.argument!r} ({candidate})",
                data_set=data_set,
                path=folder,
                hint=HISTORY_HINT,
            )
    hint = UPGRADE_HINT if "not up to date" in str(error) else None
    return MigrationCommandError(str(error), data_set=data_set, path=folder, hint=hint)
