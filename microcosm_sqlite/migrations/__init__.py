"""
Alembic migrations for datasets that are maintained incrementally rather than rebuilt.

Alembic is configured in code (`config.py`); the environment script and revision template it
needs ship inside this package (`script/`), so a user's tree holds only the revision files, in
`<migrations dir>/<dataset name>`. The entry points are `microcosm_sqlite.cmd.migrate` and
`microcosm_sqlite.cmd.check_migration`; this package is internal to them and may change in any
release.

"""
