"""Not a contender: build the artifact the first-use task opens, with `build_artifact` (so it carries a digest)."""

from airports import Airport, Airports
from common import arguments

from microcosm_sqlite.artifacts import build_artifact

args = arguments()
build_artifact(args["out"], Airports, [(Airport, args["csv"])])
