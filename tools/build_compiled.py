"""Build perfxl's compiled wheel (``PERFXL_MYPYC=1``, setup.py) and unpack it into a folder, for
the benchmarks and the tests that run the compiled build beside the pure one.

The sources (perfxl/, pyproject.toml, setup.py, build_backend/, README.md) are copied to a
temporary folder first and built there, so that the checkout gets no ``build/`` folder, two
builds never share one, and what is measured is the code as it was when the copy was taken.
The build uses this environment's setuptools and mypy (``--no-build-isolation``: the dev
extra has both), so it needs no network; it takes a few minutes (mypyc and gcc -O3).

    .venv/bin/python tools/build_compiled.py DEST     # DEST/perfxl/*.so; PYTHONPATH=DEST
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("perfxl", "build_backend", "pyproject.toml", "setup.py", "README.md")


def compiled_modules(root: Path = ROOT) -> list[str]:
    """The dotted names of the modules the compiled build compiles (pyproject.toml's
    ``[tool.perfxl.compiled]``, which setup.py reads too)."""
    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    files = conf["tool"]["perfxl"]["compiled"]["modules"]
    return [f.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for f in files]


def build(dest: Path, root: Path = ROOT) -> float:
    """The compiled wheel of ``root`` unpacked into ``dest`` (made, or emptied first); the
    seconds the build took.

    Raises:
        SystemExit: the build failed (its output's tail in the message).
    """
    with tempfile.TemporaryDirectory(prefix="perfxl-compiled-src-") as tmp:
        src, wheels = Path(tmp) / "src", Path(tmp) / "wheels"
        src.mkdir()
        for name in SOURCES:
            path = root / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, src / name)
        env = {**os.environ, "PERFXL_MYPYC": "1"}
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        t0 = time.perf_counter()
        proc = subprocess.run(
            [*cmd, "-q", "-w", str(wheels), str(src)],
            cwd=src,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - t0
        built = sorted(wheels.glob("perfxl-*.whl"))
        if proc.returncode or len(built) != 1:
            raise SystemExit(
                f"the compiled build failed ({proc.returncode}):\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        with zipfile.ZipFile(built[0]) as whl:
            whl.extractall(dest)
    return took


def main(argv: list[str]) -> int:
    """``build_compiled.py DEST``: build, unpack, say where and how long."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(argv[0]).resolve()
    took = build(dest)
    print(f"compiled perfxl in {dest} ({took:.0f} s); run it with PYTHONPATH={dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
