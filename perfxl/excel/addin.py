"""Build the ribbon add-in (.xlam) and the macro-enabled template (.xlsm) on any OS.

The add-in starts from the template xlwings ships (``quickstart_addin_ribbon.xlam``, BSD
licensed): its ``xlwings`` VBA module (RunPython) is kept with the config sheet renamed to
``perfxl.conf``, its sample ribbon module is replaced by ``perfxl/excel/macros/perfxl.bas``
(pyOpenVBA writes VBA modules in pure Python), and ``perfxl/excel/macros/customUI.xml`` becomes
the ribbon. The macros ship as package data, so an installed perfxl builds too.

The macro-enabled workbook (.xlsm) is the standard workbook (:func:`perfxl.write.fill.template`)
with the add-in's VBA project and ribbon: for offices that do not install add-ins. It has no
config sheet (a foreign sheet in a perfxl workbook); xlwings then reads ``perfxl.conf`` beside
the workbook or ``%USERPROFILE%\\.perfxl\\perfxl.conf``, else runs ``pythonw`` from PATH.

Zip entries get a fixed date and the document properties a fixed time, so the same inputs give
the same bytes.
"""

from __future__ import annotations

import importlib.util
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from perfxl.errors import PerfxlError
from perfxl.excel import INSTALL_HINT

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


VBA_HINT = '生成加载项需要 pyopenvba（写入 VBA 宏）。请在命令行执行：pip install "perfxl[xlwings]"'


def _vba_editor() -> Any:
    """pyopenvba's ``ExcelFile`` (it writes the add-in's VBA project).

    Raises:
        PerfxlError: pyopenvba is not installed (the message says how to install it).
    """
    try:
        from pyopenvba import ExcelFile
    except ImportError as exc:
        raise PerfxlError(VBA_HINT) from exc
    return ExcelFile


def macro_sources() -> tuple[str, bytes]:
    """The ribbon callbacks (VBA source) and the ribbon XML (package data ``excel/macros``)."""
    macros = resources.files("perfxl.excel") / "macros"
    bas = (macros / "perfxl.bas").read_text(encoding="utf-8")
    return bas, (macros / "customUI.xml").read_bytes()


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
    _write_zip(out, addin_parts(interpreter=interpreter, pythonpath=pythonpath))
    return out


def addin_parts(
    *, interpreter: str | None = None, pythonpath: str | None = None
) -> dict[str, bytes]:
    """The parts of the add-in package, by zip name (see :func:`build_addin`)."""
    ExcelFile = _vba_editor()
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
    return parts


VBA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vbaProject"
VBA_CT = "application/vnd.ms-office.vbaProject"
_FIXED_TIME = "2024-01-01T00:00:00Z"


def build_xlsm(out: Path, *, projects: int = 1) -> Path:
    """Write the standard workbook with the perfxl ribbon and its VBA (``.xlsm``).

    Args:
        out: the .xlsm to write.
        projects: how many blank project sheets.
    """
    from perfxl.write.fill import template

    addin = addin_parts()
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "template.xlsx"
        template(plain, projects=projects)
        parts = _read_zip(plain.read_bytes())
    parts["xl/vbaProject.bin"] = addin["xl/vbaProject.bin"]
    parts["customUI/customUI.xml"] = addin["customUI/customUI.xml"]
    _add_rel(parts, "xl/_rels/workbook.xml.rels", VBA_REL, "vbaProject.bin")
    _add_rel(parts, "_rels/.rels", UI_REL_2006, "customUI/customUI.xml")
    types = parts["[Content_Types].xml"].decode("utf-8")
    types = re.sub(
        r'(<Override PartName="/xl/workbook.xml" ContentType=")[^"]+"', rf'\g<1>{XLSM_CT}"', types
    )
    if 'Extension="bin"' not in types:
        types = types.replace(
            "<Default ", f'<Default Extension="bin" ContentType="{VBA_CT}"/><Default ', 1
        )
    parts["[Content_Types].xml"] = types.encode("utf-8")
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    # The VBA project's document module for the workbook is ThisWorkbook.
    workbook = re.sub(r"<workbookPr\b", '<workbookPr codeName="ThisWorkbook"', workbook, count=1)
    parts["xl/workbook.xml"] = workbook.encode("utf-8")
    sheets = sorted(
        (n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n)),
    )
    for n, name in enumerate(sheets, start=1):
        parts[name] = _code_name(parts[name].decode("utf-8"), f"Sheet{n}").encode("utf-8")
    core = parts["docProps/core.xml"].decode("utf-8")
    core = re.sub(
        r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{_FIXED_TIME}\g<3>", core
    )
    parts["docProps/core.xml"] = core.encode("utf-8")
    _write_zip(out, parts)
    return out


def _code_name(sheet_xml: str, code: str) -> str:
    """Give a worksheet the VBA code name its document module would have (as XlsxWriter does)."""
    if re.search(r"<sheetPr\b", sheet_xml):
        return re.sub(r"<sheetPr\b", f'<sheetPr codeName="{code}"', sheet_xml, count=1)
    return re.sub(
        r"(<worksheet\b[^>]*>)", rf'\g<1><sheetPr codeName="{code}"/>', sheet_xml, count=1
    )


def _add_rel(parts: dict[str, bytes], name: str, rel_type: str, target: str) -> None:
    text = parts[name].decode("utf-8")
    ids = {int(n) for n in re.findall(r'Id="rId(\d+)"', text)}
    rid = f"rId{max(ids, default=0) + 1}"
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
    parts[name] = text.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")


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
    from perfxl.write.patch.zipraw import ZipSource

    src = ZipSource(data)
    return {name: src.read(name) for name in src.names}


def _write_zip(out: Path, parts: dict[str, bytes]) -> None:
    """The package through the write-back engine's zip writer, every entry dated the same."""
    from perfxl.write.atomic import atomic_path
    from perfxl.write.patch.zipraw import NewEntry, build

    order = ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]
    data = build([NewEntry(name, parts[name], None) for name in order], _FIXED_DATE, b"")
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
