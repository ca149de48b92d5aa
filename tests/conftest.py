"""Shared fixtures: paths from __file__, the example workbook, LibreOffice headless."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXAMPLE_JSON = EXAMPLES / "suying-2023.json"
EXAMPLE_XLSX = EXAMPLES / "suying-2023.xlsx"


@pytest.fixture(scope="session")
def example_data() -> dict[str, Any]:
    """The whole seed as data (a fresh copy per session)."""
    data: dict[str, Any] = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def example_book(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """The example workbook generated from the example data, in a temp folder."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    out = tmp_path_factory.mktemp("example") / "suying-2023.xlsx"
    write_new(Targets.from_dict(example_data), out)
    return out


def soffice() -> str:
    """The LibreOffice binary; fails (never skips) when it is missing."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice headless is missing: run `bash tools/ensure-system-deps.sh`")
    return exe


def convert(files: list[Path], fmt: str, outdir: Path, *, timeout: int = 180) -> list[Path]:
    """Convert files with LibreOffice headless (one process, a private profile).

    ``fmt`` is a LibreOffice filter spec such as ``pdf`` or ``csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1``.
    Returns the converted files, asserting each exists.
    """
    profile = Path("/tmp") / f"perfxl-lo-{uuid.uuid4().hex}"
    cmd = [
        soffice(),
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    ext = fmt.split(":")[0]
    outs = []
    for f in files:
        candidates = sorted(outdir.glob(f"{f.stem}*.{ext}"))
        assert candidates, f"LibreOffice wrote no {ext} for {f.name}: {proc.stdout} {proc.stderr}"
        outs.extend(candidates)
    return outs
