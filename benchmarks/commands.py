"""Timing perfxl's commands as a user runs them (shared by the benchmarks; not one itself).

A command is timed as a new process, start-up and imports included, with a bytecode cache (a
temporary ``PYTHONPYCACHEPREFIX``, filled by one untimed run), as an installed perfxl runs:
with ``PYTHONDONTWRITEBYTECODE`` set (as on the development machines) perfxl's own modules
would be compiled from source on every run (~75 ms) while the libraries' installed ``.pyc``
files are used, which would compare unlike things.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from pathlib import Path


def command_env(pycache: Path) -> dict[str, str]:
    """The environment of the timed commands: bytecode cached under ``pycache``."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def command_ms(
    cmd: list[str], repeat: int, env: dict[str, str], *, check: bool = True
) -> tuple[float, float]:
    """Median wall and CPU milliseconds (user + system of the child) of a command.

    One untimed run first, so the bytecode cache is written before the timed runs.
    ``check``: a failing command stops the benchmark (off for a command whose exit code
    tells the problems it found).
    """
    subprocess.run(cmd, check=check, capture_output=True, env=env)
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=check, capture_output=True, env=env)
        walls.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)
