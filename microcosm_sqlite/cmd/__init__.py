"""
Entry points that run a dataset's migrations: `migrate.main` and `check_migration.main`.

"""

__all__ = ["check_migration", "migrate"]
