import microcosm_sqlite.dumpers


def test_public_names_are_pinned():
    assert microcosm_sqlite.dumpers.__all__ == [
        "ROW_FORMATS",
        "CSVDumper",
        "Dumper",
        "JSONLinesDumper",
        "SQLiteDumper",
        "dump_rows",
        "portable_value",
    ]
    assert all(hasattr(microcosm_sqlite.dumpers, name) for name in microcosm_sqlite.dumpers.__all__)
