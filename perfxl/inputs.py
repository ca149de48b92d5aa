"""Find the input workbooks and read the list of units expected to submit.

One discovery for every command that takes files and folders (``validate``, ``consolidate``,
``publish``): the same suffixes, the same files skipped, and an input that gives nothing (a
mistyped path, a folder without a workbook) reported with its reason instead of stopping the
batch or passing silently.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from perfxl.errors import DataError, os_reason

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
MISSING_REASON = (
    "文件或文件夹不存在，请检查路径和文件名（是否已移走或改名，空格和中文标点是否一致）。"
)
EMPTY_REASON = "文件夹中没有工作簿（" + "、".join(SUFFIXES) + "）。"
BACKUPS_ONLY_REASON = (
    "文件夹中只有 perfxl 的备份文件（*.bak.xlsx 等），没有可读入的工作簿；"
    "如确需读入备份，请把该文件直接列为输入。"
)
ADVISING_REASONS = frozenset({MISSING_REASON, BACKUPS_ONLY_REASON})
"""The reasons above that say what to do themselves (`PerfxlError.advises`)."""
CODE_HEADERS = ("unit_code", "单位编码")
NAME_HEADERS = ("unit_name", "单位名称")
# Excel on Chinese Windows saves "CSV" in the ANSI code page, GBK; GB18030 reads all of GBK.
ENCODINGS = ("utf-8-sig", "gb18030")
DUPLICATES_SHOWN = 5  # repeated codes named in the refusal before "等 N 个"


class DuplicateUnitError(DataError):
    """The expected-units list names a unit code on more than one row (`load_expected`)."""


@dataclass
class Found:
    """What the inputs hold.

    Attributes:
        files: every workbook, each once: inputs in the order given, a folder's files sorted.
        explicit: the files named as inputs (the others were found in a folder).
        unusable: inputs that gave nothing, as (path, Chinese reason): missing, or a folder
            with no workbook.
        excluded: files found in a folder but left out because they are an output.
        backups: files found in a folder but left out because they are named like perfxl's
            own backups (``BOOK.bak.xlsx``, `is_backup`).
    """

    files: list[str] = field(default_factory=list)
    explicit: set[str] = field(default_factory=set)
    unusable: list[tuple[str, str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)

    def backups_note(self) -> str | None:
        """What to tell about the backups left out (None: there were none)."""
        if not self.backups:
            return None
        return (
            f"跳过文件夹中 perfxl 的备份文件 {len(self.backups)} 个（*.bak.xlsx 等，"
            "由 --in-place 或 fill --into 原地写入时留下）；如确需读入，请把该文件直接列为输入。"
        )

    def nothing_found(self) -> DataError:
        """The error to raise when there is not a single workbook to work on."""
        detail = "；".join(f"{p}：{r.rstrip('。')}" for p, r in self.unusable)
        return DataError(f"没有找到任何工作簿（{detail or '未给出输入'}）。")


def discover(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> Found:
    """Every workbook among ``inputs`` (files, or folders searched recursively).

    Excel's owner files (``~$book.xlsx``) and hidden files are skipped in folders; so is any
    file that is one of ``exclude`` (the command's own output: a summary written into the
    folder being consolidated is never read back as a submission), and perfxl's own backups
    (``BOOK.bak.xlsx``): a folder validated ``--in-place`` twice holds each unit three times
    (``BOOK``, ``BOOK.bak``, ``BOOK.bak.bak`` after the backups were annotated in turn). A
    file named as an input is read whatever its name.
    """
    outs = [Path(x) for x in exclude]
    found = Found()
    seen: dict[str, None] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            books = sorted(
                f
                for f in p.rglob("*")
                if f.suffix.lower() in SUFFIXES and not _skipped(f.name) and f.is_file()
            )
            kept: list[Path] = []
            backups = 0
            for f in books:  # one pass: a county folder holds thousands of files
                if is_backup(f):
                    found.backups.append(str(f))
                    backups += 1
                elif _is_one_of(f, outs):
                    found.excluded.append(str(f))
                else:
                    kept.append(f)
            if not kept:
                found.unusable.append((str(p), BACKUPS_ONLY_REASON if backups else EMPTY_REASON))
            seen.update((str(f), None) for f in kept)
        elif p.is_file():
            seen[str(p)] = None
            found.explicit.add(str(p))
        else:
            found.unusable.append((str(p), MISSING_REASON))
    found.files = list(seen)
    return found


def find_inputs(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[str]:
    """Just the workbook files of `discover` (missing inputs and empty folders left out)."""
    return discover(inputs, exclude).files


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


def is_backup(f: Path) -> bool:
    """Named like the backup perfxl keeps when it writes a workbook in place
    (`perfxl.write.patch.safeio.backup_path`: ``<stem>.bak<suffix>``, any case)."""
    return f.suffix.lower() in SUFFIXES and f.stem.lower().endswith(".bak")


def _is_one_of(f: Path, outs: list[Path]) -> bool:
    for o in outs:
        try:
            if os.path.samefile(f, o):
                return True
        except OSError:  # the output does not exist yet: it cannot be among the files
            continue
    return False


def load_expected(path: str | Path) -> list[tuple[str, str | None]]:
    """The units expected to submit, from a CSV whose header is ``unit_code,unit_name`` or
    ``单位编码,单位名称``, saved as UTF-8 (with or without BOM) or GBK (Excel's "CSV" on Chinese
    Windows).

    Raises:
        DataError: the file is missing, in another encoding, not CSV the csv module can read
            (a cell over its field limit), or lacks the code column.
        DuplicateUnitError: a unit code is on more than one row.
    """
    p = Path(path)
    text = _decode(p)
    rows, lines = _rows(text, p)
    header = [h.strip().lstrip("\ufeff").casefold() for h in (rows[0] if rows else [])]
    code_i = next((header.index(h) for h in CODE_HEADERS if h in header), None)
    name_i = next((header.index(h) for h in NAME_HEADERS if h in header), None)
    if code_i is None:
        raise DataError(
            "应报单位名单的第一行应为表头“单位编码,单位名称”（或 unit_code,unit_name），"
            f"实际为“{','.join(rows[0]) if rows else '（空文件）'}”。",
            path=str(p),
        )
    out: dict[str, str | None] = {}
    at: dict[str, list[int]] = {}
    for row, line in zip(rows[1:], lines[1:], strict=True):
        code = row[code_i].strip() if code_i < len(row) else ""
        name = row[name_i].strip() if name_i is not None and name_i < len(row) else ""
        if code:
            out.setdefault(code, name or None)
            at.setdefault(code, []).append(line)
    _refuse_duplicates(at, p)
    return list(out.items())


def _rows(text: str, p: Path) -> tuple[list[list[str]], list[int]]:
    """The CSV's rows, and the line each starts on (a quoted field may span lines).

    Raises:
        DataError: the csv module cannot read it (a cell over its 128 KB field limit).
    """
    reader = csv.reader(text.splitlines())
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error:
        raise DataError(
            f"应报单位名单第 {start} 行起无法按 CSV 格式读取（某一格内容过长或引号不成对）。"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重试。",
            path=str(p),
        ) from None
    return rows, lines


def _refuse_duplicates(at: dict[str, list[int]], p: Path) -> None:
    """A code listed twice: which row holds the unit's name (and whether both are meant) is
    for the county to say; keeping one silently could list a unit as missing under the wrong
    name, or hide a mistyped code of another unit.

    Raises:
        DuplicateUnitError: naming each repeated code and its rows.
    """
    twice = [(code, lines) for code, lines in at.items() if len(lines) > 1]
    if not twice:
        return
    shown = "；".join(
        f"{code}（第 {'、'.join(map(str, lines))} 行）" for code, lines in twice[:DUPLICATES_SHOWN]
    )
    more = f"等 {len(twice)} 个" if len(twice) > DUPLICATES_SHOWN else ""
    raise DuplicateUnitError(
        f"应报单位名单中单位编码重复：{shown}{more}。每个单位只能列一行，"
        "请删去重复的行（或改正写错的编码）后重试。",
        path=str(p),
    )


def _decode(p: Path) -> str:
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"无法读取应报单位名单：{os_reason(exc)}。", path=str(p)) from exc
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError(
        "无法读取应报单位名单：编码既不是 UTF-8 也不是 GBK。请在 Excel 中另存为"
        "“CSV UTF-8（逗号分隔）”。",
        path=str(p),
    )
