"""Ours: `diff_artifacts` of two artifacts, every differing key kept (as `diff --keys N` would)."""

from common import Checksum, Work, arguments, report

from microcosm_sqlite.artifacts.diff import diff_artifacts

args = arguments()
with Work() as work:
    result = diff_artifacts(args["a"], args["b"], sample_size=int(args["rows"]))
checksum = Checksum()
for table in result.tables:
    for keys in table.samples.values():
        checksum.rows += len(keys)
        checksum.total += sum(key[0] for key in keys)
report(checksum, work.seconds)
