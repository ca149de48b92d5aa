"""The compiled build: ``PERFXL_MYPYC=1`` compiles the modules named in pyproject.toml's
``[tool.perfxl.compiled]`` with mypyc (issue 17: the per-workbook path of a consolidation;
a cold consolidation takes about a tenth less CPU). Without it the wheel is pure Python, the
same package. Everything
else about the package is in pyproject.toml.

    PERFXL_MYPYC=1 pip wheel --no-deps -w dist .     # a compiled wheel for this platform
    pip wheel --no-deps -w dist .                     # the pure wheel
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def compiled_modules() -> list[str]:
    """The module files the compiled build compiles, as pyproject.toml lists them."""
    conf = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    return list(conf["tool"]["perfxl"]["compiled"]["modules"])


def ext_modules() -> list:
    """mypyc's extension modules when PERFXL_MYPYC=1, else none."""
    if os.environ.get("PERFXL_MYPYC", "") != "1":
        return []
    from mypyc.build import mypycify

    return mypycify(compiled_modules(), opt_level="3")


setup(ext_modules=ext_modules())
