"""
Running one script as a whole process and measuring it from outside.

`os.wait4` returns the resource usage of exactly that child, so peak RSS is the child's own, not
the maximum over every child so far (which is all `getrusage(RUSAGE_CHILDREN).ru_maxrss` can give).

"""

import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class BenchmarkError(Exception):
    """A contender failed, or printed a row count or checksum that differs from the expected one."""


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds, whole process, perf_counter around it
    work: float  # CPU seconds of the task alone, as the script timed it
    cpu: float  # seconds, user + system, of the child
    peak_mib: float  # maximum resident set size of the child
    rows: int
    checksum: str


@dataclass(frozen=True)
class Summary:
    """The medians of several runs of one contender."""

    wall: float
    work: float
    cpu: float
    peak_mib: float
    runs: int

    @classmethod
    def of(cls, measurements: list[Measurement]) -> "Summary":
        return cls(
            wall=statistics.median(m.wall for m in measurements),
            work=statistics.median(m.work for m in measurements),
            cpu=statistics.median(m.cpu for m in measurements),
            peak_mib=statistics.median(m.peak_mib for m in measurements),
            runs=len(measurements),
        )


def run_script(python: str, script: Path, arguments: dict[str, str]) -> Measurement:
    """Run `python script key=value...` to completion; fail loudly if it fails."""
    command = [python, str(script), *(f"{key}={value}" for key, value in arguments.items())]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        output = stdout.read().decode(errors="replace")
        errors = stderr.read().decode(errors="replace")
    if process.returncode != 0:
        raise BenchmarkError(f"{' '.join(command)} exited with {process.returncode}:\n{errors[-3000:]}")
    try:
        result = json.loads(output.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise BenchmarkError(f"{' '.join(command)} printed no result line:\n{output[-1000:]}{errors[-1000:]}") from None
    return Measurement(
        wall=wall,
        work=float(result["work_s"]),
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
        rows=int(result["rows"]),
        checksum=str(result["checksum"]),
    )
