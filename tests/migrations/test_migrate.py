"""
The migration cycle of issue 6, on real files: autogenerate, upgrade, change the models, check,
autogenerate again, upgrade, downgrade.

"""

import sqlite3

import pytest

from microcosm_sqlite.cmd import check_migration, migrate
from microcosm_sqlite.errors import StaleDBError
from tests.support.graphs import make_graph
from tests.support.migration_fixtures import Kind, add_rows, airports, project, revisions  # noqa: F401


def columns(db, table):
    with sqlite3.connect(db) as connection:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def tables(db):
    with sqlite3.connect(db) as connection:
        return [
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]


def version(db):
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]


def test_full_cycle(project, capsys):
    v1, v2 = airports(), airports(elevation=True)

    project.migrate(v1, "revision", "--autogenerate", "-m", "create airports")
    (first,) = revisions(project.folder)
    source = first.read_text()
    assert "op.create_table('airport'" in source
    # Decorated types are written as the type they store: no import of model code needed.
    assert "sa.Column('kind', sa.String(length=5), nullable=False)" in source
    assert "name=op.f('fk_airport_country_code_country')" in source
    assert tables(project.db) == ["alembic_version"]  # Alembic records "no revision yet"

    project.migrate(v1, "upgrade", "head")
    assert tables(project.db) == ["airport", "alembic_version", "country"]
    first_id = first.name.split("_")[0]
    assert version(project.db) == [first_id]
    assert columns(project.db, "country") == ["code", "name"]
    add_rows(project.graph, v1)
    check_migration.main(project.graph, v1.Base)

    with pytest.raises(StaleDBError, match=r"needs? a migration .* lacks: add column country\.elevation_m \(INTEGER\)"):
        check_migration.main(project.graph, v2.Base)

    project.migrate(v2, "revision", "--autogenerate", "-m", "add elevation")
    first_again, second = revisions(project.folder)
    assert first_again == first
    assert "batch_op.add_column(sa.Column('elevation_m', sa.Integer(), nullable=True))" in second.read_text()
    assert f"down_revision: str | Sequence[str] | None = '{first_id}'" in second.read_text()

    project.migrate(v2, "upgrade", "head")
    assert columns(project.db, "country") == ["code", "name", "elevation_m"]
    check_migration.main(project.graph, v2.Base)
    with v2.Base.new_context(project.graph) as context:
        (france,) = context.session.query(v2.Country).all()
        assert (france.name, france.elevation_m) == ("France", None)
        assert {airport.kind for airport in france_airports(context, v2)} == {Kind.LARGE, Kind.SMALL}

    capsys.readouterr()
    project.migrate(v2, "current")
    assert f"{second.name.split('_')[0]} (head)" in capsys.readouterr().out

    # Dropping a column recreates `country`, which `airport` rows reference.
    project.migrate(v2, "downgrade", "-1")
    assert columns(project.db, "country") == ["code", "name"]
    assert version(project.db) == [first_id]
    second_id = second.name.split("_")[0]
    with pytest.raises(StaleDBError, match=f"at revision {first_id} but the migrations in .* end at {second_id}"):
        check_migration.main(project.graph, v1.Base)
    with sqlite3.connect(project.db) as connection:
        assert connection.execute("SELECT count(*) FROM airport").fetchone() == (2,)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def france_airports(context, models):
    return context.session.query(models.Airport).filter_by(country_code="FR").all()


def test_foreign_keys_are_back_on_after_a_migration(project):
    v1 = airports()
    project.migrate(v1, "revision", "--autogenerate", "-m", "create airports")
    project.migrate(v1, "upgrade", "head")
    with project.graph.sqlite("Aerodromes").engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_history_lists_revisions(project, capsys):
    v1 = airports()
    project.migrate(v1, "revision", "-m", "empty start")
    project.migrate(v1, "history")
    assert "empty start" in capsys.readouterr().out


def test_arguments_default_to_the_command_line(project, monkeypatch, capsys):
    v1 = airports()
    project.migrate(v1, "revision", "-m", "from argv")
    monkeypatch.setattr("sys.argv", ["airports-migrate", "heads"])
    migrate.main(project.graph, v1.Base)
    assert "(head)" in capsys.readouterr().out


def test_migrations_dir_from_graph_metadata(tmp_path):
    from microcosm.api import create_object_graph, load_from_dict

    (tmp_path / "sqlite-migrations" / "Aerodromes").mkdir(parents=True)
    graph = create_object_graph(
        "airports",
        testing=True,
        root_path=str(tmp_path),
        loader=load_from_dict(sqlite=dict(paths={"Aerodromes": str(tmp_path / "airports.db")})),
    )
    v1 = airports()
    migrate.main(graph, v1.Base, "revision", "--autogenerate", "-m", "first")
    migrate.main(graph, v1.Base, "upgrade", "head")
    assert len(revisions(tmp_path / "sqlite-migrations" / "Aerodromes")) == 1
    check_migration.main(graph, v1.Base)
    graph.sqlite.dispose_all()


def test_sql_mode_prints_the_migration_and_leaves_the_file_alone(project, capsys):
    v1 = airports()
    project.migrate(v1, "revision", "--autogenerate", "-m", "create airports")
    before = project.db.read_bytes()
    capsys.readouterr()
    project.migrate(v1, "upgrade", "--sql", "head")
    sql = capsys.readouterr().out
    assert sql.startswith("BEGIN;")
    assert "CREATE TABLE airport (" in sql
    assert "CONSTRAINT fk_airport_country_code_country FOREIGN KEY(country_code) REFERENCES country (code)" in sql
    assert sql.rstrip().endswith("COMMIT;")
    assert project.db.read_bytes() == before


def test_migrations_dir_with_awkward_characters(tmp_path):
    migrations = tmp_path / "my migrations, 100%: final"
    (migrations / "Aerodromes").mkdir(parents=True)
    graph = make_graph(paths={"Aerodromes": str(tmp_path / "airports.db")})
    graph.assign("sqlite_migrations_dir", str(migrations))
    v1 = airports()
    migrate.main(graph, v1.Base, "revision", "--autogenerate", "-m", "first")
    migrate.main(graph, v1.Base, "upgrade", "head")
    assert len(revisions(migrations / "Aerodromes")) == 1
    check_migration.main(graph, v1.Base)
    graph.sqlite.dispose_all()
