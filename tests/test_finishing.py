"""A Ctrl-C after a command's work is complete does not turn the run into an interruption."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from perfxl.outputs import (
    EXIT_INTERRUPTED,
    INTERRUPTED_MESSAGE,
    finishing,
    reset_finished,
    stop_interrupted,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    reset_finished()


def test_ctrl_c_while_the_report_is_printed_is_held_off_then_the_handler_is_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    reached = False
    with finishing(1):
        signal.raise_signal(signal.SIGINT)  # ignored: no KeyboardInterrupt here
        reached = True
    assert reached
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):  # outside the block Ctrl-C works again
        signal.raise_signal(signal.SIGINT)


def test_a_late_ctrl_c_exits_with_the_commands_own_code_and_no_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with finishing(1):
        pass
    with pytest.raises(SystemExit) as exc:
        stop_interrupted()
    assert exc.value.code == 1
    assert INTERRUPTED_MESSAGE not in capsys.readouterr().err


def test_before_the_work_is_done_ctrl_c_is_an_interruption(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with finishing(0):
        pass
    reset_finished()  # the next command run
    with pytest.raises(SystemExit) as exc:
        stop_interrupted()
    assert exc.value.code == EXIT_INTERRUPTED
    assert INTERRUPTED_MESSAGE in capsys.readouterr().err


def test_commands_that_finish_leave_ctrl_c_as_they_found_it(tmp_path: Path) -> None:
    """compute and rollover write their workbook, print under `finishing`, and leave this
    process's Ctrl-C handler as it was; the next command starts as not finished."""
    from click.testing import CliRunner

    from perfxl import outputs
    from perfxl.cli import main

    before = signal.getsignal(signal.SIGINT)
    book = EXAMPLES / "suying-2023.xlsx"
    res = CliRunner().invoke(main, ["compute", str(book), "-o", str(tmp_path / "c.xlsx")])
    assert res.exit_code in (0, 1), res.output
    assert (tmp_path / "c.xlsx").exists()
    assert outputs._done == [res.exit_code]
    assert signal.getsignal(signal.SIGINT) is before
    res = CliRunner().invoke(
        main, ["rollover", str(book), "--year", "2024", "-o", str(tmp_path / "r.xlsx")]
    )
    assert res.exit_code in (0, 1), res.output
    assert outputs._done == [res.exit_code]
    assert signal.getsignal(signal.SIGINT) is before
    CliRunner().invoke(main, ["validate", str(tmp_path / "missing.xlsx")])
    assert outputs._done == []  # reset at the start; validate's failure finished nothing


def test_a_ctrl_c_between_outputs_names_those_written_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """consolidate --tables: a Ctrl-C after the summary and one table were written says so
    (the folder would otherwise hold a new summary beside last run's tables unannounced)."""
    from perfxl.consolidate import Options, consolidate
    from perfxl.consolidate import tables as T

    real = T.atomic_path
    calls: list[Path] = []

    def interrupted_at_the_second(path: Path) -> object:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path)

    monkeypatch.setattr(T, "atomic_path", interrupted_at_the_second)
    out = tmp_path / "汇总.xlsx"
    with pytest.raises(KeyboardInterrupt):
        consolidate([EXAMPLES / "suying-2023.xlsx"], out, Options(jobs=1, tables=tmp_path / "表"))
    with pytest.raises(SystemExit) as exc:
        stop_interrupted()
    assert exc.value.code == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert INTERRUPTED_MESSAGE in err
    assert f"中断前已完整写出：{out}、{calls[0]}；其余输出未写出" in err
    assert out.is_file() and calls[0].is_file() and not calls[1].exists()
