"""Baseline on PostgreSQL: a plain SQLAlchemy ORM scan with `yield_per` and `stream_results` (a server-side cursor)."""

from common import Checksum, Work, arguments, report
from plain_airport import Airport, values
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

args = arguments()
engine = create_engine(args["db"], execution_options={"schema_translate_map": {None: "airports"}})
with Work() as work:
    with Session(engine) as session:
        airports = session.scalars(select(Airport).execution_options(yield_per=1000, stream_results=True))
        checksum = Checksum().add(map(values, airports))
report(checksum, work.seconds)
