"""Ours: the artifact published with `publish_artifact` (digest check, staging schema, COPY, indexes, swap)."""

from airports import Airports
from common import Checksum, Work, arguments, report

from microcosm_sqlite.artifacts import publish_artifact

args = arguments()
with Work() as work:
    publication = publish_artifact(args["db"], args["url"], Airports, schema=args["schema"], keep=0)
checksum = Checksum()
checksum.rows = sum(publication.rows.values())
report(checksum, work.seconds)
