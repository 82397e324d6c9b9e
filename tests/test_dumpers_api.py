import microcosm_sqlite.dumpers


def test_public_names_are_pinned():
    assert microcosm_sqlite.dumpers.__all__ == ["CSVDumper", "Dumper", "JSONLinesDumper", "SQLiteDumper"]
    assert all(hasattr(microcosm_sqlite.dumpers, name) for name in microcosm_sqlite.dumpers.__all__)
