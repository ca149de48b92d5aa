"""Build the ribbon add-in (.xlam) and the macro-enabled template (.xlsm) on any OS.

The add-in starts from the template xlwings ships (``quickstart_addin_ribbon.xlam``, BSD
licensed): its ``xlwings`` VBA module (RunPython) is kept with the config sheet renamed to
``perfxl.conf``, its sample ribbon module is replaced by ``macros/perfxl.bas`` (pyOpenVBA writes
VBA modules in pure Python), and ``macros/customUI.xml`` becomes the ribbon. Zip entries get a
fixed date, so the same inputs give the same bytes.
"""

from __future__ import annotations

import importlib.util
import io
import re
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from perfxl.errors import PerfxlError
from perfxl.excel import INSTALL_HINT

MACROS = Path(__file__).resolve().parents[2] / "macros"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
RIBBON_MODULE = "PerfxlRibbon"
CONFIG_SHEET = "perfxl.conf"
UI_REL_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
UI_REL_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
ADDIN_CT = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_FIXED_DATE = (2024, 1, 1, 0, 0, 0)


def xlwings_template() -> Path:
    """The ribbon add-in template inside the installed xlwings package (not imported)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise PerfxlError(INSTALL_HINT)
    path = Path(next(iter(spec.submodule_search_locations))) / TEMPLATE_NAME
    if not path.is_file():
        raise PerfxlError(
            f"已安装的 xlwings 中没有 {TEMPLATE_NAME}，请升级：pip install -U xlwings"
        )
    return path


def macro_sources() -> tuple[str, bytes]:
    """The ribbon callbacks (VBA source) and the ribbon XML, from the repository's macros/."""
    bas = (MACROS / "perfxl.bas").read_text(encoding="utf-8")
    return bas, (MACROS / "customUI.xml").read_bytes()


def build_addin(
    out: Path, *, interpreter: str | None = None, pythonpath: str | None = None
) -> Path:
    """Write the perfxl ribbon add-in to ``out``.

    Args:
        out: the .xlam to write.
        interpreter: the Python interpreter for Windows (``Interpreter_Win``); empty means
            ``pythonw`` from PATH.
        pythonpath: extra folders for Python's module search path.
    """
    from pyopenvba import ExcelFile

    bas, ui = macro_sources()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "template.xlam"
        src.write_bytes(xlwings_template().read_bytes())
        mid = Path(tmp) / "vba.xlam"
        with ExcelFile(src) as wb:
            wb.vba_project().rename_module("RibbonMyAddin", RIBBON_MODULE)
            wb.set_module(RIBBON_MODULE, bas)
            wb.set_module("xlwings", _renamed_project(wb.get_module("xlwings")))
            wb.save(mid)
        data = mid.read_bytes()
    parts = _read_zip(data)
    parts["customUI/customUI.xml"] = ui
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(UI_REL_2007.encode(), UI_REL_2006.encode())
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    workbook = workbook.replace('name="_myaddin.conf"', f'name="{CONFIG_SHEET}"')
    workbook = re.sub(r"<mc:AlternateContent.*?</mc:AlternateContent>", "", workbook)
    parts["xl/workbook.xml"] = workbook.encode("utf-8")
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    parts["xl/worksheets/sheet1.xml"] = _set_config(sheet, interpreter, pythonpath).encode()
    _write_zip(out, parts)
    return out


def _renamed_project(source: str) -> str:
    """xlwings' module with PROJECT_NAME = perfxl: config sheet perfxl.conf, ~/.perfxl/perfxl.conf."""
    old = 'Public Const PROJECT_NAME As String = "myaddin"'
    if old not in source:
        raise PerfxlError(
            "xlwings 模板的 VBA 模块与预期不同（找不到 PROJECT_NAME），无法生成加载项。"
        )
    return source.replace(old, 'Public Const PROJECT_NAME As String = "perfxl"')


def _set_config(sheet_xml: str, interpreter: str | None, pythonpath: str | None) -> str:
    """Fill B1 (Interpreter_Win) and B3 (PYTHONPATH) of the template's config sheet."""
    for row, ref, value in ((1, "B1", interpreter), (3, "B3", pythonpath)):
        if not value:
            continue
        cell = f'<c r="{ref}" s="1" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        sheet_xml, n = re.subn(
            rf'(<row r="{row}" [^>]*>)(<c r="A{row}"[^>]*>.*?</c>)',
            lambda m, c=cell: m.group(1) + m.group(2) + c,  # type: ignore[misc]
            sheet_xml,
        )
        if n != 1:
            raise PerfxlError("xlwings 模板的配置表与预期不同，无法写入设置。")
        sheet_xml = sheet_xml.replace(f'<row r="{row}" spans="1:1"', f'<row r="{row}" spans="1:2"')
    return sheet_xml


def _read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _write_zip(out: Path, parts: dict[str, bytes]) -> None:
    from perfxl.write.atomic import atomic_path

    order = ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name])
