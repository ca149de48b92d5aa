"""A workbook's zip parts and sheet values, for comparing two writes of it, and the hostile
corpus's generator (tests only)."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*")
# openpyxl names its release in docProps/app.xml ("Openpyxl 3.1.5", AppVersion "3.1").
_OPENPYXL_RELEASE = re.compile(rb"(Openpyxl )[0-9][0-9A-Za-z.]*|(<AppVersion>)[^<]*")


def parts(path: Path, *, times: bool = False, unstamp: bool = False) -> dict[str, bytes]:
    """Every part of the workbook inflated (the deflated bytes depend on the zlib that
    compressed them), the document's created/modified times stripped (kept with ``times``),
    and the release of openpyxl, when it wrote the workbook, masked in docProps/app.xml (a
    newer openpyxl on a fresh clone writes the same workbook). With ``unstamp``, as it was
    before a command stamped it as its output (`perfxl.write.patch.stamp`; the stamp must
    be there)."""
    data = path.read_bytes()
    if unstamp:
        from perfxl.write.patch import manifest
        from perfxl.write.patch.package import Package
        from perfxl.write.patch.stamp import PROPERTY

        pkg = Package(data)
        assert PROPERTY in manifest.texts(pkg, lambda n: n == PROPERTY), path
        manifest.drop_named(pkg, lambda n: n == PROPERTY)
        data = pkg.to_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        out = {n: z.read(n) for n in z.namelist()}
    if "docProps/core.xml" in out and not times:
        out["docProps/core.xml"] = _TIMES.sub(rb"\1", out["docProps/core.xml"])
    app = out.get("docProps/app.xml")
    if app is not None and b"Openpyxl " in app:
        out["docProps/app.xml"] = _OPENPYXL_RELEASE.sub(
            lambda m: (m.group(1) or m.group(2)) + b"*", app
        )
    return out


def data_of(path: Path) -> dict[str, Any]:
    """JSON data perfxl wrote, without the output stamp it carries (`perfxl.write.patch.stamp`;
    the stamp must be there): the data contract alone."""
    from perfxl.write.patch.stamp import PROPERTY

    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data.pop(PROPERTY, None), str), path
    return data


def with_part(
    src: Path, out: Path, name: str, body: bytes, method: int = zipfile.ZIP_DEFLATED
) -> Path:
    """A copy of the workbook ``src`` at ``out`` whose member ``name`` holds ``body`` (written
    last, compressed by ``method``)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info))
        zout.writestr(name, body, compress_type=method)
    return out


def sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values as python-calamine reads them, by sheet name."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}
    finally:
        wb.close()


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    """One sheet's values as python-calamine reads them."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows: list[list[Any]] = wb.get_sheet_by_name(sheet).to_python()
    finally:
        wb.close()
    return rows


def csv_and_cells(table: Path, book: Path, sheet: str) -> tuple[list[list[str]], list[list[Any]]]:
    """A ``--tables`` CSV's rows (header included) and a sheet's cells as openpyxl reads them
    (whole numbers as int, as the CSV writes them: python-calamine gives 8.0)."""
    import csv

    import openpyxl

    with table.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        cells = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    return rows, cells


def rule_messages(path: Path, rule: str) -> dict[str, str]:
    """A summary's 校验问题 messages of ``rule``, by the name of the file each one names."""
    head, *rows = sheet_rows(path, "校验问题")
    rid, message, source = (head.index(h) for h in ("规则", "问题说明", "来源文件"))
    return {Path(str(r[source])).name: str(r[message]) for r in rows if r[rid] == rule}


def bad_corpus() -> Any:
    """``tools/make_bad_corpus.py`` (tools/ is no package) as a module, loaded once."""
    loaded = sys.modules.get("make_bad_corpus")
    if loaded is None:
        path = Path(__file__).resolve().parents[1] / "tools" / "make_bad_corpus.py"
        spec = importlib.util.spec_from_file_location("make_bad_corpus", path)
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules["make_bad_corpus"] = loaded  # dataclasses look their module up
        spec.loader.exec_module(loaded)
    return loaded


def table_rows(book: Path, table: Any) -> list[dict[str, Any]]:
    """A county summary sheet's rows as dicts by column key, the headers checked against the
    table (a `perfxl.consolidate.columns.Table`)."""
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        rows = list(wb[table.sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    assert list(rows[0][: len(table.columns)]) == [c.header for c in table.columns]
    return [dict(zip(table.keys, r, strict=False)) for r in rows[1:] if any(r)]
