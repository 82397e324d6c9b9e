"""
Turning measurements into `RESULTS.md`: the machine, the table, and each target met or not.

"""

import datetime
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.contenders import ORIGINAL, TASKS, Contender, Task
from benchmarks.measure import Summary

VERSIONS_PROBE = """
import platform, sqlite3
try:
    import sqlalchemy; sa = sqlalchemy.__version__
except ImportError:
    sa = "-"
try:
    from importlib.metadata import version; lib = version("microcosm-sqlite")
except Exception:
    lib = "-"
print(platform.python_version(), sqlite3.sqlite_version, sa, lib, sep="|")
"""


@dataclass(frozen=True)
class Result:
    task: Task
    size: int
    contender: Contender
    summary: Summary | None
    note: str = ""
    file_bytes: int | None = None  # the artifact a first-use task opened


@dataclass(frozen=True)
class Target:
    """
    `contender` within `max_ratio` of `versus`, or under `max_mib` at `size` rows, or costing at most
    `max_seconds_per_100_mib` more than `versus` per 100 MiB of the artifact it opened.

    """

    title: str
    task: str
    contender: str
    versus: str | None = None
    max_ratio: float | None = None
    max_mib: float | None = None
    size: int | None = None
    #: What `contender` costs more than `versus`, in seconds per 100 MiB of the file it opened.
    max_seconds_per_100_mib: float | None = None


TARGETS = (
    Target("build ≤ 1.5x sqlite3", "build", "ours csv().build()", "sqlite3 executemany", max_ratio=1.5),
    Target("build < 100 MiB at 1M rows", "build", "ours csv().build()", max_mib=100, size=1_000_000),
    Target("scan ≤ 1.1x SQLAlchemy yield_per", "scan", "ours search() models", "SQLAlchemy ORM yield_per", 1.1),
    Target("scan < 64 MiB at 1M rows", "scan", "ours search() models", max_mib=64, size=1_000_000),
    Target("row mode ≤ 2.5x sqlite3", "scan", "ours search().rows()", "sqlite3 cursor", max_ratio=2.5),
    Target(
        "digest at first use ≤ 0.5 s per 100 MiB",
        "firstuse",
        "ours first use, digest checked",
        "ours first use, check_digest off",
        max_seconds_per_100_mib=0.5,
    ),
    Target("diff ≤ 3x sqlite3 EXCEPT", "diff", "ours diff_artifacts()", "sqlite3 EXCEPT, both attached", max_ratio=3),
    Target("lookups ≤ 5x sqlite3", "lookup", "ours one(id=...)", "sqlite3 SELECT by id", max_ratio=5),
    Target("start-up no slower than the original", "startup", "ours", "original 2.0", max_ratio=1.0),
    # The figures: under 0.3 s where sqlite-utils takes 0.2 s.
    Target("CLI --help ≤ 1.5x sqlite-utils", "cli", "ours --help", "sqlite-utils --help", max_ratio=1.5),
    Target("CLI --version ≤ 1.5x sqlite-utils", "cli", "ours --version", "sqlite-utils --version", max_ratio=1.5),
    Target(
        "PostgreSQL scan ≤ 1.1x SQLAlchemy yield_per + stream_results",
        "pgscan",
        "ours search() models on PostgreSQL",
        "SQLAlchemy ORM yield_per + stream_results",
        max_ratio=1.1,
    ),
    Target(
        "PostgreSQL scan < 64 MiB at 1M rows",
        "pgscan",
        "ours search() models on PostgreSQL",
        max_mib=64,
        size=1_000_000,
    ),
    Target(
        "PostgreSQL lookups ≤ 1.5x session.get",
        "pglookup",
        "ours one(id=...) on PostgreSQL",
        "SQLAlchemy session.get",
        max_ratio=1.5,
    ),
    Target("scan of models ≤ 3x sqlite3", "scan", "ours search() models", "sqlite3 cursor", max_ratio=3),
    *(
        target
        for suffix in ("", "-gen")
        for target in (
            *(
                target
                for task in (f"svc-search{suffix}", f"svc-filter{suffix}")
                for target in (
                    Target("small search ≤ 4x sqlite3", task, "ours search()", "sqlite3 same SELECT", max_ratio=4),
                    Target("small search ≤ select()", task, "ours search()", "SQLAlchemy select()", max_ratio=1.0),
                )
            ),
            Target(
                "one() by key ≤ 3x sqlite3",
                f"svc-one{suffix}",
                "ours one(), own _order_by",
                "sqlite3 SELECT by key",
                max_ratio=3,
            ),
            Target(
                "one() by key, own _filter, ≤ session.get",
                f"svc-one{suffix}",
                "ours one(), own _filter",
                "SQLAlchemy session.get",
                max_ratio=1.0,
            ),
            Target(
                "one() by unique column ≤ 3x sqlite3",
                f"svc-unique{suffix}",
                "ours one(), own _order_by",
                "sqlite3 SELECT by column",
                max_ratio=3,
            ),
            Target(
                "one() by unique column, own _filter, ≤ select()",
                f"svc-unique{suffix}",
                "ours one(), own _filter",
                "SQLAlchemy select().where()",
                max_ratio=1.0,
            ),
        )
    ),
    Target("first call no slower than the original", "firstcall", "ours", "original 2.0", max_ratio=1.0),
)


HUNDRED_MIB = 100 * 1024 * 1024


def load_average() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def _command(*command: str, cwd: str | None = None) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=cwd).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def describe_machine(pythons: dict[str, str], families: tuple[str, ...]) -> dict[str, Any]:
    """What the figures were measured on: CPU, memory, and the versions each interpreter runs."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    memory = next((line for line in _command("free", "-m").splitlines() if line.startswith("Mem:")), "unknown")
    interpreters = {}
    for family in families:
        python = pythons[family]
        key = "original 2.0 venv" if family == ORIGINAL else "this library's venv"
        if key not in interpreters:
            # Isolated (-I) and from the root folder: a source checkout in the working folder must not
            # be taken for the installed library.
            fields = _command(python, "-I", "-c", VERSIONS_PROBE, cwd="/").split("|")
            interpreters[key] = dict(zip(("Python", "SQLite", "SQLAlchemy", "microcosm-sqlite"), fields))
    return {
        "cpu": f"{models[0] if models else 'unknown'} ({_command('nproc')} CPUs available, {len(models)} listed)",
        "memory": f"{memory.split()[1]} MiB total (free -m)" if memory != "unknown" else memory,
        "load": load_average(),
        "commit": _command("git", "rev-parse", "--short", "HEAD"),
        "interpreters": interpreters,
    }


def _find(results: list[Result], task: str, label: str, size: int | None) -> Result | None:
    return next(
        (r for r in results if r.task.name == task and r.contender.label == label and (size is None or r.size == size)),
        None,
    )


def _ratio(result: Result, floor: Result | None, attribute: str) -> str:
    if result.summary is None or floor is None or floor.summary is None:
        return "–"
    return f"{getattr(result.summary, attribute) / getattr(floor.summary, attribute):.2f}x"


def _verdicts(results: list[Result]) -> list[str]:
    lines = [
        "| target | rows | wall, whole process | CPU, whole process | work CPU, task only | met? |",
        "|---|---|---|---|---|---|",
    ]
    for target in TARGETS:
        sizes = sorted({r.size for r in results if r.task.name == target.task})
        if target.size is not None and target.size not in sizes:
            lines.append(f"| {target.title} | {target.size:,} | – | – | – | not measured (run `make bench-full`) |")
            continue
        for size in [target.size] if target.size is not None else sizes:
            ours = _find(results, target.task, target.contender, size)
            if ours is None:
                continue
            if ours.summary is None:
                lines.append(f"| {target.title} | {size:,} | – | – | – | {ours.note} |")
                continue
            if target.max_mib is not None:
                figure = f"{ours.summary.peak_mib:.1f} MiB"
                met = ours.summary.peak_mib < target.max_mib
                lines.append(
                    f"| {target.title} | {size:,} | {figure} (peak RSS) | – | – | {'met' if met else 'NOT met'} |"
                )
                continue
            versus = _find(results, target.task, target.versus or "", size)
            if versus is None or versus.summary is None:
                lines.append(f"| {target.title} | {size:,} | – | – | – | not measured ({target.versus} not run) |")
                continue
            if target.max_seconds_per_100_mib is not None and ours.file_bytes:
                scale = HUNDRED_MIB / ours.file_bytes
                wall = (ours.summary.wall - versus.summary.wall) * scale
                cpu = (ours.summary.cpu - versus.summary.cpu) * scale
                work = (ours.summary.work - versus.summary.work) * scale
                limit, unit = target.max_seconds_per_100_mib, " s"
            else:
                wall = ours.summary.wall / versus.summary.wall
                cpu = ours.summary.cpu / versus.summary.cpu
                work = ours.summary.work / versus.summary.work
                limit, unit = target.max_ratio or 0.0, "x"
            measures = (("wall", wall), ("CPU", cpu), ("work CPU", work))
            met = [name for name, figure in measures if figure <= limit]
            missed = [name for name, figure in measures if figure > limit]
            if not missed:
                verdict = "met"
            elif not met:
                verdict = "NOT met"
            else:
                verdict = f"mixed: met on {', '.join(met)}; NOT on {', '.join(missed)}"
            if unit == "x":
                lines.append(f"| {target.title} | {size:,} | {wall:.2f}x | {cpu:.2f}x | {work:.2f}x | {verdict} |")
            else:
                lines.append(
                    f"| {target.title} | {size:,} | {wall:.3f}{unit} | {cpu:.3f}{unit} | {work:.3f}{unit} | {verdict} |"
                )
    return lines


def _table(results: list[Result], task: Task, size: int) -> list[str]:
    rows = [r for r in results if r.task is task and r.size == size]
    if not rows:
        return []
    floor = next((r for r in rows if r.contender == task.floor), None)
    title = f"### {task.title}, {size:,} rows" if task.per_size else f"### {task.title} (data: {size:,} rows)"
    file_bytes = next((r.file_bytes for r in rows if r.file_bytes), None)
    if file_bytes:
        title += f" ({file_bytes / 1024 / 1024:.1f} MiB artifact)"
    lines = [
        title,
        "",
        "| contender | wall s | × floor | CPU s | × floor | work CPU s | × floor | peak RSS MiB | runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in rows:
        s = result.summary
        if s is None:
            lines.append(f"| {result.contender.label} | {result.note} | | | | | | | |")
            continue
        lines.append(
            f"| {result.contender.label} | {s.wall:.3f} | {_ratio(result, floor, 'wall')} | {s.cpu:.3f} "
            f"| {_ratio(result, floor, 'cpu')} | {s.work:.3f} | {_ratio(result, floor, 'work')} | {s.peak_mib:.1f} "
            f"| {s.runs} |"
        )
    return [*lines, ""]


def render(results: list[Result], machine: dict[str, Any], settings: Any) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks.harness` (`make bench` / `make bench-full`) on {now}, commit "
        f"`{machine['commit']}`. See docs/benchmarks.md for what is measured and how.",
        "",
        "Each figure is the median of "
        f"{settings.runs} whole-process runs (after {settings.warmup} warm-up round(s)), the contenders of a task "
        "taking turns. *wall*: the whole process, timed from outside (interpreter start, imports, work, exit); "
        "*CPU* (user + system) and *peak RSS*: the whole process, from the child's own `wait4` resource usage; "
        "*work CPU*: the task alone, after imports and set-up, timed by the script with `process_time()`. "
        "Ratios are against the floor (first row) of the same run. A target is *met* when all three ratios "
        "are within it: the machine is shared, and wall time also counts the waits for a CPU. "
        "Every contender's row count and checksum matched.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}",
        f"- memory: {machine['memory']}",
        f"- load average (1, 5, 15 min) at the start: {machine['load_start']}; at the end: {machine['load']}",
    ]
    for name, versions in machine["interpreters"].items():
        lines.append(f"- {name}: " + ", ".join(f"{key} {value}" for key, value in versions.items()))
    lines += ["", "## Targets", "", *_verdicts(results), "", "## Figures", ""]
    for size in sorted({r.size for r in results}):
        for task in TASKS:
            lines += _table(results, task, size)
    return "\n".join(lines) + "\n"
