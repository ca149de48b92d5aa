"""Python values -> the text of a SpreadsheetML cell (pure)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from perfxl import xstring
from perfxl.errors import UnsupportedValueError
from perfxl.write.patch.xmltext import esc_text

CellValue = str | int | float | bool | Decimal | dt.date | dt.datetime | dt.time | None

MAX_TEXT = 32767


@dataclass(frozen=True)
class Encoded:
    """A value as cell XML.

    Attributes:
        t: the ``t`` attribute of a plain cell (None: number or blank).
        body: the children of a plain cell (``<v>…</v>``, ``<is>…</is>`` or nothing).
        cached_t: the ``t`` attribute when the value is a formula's cached result.
        cached_v: the ``<v>`` text for a formula cell (None: no cached value).
    """

    t: str | None
    body: str
    cached_t: str | None
    cached_v: str | None


def ooxml_string(s: str) -> str:
    """Escape a string the way Excel does (``_xHHHH_``), then for XML text."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in s):
        raise UnsupportedValueError("文本中含有无效的 Unicode 代理字符。")
    return esc_text(xstring.escape(s))


def number_text(value: float | int | Decimal) -> str:
    """The lexical form of a number in ``<v>``.

    Raises:
        UnsupportedValueError: NaN or infinity.
    """
    if isinstance(value, int):
        return str(value)
    f = float(value)
    if not math.isfinite(f):
        raise UnsupportedValueError(f"Excel 不能保存 {value!r}。")
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f).upper()


def serial(value: dt.date | dt.datetime | dt.time, date1904: bool = False) -> float:
    """Excel's serial number for a date, date-time or time of day."""
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400 + (
            value.microsecond / 86400e6
        )
    day = value.date() if isinstance(value, dt.datetime) else value
    if date1904:
        n = float((day - dt.date(1904, 1, 1)).days)
    elif day < dt.date(1900, 3, 1):
        n = float((day - dt.date(1899, 12, 31)).days)  # Excel's fictitious 1900-02-29
    else:
        n = float((day - dt.date(1899, 12, 30)).days)
    if isinstance(value, dt.datetime):
        n += serial(value.time())
    return n


def encode(value: CellValue, prefix: str = "", date1904: bool = False) -> Encoded:
    """Encode ``value``; strings are inline strings, never formulas (``"=1+1"`` stays text).

    Raises:
        UnsupportedValueError: for values Excel cannot hold.
    """
    p = prefix
    if value is None:
        return Encoded(None, "", None, None)
    if isinstance(value, bool):
        v = "1" if value else "0"
        return Encoded("b", f"<{p}v>{v}</{p}v>", "b", v)
    if isinstance(value, int | float | Decimal):
        v = number_text(value)
        return Encoded(None, f"<{p}v>{v}</{p}v>", None, v)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        v = number_text(serial(value, date1904))
        return Encoded(None, f"<{p}v>{v}</{p}v>", None, v)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise UnsupportedValueError(f"文本长度 {len(value)} 超过 Excel 单元格上限 {MAX_TEXT}。")
        text = ooxml_string(value)
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        body = f"<{p}is><{p}t{space}>{text}</{p}t></{p}is>"
        return Encoded("inlineStr", body, "str", text)
    raise UnsupportedValueError(f"不支持写入 {type(value).__name__} 类型的值。")
