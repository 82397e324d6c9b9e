"""
Artifacts: a dataset built offline into one SQLite file, atomically, reproducibly, with metadata.

Everything that reads or writes an artifact file lives here: building (`build`), checking a file
is a sound artifact (`checks`), reading its tables (`reading`), freshness against sources and
models (`freshness`), verification (`verify`), comparison (`diff`), description (`inspect`), the
search indexes of models that declare `__search__` (`fulltext`), and publishing to a PostgreSQL
server (`publish`, `server`).

"""

from microcosm_sqlite.artifacts.build import ArtifactBuild, Source, build_artifact
from microcosm_sqlite.artifacts.diff import ArtifactDiff, diff_artifacts
from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.freshness import ArtifactReport, check_artifact, check_not_stale
from microcosm_sqlite.artifacts.hashing import TableHash, hash_tables, overall_hash
from microcosm_sqlite.artifacts.inspect import ArtifactSummary, describe_artifact
from microcosm_sqlite.artifacts.metadata import METADATA_TABLE, ArtifactInfo, SourceInfo, read_metadata
from microcosm_sqlite.artifacts.publish import Publication, publish_artifact
from microcosm_sqlite.artifacts.reading import reading_table
from microcosm_sqlite.artifacts.verify import Verification, verify_artifact

__all__ = [
    "METADATA_TABLE",
    "ArtifactBuild",
    "ArtifactDiff",
    "ArtifactInfo",
    "ArtifactReport",
    "ArtifactSummary",
    "Publication",
    "Source",
    "SourceInfo",
    "TableHash",
    "Verification",
    "build_artifact",
    "check_artifact",
    "check_not_stale",
    "describe_artifact",
    "diff_artifacts",
    "hash_tables",
    "overall_hash",
    "publish_artifact",
    "read_metadata",
    "reading_table",
    "schema_fingerprint",
    "verify_artifact",
]
