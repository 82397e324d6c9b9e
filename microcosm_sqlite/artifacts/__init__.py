"""
Artifacts: a dataset built offline into one SQLite file, atomically, reproducibly, with metadata.

"""
from microcosm_sqlite.artifacts.build import ArtifactBuild, Source, build_artifact
from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.freshness import ArtifactReport, check_artifact, check_not_stale
from microcosm_sqlite.artifacts.hashing import TableHash, hash_tables, overall_hash
from microcosm_sqlite.artifacts.metadata import METADATA_TABLE, ArtifactInfo, SourceInfo, read_metadata

__all__ = [
    "METADATA_TABLE",
    "ArtifactBuild",
    "ArtifactInfo",
    "ArtifactReport",
    "Source",
    "SourceInfo",
    "TableHash",
    "build_artifact",
    "check_artifact",
    "check_not_stale",
    "hash_tables",
    "overall_hash",
    "read_metadata",
    "schema_fingerprint",
]
