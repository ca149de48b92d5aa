"""A workbook's zip parts for comparing two writes of it (tests only)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*")


def parts(path: Path) -> dict[str, bytes]:
    """Every part of the workbook, the document's created/modified times stripped."""
    with zipfile.ZipFile(path) as z:
        out = {n: z.read(n) for n in z.namelist()}
    if "docProps/core.xml" in out:
        out["docProps/core.xml"] = _TIMES.sub(rb"\1", out["docProps/core.xml"])
    return out
