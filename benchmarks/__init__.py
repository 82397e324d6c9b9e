"""
Benchmarks: microcosm-sqlite measured side by side with sqlite3, SQLAlchemy, sqlite-utils and the original.

Not part of the library or of `make test`; see docs/benchmarks.md.

"""
