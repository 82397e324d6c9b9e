"""
The public surface, pinned: what each public module exports, and the 2.0 import paths.

A module is public unless a part of its dotted path starts with an underscore or it lives in one
of the internal packages (`cli`, `migrations`). Every public module declares `__all__` (kept
sorted by ruff: constants, classes, functions); changing what one exports is a decision, so it
shows up here.

"""

import importlib
import pkgutil

import pytest

import microcosm_sqlite

INTERNAL_PACKAGES = ("microcosm_sqlite.cli", "microcosm_sqlite.migrations")

#: The modules that code written for microcosm-sqlite 2.0 imports; they must never move.
IMPORT_PATHS_2_0 = [
    "microcosm_sqlite",
    "microcosm_sqlite.alembic",
    "microcosm_sqlite.builders",
    "microcosm_sqlite.cmd",
    "microcosm_sqlite.cmd.check_migration",
    "microcosm_sqlite.cmd.migrate",
    "microcosm_sqlite.constants",
    "microcosm_sqlite.context",
    "microcosm_sqlite.dataset",
    "microcosm_sqlite.dumpers",
    "microcosm_sqlite.errors",
    "microcosm_sqlite.factories",
    "microcosm_sqlite.identifiers",
    "microcosm_sqlite.models",
    "microcosm_sqlite.stores",
    "microcosm_sqlite.types",
]

EXPORTS = {
    "microcosm_sqlite": [
        "DataSet",
        "GetOrCreateSession",
        "SQLiteBindFactory",
        "SQLiteBuilder",
        "SQLiteDumper",
        "Store",
        "dispose_sqlite_connections",
    ],
    "microcosm_sqlite.alembic": [
        "get_migrations_dir",
        "make_alembic_config",
    ],
    "microcosm_sqlite.artifacts": [
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
    ],
    "microcosm_sqlite.artifacts.affinity": [
        "BLOB",
        "INTEGER",
        "NUMERIC",
        "READABLE",
        "REAL",
        "TEXT",
        "affinity",
        "can_read",
        "readable_affinities",
    ],
    "microcosm_sqlite.artifacts.build": [
        "KEPT",
        "ArtifactBuild",
        "Source",
        "build_artifact",
    ],
    "microcosm_sqlite.artifacts.checks": [
        "ARTIFACT_STAMP",
        "HEADER_SIZE",
        "MAGIC",
        "REBUILD_HINT",
        "SPECIAL_FILES",
        "TEXT_FORMATS",
        "WAL_WRITE_VERSION",
        "check_artifact_file",
        "check_integrity",
        "check_schema",
        "damaged",
        "is_damage",
        "special_file",
    ],
    "microcosm_sqlite.artifacts.diff": [
        "DEFAULT_SAMPLE_SIZE",
        "ArtifactDiff",
        "Change",
        "Side",
        "TableDiff",
        "changes",
        "compared",
        "diff_artifacts",
        "diff_table",
    ],
    "microcosm_sqlite.artifacts.digest": [
        "CHUNK_SIZE",
        "DIGEST_KEY",
        "DIGEST_LENGTH",
        "HEX",
        "HINT",
        "FileIdentity",
        "check_digest",
        "check_digest_of_file_at",
        "check_digest_of_replacements",
        "hash_as_built",
        "placeholder",
        "stamp_digest",
    ],
    "microcosm_sqlite.artifacts.fingerprint": [
        "describe_schema",
        "schema_fingerprint",
    ],
    "microcosm_sqlite.artifacts.fulltext": [
        "check_search_indexes",
        "create_search_indexes",
        "fill_search_indexes",
        "search_index_names",
        "search_indexes",
        "shadow_tables",
    ],
    "microcosm_sqlite.artifacts.freshness": [
        "NO_METADATA",
        "REBUILD",
        "ArtifactReport",
        "check_artifact",
        "check_not_stale",
        "content_problems",
    ],
    "microcosm_sqlite.artifacts.hashing": [
        "Encoder",
        "TableHash",
        "encode_json",
        "encode_value",
        "file_sha256",
        "hash_rows",
        "hash_table",
        "hash_tables",
        "overall_hash",
    ],
    "microcosm_sqlite.artifacts.inspect": [
        "ArtifactSummary",
        "TableSummary",
        "build_metadata",
        "describe_artifact",
        "written_by",
    ],
    "microcosm_sqlite.artifacts.leftovers": [
        "Leftover",
        "create_temporary",
        "leftovers",
        "remove_stale",
    ],
    "microcosm_sqlite.artifacts.metadata": [
        "DISTRIBUTION",
        "MALFORMED_HINT",
        "METADATA_KEYS",
        "METADATA_TABLE",
        "ArtifactInfo",
        "SourceInfo",
        "has_metadata",
        "library_version",
        "read_metadata",
        "same_named_sources",
        "source_key",
        "write_metadata",
    ],
    "microcosm_sqlite.artifacts.publish": [
        "DEFAULT_KEEP",
        "LOCK_TIMEOUT",
        "Publication",
        "previous_name",
        "publish_artifact",
        "staging_prefix",
    ],
    "microcosm_sqlite.artifacts.published": [
        "PUBLISH_HINT",
        "check_published",
        "read_published_metadata",
        "schema_exists",
    ],
    "microcosm_sqlite.artifacts.reading": [
        "FETCH_SIZE",
        "INTERNAL_TABLE_PREFIXES",
        "DeclaredColumn",
        "blaming",
        "columns",
        "count_rows",
        "open_artifact",
        "primary_key",
        "quote",
        "reading_table",
        "sort_key",
        "stream_rows",
        "table_names",
        "table_sql",
    ],
    "microcosm_sqlite.artifacts.server": [
        "FETCH_SIZE",
        "SCHEMES",
        "connect",
        "default_schema",
        "first_line",
        "has_table",
        "hash_table",
        "hash_tables",
        "is_server_url",
        "masked",
        "quote",
        "read_metadata",
        "schema_exists",
        "table_names",
    ],
    "microcosm_sqlite.artifacts.server_search": [
        "create_server_search",
        "fold_function_sql",
        "missing_server_search",
        "search_indexes_in",
        "separators",
    ],
    "microcosm_sqlite.artifacts.text": ["text_lines", "text_value"],
    "microcosm_sqlite.artifacts.undecodable": [
        "COLUMN",
        "MESSAGE",
        "is_undecodable",
        "undecodable_text",
    ],
    "microcosm_sqlite.artifacts.verify": [
        "NO_DIGEST",
        "Verification",
        "source_pairs",
        "verify_artifact",
        "verify_published",
    ],
    "microcosm_sqlite.builders": [
        "DEFAULT_BATCH_SIZE",
        "Builder",
        "SQLiteBuilderFactory",
        "formats",
        "load_sources",
        "read_text",
    ],
    "microcosm_sqlite.builders.columns": [
        "NAN_HINT",
        "NAN_PROBLEM",
        "REQUIRED",
        "TIME_ZONE_HINT",
        "BadDefault",
        "ColumnCoercion",
        "EmptyPolicy",
        "Factory",
        "MissingValue",
        "Required",
        "ValueProblem",
        "column_coercion",
        "has_python_default",
        "is_autoincrement",
        "is_required",
        "read_text",
        "verbatim",
    ],
    "microcosm_sqlite.builders.csv": [
        "FIELD_SIZE_LIMIT",
        "FIX_HINT",
        "read",
    ],
    "microcosm_sqlite.builders.dates": [
        "out_of_range",
    ],
    "microcosm_sqlite.builders.factory": [
        "Builder",
        "SQLiteBuilderFactory",
    ],
    "microcosm_sqlite.builders.foreign_keys": [
        "Locate",
        "check_foreign_keys",
    ],
    "microcosm_sqlite.builders.json": [
        "DECODER",
        "NESTED",
        "NESTED_HINT",
        "RepeatedKey",
        "read",
        "repeated_key_error",
        "unique_keys",
    ],
    "microcosm_sqlite.builders.jsonl": [
        "read",
    ],
    "microcosm_sqlite.builders.loading": [
        "DEFAULT_BATCH_SIZE",
        "SCHEMA_HINT",
        "Progress",
        "load_sources",
    ],
    "microcosm_sqlite.builders.rows": [
        "FIX_VALUE_HINT",
        "Converted",
        "Target",
        "column_for",
        "given_by_name",
        "plan_records",
        "plan_rows",
    ],
    "microcosm_sqlite.builders.sources": [
        "BOM",
        "ENCODING",
        "LOCATE_BLOCK",
        "UTF8_HINT",
        "Origin",
        "Reader",
        "Records",
        "Rows",
        "SourceInput",
        "formats",
        "open_text",
        "reader_for",
        "source_name",
        "strip_bom",
        "undecodable_at",
    ],
    "microcosm_sqlite.cmd": [
        "check_migration",
        "migrate",
    ],
    "microcosm_sqlite.cmd.check_migration": [
        "main",
    ],
    "microcosm_sqlite.cmd.migrate": [
        "main",
    ],
    "microcosm_sqlite.constants": [
        "ARTIFACT_APPLICATION_ID",
        "ARTIFACT_FORMAT_VERSION",
        "DEFAULT_BUSY_TIMEOUT",
        "DEFAULT_SEARCH_BATCH_SIZE",
        "DIGEST_FORMAT_VERSION",
        "MEMORY_PATH",
        "READABLE_FORMAT_VERSIONS",
        "TYPED_HASH_FORMAT_VERSION",
        "naming_convention",
    ],
    "microcosm_sqlite.context": [
        "SessionContext",
    ],
    "microcosm_sqlite.dataset": [
        "DataSet",
        "dispose_sqlite_connections",
    ],
    "microcosm_sqlite.dumpers": [
        "ROW_FORMATS",
        "CSVDumper",
        "Dumper",
        "JSONLinesDumper",
        "SQLiteDumper",
        "csv_encoder",
        "dump_rows",
        "jsonl_encoder",
        "portable_value",
    ],
    "microcosm_sqlite.dumpers.base": [
        "EXTRAS_ACTIONS",
        "Dumper",
        "columns_in_order",
        "header_labels",
    ],
    "microcosm_sqlite.dumpers.csv": [
        "CSVDumper",
        "write_csv",
    ],
    "microcosm_sqlite.dumpers.factory": [
        "SQLiteDumper",
    ],
    "microcosm_sqlite.dumpers.jsonl": [
        "JSONLinesDumper",
        "write_jsonl",
    ],
    "microcosm_sqlite.dumpers.rows": [
        "ROW_FORMATS",
        "dump_rows",
    ],
    "microcosm_sqlite.dumpers.values": [
        "Encoder",
        "csv_encoder",
        "is_json_type",
        "json_value",
        "jsonl_encoder",
        "portable_value",
        "text_value",
        "to_json_text",
    ],
    "microcosm_sqlite.errors": [
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
    ],
    "microcosm_sqlite.fulltext": [
        "search_rank",
    ],
    "microcosm_sqlite.factories": [
        "PATHS_ENTRY_POINT_GROUP",
        "SQLiteBindFactory",
    ],
    "microcosm_sqlite.identifiers": [
        "new_object_id",
    ],
    "microcosm_sqlite.models": [
        "IdentityMixin",
    ],
    "microcosm_sqlite.resources": [
        "CACHE_DIR_VARIABLE",
        "cache_dir",
        "packaged_artifact",
    ],
    "microcosm_sqlite.results": [
        "SearchResult",
    ],
    "microcosm_sqlite.sql_migrations": [
        "MIGRATIONS_TABLE",
        "pending_migrations",
        "run_migrations",
    ],
    "microcosm_sqlite.stores": [
        "GetOrCreateSession",
        "Store",
        "get_session",
    ],
    "microcosm_sqlite.types": [
        "EnumType",
        "Truthy",
        "parse_truthy",
    ],
}


def public_modules() -> list[str]:
    names = ["microcosm_sqlite"]
    for module in pkgutil.walk_packages(microcosm_sqlite.__path__, "microcosm_sqlite."):
        parts = module.name.split(".")
        if any(part.startswith("_") for part in parts[1:]):
            continue
        if module.name.startswith(INTERNAL_PACKAGES):
            continue
        names.append(module.name)
    return sorted(names)


def test_every_public_module_is_pinned():
    assert public_modules() == sorted(EXPORTS)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_exported_members(name):
    module = importlib.import_module(name)
    assert module.__all__ == EXPORTS[name]
    for member in module.__all__:
        # A package may export a submodule by name (microcosm_sqlite.cmd).
        assert hasattr(module, member) or importlib.import_module(f"{name}.{member}")


@pytest.mark.parametrize("name", IMPORT_PATHS_2_0)
def test_2_0_import_paths_stay(name):
    assert importlib.import_module(name).__name__ == name


def test_2_0_names_import_from_their_2_0_modules():
    from microcosm_sqlite import DataSet, GetOrCreateSession, SQLiteBindFactory, Store, dispose_sqlite_connections
    from microcosm_sqlite.alembic import get_migrations_dir, make_alembic_config
    from microcosm_sqlite.cmd import check_migration, migrate
    from microcosm_sqlite.constants import naming_convention
    from microcosm_sqlite.context import SessionContext
    from microcosm_sqlite.errors import (
        DuplicateModelError,
        ModelIntegrityError,
        ModelNotFoundError,
        MultipleModelsFoundError,
        SQLiteError,
    )
    from microcosm_sqlite.identifiers import new_object_id
    from microcosm_sqlite.models import IdentityMixin
    from microcosm_sqlite.stores import get_session
    from microcosm_sqlite.types import EnumType, Truthy

    assert callable(migrate.main) and callable(check_migration.main)
    assert all(
        value is not None
        for value in (
            DataSet,
            GetOrCreateSession,
            SQLiteBindFactory,
            Store,
            dispose_sqlite_connections,
            get_migrations_dir,
            make_alembic_config,
            naming_convention,
            SessionContext,
            DuplicateModelError,
            ModelIntegrityError,
            ModelNotFoundError,
            MultipleModelsFoundError,
            SQLiteError,
            new_object_id,
            IdentityMixin,
            get_session,
            EnumType,
            Truthy,
        )
    )
