"""Baseline on PostgreSQL: `session.get(Airport, id)` for each id, plain SQLAlchemy."""

from common import Checksum, Work, arguments, lookup_ids, report
from plain_airport import Airport, values
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

args = arguments()
ids = lookup_ids(int(args["rows"]))
engine = create_engine(args["db"], execution_options={"schema_translate_map": {None: "airports"}})
with Work() as work:
    with Session(engine) as session:
        checksum = Checksum().add(values(session.get(Airport, id_)) for id_ in ids)
report(checksum, work.seconds)
