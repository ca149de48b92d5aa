"""Excel ribbon integration through xlwings (optional extra ``perfxl[xlwings]``).

Nothing here imports xlwings at import time: the entry points ask for it when a button is
pressed, and the add-in builder never needs it (it reads the template's bytes from the
installed xlwings package only when it builds).
"""

from __future__ import annotations

from types import ModuleType

INSTALL_HINT = (
    '需要 xlwings 才能在 Excel 中运行 perfxl。请在命令行执行：pip install "perfxl[xlwings]"'
)


class XlwingsMissingError(ImportError):
    """xlwings is not installed; the message says how to install it."""


def require_xlwings() -> ModuleType:
    """The xlwings module.

    Raises:
        XlwingsMissingError: xlwings is not installed (message carries the install hint).
    """
    try:
        import xlwings
    except ImportError as exc:
        raise XlwingsMissingError(INSTALL_HINT) from exc
    return xlwings
