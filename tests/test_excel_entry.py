"""The ribbon entry points, run on the Suying example through the adapter (no Excel here).

The book is a faithful fake of exactly the xlwings calls the adapter makes (listed in
perfxl/excel/adapter.py), backed by an openpyxl workbook so that what Excel would refuse is
refused here too: writing a locked cell or colouring a cell of a protected sheet raises, as
COM does. Values come from the file's cached values, as ``perfxl export`` (calamine) sees them.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import convert
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl.cells import parse_a1, parse_range
from perfxl.excel import actions, entry
from perfxl.excel import annotate as annotate_live
from perfxl.problems import Problem
from perfxl.read import read_workbook
from perfxl.write.patch import stamp
from perfxl.write.patch.annotation_plan import FILLS, RESULTS_HEADERS

ROOT = Path(__file__).resolve().parents[1]


# --- the fake ---------------------------------------------------------------------------------
class ComError(Exception):
    """What Excel raises when a protected sheet refuses a change."""


class FakeNote:
    def __init__(self, cell: Any) -> None:
        self.cell = cell

    @property
    def text(self) -> str:
        return str(self.cell.comment.text)

    @text.setter
    def text(self, value: str) -> None:
        self.cell.comment = Comment(value, "Excel 用户")

    def delete(self) -> None:
        self.cell.comment = None


class FakeProtection:
    AllowFormattingColumns = True
    AllowFormattingRows = True


class FakeSheetApi:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.Protection = FakeProtection()

    @property
    def ProtectContents(self) -> bool:
        return bool(self.ws.protection.sheet)

    def Unprotect(self) -> None:
        self.ws.protection.sheet = False

    def Protect(self, **kwargs: Any) -> None:
        assert kwargs["AllowFormattingColumns"] is True
        self.ws.protection.sheet = True


class FakeProp:
    def __init__(self, props: FakeProps, prop: StringProperty) -> None:
        self.props, self.prop = props, prop

    @property
    def Name(self) -> str:
        return str(self.prop.name)

    @property
    def Value(self) -> str:
        return str(self.prop.value)

    def Delete(self) -> None:
        self.props.wb.custom_doc_props.props.remove(self.prop)


class FakeProps:
    """``Workbook.CustomDocumentProperties``: 1-based Item, Add with Office's 255-char limit."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb

    @property
    def Count(self) -> int:
        return len(self.wb.custom_doc_props.props)

    def Item(self, i: int) -> FakeProp:
        return FakeProp(self, self.wb.custom_doc_props.props[i - 1])

    def Add(self, Name: str, LinkToContent: bool, Type: int, Value: str) -> FakeProp:
        assert Type == 4 and not LinkToContent
        if len(Value) > 255 or Name in self.wb.custom_doc_props.names:
            raise ComError("invalid procedure call or argument")
        prop = StringProperty(name=Name, value=Value)
        self.wb.custom_doc_props.append(prop)
        return FakeProp(self, prop)


class FakeBookApi:
    def __init__(self, wb: Workbook) -> None:
        self.CustomDocumentProperties = FakeProps(wb)


class FakeFont:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    @property
    def bold(self) -> bool:
        return all(c.font.b for c in self.rng._cells())

    @bold.setter
    def bold(self, value: bool) -> None:
        for c in self.rng._cells():
            c.font = Font(bold=value)


def _is_formula(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("=")


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2

    @property
    def address(self) -> str:
        def absolute(r: int, c: int) -> str:
            return f"${get_column_letter(c)}${r}"

        first = absolute(self.r1, self.c1)
        if (self.r1, self.c1) == (self.r2, self.c2):
            return first
        return f"{first}:{absolute(self.r2, self.c2)}"

    @property
    def last_cell(self) -> Any:
        return type("Cell", (), {"row": self.r2, "column": self.c2})()

    def options(self, ndim: int) -> FakeRange:
        assert ndim == 2
        return self

    def _cells(self) -> list[Any]:
        ws = self.sheet.ws
        return [
            ws.cell(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)
        ]

    def _check_unlocked(self, cells: list[Any]) -> None:
        if self.sheet.ws.protection.sheet and any(c.protection.locked for c in cells):
            raise ComError(f"locked cell on protected sheet {self.sheet.name}!{self.address}")

    def _check_formattable(self) -> None:
        if self.sheet.ws.protection.sheet:
            raise ComError("cannot format cells on a protected sheet")

    @property
    def value(self) -> list[list[Any]]:
        """Values as Excel shows them: a formula cell gives its last computed value."""
        self.sheet.book.reads += 1
        ws, cache = self.sheet.ws, self.sheet.book.cache
        out = []
        for r in range(self.r1, self.r2 + 1):
            row = []
            for c in range(self.c1, self.c2 + 1):
                v = ws.cell(r, c).value
                v = cache.get((ws.title, r, c)) if _is_formula(v) else v
                row.append(None if v == "" else v)
            out.append(row)
        return out

    @value.setter
    def value(self, rows: list[list[Any]]) -> None:
        self.sheet.book.writes += 1
        ws = self.sheet.ws
        targets = [
            ws.cell(self.r1 + i, self.c1 + j) for i, row in enumerate(rows) for j in range(len(row))
        ]
        self._check_unlocked(targets)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.cell(self.r1 + i, self.c1 + j).value = v  # a formula is replaced, as in Excel

    @property
    def formula(self) -> Any:
        """Range.Formula: a string for one cell, else a tuple of row tuples; constants as text."""
        self.sheet.book.reads += 1
        ws = self.sheet.ws

        def text(r: int, c: int) -> str:
            v = ws.cell(r, c).value
            return "" if v is None else str(v)

        rows = tuple(
            tuple(text(r, c) for c in range(self.c1, self.c2 + 1))
            for r in range(self.r1, self.r2 + 1)
        )
        return rows[0][0] if (self.r1, self.c1) == (self.r2, self.c2) else rows

    @property
    def number_format(self) -> str:
        return str(self.sheet.ws.cell(self.r1, self.c1).number_format)

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._check_formattable()
        for cell in self._cells():
            cell.number_format = value

    @property
    def merge_area(self) -> FakeRange:
        self.sheet.book.merge_calls += 1
        for m in self.sheet.ws.merged_cells.ranges:
            if m.min_row <= self.r1 <= m.max_row and m.min_col <= self.c1 <= m.max_col:
                return FakeRange(self.sheet, m.min_row, m.min_col, m.max_row, m.max_col)
        return FakeRange(self.sheet, self.r1, self.c1, self.r1, self.c1)

    @property
    def color(self) -> tuple[int, int, int] | None:
        """xlwings gives an (r, g, b) tuple, None when the cell has no fill."""
        fill = self.sheet.ws.cell(self.r1, self.c1).fill
        if fill.fill_type != "solid":
            return None
        rgb = str(fill.fgColor.rgb)[-6:]
        return (int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16))

    @color.setter
    def color(self, value: str | tuple[int, int, int] | None) -> None:
        self._check_formattable()
        for cell in self._cells():
            if value is None:
                cell.fill = PatternFill(fill_type=None)
                continue
            rgb = (
                value.lstrip("#") if isinstance(value, str) else "".join(f"{x:02X}" for x in value)
            )
            cell.fill = PatternFill("solid", fgColor=rgb.upper())

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def note(self) -> FakeNote | None:
        cell = self.sheet.ws.cell(self.r1, self.c1)
        return FakeNote(cell) if cell.comment is not None else None

    def add_note(self, text: str) -> FakeNote:
        if self.sheet.ws.protection.sheet:
            raise ComError("cannot add a note on a protected sheet")
        cell = self.sheet.ws.cell(self.r1, self.c1)
        assert cell.comment is None, "add_note on a cell that has a note fails in Excel"
        cell.comment = Comment(text, "Excel 用户")  # Excel signs notes with the user's name
        return FakeNote(cell)

    def add_hyperlink(self, address: str, text_to_display: str | None = None) -> None:
        cell = self.sheet.ws.cell(self.r1, self.c1)
        assert address.startswith("#"), "only links inside the book here"
        cell.value = text_to_display if text_to_display is not None else address
        cell.hyperlink = Hyperlink(
            ref=cell.coordinate, location=address[1:], display=text_to_display
        )

    def clear_contents(self) -> None:
        self._check_unlocked(self._cells())
        for cell in self._cells():
            if type(cell).__name__ != "MergedCell":
                cell.value = None


class FakeSheet:
    def __init__(self, ws: Worksheet, book: FakeBook) -> None:
        self.ws, self.book = ws, book
        self.api = FakeSheetApi(ws)

    @property
    def name(self) -> str:
        return self.ws.title

    @property
    def visible(self) -> bool:
        return self.ws.sheet_state == "visible"

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, 1, 1, max(self.ws.max_row, 1), max(self.ws.max_column, 1))

    def range(self, arg1: Any, arg2: Any = None) -> FakeRange:
        def rc(x: Any) -> tuple[int, int]:
            return x if isinstance(x, tuple) else parse_a1(x)

        if isinstance(arg1, str) and ":" in arg1:
            r1, c1, r2, c2 = parse_range(arg1)
            return FakeRange(self, r1, c1, r2, c2)
        r1, c1 = rc(arg1)
        r2, c2 = rc(arg2) if arg2 is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def copy(self, after: FakeSheet, name: str) -> FakeSheet:
        wb = self.book.wb
        new = wb.copy_worksheet(self.ws)
        new.title = name
        new.protection.sheet = self.ws.protection.sheet
        wb.move_sheet(new, offset=wb.index(after.ws) + 1 - wb.index(new))
        return FakeSheet(new, self.book)

    def delete(self) -> None:
        self.book.wb.remove(self.ws)

    def clear_contents(self) -> None:
        for row in self.ws.iter_rows():
            for cell in row:
                cell.value = None


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def __iter__(self) -> Any:
        return iter(FakeSheet(ws, self.book) for ws in self.book.wb.worksheets)

    def __getitem__(self, name: str) -> FakeSheet:
        return FakeSheet(self.book.wb[name], self.book)

    def add(self, name: str, after: FakeSheet) -> FakeSheet:
        if name in self.book.wb.sheetnames:
            raise ComError("a sheet with this name exists")
        ws = self.book.wb.create_sheet(name, self.book.wb.index(after.ws) + 1)
        return FakeSheet(ws, self.book)


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str]] = []
        self.calculations = 0

    def alert(self, prompt: str, title: str) -> None:
        self.alerts.append((prompt, title))

    def calculate(self) -> None:
        self.calculations += 1  # the test recalculates with LibreOffice where it matters


class FakeBook:
    """An open book: formulas as the file holds them, cached values as Excel shows them."""

    def __init__(self, path: Path, fullname: str | None = None) -> None:
        self.wb = load_workbook(path)
        cached = load_workbook(path, data_only=True)
        self.cache: dict[tuple[str, int, int], Any] = {
            (ws.title, c.row, c.column): c.value
            for ws in cached.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        }
        self.fullname = fullname or str(path)
        self.app = FakeApp()
        self.api = FakeBookApi(self.wb)
        self.reads = self.writes = self.merge_calls = 0

    @property
    def sheets(self) -> FakeSheets:
        return FakeSheets(self)


@pytest.fixture()
def book(example_book: Path, tmp_path: Path) -> FakeBook:
    """The Suying example open in the fake, saved under tmp_path."""
    path = tmp_path / "suying-2023.xlsx"
    path.write_bytes(example_book.read_bytes())
    return FakeBook(path)


# --- reading ----------------------------------------------------------------------------------
def test_export_json_equals_cli_export(book: FakeBook, tmp_path: Path) -> None:
    cli = tmp_path / "cli.json"
    subprocess.run(
        [sys.executable, "-m", "perfxl.cli", "export", book.fullname, "-o", str(cli)],
        check=True,
        capture_output=True,
    )
    message = entry.export_json(book)
    out = Path(book.fullname).with_suffix(".json")
    assert message == f"已导出：{out}"
    assert book.app.alerts == [(message, entry.TITLE)]
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        cli.read_text(encoding="utf-8")
    )


def test_read_is_one_value_call_per_sheet_and_few_merge_calls(book: FakeBook) -> None:
    res = actions.read_book(book)
    assert book.reads == len(book.wb.worksheets)
    assert len(res.targets.projects) == 19
    # one merge query per candidate run, not per cell (the seed has 114 indicator rows)
    assert book.merge_calls < 12 * 19
    ref = read_workbook(book.fullname)
    assert res.targets == ref.targets
    assert res.locations == ref.locations


# --- validate ---------------------------------------------------------------------------------
def _broken_file(example_book: Path, tmp_path: Path) -> Path:
    """The Suying example with staff's mistakes, a cell of their own colour and their own note."""
    wb = load_workbook(example_book)
    ws = wb.worksheets[2]
    ws["C4"] = "八点三九"  # an amount that is not a number
    ws["C4"].fill = PatternFill("solid", fgColor="92D050")  # staff's own colour, to be restored
    ws["B7"] = "2.10"  # an amount typed as text
    ws["B7"].comment = Comment("财政所：待核实", "张三")  # staff's own note stays
    wb.worksheets[3]["A3"] = "编码"  # a label removed: the sheet is not read
    out = tmp_path / "broken.xlsx"
    wb.save(out)
    return out


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfxl.cli", *args], capture_output=True, text=True, check=False
    )


def _fill(cell: Any) -> tuple[str, str] | None:
    f = cell.fill
    if f.fill_type is None:
        return None
    return str(f.fill_type), str(f.fgColor.rgb)[-6:] if f.fgColor.type == "rgb" else str(f.fgColor)


def _shown(path: Path) -> dict[str, Any]:
    """Everything annotating shows, read back from a saved file with openpyxl."""
    wb = load_workbook(path)
    out: dict[str, Any] = {"sheets": wb.sheetnames, "fills": {}, "notes": {}}
    for ws in wb.worksheets:
        if ws.title == C.RESULTS_SHEET:
            out["results"] = [list(r) for r in ws.iter_rows(values_only=True)]
            out["links"] = [(h.ref, h.location, h.display) for h in ws._hyperlinks] or [
                (c.coordinate, c.hyperlink.location, c.hyperlink.display)
                for row in ws.iter_rows()
                for c in row
                if c.hyperlink is not None
            ]
            out["bold"] = [bool(c.font.b) for c in ws[1]]
            continue
        for row in ws.iter_rows():
            for c in row:
                if (f := _fill(c)) is not None:
                    out["fills"][(ws.title, c.coordinate)] = f
                if c.comment is not None:
                    out["notes"][(ws.title, c.coordinate)] = c.comment.text
    out["perfxl_props"] = sorted(  # the annotations' records (not the CLI's output stamp)
        p.name
        for p in wb.custom_doc_props.props
        if p.name.startswith("perfxl.") and p.name != stamp.PROPERTY
    )
    return out


def _live(book: FakeBook, path: Path) -> dict[str, Any]:
    book.wb.save(path)
    return _shown(path)


@pytest.fixture(scope="module")
def annotated(example_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Made once: the broken file, the CLI's annotated copy, and what each shows."""
    folder = tmp_path_factory.mktemp("annotated")
    broken = _broken_file(example_book, folder)
    cli = folder / "cli.xlsx"
    run = _cli("validate", str(broken), "--annotate", str(cli))
    assert run.returncode == 1, run.stderr
    return {"broken": broken, "cli": cli, "shown_broken": _shown(broken), "shown_cli": _shown(cli)}


def _copy(src: Path, folder: Path) -> Path:
    """A private copy for a test that opens the file in the fake Excel."""
    out = folder / src.name
    out.write_bytes(src.read_bytes())
    return out


def test_validate_annotates_exactly_as_the_cli(annotated: dict[str, Any], tmp_path: Path) -> None:
    broken = _copy(annotated["broken"], tmp_path)
    book = FakeBook(broken)
    message = entry.validate(book)
    assert message.startswith("校验完成：") and "1.项目" not in message
    assert "以下单元格已有批注" in message, "staff's own note is kept, as the CLI keeps it"
    live, want = _live(book, tmp_path / "live.xlsx"), copy.deepcopy(annotated["shown_cli"])
    assert live["sheets"] == want["sheets"] and live["sheets"][-1] == C.RESULTS_SHEET
    assert live["results"] == want["results"]
    assert live["results"][0] == list(RESULTS_HEADERS)
    assert live["links"] == want["links"] and len(live["links"]) > 5
    assert live["bold"] == want["bold"] == [True] * len(RESULTS_HEADERS)
    assert live["fills"] == want["fills"]
    assert live["notes"] == want["notes"]
    colours = {f[1] for f in live["fills"].values()}
    assert {FILLS["error"][2:], FILLS["warning"][2:]} <= colours
    name = book.wb.worksheets[2].title
    assert live["notes"][(name, "B7")] == "财政所：待核实"
    assert live["notes"][(name, "C4")].startswith("【错误】")
    assert all(ws.protection.sheet for ws in book.wb.worksheets[2:-1]), "protection restored"
    assert live["perfxl_props"] and all(
        p.startswith(annotate_live.PREFIX) for p in live["perfxl_props"]
    ), "the record: the ribbon's own properties, none of the engine's"


def test_info_is_light_blue_as_in_the_engine(book: FakeBook) -> None:
    info = Problem(
        rule="x.info",
        severity="info",
        file=None,
        sheet=book.wb.worksheets[2].title,
        cell="D4",
        pointer=None,
        value=None,
        message="提示",
        project_code=None,
    )
    annotate_live.annotate_book(book, [info])
    assert book.sheets[info.sheet or ""].range("D4").color == (0xDD, 0xEB, 0xF7)
    assert book.wb[info.sheet or ""]["D4"].comment.text == "【提示】x.info：提示"


def test_validate_again_restores_own_fills_first(annotated: dict[str, Any], tmp_path: Path) -> None:
    before = copy.deepcopy(annotated["shown_broken"])
    book = FakeBook(_copy(annotated["broken"], tmp_path))
    entry.validate(book)
    first = _live(book, tmp_path / "first.xlsx")
    entry.validate(book)
    assert _live(book, tmp_path / "second.xlsx") == first
    annotate_live.clear(book)
    after = _live(book, tmp_path / "cleared.xlsx")
    assert after["fills"] == before["fills"], "every cell has its own fill back (C4: 92D050)"
    assert after["notes"] == before["notes"], "only staff's own note is left"
    assert after["sheets"] == before["sheets"] and after["perfxl_props"] == []


def test_validate_in_excel_replaces_the_cli_annotations(
    annotated: dict[str, Any], tmp_path: Path
) -> None:
    """A file annotated by the CLI, opened in Excel and validated there: one set of marks."""
    book = FakeBook(_copy(annotated["cli"], tmp_path))
    entry.validate(book)
    live, want = _live(book, tmp_path / "live.xlsx"), copy.deepcopy(annotated["shown_cli"])
    for key in ("sheets", "results", "links", "fills", "notes"):
        assert live[key] == want[key], key
    assert live["perfxl_props"] and all(
        p.startswith(annotate_live.PREFIX) for p in live["perfxl_props"]
    ), "the engine's record is gone, the ribbon's is there"
    annotate_live.clear(book)
    assert _live(book, tmp_path / "cleared.xlsx")["fills"] == annotated["shown_broken"]["fills"]


# --- compute ----------------------------------------------------------------------------------
def _staffed_file(example_book: Path, tmp_path: Path) -> Path:
    """Percent cells as staff leave them: a formula typed over, one changed, a budget blank."""
    wb = load_workbook(example_book)
    wb.worksheets[2]["D8"] = 0.75  # a number typed over the formula
    wb.worksheets[3]["E8"] = "=1"  # a formula changed
    wb.worksheets[4]["C4"] = None  # no budget
    out = tmp_path / "staffed.xlsx"
    wb.save(out)
    return out


def _formulas(path: Path) -> dict[tuple[str, str], Any]:
    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): (c.value, c.number_format)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


@pytest.fixture(scope="module")  # the two tests only read it
def computed(
    example_book: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, FakeBook, str]:
    """(CLI output, the live book saved, the live book, its message) on the staffed file."""
    tmp_path = tmp_path_factory.mktemp("computed")
    staffed = _staffed_file(example_book, tmp_path)
    cli = tmp_path / "cli.xlsx"
    run = _cli("compute", str(staffed), "-o", str(cli))
    assert run.returncode == 1, run.stderr
    book = FakeBook(staffed)
    message = entry.compute(book)
    live = tmp_path / "live.xlsx"
    book.wb.save(live)
    return cli, live, book, message


def test_compute_leaves_the_same_formulas_and_numbers_as_the_cli(
    computed: tuple[Path, Path, FakeBook, str],
) -> None:
    cli, live, book, message = computed
    assert message.startswith("已计算 18/19 个项目的累计进度")
    assert "预算数为空或为 0" in message and "公式" in message
    want, got = _formulas(cli), _formulas(live)
    assert got == want
    p1 = book.wb.worksheets[2]
    assert p1["B8"].value.startswith("=IF(N($C$4)=0")  # the template's formula kept
    assert (p1["D8"].value, p1["D8"].number_format) == (0.7497, "0.00%")  # perfxl's, not 0.75
    assert book.wb.worksheets[3]["E8"].value == "=1"
    assert book.writes == 1 and book.app.calculations == 1
    assert p1.protection.sheet is True


@pytest.mark.libreoffice
def test_compute_values_once_excel_calculates_equal_the_cli(
    computed: tuple[Path, Path, FakeBook, str], tmp_path: Path
) -> None:
    """Excel computes the kept formulas; LibreOffice plays Excel here, then calamine reads."""
    from python_calamine import CalamineWorkbook

    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.write.percentages import cells_to_inspect

    cli, live, book, _ = computed
    (recalculated,) = convert([live], "xlsx", tmp_path / "lo")
    grid = read_grid(cli)
    changed = {(book.wb.worksheets[3].title, "E8")}  # left alone by both; "=1" has no cache
    cells = [c for c in cells_to_inspect(read_grid_model(grid), grid) if c not in changed]
    assert len(cells) > 19 * 4

    def values(path: Path) -> dict[tuple[str, str], Any]:
        wb = CalamineWorkbook.from_path(str(path))
        out = {}
        for name, ref in cells:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            r, c = parse_a1(ref)
            v = rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""
            out[(name, ref)] = round(v, 10) if isinstance(v, float) else v
        return out

    assert values(recalculated) == values(cli)


# --- add project ------------------------------------------------------------------------------
def test_add_project_copies_a_blank_sheet_named_after_the_project(book: FakeBook) -> None:
    message = entry.add_project(book, name="村道维修")
    assert "已新增项目表“20.村道维修”" in message
    names = book.wb.sheetnames
    assert names.index("20.村道维修") == names.index("19.综合服务中心建设经费") + 1
    ws = book.wb["20.村道维修"]
    assert ws["E3"].value == "村道维修"
    assert ws["B3"].value is None and ws["C4"].value is None and ws["B7"].value is None
    assert all(ws.cell(r, 3).value is None for r in range(11, ws.max_row + 1))
    assert ws["A10"].value == "一级指标"
    res = actions.read_book(book)
    assert len(res.targets.projects) == 20
    assert res.targets.projects[-1].name == "村道维修"
    assert res.targets.projects[-1].indicators == []


# --- errors become messages -------------------------------------------------------------------
def test_errors_are_messages_never_tracebacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from openpyxl import Workbook as NewWorkbook

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))  # the log's folder
    (tmp_path / "temp").mkdir()

    wb = NewWorkbook()
    assert wb.active is not None
    wb.active["A1"] = "随便什么"
    unsaved = tmp_path / "unsaved.xlsx"
    wb.save(unsaved)
    empty = FakeBook(unsaved, "工作簿1")
    msg = entry.add_project(empty, name=None)
    assert msg.startswith("新增项目未完成：") and "perfxl template" in msg
    msg = entry.export_json(empty)
    assert msg.startswith("导出 JSON未完成：") and "请先保存工作簿" in msg

    class Exploding(FakeBook):
        @property
        def sheets(self) -> FakeSheets:
            raise RuntimeError("COM 服务器无响应")

    boom = Exploding(unsaved, "x.xlsx")
    msg = entry.compute(boom)
    assert msg.startswith("计算进度时发生意外错误：RuntimeError: COM 服务器无响应")
    assert "Traceback" not in msg and str(entry.log_file()) in msg
    assert entry.log_file() == tmp_path / "temp" / "perfxl-excel.log"
    logged = entry.log_file().read_text(encoding="utf-8")  # written under pytest's logging too
    assert "计算进度" in logged and "RuntimeError: COM 服务器无响应" in logged
    assert "Traceback (most recent call last)" in logged


def test_help_lists_every_button(book: FakeBook) -> None:
    text = entry.help(book)
    for label in ("校验", "计算进度", "新增项目", "导出 JSON", "新建监控表"):
        assert label in text


def test_package_imports_without_xlwings_and_hints_install() -> None:
    code = (
        "import sys; sys.modules['xlwings'] = None\n"
        "import perfxl.excel.entry as e\n"
        "try:\n    e.validate()\nexcept ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "perfxl[xlwings]"' in out.stdout


# --- the monitoring workbook (issue 13) -------------------------------------------------------
MONITORING = ROOT / "examples" / "suying-2023-monitoring.xlsx"


def _monitoring_fault(folder: Path) -> Path:
    """The typed July example with project 1's 1-7月执行数 above its budget: validate has a
    finding at the cell, compute a new 执行率 and light to write."""
    res = read_workbook(MONITORING)
    sheet, cell = res.locations["/projects/0/monitoring/total/executed"]
    wb = load_workbook(MONITORING)
    wb[sheet][cell] = 999
    out = folder / "监控-有误.xlsx"
    wb.save(out)
    return out


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def test_validate_button_on_a_monitoring_workbook_marks_what_the_cli_marks(
    tmp_path: Path,
) -> None:
    faulty = _monitoring_fault(tmp_path)
    (tmp_path / "live").mkdir()
    cli = tmp_path / "cli.xlsx"
    run = _cli("validate", str(faulty), "--annotate", str(cli))
    assert run.returncode == 1, run.stderr
    book = FakeBook(_copy(faulty, tmp_path / "live"))
    message = entry.validate(book)
    assert message.startswith("校验完成：") and "错误" in message
    live, want = _live(book, tmp_path / "live.xlsx"), _shown(cli)
    for key in ("sheets", "results", "links", "fills", "notes"):
        assert live[key] == want[key], key
    assert any(r[3] == "monitoring.executed_over_budget" for r in live["results"][1:])


def test_compute_button_on_a_monitoring_workbook_writes_what_the_cli_writes(
    tmp_path: Path,
) -> None:
    faulty = _monitoring_fault(tmp_path)
    (tmp_path / "live").mkdir()
    cli = tmp_path / "cli.xlsx"
    run = _cli("compute", str(faulty), "-o", str(cli))
    assert run.returncode in (0, 1), run.stderr
    book = FakeBook(_copy(faulty, tmp_path / "live"))
    message = entry.compute(book)
    assert message.startswith("已计算 19/19 个项目的执行率和预警灯（截至 7月底，序时进度 58.33%）")
    live = tmp_path / "live.xlsx"
    book.wb.save(live)
    got, want = _cells(live), _cells(cli)
    assert got == want
    assert got != _cells(faulty), "a light changed"
    assert all(ws.protection.sheet for ws in book.wb.worksheets[1:]), "protection restored"


class _Asking(FakeApp):
    """Windows Excel: ``app.api.InputBox`` answers the month."""

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer
        self.api = self

    def InputBox(self, prompt: str, title: str, default: Any = None, Type: int = 2) -> Any:
        assert title == "新建监控表" and Type == 1
        return self.answer


def test_new_monitoring_button_writes_beside_the_book_as_the_cli(
    book: FakeBook, tmp_path: Path
) -> None:
    book.app = _Asking(9)
    message = entry.new_monitoring(book)
    out = tmp_path / "suying-2023-监控.xlsx"
    assert message.startswith(f"已生成监控表：{out}") and "截至 9月底" in message
    cli = tmp_path / "cli.xlsx"
    assert _cli("new", "monitoring", book.fullname, "-o", str(cli), "--month", "9").returncode == 0
    assert _cells(out) == _cells(cli)
    assert read_workbook(out).targets.month == 9
    before = out.read_bytes()
    again = entry.new_monitoring(book, month=7)
    assert again.startswith("新建监控表未完成：") and "已存在，未覆盖" in again
    assert out.read_bytes() == before


def test_new_monitoring_button_defaults_to_july_where_excel_cannot_ask(
    book: FakeBook, tmp_path: Path
) -> None:
    assert "截至 7月底" in entry.new_monitoring(book)
    assert read_workbook(tmp_path / "suying-2023-监控.xlsx").targets.month == 7
