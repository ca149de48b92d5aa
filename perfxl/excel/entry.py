"""Ribbon entry points: one function per button, called by the add-in's VBA through RunPython.

``RunPython "import perfxl.excel.entry as e; e.validate()"`` runs in a fresh Python that finds
the calling book with ``xw.Book.caller()``. Each entry point shows its outcome in a message
box in Chinese; a failure is a message too, never a Python traceback (the traceback goes to a
log file named in the message).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfxl.errors import PerfxlError
from perfxl.excel import actions, require_xlwings

LOG_NAME = "perfxl-excel.log"  # in the temp folder (`log_file`)
TITLE = "perfxl 绩效目标"


def validate(book: Any = None) -> str:
    """校验 button."""
    return _run("校验", actions.validate_book, book)


def compute(book: Any = None) -> str:
    """计算进度 button."""
    return _run("计算进度", actions.compute_book, book)


def add_project(book: Any = None, name: str | None = None) -> str:
    """新增项目 button; asks for the project name when Excel can ask."""

    def act(b: Any) -> str:
        return actions.add_project_book(b, name if name is not None else _ask_name(b))

    return _run("新增项目", act, book)


def new_monitoring(book: Any = None, month: int | None = None, rerun: bool | None = None) -> str:
    """新建监控表 button; asks for the monitoring month when Excel can ask (else 7).

    When ``<book>-监控.xlsx`` exists, asks whether to re-generate (``rerun`` None; True or
    False answers for the caller): yes rebuilds from the open targets workbook into the next
    ``<book>-监控(n).xlsx``, carrying what was typed into the latest one and keeping its month
    (``perfxl new monitoring --from``); no, or an Excel that cannot ask, writes nothing.
    """

    def act(b: Any) -> str:
        versions = actions.monitoring_versions(b.fullname)
        if not versions:
            m = month if month is not None else _ask_month(b)
            return actions.new_monitoring_book(b, 7 if m is None else m)
        go = rerun if rerun is not None else _ask_rerun(b, versions[-1])
        if go is None:  # Excel cannot ask: refuse as before, saying how to re-generate
            return actions.new_monitoring_book(b, 7 if month is None else month)
        if not go:
            return f"未生成：{versions[-1]} 已存在，保持不变。"
        return actions.rerun_monitoring_book(b, month)

    return _run("新建监控表", act, book)


def new_evaluation(book: Any = None, rerun: bool | None = None) -> str:
    """新建自评表 button: ``<book>-自评.xlsx`` from the open targets or monitoring workbook.

    When ``<book>-自评.xlsx`` exists, asks whether to re-generate (``rerun`` None; True or
    False answers for the caller): yes rebuilds from the open workbook into the next
    ``<book>-自评(n).xlsx``, carrying what was typed into the latest one and keeping its
    scoring profile (``perfxl new evaluation --from``); no, or an Excel that cannot ask,
    writes nothing.
    """

    def act(b: Any) -> str:
        versions = actions.evaluation_versions(b.fullname)
        if not versions:
            return actions.new_evaluation_book(b)
        go = rerun if rerun is not None else _ask_rerun(b, versions[-1], EVALUATION_PROMPT)
        if go is None:  # Excel cannot ask: refuse, saying how to re-generate
            return actions.new_evaluation_book(b)
        if not go:
            return f"未生成：{versions[-1]} 已存在，保持不变。"
        return actions.rerun_evaluation_book(b)

    return _run("新建自评表", act, book)


def export_json(book: Any = None) -> str:
    """导出 JSON button."""
    return _run("导出 JSON", actions.export_book, book)


def help(book: Any = None) -> str:
    """帮助 button."""
    return _run("帮助", actions.help_text, book)


def _run(what: str, action: Callable[[Any], str], book: Any) -> str:
    """Run one button's action and show its message; returns the message shown."""
    if book is None:
        book = require_xlwings().Book.caller()
    try:
        message = action(book)
    except PerfxlError as exc:
        message = f"{what}未完成：{exc}"
    except Exception as exc:
        _log(what)
        message = (
            f"{what}时发生意外错误：{type(exc).__name__}: {exc}\n"
            f"详细信息已写入 {log_file()}，请把该文件和工作簿发给技术支持。"
        )
    _alert(book, message)
    return message


def _alert(book: Any, message: str) -> None:
    try:
        book.app.alert(message, title=TITLE)
    except Exception:  # an alert that cannot be shown must not turn into a traceback
        _log("alert")


def _ask_name(book: Any) -> str | None:
    """The new project's name from Excel's input box (Windows Excel); None elsewhere."""
    api = getattr(getattr(book, "app", None), "api", None)
    if api is None or not hasattr(api, "InputBox"):
        return None
    answer = api.InputBox("新项目的名称（可留空，稍后在表中填写）：", "新增项目", Type=2)
    return answer.strip() if isinstance(answer, str) and answer.strip() else None


def _ask_month(book: Any) -> int | None:
    """The monitoring month (1–12) from Excel's input box (Windows Excel); None elsewhere or
    when the answer is not a month."""
    api = getattr(getattr(book, "app", None), "api", None)
    if api is None or not hasattr(api, "InputBox"):
        return None
    answer = api.InputBox("监控月份（1-12，7 即截至 7月底）：", "新建监控表", 7, Type=1)
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return None
    return int(answer) if float(answer).is_integer() and 1 <= answer <= 12 else None


MONITORING_PROMPT = (
    "监控表 {name} 已存在。\n\n"
    "是否按当前目标表重新生成？将写出新文件，带入该监控表中已填报的内容"
    "（按项目编码、名称和指标对应），原监控表不改动。"
)
EVALUATION_PROMPT = (
    "自评表 {name} 已存在。\n\n"
    "是否按当前工作簿重新生成？将写出新文件，带入该自评表中已填报的内容"
    "（按项目编码、名称和指标对应，评分方案不变），原自评表不改动。"
)


def _ask_rerun(book: Any, latest: Path, prompt: str = MONITORING_PROMPT) -> bool | None:
    """Whether to re-generate the monitoring (or self-evaluation) workbook ``latest``
    (Excel's Yes / No box, ``prompt`` naming it); None where the box cannot be shown."""
    prompt = prompt.format(name=latest.name)
    try:
        answer = book.app.alert(prompt, title=TITLE, buttons="yes_no")
    except Exception:  # an engine without the Yes / No box
        return None
    if answer not in ("yes", "no"):
        return None
    return answer == "yes"


def log_file() -> Path:
    """The log an unexpected error's traceback is written to (named in its message)."""
    import tempfile  # only when something failed: a click on a button does not load it

    return Path(tempfile.gettempdir()) / LOG_NAME


def _log(what: str) -> None:
    """The traceback of the exception being handled, appended to `log_file` by a handler of
    its own (`logging.basicConfig` does nothing where the host process configured logging
    already, and the message would name a file never written). logging and traceback are
    imported here: only a failure needs them."""
    import logging
    import traceback

    logger = logging.getLogger("perfxl.excel")
    handler = logging.FileHandler(log_file(), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        logger.error("%s\n%s", what, traceback.format_exc())
    finally:
        logger.removeHandler(handler)
        handler.close()
