"""The rule for an existing output (`perfxl.outputs.replacing`) beyond the command line: the
Python API's ``write`` / ``write_tables`` (``overwrite=True`` for ``--overwrite``, refusal as
`perfxl.errors.OutputExistsError`), the ribbon's 导出 JSON (refused as the ribbon shows
errors) and 新建监控表 / 新建自评表 (stamped as the command's output); and the JSON data's
own stamp, which a hand edit breaks."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import copy_folder
from test_excel_entry import FakeBook

from perfxl.api import consolidate
from perfxl.cli import main
from perfxl.errors import ArgumentError, OutputExistsError
from perfxl.excel import entry
from perfxl.outputs import own_output
from perfxl.schema import load_schema
from perfxl.write.patch.safeio import backup_path
from perfxl.write.patch.stamp import PROPERTY, stamped_kind


@pytest.fixture
def folder(books: Path, tmp_path: Path) -> Path:
    return copy_folder(books, tmp_path / "乡镇")


def _theirs(path: Path, text: str = "本单位自己的文件\n") -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


# --- the Python API -----------------------------------------------------------------------
def test_api_write_refuses_another_file_unless_overwrite(folder: Path, tmp_path: Path) -> None:
    county = consolidate([folder], jobs=1)
    out = tmp_path / "汇总.xlsx"
    before = _theirs(out)
    with pytest.raises(OutputExistsError) as info:
        county.write(out)
    said = info.value.message
    assert info.value.exit_code == 2 and info.value.path == str(out)
    assert "文件已存在" in said and "overwrite=True" in said and "--overwrite" not in said
    assert backup_path(out).name in said
    assert out.read_bytes() == before and not backup_path(out).exists()
    assert county.write(out, overwrite=True) == out
    assert backup_path(out).read_bytes() == before
    assert own_output(out, "summary")


def test_api_write_replaces_a_summary_without_asking(folder: Path, tmp_path: Path) -> None:
    county = consolidate([folder], jobs=1)
    out = county.write(tmp_path / "汇总.xlsx")
    first = out.stat().st_ino
    assert county.write(out) == out
    assert out.stat().st_ino != first and not backup_path(out).exists()


def test_api_write_tables_refuses_another_file_unless_overwrite(
    folder: Path, tmp_path: Path
) -> None:
    county = consolidate([folder], jobs=1)
    where = tmp_path / "表"
    mine = where / "projects.csv"
    before = _theirs(mine)
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        county.write_tables(where, parquet=False)
    assert mine.read_bytes() == before
    assert sorted(p.name for p in where.iterdir()) == ["projects.csv"]  # nothing written
    written = county.write_tables(where, parquet=False, overwrite=True)
    assert mine in written and backup_path(mine).read_bytes() == before
    again = county.write_tables(where, parquet=False)  # its own tables: replaced
    assert again == written


@pytest.mark.parametrize("given", ["yes", 1, None])
def test_api_overwrite_is_a_bool(folder: Path, tmp_path: Path, given: object) -> None:
    county = consolidate([folder], jobs=1)
    with pytest.raises(ArgumentError, match="参数 overwrite 应为 True 或 False"):
        county.write(tmp_path / "汇总.xlsx", overwrite=given)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="参数 overwrite"):
        county.write_tables(tmp_path / "表", overwrite=given)  # type: ignore[arg-type]
    assert not (tmp_path / "汇总.xlsx").exists() and not (tmp_path / "表").exists()


# --- the ribbon ---------------------------------------------------------------------------
@pytest.fixture
def book(example_book: Path, tmp_path: Path) -> FakeBook:
    path = tmp_path / "suying-2023.xlsx"
    path.write_bytes(example_book.read_bytes())
    return FakeBook(path)


def test_export_button_replaces_its_own_json_and_refuses_one_edited(book: FakeBook) -> None:
    out = Path(book.fullname).with_suffix(".json")
    assert entry.export_json(book) == f"已导出：{out}"
    assert stamped_kind(out) == "data"
    first = out.stat().st_ino
    assert entry.export_json(book) == f"已导出：{out}"  # clicked again: its own, replaced
    assert out.stat().st_ino != first
    edited = out.read_text(encoding="utf-8").replace('"year": 2023', '"year": 2024')
    before = _theirs(out, edited)
    message = entry.export_json(book)
    assert message.startswith(f"导出 JSON未完成：{out}: 文件已存在"), message
    assert "请先把它改名或移到别处" in message and "--overwrite" not in message
    assert book.app.alerts[-1] == (message, entry.TITLE)  # shown as the ribbon shows errors
    assert out.read_bytes() == before and not backup_path(out).exists()


def test_export_button_refuses_a_file_of_the_users(book: FakeBook) -> None:
    out = Path(book.fullname).with_suffix(".json")
    before = _theirs(out, '{"单位": "自己整理的数据"}\n')
    assert entry.export_json(book).startswith("导出 JSON未完成：")
    assert out.read_bytes() == before


def test_new_monitoring_button_writes_the_commands_output(book: FakeBook) -> None:
    """Stamped as ``perfxl new monitoring`` stamps its own: the command may replace it."""
    message = entry.new_monitoring(book, month=7)
    out = Path(book.fullname).with_name("suying-2023-监控.xlsx")
    assert message.startswith(f"已生成监控表：{out}"), message
    assert stamped_kind(out) == "new-monitoring"
    args = ["new", "monitoring", book.fullname, "-o", str(out), "--month", "8"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code in (0, 1) and "已存在" not in res.stderr, res.output
    assert not backup_path(out).exists()


def test_new_evaluation_button_writes_the_commands_output(book: FakeBook) -> None:
    entry.new_evaluation(book)
    out = Path(book.fullname).with_name("suying-2023-自评.xlsx")
    assert stamped_kind(out) == "new-evaluation"


# --- the JSON data's stamp ----------------------------------------------------------------
def _export(book: Path, out: Path, *extra: str) -> int:
    return CliRunner().invoke(main, ["export", str(book), "-o", str(out), *extra]).exit_code


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda t: t.replace('"year": 2023', '"year": 2024'), "a value"),
        (lambda t: t.replace('"year": 2023', '"year":  2023'), "a space"),
        (lambda t: t.replace(f'  "{PROPERTY}"', '  "perfxl.old"'), "the stamp renamed"),
    ],
)
def test_json_edited_by_hand_is_the_users(
    example_book: Path, tmp_path: Path, edit: object, why: str
) -> None:
    out = tmp_path / "data.json"
    assert _export(example_book, out) == 0
    assert own_output(out, "data")
    text = out.read_text(encoding="utf-8")
    out.write_text(edit(text), encoding="utf-8")  # type: ignore[operator]
    assert not own_output(out, "data"), why
    before = out.read_bytes()
    assert _export(example_book, out) == 2
    assert out.read_bytes() == before


def test_json_without_the_stamp_is_not_taken_for_perfxls(
    example_book: Path, tmp_path: Path
) -> None:
    """The data contract's first key alone (an export by an older perfxl, or typed) is no
    proof that nobody edited the file since."""
    out = tmp_path / "data.json"
    assert _export(example_book, out) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    del data[PROPERTY]
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert not own_output(out, "data")


def test_stamped_json_is_the_schemas_and_reads_back(example_book: Path, tmp_path: Path) -> None:
    """The stamp is a top-level key the schema allows; fill reads the file as before."""
    out = tmp_path / "data.json"
    assert _export(example_book, out) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data)[-1] == PROPERTY and data[PROPERTY].startswith("data ")
    jsonschema.Draft202012Validator(load_schema()).validate(data)
    res = CliRunner().invoke(main, ["fill", str(out), str(tmp_path / "back.xlsx")])
    assert res.exit_code == 0, res.output
    assert PROPERTY not in res.output


def test_import_json_is_stamped_as_data(tmp_path: Path) -> None:
    from importdocs import build as build_doc

    doc = build_doc(tmp_path / "doc.docx", merged=False)
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, ["import", str(doc), "-o", str(out)])
    assert res.exit_code in (0, 1), res.output
    assert stamped_kind(out) == "data"
