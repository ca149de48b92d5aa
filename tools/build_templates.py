"""Regenerate the committed workbooks that are built by code: the blank template, the example
and the macro-enabled template with the ribbon (``perfxl addin build --xlsm``; needs xlwings,
whose add-in template it starts from).

Usage: python tools/build_templates.py   (tests check the committed files equal a fresh build)
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
XLSM = ROOT / "templates" / "perfxl-模板.xlsm"
TEMPLATE_PROJECTS = 5


def build(template_out: Path = TEMPLATE, example_out: Path = EXAMPLE_XLSX) -> None:
    """Write the blank template and the example workbook."""
    template(template_out, projects=TEMPLATE_PROJECTS)
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    write_new(Targets.from_dict(data), example_out)


def build_macro_template(out: Path = XLSM) -> None:
    """Write the macro-enabled template with the ribbon (its buttons from perfxl/excel/macros),
    as ``perfxl addin build --xlsm`` does, without the stamp the command adds to say the file
    is its output (`perfxl.write.patch.stamp`): a committed file, as the template above."""
    from perfxl.excel.addin import build_xlsm

    build_xlsm(out)


if __name__ == "__main__":
    build()
    build_macro_template()
    done = (TEMPLATE, EXAMPLE_XLSX, XLSM)
    print("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in done))
