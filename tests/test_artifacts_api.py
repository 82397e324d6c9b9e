import microcosm_sqlite.artifacts


def test_public_names_are_pinned():
    assert microcosm_sqlite.artifacts.__all__ == [
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
    assert all(hasattr(microcosm_sqlite.artifacts, name) for name in microcosm_sqlite.artifacts.__all__)
