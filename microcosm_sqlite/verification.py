"""
Verifying that an artifact is sound: the checks CI runs before a file ships.

Each check raises the library's own error; `verify_artifact` runs them all and collects every
failure rather than stopping at the first, so one CI run reports everything wrong with a file.

"""
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData

from microcosm_sqlite.checks import check_artifact_file, check_integrity, check_schema
from microcosm_sqlite.engines import EngineOptions, create_engine_for
from microcosm_sqlite.errors import DataSetError
from microcosm_sqlite.tables import data_set_name


@dataclass
class Verification:
    """The outcome of verifying one artifact: the checks that passed and one line per failure."""

    path: str
    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.failures

    def run(self, name: str, check: Callable[[], None]) -> bool:
        try:
            check()
        except DataSetError as error:
            self.failures.append(str(error))
            return False
        self.passed.append(name)
        return True


def verify_artifact(
    path: str | Path,
    metadata: MetaData | None = None,
    data_set: str | None = None,
    full: bool = True,
) -> Verification:
    """
    Check an artifact file: whole, single-file (rollback journal), intact, and (given the models'
    `metadata`) holding every table and column the models declare.

    `data_set` names the dataset in messages (default: the file's stem). `full` runs SQLite's
    complete integrity check rather than the quicker page check.

    """
    name = data_set or data_set_name(path)
    verification = Verification(path=str(path))
    if not verification.run("file", lambda: check_artifact_file(name, path)):
        return verification  # SQL checks on a file that is not a whole SQLite file only add noise
    engine = create_engine_for(str(path), EngineOptions(read_only=True, use_foreign_keys=False))
    try:
        verification.run("integrity", lambda: check_integrity(name, path, engine, full=full))
        if metadata is not None:
            verification.run("models", lambda: check_schema(name, path, engine, metadata))
    finally:
        engine.dispose()
    return verification
