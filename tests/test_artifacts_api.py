import microcosm_sqlite.artifacts


def test_public_names_are_pinned():
    assert microcosm_sqlite.artifacts.__all__ == [
        "METADATA_TABLE",
        "ArtifactBuild",
        "ArtifactDiff",
        "ArtifactInfo",
        "ArtifactReport",
        "ArtifactSummary",
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
        "read_metadata",
        "reading_table",
        "schema_fingerprint",
        "verify_artifact",
    ]
    assert all(hasattr(microcosm_sqlite.artifacts, name) for name in microcosm_sqlite.artifacts.__all__)
