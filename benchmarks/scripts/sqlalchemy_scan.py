"""Peer: a plain SQLAlchemy 2.x ORM scan with `yield_per`, no microcosm."""

from common import Checksum, Work, arguments, report
from plain_airport import Airport, values
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

args = arguments()
engine = create_engine(f"sqlite:///file:{args['db']}?mode=ro&immutable=1&uri=true")
with Work() as work:
    with Session(engine) as session:
        airports = session.scalars(select(Airport).execution_options(yield_per=1000))
        checksum = Checksum().add(map(values, airports))
report(checksum, work.seconds)
