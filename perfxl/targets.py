"""指标值 (target value) parsing: a cell's text or number -> a `Target`.

Pure core: standard library only, no I/O.

A 指标值 is either quantitative (a comparison, a number and a unit: ``≥95%``,
``26人``, ``83380元``) or qualitative (``规定期限内支付``). `parse_target` accepts
what reviewers actually receive: full-width digits and symbols (``≥９５％``,
``＞＝95%``), ASCII operators (``>=``), Chinese comparison words (``不低于95%``,
``95%以上``), spaces anywhere, thousands separators and numbers stored as
numbers (read as Excel's General format shows them: 0.95, 95). The original text is kept unaltered in
`Target.text`.

Decisions on ambiguous values (what a reviewer would expect):

* A calendar date or year (``2023年底前完成``, ``12月31日前``, ``2023-06-30``)
  is a deadline, not a measure: qualitative, ``number`` None. Durations stay
  quantitative (``≤30天``, ``5个工作日内``, ``12个月``).
* A number embedded in a sentence is not the value: text before the number
  that is not a comparison word (``同比增长10%``, ``每月1次``), or a long phrase
  after it (``5人完成培训``), makes the value qualitative. Relative targets
  cannot be compared with an absolute threshold anyway.
* A range (``90%-100%``, ``3~5天``, ``3至5天``) is quantitative with
  comparison ``">="``, ``number`` the lower bound and ``upper`` the upper bound.
* A prefix operator wins over a suffix word (``≥95%以上`` is ``">="``), except
  the weak ``=``/``达到``: ``达到95%以上`` is ``">="``.
* A trailing ``以上`` is ``">="`` and ``以下``/``以内``/``内`` is ``"<="``:
  in Chinese regulations 以上/以下/以内 include the number itself.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from mypy_extensions import mypyc_attr

Kind = Literal["quantitative", "qualitative", "empty"]
Comparison = Literal[">=", ">", "<=", "<", "=", "≈"]

__all__ = ["Comparison", "Kind", "Target", "parse_target", "to_wan"]


@mypyc_attr(serializable=True)
@dataclass(frozen=True, slots=True)
class Target:
    """A parsed 指标值.

    Attributes:
        text: The value exactly as typed; for a numeric cell, as Excel's General format shows it.
        kind: "quantitative", "qualitative" or "empty".
        comparison: The operator; "=" when none is written; None unless quantitative.
        number: The number in the written unit (95 for "95%"); the lower bound of a range.
        unit: What follows the number ("%", "元", "万元", "人", "平米", …), or None.
        is_percent: True when the unit is "%".
        upper: The upper bound of a range ("90%-100%" -> 100), else None.
        raw: The original value given to `parse_target` (str, number, None, …).
    """

    text: str
    kind: Kind
    comparison: Comparison | None = None
    number: float | None = None
    unit: str | None = None
    is_percent: bool = False
    upper: float | None = None
    raw: Any = None


# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, plus look-alike symbols typed in
# Chinese input methods. Letters such as ㎡ or ℃ are left as they are.
_TRANSLATE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    ord(k): v
    for k, v in {
        "\u3000": " ",
        "\u200b": "",
        "\ufeff": "",
        "≦": "≤",
        "≧": "≥",
        "⩽": "≤",
        "⩾": "≥",
        "−": "-",  # U+2212 minus sign
        "–": "-",
        "—": "-",
        "〜": "~",
        "﹪": "%",
        "￥": "¥",
    }.items()
}

_PREFIX_WORDS: dict[str, Comparison] = {
    ">=": ">=",
    "=>": ">=",
    "≥": ">=",
    "≥=": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "不小于": ">=",
    "不得低于": ">=",
    "不得少于": ">=",
    "大于等于": ">=",
    "大于或等于": ">=",
    "至少": ">=",
    ">": ">",
    "高于": ">",
    "大于": ">",
    "超过": ">",
    "多于": ">",
    "<=": "<=",
    "=<": "<=",
    "≤": "<=",
    "≤=": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "不多于": "<=",
    "不大于": "<=",
    "不得超过": "<=",
    "不得高于": "<=",
    "小于等于": "<=",
    "小于或等于": "<=",
    "至多": "<=",
    "<": "<",
    "低于": "<",
    "小于": "<",
    "少于": "<",
    "=": "=",
    "==": "=",
    "等于": "=",
    "达到": "=",
    "≈": "≈",
    "~": "≈",
    "约": "≈",
    "大约": "≈",
    "约为": "≈",
}
# Longest first, so that 不低于 is tried before 低于 and >= before >.
_PREFIXES = tuple(sorted(_PREFIX_WORDS.items(), key=lambda item: -len(item[0])))
_SUFFIXES: tuple[tuple[str, Comparison], ...] = (
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
    ("内", "<="),
    ("左右", "≈"),
    ("上下", "≈"),
)
_INCLUSIVE = ("(含)", "(含本数)")

_NUM = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+"
_NUMBER_RE = re.compile(_NUM)
_RANGE_RE = re.compile(rf"(?P<u1>[^\d]*?)(?:-|~|至|到)(?P<num>{_NUM})(?P<u2>.*)")
_DATE_RE = re.compile(
    r"(?:19|20)\d{2}(?:年|[-/]\d{1,2}(?!\d)|\.\d{1,2}\.\d{1,2})"  # 2023年, 2023-06, 2023.6.30
    r"|(?<!个)\d{1,2}月"  # 12月底, 6月30日 (not 12个月, a duration)
    r"|\d{1,2}[日号]前"  # 15日前
)
# A unit is short: 个工作日, 万平方米; compound units such as 元/人·月 are
# measured per "/" part. 人完成培训 is a phrase, not a unit.
_UNIT_PART_MAX_LEN = 4
_TRAILING_PUNCTUATION = "。.,;，；、"
_UNIT_FORBIDDEN = set(".,;:!?、()[]【】{}<>=≤≥≈~\"'“”‘’《》")


_WAN_FACTORS = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal(1),
    "百万元": Decimal(100),
    "亿元": Decimal(10000),
}


def parse_target(value: object) -> Target:
    """Parse a 指标值 cell into a `Target`.

    Args:
        value: The cell value: a str, an int/float/Decimal (a number cell), a
            date, a bool, or None.

    Returns:
        The parsed target; `Target.text` is the string exactly as given (for
        a number, as Excel's General format shows it) and `Target.raw` the value itself.

    Raises:
        TypeError: If value is of a type a cell cannot hold.
    """
    if value is None:
        return Target(text="", kind="empty", raw=None)
    if isinstance(value, str):
        return _parse_text_cached(value)
    if isinstance(value, bool):
        return Target(text=str(value).upper(), kind="qualitative", raw=value)
    if isinstance(value, dt.datetime):
        return Target(text=value.isoformat(sep=" "), kind="qualitative", raw=value)
    if isinstance(value, dt.date):
        return Target(text=value.isoformat(), kind="qualitative", raw=value)
    if isinstance(value, int | float | Decimal):
        return _parse_number(value)
    raise TypeError(f"a 指标值 cannot be of type {type(value).__name__}: {value!r}")


def to_wan(target: Target) -> float | None:
    """Convert a money target to 万元.

    Args:
        target: A parsed target.

    Returns:
        The amount (lower bound for a range) in 万元 for units 元, 千元, 万元,
        百万元 and 亿元; None when the target is not an amount of money.
    """
    factor = _WAN_FACTORS.get(target.unit or "")
    if target.kind != "quantitative" or target.number is None or factor is None:
        return None
    return float(Decimal(repr(target.number)) * factor)


def _normalise(text: str) -> str:
    """Fold full-width forms and look-alikes to ASCII and drop all whitespace."""
    return "".join(text.translate(_TRANSLATE).split())


def _parse_text(text: str, raw: object) -> Target:
    s = _normalise(text).rstrip(_TRAILING_PUNCTUATION)
    if not s:
        return Target(text=text, kind="empty", raw=raw)
    qualitative = Target(text=text, kind="qualitative", raw=raw)
    if _DATE_RE.search(s):
        return qualitative

    prefix: Comparison | None = None
    for token, comparison in _PREFIXES:
        if s.startswith(token):
            prefix, s = comparison, s[len(token) :]
            break
    yuan = s.startswith("¥")
    s = s.removeprefix("¥")
    percent_word = s.startswith("百分之")
    s = s.removeprefix("百分之")

    match = _NUMBER_RE.match(s)
    if match is None:
        return qualitative
    number = _to_float(match.group())
    rest = s[match.end() :]

    suffix: Comparison | None = None
    for token in _INCLUSIVE:
        rest = rest.removesuffix(token)
    for token, comparison in _SUFFIXES:
        if rest.endswith(token):
            suffix, rest = comparison, rest[: -len(token)]
            break

    upper: float | None = None
    written_unit = rest
    range_match = _RANGE_RE.fullmatch(rest)
    if range_match is not None and prefix in (None, "="):
        u1, u2 = range_match.group("u1"), range_match.group("u2")
        if u1 and u1 != u2:
            return qualitative
        upper, written_unit = _to_float(range_match.group("num")), u2
        prefix = ">="
    if not _is_unit(written_unit):
        return qualitative
    unit = written_unit or None
    if percent_word:
        if unit is not None:
            return qualitative
        unit = "%"
    if yuan:
        if unit not in (None, "元"):
            return qualitative
        unit = "元"

    comparison = prefix if prefix not in (None, "=") else suffix or prefix or "="
    return Target(
        text=text,
        kind="quantitative",
        comparison=comparison,
        number=number,
        unit=unit,
        is_percent=unit == "%",
        upper=upper,
        raw=raw,
    )


def _is_unit(unit: str) -> bool:
    """Whether what follows a number reads as a unit rather than a phrase."""
    return (
        all(len(part) <= _UNIT_PART_MAX_LEN for part in unit.split("/"))
        and not any(ch.isdigit() for ch in unit)
        and not any(ch in _UNIT_FORBIDDEN for ch in unit)
        and not unit.startswith(("-", "+"))
        and (unit in ("%", "‰") or not unit.startswith(("%", "‰")))  # not "100%完成"
    )


def _to_float(number: str) -> float:
    return float(number.replace(",", ""))


def _parse_number(value: int | float | Decimal) -> Target:
    # repr() gives the shortest decimal that round-trips: 0.07, not 0.07000000000000000666.
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if exact.is_nan():  # pandas reads an empty cell as NaN
        return Target(text="", kind="empty", raw=value)
    if not exact.is_finite():
        return Target(text=str(value), kind="qualitative", raw=value)
    text = _general(exact)
    shown = _parse_text(text, raw=value)
    unit = shown.unit if shown.kind == "quantitative" else None
    return Target(
        text=text,
        kind="quantitative",
        comparison="=",
        number=float(exact),
        unit=unit,
        is_percent=unit == "%",
        raw=value,
    )


def _general(value: Decimal) -> str:
    """Render value roughly as Excel's General format: 95, 0.95, 1E+20."""
    if value == value.to_integral() and abs(value) < _GENERAL_MAX_INTEGER:
        return str(int(value))
    return format(float(value), ".15g").upper()


_GENERAL_MAX_INTEGER = Decimal(10) ** 15  # Excel keeps 15 significant digits


@lru_cache(maxsize=16384)
def _parse_text_cached(text: str) -> Target:
    """Text targets recur (``≥95%`` on many rows and in every township); a Target is frozen."""
    return _parse_text(text, raw=text)
