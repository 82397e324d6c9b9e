"""
`check_migration.main` passes only when the file is at the latest revision and matches the models.

"""

import pytest

from microcosm_sqlite.cmd import check_migration
from microcosm_sqlite.errors import ArtifactNotFoundError, MigrationError, MigrationsNotFoundError, StaleDBError
from tests.support.graphs import make_graph
from tests.support.migration_fixtures import airports, project  # noqa: F401


@pytest.fixture
def current(project):
    """A project whose file is at its one revision, made from the first models."""
    project.models = airports()
    project.migrate(project.models, "revision", "--autogenerate", "-m", "create airports")
    project.migrate(project.models, "upgrade", "head")
    return project


def test_passes_when_nothing_changed(current):
    before = current.db.read_bytes()
    check_migration.main(current.graph, current.models.Base)
    check_migration.main(current.graph, current.models.Airport)
    assert current.db.read_bytes() == before


def test_names_a_type_change(current):
    with pytest.raises(
        StaleDBError,
        match=r"lacks: change type of airport\.iata from VARCHAR\(3\) to VARCHAR\(4\); run `migrate revision --autogenerate -m MESSAGE`",
    ):
        check_migration.main(current.graph, airports(iata_length=4).Base)


def test_names_each_change(current):
    v0 = airports()
    v0.Base.metadata.remove(v0.Airport.__table__)
    with pytest.raises(
        StaleDBError, match=r"lacks: remove index ix_airport_name on airport; remove table airport; run"
    ):
        check_migration.main(current.graph, v0.Base)


def test_file_made_without_migrations_is_not_at_head(current, tmp_path):
    other = tmp_path / "other.db"
    graph = make_graph(paths={"Aerodromes": str(other)})
    graph.assign("sqlite_migrations_dir", str(current.folder.parent))
    current.models.Base.create_all(graph)
    (head,) = [path.name.split("_")[0] for path in current.folder.glob("*.py")]
    with pytest.raises(
        StaleDBError,
        match=f"at revision none but the migrations in .* end at {head}; run `migrate upgrade head` \\(or `migrate stamp head`",
    ):
        check_migration.main(graph, current.models.Base)
    graph.sqlite.dispose_all()


def test_missing_file_is_reported_not_created(current, tmp_path):
    missing = tmp_path / "missing.db"
    graph = make_graph(paths={"Aerodromes": str(missing)})
    graph.assign("sqlite_migrations_dir", str(current.folder.parent))
    with pytest.raises(
        ArtifactNotFoundError, match="the database file does not exist; create it with `migrate upgrade head`"
    ):
        check_migration.main(graph, current.models.Base)
    assert not missing.exists()


def test_missing_migrations_folder(tmp_path):
    graph = make_graph(paths={"Aerodromes": str(tmp_path / "airports.db")})
    graph.assign("sqlite_migrations_dir", str(tmp_path))
    with pytest.raises(MigrationsNotFoundError, match="the migrations folder does not exist"):
        check_migration.main(graph, airports().Base)


def test_works_on_a_read_only_dataset(current):
    current.graph.sqlite.dispose_all()
    before = current.db.read_bytes()
    graph = make_graph(paths={"Aerodromes": str(current.db)}, read_only=True)
    graph.assign("sqlite_migrations_dir", str(current.folder.parent))
    check_migration.main(graph, current.models.Base)
    with pytest.raises(StaleDBError, match="add column country.elevation_m"):
        check_migration.main(graph, airports(elevation=True).Base)
    graph.sqlite.dispose_all()
    assert current.db.read_bytes() == before


def test_without_a_file_the_migrations_are_checked_on_a_scratch_database(current):
    graph = make_graph()  # no path: the dataset is ":memory:"
    graph.assign("sqlite_migrations_dir", str(current.folder.parent))
    check_migration.main(graph, current.models.Base)
    with pytest.raises(
        StaleDBError,
        match=r"dataset 'Aerodromes' \(:memory:\): the models need a migration that .* lacks: add column country\.elevation_m",
    ):
        check_migration.main(graph, airports(elevation=True).Base)


def test_without_a_file_a_broken_revision_is_reported(current):
    (current.folder / "broken.py").write_text(
        "from alembic import op\n"
        "revision = 'broken'\n"
        f"down_revision = {next(current.folder.glob('*_create_airports.py')).name.split('_')[0]!r}\n"
        "branch_labels = depends_on = None\n"
        "def upgrade():\n    op.execute('SELECT * FROM missing')\n"
        "def downgrade():\n    pass\n"
    )
    graph = make_graph()
    graph.assign("sqlite_migrations_dir", str(current.folder.parent))
    with pytest.raises(MigrationError, match=r"a migration failed \(no such table: missing\)"):
        check_migration.main(graph, current.models.Base)


def test_a_dataset_on_a_server_never_shows_its_password(current, tmp_path):
    graph = make_graph(paths={"Aerodromes": f"postgresql://writer:s3cret@/aerodromes?host={tmp_path}"})
    graph.assign("sqlite_migrations_dir", str(current.folder.parent))

    with pytest.raises(MigrationError) as raised:
        check_migration.main(graph, current.models.Base)
    graph.sqlite.dispose_all()

    assert "s3cret" not in str(raised.value)
    assert "postgresql+psycopg://writer:***@/aerodromes" in str(raised.value)
    assert "on a PostgreSQL server" in str(raised.value)
