"""Install perfxl with every direct dependency at its declared lower bound and run tests there.

pyproject.toml's ``>=`` bounds are promises to a user who installs perfxl beside older
libraries; this script checks them. It reads the bounds of ``[project] dependencies`` and of
the chosen extras (all of them by default), writes a pip constraints file pinning each one to
``name==lowest`` (markers evaluated for this machine, duplicates merged to the highest bound,
perfxl's own ``perfxl[...]`` self-reference left out), makes a throwaway venv outside the
checkout, installs ``-e '.[extras]'`` into it under those constraints (transitive dependencies
resolve freely, as pip would for a user), checks that each pin really was installed, then runs
pytest from the checkout with that venv's interpreter and the arguments after ``--``.

Slow (a fresh install, then the tests): run on demand, not in ``.ci/run``.

Two tests compare committed files byte for byte with a fresh build and so fail on any versions
but those the files were built with (openpyxl writes its own version into docProps/app.xml; the
.xlsm carries the VBA of the installed xlwings): tests/test_committed_workbooks.py and
test_addin_build.py::test_committed_xlsm_is_what_the_build_produces_today. Expected here;
``--deselect`` them.

Usage:
    .venv/bin/python tools/check_lowest.py -- tests/test_reader.py tests/test_preflight_package.py
    .venv/bin/python tools/check_lowest.py --reuse -- -x tests     # the venv is already there
    .venv/bin/python tools/check_lowest.py --print-constraints     # only show the pins
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ALL_EXTRAS = "dev,web,postgresql,parquet,xlwings"


def lower_bound(req: Requirement) -> Version | None:
    """The lowest version ``req`` allows (from ``>=``, ``==`` or ``~=``), or None without one."""
    bounds = [
        Version(spec.version)
        for spec in req.specifier
        if spec.operator in (">=", "==", "~=") and "*" not in spec.version
    ]
    return max(bounds) if bounds else None


def lowest_pins(pyproject: Path, extras: list[str]) -> tuple[dict[str, Version], list[str]]:
    """Map each direct dependency (for this machine) to its lower bound.

    Args:
        pyproject: the project's pyproject.toml.
        extras: the optional-dependency groups to include beside ``dependencies``.

    Returns:
        The pins by canonical name, and the requirements that have no lower bound.
    """
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = canonicalize_name(project["name"])
    texts: list[str] = list(project.get("dependencies", []))
    groups = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in groups:
            raise SystemExit(f"pyproject.toml has no extra {extra!r} (has: {', '.join(groups)})")
        texts.extend(groups[extra])
    pins: dict[str, Version] = {}
    unbounded: list[str] = []
    for text in texts:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        if name == own or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        low = lower_bound(req)
        if low is None:
            unbounded.append(text)
        else:
            pins[name] = max(low, pins.get(name, low))
    return pins, unbounded


def run(cmd: list[str], cwd: Path | None = None) -> None:
    """Run ``cmd``, echoing it; stop with its exit code when it fails."""
    print("+", " ".join(cmd), flush=True)
    code = subprocess.run(cmd, cwd=cwd, check=False).returncode
    if code:
        raise SystemExit(code)


def installed_versions(python: Path) -> dict[str, Version]:
    """What ``pip list`` reports in the venv of ``python``, by canonical name."""
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {canonicalize_name(row["name"]): Version(row["version"]) for row in json.loads(out)}


def main() -> None:
    """Parse the arguments, build (or reuse) the lowest venv, run pytest in it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path("/tmp/perfxl-lowest/venv"))
    parser.add_argument("--extras", default=ALL_EXTRAS, help=f"comma-separated ({ALL_EXTRAS})")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    parser.add_argument("--reuse", action="store_true", help="keep an existing venv as it is")
    parser.add_argument("--print-constraints", action="store_true")
    parser.add_argument("pytest_args", nargs="*", help="after --: what pytest runs")
    args = parser.parse_args()

    extras = [e for e in args.extras.split(",") if e]
    pins, unbounded = lowest_pins(ROOT / "pyproject.toml", extras)
    constraints = "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))
    if args.print_constraints:
        print(constraints, end="")
        for text in unbounded:
            print(f"# no lower bound: {text}")
        return
    venv = args.venv.resolve()
    if venv.is_relative_to(ROOT):
        raise SystemExit(f"the venv must lie outside the checkout: {venv}")
    python = venv / "bin" / "python"
    if not (args.reuse and python.exists()):
        venv.parent.mkdir(parents=True, exist_ok=True)
        constraints_file = venv.parent / "constraints-lowest.txt"
        constraints_file.write_text(constraints, encoding="utf-8")
        run([args.python, "-m", "venv", "--clear", str(venv)])
        spec = f".[{','.join(extras)}]" if extras else "."
        run(
            [str(python), "-m", "pip", "install", "-q", "-c", str(constraints_file), "-e", spec],
            cwd=ROOT,
        )
    have = installed_versions(python)
    off = {name: have.get(name) for name, want in pins.items() if have.get(name) != want}
    for name, want in sorted(pins.items()):
        mark = "" if name not in off else f"   <- installed {off[name]}"
        print(f"  {name}=={want}{mark}")
    if off:
        raise SystemExit("some pins were not installed as asked (see above)")
    if args.pytest_args:
        run([str(python), "-m", "pytest", "-p", "no:cacheprovider", *args.pytest_args], cwd=ROOT)


if __name__ == "__main__":
    main()
