"""The suite's private PostgreSQL server answers, one database per module."""

from sqlalchemy import create_engine, text


def test_each_module_gets_an_empty_database_of_its_own(postgres_url):
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("select current_database()")).scalar() == "test_postgres_server"
            tables = connection.execute(text("select count(*) from pg_tables where schemaname = 'public'")).scalar()
            assert tables == 0
    finally:
        engine.dispose()
