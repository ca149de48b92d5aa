"""Find the input workbooks and read the list of units expected to submit."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from perfxl.errors import DataError

SUFFIXES = (".xlsx", ".xlsm", ".xls")


def find_inputs(inputs: Iterable[str | Path]) -> list[str]:
    """Every workbook among ``inputs`` (files, or folders searched recursively), each once.

    Excel's owner files (``~$book.xlsx``) and hidden files are skipped. Order is stable:
    inputs in the order given, a folder's files sorted by path.

    Raises:
        DataError: an input does not exist.
    """
    out: dict[str, None] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in SUFFIXES and not _skipped(f.name)
            )
            out.update((str(f), None) for f in found)
        elif p.is_file():
            out[str(p)] = None
        else:
            raise DataError("输入的文件或文件夹不存在。", path=str(p))
    return list(out)


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


def load_expected(path: str | Path) -> list[tuple[str, str | None]]:
    """The units expected to submit, from a CSV with the header ``unit_code,unit_name``.

    Raises:
        DataError: the file is missing, not UTF-8, or lacks the ``unit_code`` column.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"无法读取应报单位名单（需为 UTF-8 编码的 CSV）：{exc}", path=str(p)
        ) from exc
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "unit_code" not in reader.fieldnames:
        raise DataError("应报单位名单的第一行应为表头 unit_code,unit_name。", path=str(p))
    out: dict[str, str | None] = {}
    for row in reader:
        code = (row.get("unit_code") or "").strip()
        if code:
            out[code] = (row.get("unit_name") or "").strip() or None
    return list(out.items())
