"""
Errors raised by microcosm-sqlite.

Every error carries an HTTP-ish ``status_code`` and ``include_stack_trace = False`` so that
microcosm-flask style error handlers render them without a traceback.

    SQLiteError (500)
    ├── ModelIntegrityError (409)
    │   ├── DuplicateModelError (409)
    │   └── MultipleModelsFoundError (409)
    ├── ModelNotFoundError (404)
    ├── ConfigurationError                 a config setting has a value the library does not accept
    ├── DataSetError (500)                 something is wrong with a dataset or its file
    │   ├── DataSetNotConfiguredError      no path is configured for the dataset
    │   ├── ArtifactNotFoundError          the configured file does not exist
    │   ├── UnreadableArtifactError        the file exists but cannot be read (permission denied)
    │   ├── NotAnArtifactError             the file is not an SQLite database
    │   ├── DamagedArtifactError           the file is truncated, corrupt, or changed since its build
    │   ├── UnsupportedArtifactError       the file is in a form a read-only reader cannot trust (WAL)
    │   ├── SchemaMismatchError            the file's tables or columns do not match the models
    │   ├── TableNotFoundError             the file has no table of the requested name
    │   ├── StaleArtifactError             the file was built from other models or sources
    │   ├── MalformedMetadataError         the file's metadata table is damaged or another tool's
    │   ├── ReadOnlyDataSetError           a write was attempted on a read-only dataset
    │   └── ServerError                    a dataset's PostgreSQL server cannot serve it
    │       ├── DriverNotInstalledError    psycopg 3 (the postgres extra) is not installed
    │       ├── ServerConnectionError      the server cannot be reached or refused the login
    │       │   ├── ServerUnreachableError     no server answers at the URL, or it takes no connection now
    │       │   └── ServerAuthenticationError  the server refused the URL's user or password
    │       ├── SchemaNotFoundError        the database has no schema of the dataset: nothing published there
    │       └── PublishError               a publish to a server stopped; the published dataset is as it was
    ├── BuildError (422)                   a build stopped on bad input; nothing of it was kept
    │   ├── MalformedSourceError           the source is not valid CSV / JSON / JSON Lines
    │   ├── MissingColumnError             the source lacks a column the model requires
    │   ├── UnknownColumnError             the source has a column the model lacks
    │   ├── MissingValueError              a required value is empty, null or absent
    │   ├── BadValueError                  a value cannot be read as its column's type
    │   ├── DuplicateKeyError (409)        a row repeats a primary or unique key
    │   ├── BrokenForeignKeyError (409)    a row refers to a parent row that does not exist
    │   ├── SourceNotFoundError            a source file cannot be read
    │   └── ArtifactCheckError             a finished artifact failed SQLite's integrity check
    ├── NoSessionError                     a store was used with no session open for its dataset
    ├── UnknownFilterError (400)           a store was given a keyword that nothing of it uses
    ├── SearchError (400)                  a search by words cannot run as asked
    │   ├── SearchDeclarationError (500)   a model's __search__ names an unknown column or a bad weight
    │   ├── SearchNotDeclaredError         q= or match= on a store whose model declares no __search__
    │   ├── SearchSyntaxError              match= is not valid FTS5 query syntax
    │   └── SearchNotSupportedError (501)  match= on PostgreSQL; q=, match= on other databases
    ├── FilterValueError (400)             a store filter's value is not one its column can hold
    ├── StoredValueError                   a value in the file cannot be read as its column's type
    ├── DumpError                          a dump was asked for fields or header labels it cannot write
    └── MigrationError (500)               a dataset's migrations cannot run as asked
        ├── MigrationsNotFoundError        the migrations folder is not configured or does not exist
        ├── MigrationCommandError          Alembic refused the command or its arguments
        ├── RevisionNotFoundError          a revision id names no migration in the folder
        ├── IrreversibleMigrationError     a forward-only migration was asked to downgrade
        ├── StaleDBError                   the models need a migration that does not exist yet
        └── MigrationFileError             the numbered .sql migration files cannot run as they are
            ├── AppliedMigrationChangedError   an applied file was changed, renamed or deleted
            ├── MigrationNumberingError        a file is misnamed, or a number is missing or repeated
            └── MigrationFailedError           a file's SQL failed: that file was rolled back, the run stopped

Messages name the dataset and the path (for a dataset on a server, its URL with the password
masked) and say what to do next: DataSetError and MigrationError
share that format through a private base, _DataSetProblem (`data_set`, `path`, `problem`, `hint`).
A file read without models has no dataset (`data_set` is None): its path alone names it.

"""

from __future__ import annotations

from os import PathLike
from typing import Any

__all__ = [
    "AppliedMigrationChangedError",
    "ArtifactCheckError",
    "ArtifactNotFoundError",
    "BadValueError",
    "BrokenForeignKeyError",
    "BuildError",
    "ConfigurationError",
    "DamagedArtifactError",
    "DataSetError",
    "DataSetNotConfiguredError",
    "DriverNotInstalledError",
    "DumpError",
    "DuplicateKeyError",
    "DuplicateModelError",
    "FilterValueError",
    "IrreversibleMigrationError",
    "MalformedMetadataError",
    "MalformedSourceError",
    "MigrationCommandError",
    "MigrationError",
    "MigrationFailedError",
    "MigrationFileError",
    "MigrationNumberingError",
    "MigrationsNotFoundError",
    "MissingColumnError",
    "MissingValueError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "MultipleModelsFoundError",
    "NoSessionError",
    "NotAnArtifactError",
    "PublishError",
    "ReadOnlyDataSetError",
    "RevisionNotFoundError",
    "SQLiteError",
    "SchemaMismatchError",
    "SchemaNotFoundError",
    "SearchDeclarationError",
    "SearchError",
    "SearchNotDeclaredError",
    "SearchNotSupportedError",
    "SearchSyntaxError",
    "ServerAuthenticationError",
    "ServerConnectionError",
    "ServerError",
    "ServerUnreachableError",
    "SourceNotFoundError",
    "StaleArtifactError",
    "StaleDBError",
    "StoredValueError",
    "TableNotFoundError",
    "UnknownColumnError",
    "UnknownFilterError",
    "UnreadableArtifactError",
    "UnsupportedArtifactError",
]


class SQLiteError(Exception):
    """Root of every microcosm-sqlite error."""

    status_code = 500
    include_stack_trace = False


class ModelIntegrityError(SQLiteError):
    """A change would break an integrity constraint."""

    status_code = 409


class DuplicateModelError(ModelIntegrityError):
    """A change would duplicate a unique key."""

    status_code = 409


class MultipleModelsFoundError(ModelIntegrityError):
    """A query that expects one row matched several."""

    status_code = 409


class ModelNotFoundError(SQLiteError):
    """A query that expects a row matched none."""

    status_code = 404


class ConfigurationError(SQLiteError, ValueError):
    """A config setting has a value the library does not accept (a ValueError, as bad values are)."""


class _DataSetProblem(SQLiteError):
    """An error about one dataset: its message names the dataset, the path and what to do."""

    def __init__(
        self,
        problem: str,
        *,
        data_set: str | None,
        path: str | PathLike[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.data_set = data_set
        self.path = None if path is None else str(path)
        self.problem = problem
        self.hint = hint
        message = f"{_where(data_set, self.path)}: {problem}"
        if hint:
            message = f"{message}; {hint}"
        super().__init__(message)


def _where(data_set: str | None, path: str | None) -> str:
    # A file read without models (`microcosm-sqlite inspect FILE`) belongs to no dataset: it is
    # named by its path alone, since a name made up from the file name would mislead.
    if data_set is None:
        return str(path)
    return f"dataset {data_set!r}" if path is None else f"dataset {data_set!r} ({path})"


class DataSetError(_DataSetProblem):
    """Something is wrong with a dataset's configuration or its file."""


class DataSetNotConfiguredError(DataSetError):
    """No path is configured for a dataset that must be read from a file."""


class ArtifactNotFoundError(DataSetError):
    """The configured artifact file does not exist."""


class UnreadableArtifactError(DataSetError):
    """The artifact file exists but cannot be read: permission denied on it or on a folder above it."""


class NotAnArtifactError(DataSetError):
    """The configured file is not an SQLite database."""


class DamagedArtifactError(DataSetError):
    """The artifact is truncated or corrupt, or its bytes changed since its build."""


class UnsupportedArtifactError(DataSetError):
    """The artifact is SQLite but in a form a read-only reader cannot trust."""


class SchemaMismatchError(DataSetError):
    """The artifact's tables or columns do not match the models."""


class TableNotFoundError(DataSetError):
    """The artifact has no table of the requested name."""


class StaleArtifactError(DataSetError):
    """The artifact was built from other models or other sources."""


class MalformedMetadataError(DataSetError):
    """The artifact's metadata table is damaged (missing or malformed values) or another tool's."""


class ReadOnlyDataSetError(DataSetError):
    """A write was attempted on a dataset opened read-only."""

    status_code = 405


class ServerError(DataSetError):
    """A dataset's PostgreSQL server cannot serve it; `path` is its URL, password masked."""


class DriverNotInstalledError(ServerError):
    """The dataset is on a PostgreSQL server and psycopg 3 (the `postgres` extra) is not installed."""


class ServerConnectionError(ServerError):
    """The database server named by a dataset's URL cannot be reached, or refused the credentials."""


class ServerUnreachableError(ServerConnectionError):
    """No PostgreSQL server answers at the dataset's URL, or it takes no connection now."""

    status_code = 503


class ServerAuthenticationError(ServerConnectionError):
    """The PostgreSQL server refused the URL's user or password."""


class SchemaNotFoundError(ServerError):
    """The database has no schema of the dataset's name: the dataset was never published there."""


class PublishError(ServerError):
    """Publishing an artifact to a server stopped; the published dataset was left as it was."""


class BuildError(SQLiteError):
    """A build stopped on bad input; the transaction was rolled back, so nothing of it was kept."""

    status_code = 422

    def __init__(
        self,
        problem: str,
        *,
        data_set: str,
        source: str | None = None,
        table: str | None = None,
        line: int | None = None,
        record: int | None = None,
        column: str | None = None,
        value: Any = None,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.data_set = data_set
        self.source = source
        self.table = table
        self.line = line
        self.record = record
        self.column = column
        self.value = value
        self.expected = expected
        self.hint = hint
        where = [f"dataset {data_set!r}"]
        if source is not None:
            where.append(source)
        elif table is not None:
            where.append(f"table {table!r}")
        if line is not None:
            where.append(f"line {line}")
        elif record is not None:
            where.append(f"record {record}")
        if column is not None:
            where.append(f"column {column!r}")
        message = f"{', '.join(where)}: {problem}"
        if hint:
            message = f"{message}; {hint}"
        super().__init__(message)


class MalformedSourceError(BuildError):
    """The source is not valid CSV, JSON or JSON Lines (or not UTF-8)."""


class MissingColumnError(BuildError):
    """The source lacks a column the model requires (no default, not nullable)."""


class UnknownColumnError(BuildError):
    """The source has a column (a CSV header field, a JSON key) the model lacks."""


class MissingValueError(BuildError):
    """A value is empty, null or absent in a column that requires one."""


class BadValueError(BuildError):
    """A value cannot be read as its column's type."""


class DuplicateKeyError(BuildError):
    """A row repeats a primary or unique key of an earlier row."""

    status_code = 409


class BrokenForeignKeyError(BuildError):
    """A row refers to a parent row that does not exist."""

    status_code = 409


class SourceNotFoundError(BuildError):
    """A source file cannot be read (missing, a folder, no permission)."""


class ArtifactCheckError(BuildError):
    """A finished artifact failed SQLite's integrity check; the previous artifact was kept."""


class NoSessionError(SQLiteError):
    """A store was used outside any open session of its dataset."""


class UnknownFilterError(SQLiteError, ValueError):
    """A store was given a keyword that neither its auto_filter_fields nor its hooks use."""

    status_code = 400

    def __init__(self, *, store: str, data_set: str, unknown: list[str], accepted: list[str]) -> None:
        self.store = store
        self.data_set = data_set
        self.unknown = unknown
        self.accepted = accepted
        names = ", ".join(map(repr, unknown))
        filters = f"filters {names}" if len(unknown) > 1 else f"filter {names}"
        accepts = ", ".join(accepted) if accepted else "no filters"
        super().__init__(
            f"dataset {data_set!r}: {store} has no {filters} (it accepts: {accepts}), so nothing was run; "
            f"check the spelling, or name the keyword in {store}.accepted_filters if a hook of the store reads it"
        )


class SearchError(SQLiteError, ValueError):
    """A search by words (`q=`, `match=`) cannot run as asked."""

    status_code = 400


class SearchDeclarationError(SearchError):
    """A model's `__search__` names no column, an unknown column, or a weight that is not positive."""

    status_code = 500


class SearchNotDeclaredError(SearchError):
    """A store was asked to search by words, but its model declares no searchable columns."""


class SearchSyntaxError(SearchError):
    """The raw FTS5 query given as `match=` is not valid FTS5 query syntax."""


class SearchNotSupportedError(SearchError):
    """A search by words the database cannot run: `match=` off SQLite; any words off SQLite and PostgreSQL."""

    status_code = 501


class FilterValueError(SQLiteError, ValueError):
    """A store filter's value is not one its column can hold (a name its enum lacks, text for a date)."""

    status_code = 400

    def __init__(
        self,
        *,
        store: str,
        data_set: str,
        name: str,
        value: Any,
        column: str,
        reason: str,
        allowed: list[str] | None = None,
        expected: str | None = None,
    ) -> None:
        self.store = store
        self.data_set = data_set
        self.name = name
        self.value = value
        self.column = column
        self.allowed = allowed
        why = reason if allowed is None else f"allowed: {', '.join(allowed)}"
        message = f"dataset {data_set!r}: {store} filter {name}={value!r} is not a value of column {column} ({why})"
        message += ", so nothing was run"
        super().__init__(message if expected is None else f"{message}; pass {expected}")


class StoredValueError(SQLiteError, ValueError):
    """A value in the file cannot be read as its column's type: file and models disagree."""


class DumpError(SQLiteError, ValueError):
    """A dump was asked for fields or header labels it cannot write (a ValueError, like csv's)."""


class MigrationError(_DataSetProblem):
    """A dataset's migrations cannot run as asked; `path` is the migrations folder."""


class MigrationsNotFoundError(MigrationError):
    """The dataset's migrations folder is not configured or does not exist."""


class MigrationCommandError(MigrationError):
    """Alembic refused the command or its arguments."""


class RevisionNotFoundError(MigrationError):
    """A revision id names no migration in the dataset's folder."""


class IrreversibleMigrationError(MigrationError):
    """A migration generated without a downgrade was asked to downgrade."""


class StaleDBError(MigrationError):
    """The models have changed and need a migration that does not exist yet."""


class MigrationFileError(MigrationError):
    """The folder's numbered `.sql` migration files cannot run as they are."""


class AppliedMigrationChangedError(MigrationFileError):
    """A migration file already applied to the dataset was changed, renamed or deleted since."""


class MigrationNumberingError(MigrationFileError):
    """A `.sql` file is not named `NNN_name.sql`, or a number is missing or repeated."""


class MigrationFailedError(MigrationFileError):
    """A migration file's SQL failed: that file was rolled back and the run stopped there."""
