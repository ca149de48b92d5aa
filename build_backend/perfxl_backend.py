"""perfxl's build backend: setuptools' own, which also asks for mypy (the compiler) when the
compiled build is asked for (``PERFXL_MYPYC=1``, see setup.py), so that

    PERFXL_MYPYC=1 pip wheel --no-deps -w dist .

works in pip's isolated build environment. An editable install is always pure Python: the
extension modules would sit beside the sources and shadow every edit.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the whole PEP 517/660 interface)

COMPILER = "mypy>=1.10"


def compiled() -> bool:
    """Whether this build compiles (``PERFXL_MYPYC=1``)."""
    return os.environ.get("PERFXL_MYPYC", "") == "1"


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    """setuptools' requirements; mypy alone when the build compiles (setuptools finds its
    requirements by running setup.py, which would import mypyc before it is installed;
    setup.py asks for nothing more)."""
    if compiled():
        return [COMPILER]
    return list(_setuptools.get_requires_for_build_wheel(config_settings))


_NO_EDITABLE = (
    "PERFXL_MYPYC=1 builds a wheel (pip wheel / pip install .), not an editable install: the "
    "extension modules would shadow every edit of the sources"
)


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    """setuptools' requirements; refused when asked compiled (see `build_editable`)."""
    if compiled():
        raise SystemExit(_NO_EDITABLE)
    return list(_setuptools.get_requires_for_build_editable(config_settings))


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """setuptools' editable wheel, refused when asked compiled."""
    if compiled():
        raise SystemExit(_NO_EDITABLE)
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
