"""
Publishing an artifact to PostgreSQL, against a plain psycopg COPY of the same rows from the same file.

    python -m benchmarks.publish --rows 1000000 --runs 3

Starts its own PostgreSQL server (`pgserver`, in a temporary folder). Each run of each contender
is a whole process measured from outside, loading into a schema of its own; the two take turns,
and the figures are the medians. Every run's table is read back and checksummed: a contender
that loaded other rows fails the benchmark. The targets: publish within 1.5x the COPY's wall
time, under 100 MiB peak.

"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from benchmarks.data import generate
from benchmarks.measure import BenchmarkError, Measurement, run_script
from benchmarks.report import describe_machine, load_average

HERE = Path(__file__).parent
SCRIPTS = HERE / "scripts"
CONTENDERS = {"psycopg COPY (floor)": SCRIPTS / "psycopg_copy.py", "publish_artifact": SCRIPTS / "microcosm_publish.py"}
MAX_RATIO = 1.5
MAX_PEAK_MIB = 100.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_back(url: str, schema: str) -> tuple[int, str]:
    """The row count and checksum of what a run loaded, read in key order."""
    sys.path.insert(0, str(SCRIPTS))
    import psycopg
    from common import COLUMNS, TABLE, Checksum

    checksum = Checksum()
    with psycopg.connect(url) as connection, connection.cursor(name="read_back") as cursor:
        cursor.itersize = 10_000
        cursor.execute(f'SELECT {", ".join(COLUMNS)} FROM "{schema}".{TABLE} ORDER BY id')
        checksum.add(cursor)
    return checksum.rows, checksum.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.publish", description=__doc__.split("\n\n")[1])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="interpreter with this library, psycopg and pgserver")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    args = parser.parse_args(argv)
    load_at_start = load_average()
    data = generate(args.data_dir, args.rows)
    artifact = args.data_dir / f"airports-{args.rows}.artifact.db"
    if not artifact.exists():
        log(f"building {artifact.name} with build_artifact")
        subprocess.run(
            [args.python, str(SCRIPTS / "microcosm_artifact.py"), f"csv={data.csv}", f"out={artifact}"], check=True
        )
    folder = Path(tempfile.mkdtemp(prefix="microcosm-sqlite-publish-bench-"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pgserver

        server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        url = server.get_uri()
        measured: dict[str, list[Measurement]] = {name: [] for name in CONTENDERS}
        for round_ in range(args.runs):
            for index, (name, script) in enumerate(CONTENDERS.items()):
                schema = f"run_{round_}_{index}"
                measurement = run_script(args.python, script, {"db": str(artifact), "url": url, "schema": schema})
                loaded = read_back(url, schema)
                if loaded != (data.rows, data.checksum):
                    raise BenchmarkError(f"{name} loaded {loaded}, expected {(data.rows, data.checksum)}")
                server.psql(f'DROP SCHEMA "{schema}" CASCADE')
                measured[name].append(measurement)
                log(
                    f"  {name:<22} run {round_ + 1}: wall {measurement.wall:6.2f}s peak {measurement.peak_mib:6.1f} MiB"
                )
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    floor, ours = (statistics.median(m.wall for m in measured[name]) for name in CONTENDERS)
    peak = statistics.median(m.peak_mib for m in measured["publish_artifact"])
    machine = describe_machine({"ours": args.python}, ("ours",))
    print(
        f"Publish {args.rows:,} rows (medians of {args.runs} runs; {machine.get('cpu', '?')}; "
        f"load {load_at_start} at start)\n"
    )
    print("| contender | wall s | peak MiB |")
    print("|---|---:|---:|")
    for name, measurements in measured.items():
        wall = statistics.median(m.wall for m in measurements)
        print(f"| {name} | {wall:.2f} | {statistics.median(m.peak_mib for m in measurements):.1f} |")
    ratio = ours / floor
    met = ratio <= MAX_RATIO and peak <= MAX_PEAK_MIB
    print(
        f"\npublish / COPY: {ratio:.2f}x (target ≤ {MAX_RATIO}x), peak {peak:.1f} MiB (target < {MAX_PEAK_MIB:.0f} MiB): "
        f"{'met' if met else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
