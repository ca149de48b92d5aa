"""A Ctrl-C landing while validate, publish, import, template, fill, export and addin build
print their closing lines (the output is written) exits with the run's own code; one landing
before the last output is written is still an interruption (130, 已中断). The Ctrl-C is a real
SIGINT raised in this process at the moment the chosen line is printed."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from importdocs import build

from perfxl.cli import main
from perfxl.outputs import EXIT_INTERRUPTED, INTERRUPTED_MESSAGE

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BOOK = EXAMPLES / "suying-2023.xlsx"


def _ctrl_c_at(monkeypatch: pytest.MonkeyPatch, starts: str) -> list[str]:
    """SIGINT raised just before the first printed message that starts with ``starts``;
    returns the messages printed so far (the last one is where the Ctrl-C landed)."""
    real: Callable[..., Any] = click.echo
    seen: list[str] = []
    fired: list[bool] = []

    def echo(message: Any = None, *args: Any, **kwargs: Any) -> Any:
        text = "" if message is None else str(message)
        seen.append(text)
        if not fired and text.startswith(starts):
            fired.append(True)
            signal.raise_signal(signal.SIGINT)  # KeyboardInterrupt here unless held off
        return real(message, *args, **kwargs)

    monkeypatch.setattr(click, "echo", echo)
    return seen


def _run(*args: str | Path) -> Result:
    before = signal.getsignal(signal.SIGINT)
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert signal.getsignal(signal.SIGINT) is before  # the hold-off is undone
    return res


def test_validate_annotate_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = _run("validate", BOOK, "--annotate", tmp_path / "quiet.xlsx")
    assert quiet.exit_code in (0, 1), quiet.output
    seen = _ctrl_c_at(monkeypatch, "已标注")
    res = _run("validate", BOOK, "--annotate", tmp_path / "a.xlsx")
    assert res.exit_code == quiet.exit_code, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert "已标注" in res.output  # the line was printed in full, after the Ctrl-C
    assert (tmp_path / "a.xlsx").is_file()
    assert any(s.startswith("已标注") for s in seen)


def test_validate_ctrl_c_while_the_report_is_printed_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is printed before the workbook is annotated: a Ctrl-C then stops the run
    and nothing is annotated."""
    _ctrl_c_at(monkeypatch, str(BOOK))
    res = _run("validate", BOOK, "--annotate", tmp_path / "a.xlsx")
    assert res.exit_code == EXIT_INTERRUPTED, res.output
    assert INTERRUPTED_MESSAGE in res.output
    assert not (tmp_path / "a.xlsx").exists()


def test_validate_in_place_ctrl_c_before_the_last_workbook_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workbooks annotated in place: a Ctrl-C after the first one's line interrupts
    (130) and the second is left as it was; after the second one's line it does not."""
    folder = tmp_path / "in"
    folder.mkdir()
    first, second = folder / "a.xlsx", folder / "b.xlsx"
    shutil.copy(BOOK, first)
    shutil.copy(BOOK, second)
    untouched = second.read_bytes()
    _ctrl_c_at(monkeypatch, f"已标注：{first}")
    res = _run("validate", first, second, "--in-place")
    assert res.exit_code == EXIT_INTERRUPTED, res.output
    assert INTERRUPTED_MESSAGE in res.output
    assert second.read_bytes() == untouched

    monkeypatch.undo()
    shutil.copy(BOOK, first)
    shutil.copy(BOOK, second)
    quiet = _run("validate", first, second, "--in-place")
    assert quiet.exit_code in (0, 1), quiet.output
    shutil.copy(BOOK, first)
    shutil.copy(BOOK, second)
    _ctrl_c_at(monkeypatch, f"已标注：{second}")
    res = _run("validate", first, second, "--in-place")
    assert res.exit_code == quiet.exit_code, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert second.read_bytes() != untouched


def test_publish_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _ctrl_c_at(monkeypatch, "已生成")
    res = _run("publish", BOOK, "-o", tmp_path / "p.docx")
    assert any(s.startswith("已生成") for s in seen)
    assert res.exit_code == 0, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert (tmp_path / "p.docx").is_file()


@pytest.mark.parametrize("suffix", [".xlsx", ".json"])
def test_import_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    doc = build(tmp_path / "seed.docx", merged=True)
    quiet = _run("import", doc, "-o", tmp_path / f"quiet{suffix}")
    assert quiet.exit_code in (0, 1), quiet.output
    seen = _ctrl_c_at(monkeypatch, "已导入")
    res = _run("import", doc, "-o", tmp_path / f"out{suffix}")
    assert any(s.startswith("已导入") for s in seen)
    assert res.exit_code == quiet.exit_code, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert (tmp_path / f"out{suffix}").is_file()


def test_import_to_standard_output_ctrl_c_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without -o the JSON printed is the only output: a Ctrl-C while it is printed is an
    interruption."""
    doc = build(tmp_path / "seed.docx", merged=True)
    _ctrl_c_at(monkeypatch, "{")
    res = _run("import", doc, "--format", "json")
    assert res.exit_code == EXIT_INTERRUPTED, res.output
    assert INTERRUPTED_MESSAGE in res.output


def test_diff_writes_nothing_so_ctrl_c_while_printing_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """diff's printed changes are its only output: a Ctrl-C while they are printed stops it."""
    new = tmp_path / "new.xlsx"
    res = _run("rollover", BOOK, "--year", "2024", "-o", new)
    assert res.exit_code in (0, 1), res.output
    _ctrl_c_at(monkeypatch, "[")
    res = _run("diff", BOOK, new)
    assert res.exit_code == EXIT_INTERRUPTED, res.output
    assert INTERRUPTED_MESSAGE in res.output


def test_template_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _ctrl_c_at(monkeypatch, "已生成模板")
    res = _run("template", tmp_path / "t.xlsx")
    assert any(s.startswith("已生成模板") for s in seen)
    assert res.exit_code == 0, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert "已生成模板" in res.output
    assert (tmp_path / "t.xlsx").is_file()


def test_fill_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new workbook and one filled in place (its backup kept): the line that says so is
    printed in full and the run exits with its code."""
    data = EXAMPLES / "suying-2023.json"
    quiet = _run("fill", data, tmp_path / "quiet.xlsx")
    assert quiet.exit_code in (0, 1), quiet.output
    seen = _ctrl_c_at(monkeypatch, "已写入")
    res = _run("fill", data, tmp_path / "new.xlsx")
    assert any(s.startswith("已写入") for s in seen)
    assert res.exit_code == quiet.exit_code, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert (tmp_path / "new.xlsx").is_file()

    book = tmp_path / "into.xlsx"
    shutil.copy(BOOK, book)
    before = book.read_bytes()
    monkeypatch.undo()
    seen = _ctrl_c_at(monkeypatch, "已写入")
    res = _run("fill", data, "--into", book)
    assert any(s.startswith("已写入") for s in seen)
    assert res.exit_code in (0, 1), res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert "已写入" in res.output
    assert (tmp_path / "into.bak.xlsx").read_bytes() == before


def test_export_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = _run("export", BOOK, "-o", tmp_path / "quiet.json")
    assert quiet.exit_code in (0, 1), quiet.output
    seen = _ctrl_c_at(monkeypatch, "已导出")
    res = _run("export", BOOK, "-o", tmp_path / "out.json")
    assert any(s.startswith("已导出") for s in seen)
    assert res.exit_code == quiet.exit_code, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert (tmp_path / "out.json").read_bytes() == (tmp_path / "quiet.json").read_bytes()


def test_export_to_standard_output_ctrl_c_is_an_interruption(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without -o the JSON printed is the only output: a Ctrl-C while it is printed is an
    interruption."""
    _ctrl_c_at(monkeypatch, "{")
    res = _run("export", BOOK)
    assert res.exit_code == EXIT_INTERRUPTED, res.output
    assert INTERRUPTED_MESSAGE in res.output


@pytest.mark.parametrize(
    ("args", "line"), [((), "已生成加载项"), (("--xlsm",), "已生成带功能区的工作簿")]
)
def test_addin_build_late_ctrl_c_keeps_the_runs_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], line: str
) -> None:
    out = tmp_path / ("perfxl.xlsm" if args else "perfxl.xlam")
    seen = _ctrl_c_at(monkeypatch, line)
    res = _run("addin", "build", *args, "-o", out)
    assert any(s.startswith(line) for s in seen)
    assert res.exit_code == 0, res.output
    assert INTERRUPTED_MESSAGE not in res.output
    assert line in res.output
    assert out.is_file()
