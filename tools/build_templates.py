"""Regenerate the committed workbooks that are built by code: the blank template and the example.

Usage: python tools/build_templates.py   (a test checks the committed files equal a fresh build)
"""

from __future__ import annotations

import json
from pathlib import Path

from perfxl.model import Targets
from perfxl.write.fill import template, write_new

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "perfxl-template.xlsx"
EXAMPLE_JSON = ROOT / "examples" / "suying-2023.json"
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"
TEMPLATE_PROJECTS = 5


def build(template_out: Path = TEMPLATE, example_out: Path = EXAMPLE_XLSX) -> None:
    """Write the blank template and the example workbook."""
    template(template_out, projects=TEMPLATE_PROJECTS)
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    write_new(Targets.from_dict(data), example_out)


if __name__ == "__main__":
    build()
    print(f"wrote {TEMPLATE.relative_to(ROOT)} and {EXAMPLE_XLSX.relative_to(ROOT)}")
