"""
Run the benchmarks and write the results table.

    python -m benchmarks.harness --sizes 100000 --runs 5 --original-python benchmarks/.venvs/original/bin/python

Every run of every contender is a whole process measured from outside; the contenders of a task
take turns (floor, ours, peer, ours, peer ... then the next round), so drift on a shared machine
hits them alike, and each figure is the median of the rounds. Any failure or checksum mismatch
stops the run: a table is only written from runs that agree.

"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks.contenders import (
    FAMILIES,
    FLOOR,
    ORIGINAL,
    OURS,
    POSTGRES,
    SCRIPTS,
    SHIPPED_ARTIFACT,
    TASKS,
    Contender,
    Task,
)
from benchmarks.data import Checksum, DataFiles, diff_expectation, generate, table_checksum, write_changed_csv
from benchmarks.measure import BenchmarkError, Measurement, Summary, run_script
from benchmarks.report import Result, describe_machine, load_average, render
from benchmarks.server import private_server, publish

HERE = Path(__file__).parent
SHM = Path("/dev/shm")
DEFAULT_BUILD_PARENT = SHM if SHM.is_dir() else Path(tempfile.gettempdir())
BUILDER_PENDING = "pending: `graph.sqlite_builder` (issue 3) is not installed in this library yet"


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...]
    runs: int
    warmup: int
    families: tuple[str, ...]
    tasks: tuple[str, ...]
    pythons: dict[str, str]
    data_dir: Path
    build_dir: Path
    #: How many calls each service-workload script makes.
    calls: int = 3_000


def has_builder(python: str) -> bool:
    """Whether the library under `python` registers the `sqlite_builder` factory."""
    probe = (
        "import sys; from importlib.metadata import entry_points; "
        "sys.exit(0 if entry_points(group='microcosm.factories', name='sqlite_builder') else 1)"
    )
    return subprocess.run([python, "-I", "-c", probe], cwd="/").returncode == 0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check(task: Task, contender: Contender, measurement: Measurement, expected: tuple[int, str]) -> None:
    found = (measurement.rows, measurement.checksum)
    if found != expected:
        raise BenchmarkError(
            f"{task.name}: {contender.label} returned {found[0]} rows with checksum {found[1]}, "
            f"expected {expected[0]} rows with checksum {expected[1]}"
        )


def build_artifact_file(data: DataFiles, settings: Settings, changed: bool = False) -> Path:
    """
    The generated CSV built into an artifact by this library's `build_artifact` (with its digest);
    `changed`: its copy with 1% of rows changed, for the diff task.

    """
    source = write_changed_csv(data) if changed else data.csv
    out = settings.build_dir / f"airports-{data.rows}{'-changed' if changed else ''}.artifact.db"
    if not out.exists():
        log(f"building {out.name} with build_artifact")
        script = SCRIPTS / "microcosm_artifact.py"
        completed = subprocess.run(
            [settings.pythons[OURS], str(script), f"csv={source}", f"out={out}"], capture_output=True, text=True
        )
        if completed.returncode != 0:
            raise BenchmarkError(f"{script.name} exited with {completed.returncode}:\n{completed.stderr[-3000:]}")
    return out


def run_task(
    task: Task,
    data: DataFiles,
    settings: Settings,
    pending: dict[Contender, str],
    artifact: Path | None = None,
    changed: Path | None = None,
    url: str | None = None,
) -> list[Result]:
    contenders = [
        contender for contender in task.contenders if contender.family in settings.families and contender not in pending
    ]
    if (task.artifact or task.pair) and (
        artifact is None or not any(contender.family == OURS for contender in contenders)
    ):
        return []
    if task.pair and changed is None:
        return []
    if task.server and url is None:
        return []
    measured: dict[Contender, list[Measurement]] = {contender: [] for contender in contenders}
    out_dir = settings.build_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    # Builds and scans must reproduce the generated data; lookups and start-up must agree with the floor;
    # first uses report the artifact's row count, counted after the timed work.
    expected = (data.rows, data.checksum) if task.per_size and not task.like_floor else None
    if task.artifact:
        expected = (data.rows, Checksum().value)
    if task.pair:
        expected = diff_expectation(data.rows)
    for round_ in range(settings.warmup + settings.runs):
        for contender in contenders:
            db = artifact if task.artifact and artifact is not None else data.db
            if task.server:
                db = url
            if task.shipped:
                db = SHIPPED_ARTIFACT
            arguments = {
                "db": str(db),
                "csv": str(data.csv),
                "rows": str(data.rows),
                "calls": str(settings.calls),
                **dict(contender.options),
            }
            if task.pair:
                arguments.update(a=str(artifact), b=str(changed))
            if task.builds:
                out = out_dir / f"{contender.family}.db"
                for leftover in (out, out.with_name(out.name + "-journal")):
                    leftover.unlink(missing_ok=True)
                arguments["out"] = str(out)
            measurement = run_script(settings.pythons[contender.family], contender.path, arguments)
            if task.builds:
                rows, checksum = table_checksum(out)
                measurement = Measurement(**{**measurement.__dict__, "rows": rows, "checksum": checksum})
                out.unlink()
            if expected is None:
                expected = (measurement.rows, measurement.checksum)
            check(task, contender, measurement, expected)
            warm = "warm-up" if round_ < settings.warmup else f"run {round_ - settings.warmup + 1}"
            log(
                f"  {task.name:<8} {data.rows:>9,} {contender.label:<30} {warm:<8} wall {measurement.wall:7.3f}s "
                f"work {measurement.work:7.3f}s peak {measurement.peak_mib:6.1f} MiB"
            )
            if round_ >= settings.warmup:
                measured[contender].append(measurement)
    file_bytes = artifact.stat().st_size if task.artifact and artifact is not None else None
    results = [
        Result(task, data.rows, contender, Summary.of(measured[contender]), file_bytes=file_bytes)
        for contender in contenders
    ]
    results += [
        Result(task, data.rows, contender, None, note)
        for contender, note in pending.items()
        if contender in task.contenders and contender.family in settings.families
    ]
    return results


def run(settings: Settings) -> list[Result]:
    pending: dict[Contender, str] = {}
    if OURS in settings.families and not has_builder(settings.pythons[OURS]):
        pending.update(
            {c: BUILDER_PENDING for task in TASKS if task.builds for c in task.contenders if c.family == OURS}
        )
    results: list[Result] = []
    on_server = POSTGRES in settings.families and any(task.server and task.name in settings.tasks for task in TASKS)
    with ExitStack() as stack:
        server = stack.enter_context(private_server(settings.build_dir.parent)) if on_server else None
        for index, size in enumerate(sorted(settings.sizes)):
            log(f"generating {size:,} rows in {settings.data_dir}")
            data = generate(settings.data_dir, size)
            chosen = [task for task in TASKS if task.name in settings.tasks and OURS in settings.families]
            wanted = any(task.artifact or task.pair for task in chosen)
            artifact = build_artifact_file(data, settings) if wanted else None
            changed = build_artifact_file(data, settings, changed=True) if any(task.pair for task in chosen) else None
            url = None
            if server is not None:
                log(f"publishing {size:,} rows on a private PostgreSQL server")
                url = publish(server, data)
            for task in TASKS:
                if task.name in settings.tasks and (task.per_size or index == 0):
                    results += run_task(task, data, settings, pending, artifact, changed, url)
    return results


def parse(argv: list[str] | None = None) -> tuple[Settings, Path]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.harness", description=__doc__.split("\n\n")[1])
    parser.add_argument("--sizes", default="100000", help="comma-separated row counts (default 100000)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per contender; the median is kept")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first (caches, bytecode)")
    parser.add_argument("--contenders", default=",".join(FAMILIES), help=f"families to run, from {','.join(FAMILIES)}")
    task_names = tuple(task.name for task in TASKS)
    parser.add_argument("--tasks", default=",".join(task_names), help=f"tasks to run, from {','.join(task_names)}")
    parser.add_argument("--python", default=sys.executable, help="interpreter with this library and the peers")
    parser.add_argument("--original-python", help="interpreter with microcosm-sqlite==2.0.0 installed")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=DEFAULT_BUILD_PARENT,
        help="where builds write, in a new temporary folder (default: a tmpfs, so that a disk shared "
        "with other jobs does not add its noise)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--calls", type=int, default=3_000, help="calls per service-workload script (default 3000)")
    args = parser.parse_args(argv)
    families = tuple(family.strip() for family in args.contenders.split(",") if family.strip())
    unknown = set(families) - set(FAMILIES)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}: choose from {','.join(FAMILIES)}")
    if FLOOR not in families:
        families = (FLOOR, *families)
    tasks = tuple(name.strip() for name in args.tasks.split(",") if name.strip())
    if set(tasks) - set(task_names):
        parser.error(f"unknown tasks {sorted(set(tasks) - set(task_names))}: choose from {','.join(task_names)}")
    # Absolute but not resolved: a venv's python is a symlink, and resolving it would leave the venv.
    pythons = {family: os.path.abspath(args.python) for family in FAMILIES}
    if ORIGINAL in families:
        if not args.original_python:
            parser.error("--original-python is required to run the original (or leave it out of --contenders)")
        pythons[ORIGINAL] = os.path.abspath(args.original_python)
    sizes = tuple(int(size.replace("_", "")) for size in args.sizes.split(","))
    args.build_dir.mkdir(parents=True, exist_ok=True)
    build_dir = Path(tempfile.mkdtemp(prefix="microcosm-sqlite-bench-", dir=args.build_dir))
    settings = Settings(sizes, args.runs, args.warmup, families, tasks, pythons, args.data_dir, build_dir, args.calls)
    return settings, args.out


def main(argv: list[str] | None = None) -> int:
    settings, out = parse(argv)
    load_at_start = load_average()
    try:
        results = run(settings)
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    finally:
        shutil.rmtree(settings.build_dir, ignore_errors=True)
    machine = {**describe_machine(settings.pythons, settings.families), "load_start": load_at_start}
    out.write_text(render(results, machine, settings))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
