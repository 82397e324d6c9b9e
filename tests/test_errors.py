import inspect

import pytest

from microcosm_sqlite import errors


def all_errors():
    return [value for value in vars(errors).values() if inspect.isclass(value) and issubclass(value, Exception)]


def test_every_error_descends_from_sqlite_error_and_is_documented():
    for error in all_errors():
        assert issubclass(error, errors.SQLiteError)
        assert error.__doc__
        assert error.include_stack_trace is False
        assert error.__name__ in errors.__doc__


@pytest.mark.parametrize(
    "error, status",
    [
        (errors.SQLiteError, 500),
        (errors.ModelIntegrityError, 409),
        (errors.DuplicateModelError, 409),
        (errors.MultipleModelsFoundError, 409),
        (errors.ModelNotFoundError, 404),
        (errors.DataSetError, 500),
    ],
)
def test_status_codes(error, status):
    assert error.status_code == status


def test_hierarchy():
    assert issubclass(errors.DuplicateModelError, errors.ModelIntegrityError)
    assert issubclass(errors.MultipleModelsFoundError, errors.ModelIntegrityError)
    assert issubclass(errors.SchemaMismatchError, errors.DataSetError)
    for error in (
        errors.MigrationsNotFoundError,
        errors.MigrationCommandError,
        errors.RevisionNotFoundError,
        errors.IrreversibleMigrationError,
        errors.StaleDBError,
    ):
        assert issubclass(error, errors.MigrationError)
    assert not issubclass(errors.MigrationError, errors.DataSetError)


def test_data_set_error_message():
    error = errors.ArtifactNotFoundError("the file does not exist", data_set="Airports", path="/x.db", hint="build it")
    assert str(error) == "dataset 'Airports' (/x.db): the file does not exist; build it"
    assert (error.data_set, error.path, error.problem, error.hint) == (
        "Airports",
        "/x.db",
        "the file does not exist",
        "build it",
    )


def test_migration_error_message():
    error = errors.StaleDBError("the models changed", data_set="Airports", path="/m/Airports", hint="run revision")
    assert str(error) == "dataset 'Airports' (/m/Airports): the models changed; run revision"
    assert (error.data_set, error.path, error.problem, error.hint) == (
        "Airports",
        "/m/Airports",
        "the models changed",
        "run revision",
    )
