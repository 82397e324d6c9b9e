"""
Every way `migrate.main` can be misused ends in an error from `microcosm_sqlite.errors` that names
the dataset, and leaves the database file as it was.

"""

import pytest
from microcosm.api import create_object_graph, load_from_dict

from microcosm_sqlite.cmd import migrate
from microcosm_sqlite.errors import (
    IrreversibleMigrationError,
    MigrationCommandError,
    MigrationError,
    MigrationsNotFoundError,
    ReadOnlyDataSetError,
    RevisionNotFoundError,
)
from tests.support.graphs import make_graph
from tests.support.migration_fixtures import add_rows, airports, project, revisions  # noqa: F401


@pytest.fixture
def upgraded(project):
    """A project whose file is at its one revision, with rows."""
    v1 = airports()
    project.migrate(v1, "revision", "--autogenerate", "-m", "create airports")
    project.migrate(v1, "upgrade", "head")
    add_rows(project.graph, v1)
    project.graph.sqlite.dispose("Aerodromes")
    project.models = v1
    project.before = project.db.read_bytes()
    return project


def write_revision(project, body: str) -> None:
    """A hand-written second revision whose upgrade() is `body`."""
    (head,) = revisions(project.folder)
    (project.folder / "bad_second.py").write_text(
        "from alembic import op\n"
        "revision = 'bad2'\n"
        f"down_revision = {head.name.split('_')[0]!r}\n"
        "branch_labels = depends_on = None\n"
        f"def upgrade():\n    {body}\n"
        "def downgrade():\n    pass\n"
    )


def test_missing_migrations_folder(tmp_path):
    graph = make_graph(paths={"Aerodromes": str(tmp_path / "airports.db")})
    graph.assign("sqlite_migrations_dir", str(tmp_path / "migrations"))
    with pytest.raises(MigrationsNotFoundError) as raised:
        migrate.main(graph, airports().Base, "upgrade", "head")
    assert str(raised.value) == (
        f"dataset 'Aerodromes' ({tmp_path / 'migrations' / 'Aerodromes'}): the migrations folder does not "
        "exist; create it, then run `migrate revision --autogenerate -m MESSAGE` to write the first revision"
    )
    assert not (tmp_path / "airports.db").exists()


def test_migrations_dir_not_configured(tmp_path):
    graph = create_object_graph(
        "airports",
        testing=True,
        import_name="no_such_module_for_migrations",
        loader=load_from_dict(sqlite=dict(paths={"Aerodromes": str(tmp_path / "airports.db")})),
    )
    with pytest.raises(
        MigrationsNotFoundError,
        match="no migrations directory is configured; bind the graph component 'sqlite_migrations_dir'",
    ):
        migrate.main(graph, airports().Base, "current")


def test_init_is_refused(project):
    with pytest.raises(
        MigrationCommandError,
        match=r"dataset 'Aerodromes': `init` is not needed: the Alembic environment ships with microcosm-sqlite",
    ):
        project.migrate(airports(), "init", "somewhere")
    assert list(project.folder.iterdir()) == []


def test_config_file_option_is_refused(project):
    with pytest.raises(MigrationCommandError, match="-c/--config is not used"):
        project.migrate(airports(), "-c", "alembic.ini", "current")


@pytest.mark.parametrize("command", [["upgrade", "nosuchrev"], ["downgrade", "nosuchrev"], ["stamp", "nosuchrev"]])
def test_bad_revision_id(upgraded, command):
    with pytest.raises(RevisionNotFoundError) as raised:
        upgraded.migrate(upgraded.models, *command)
    assert str(raised.value).startswith(f"dataset 'Aerodromes' ({upgraded.folder}): no revision matches 'nosuchrev'")
    assert str(raised.value).endswith("; run `migrate history` to list the dataset's revisions")
    assert upgraded.db.read_bytes() == upgraded.before


def test_autogenerate_needs_an_upgraded_file(upgraded):
    upgraded.migrate(upgraded.models, "revision", "-m", "second")
    with pytest.raises(
        MigrationCommandError, match="Target database is not up to date.; run `migrate upgrade head` first"
    ):
        upgraded.migrate(upgraded.models, "revision", "--autogenerate", "-m", "third")


def test_failing_migration_changes_nothing(upgraded):
    write_revision(upgraded, "op.execute('CREATE TABLE noise (x)'); op.execute('SELECT * FROM missing')")
    with pytest.raises(MigrationError, match=r"a migration failed \(no such table: missing\); nothing was changed"):
        upgraded.migrate(upgraded.models, "upgrade", "head")
    assert upgraded.db.read_bytes() == upgraded.before


def test_migration_that_breaks_foreign_keys_is_rolled_back(upgraded):
    write_revision(upgraded, "op.execute(\"DELETE FROM country WHERE code = 'FR'\")")
    with pytest.raises(
        MigrationError,
        match=r"leave 2 row\(s\) with a broken foreign key \(first: table 'airport', rowid \d+, referencing 'country'\); nothing was changed",
    ):
        upgraded.migrate(upgraded.models, "upgrade", "head")
    assert upgraded.db.read_bytes() == upgraded.before


def test_read_only_dataset_refuses_to_migrate(upgraded):
    graph = make_graph(paths={"Aerodromes": str(upgraded.db)}, read_only=True)
    graph.assign("sqlite_migrations_dir", str(upgraded.folder.parent))
    with pytest.raises(ReadOnlyDataSetError, match="cannot run `upgrade`: the dataset is read-only"):
        migrate.main(graph, upgraded.models.Base, "upgrade", "head")
    migrate.main(graph, upgraded.models.Base, "current")
    graph.sqlite.dispose_all()
    assert upgraded.db.read_bytes() == upgraded.before


def test_forward_only_revisions(upgraded):
    v2 = airports(elevation=True)
    upgraded.migrate(v2, "revision", "--autogenerate", "-m", "add elevation", include_downgrade=False)
    upgraded.migrate(v2, "upgrade", "head")
    after_upgrade = upgraded.db.read_bytes()
    with pytest.raises(
        IrreversibleMigrationError,
        match=r"revision \w+ was generated without a downgrade \(include_downgrade=False\); restore the previous file",
    ):
        upgraded.migrate(v2, "downgrade", "-1")
    upgraded.graph.sqlite.dispose("Aerodromes")
    assert upgraded.db.read_bytes() == after_upgrade


def test_unknown_command_prints_usage(project, capsys):
    with pytest.raises(SystemExit) as raised:
        project.migrate(airports(), "frobnicate")
    assert raised.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_usage_names_the_calling_program(project, capsys):
    with pytest.raises(SystemExit):
        migrate.main(project.graph, airports().Base, True, "upgrade", prog="microcosm-sqlite migrate")
    assert "usage: microcosm-sqlite migrate upgrade [-h] [--sql] [--tag TAG] revision" in capsys.readouterr().err
