"""Table-driven tests for perfxl.targets: 指标值 text or cell value -> Target."""

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfxl.targets import Target, parse_target, to_wan

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "suying-2023-performance-targets.txt"
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
VALUE_CELL = INDICATOR_HEADER.index("指标值")

Q = "quantitative"
QL = "qualitative"

# Every distinct 指标值 of the seed: text -> (kind, comparison, number, unit).
SEED_EXPECTED: dict[str, tuple[str, str | None, float | None, str | None]] = {
    "≥2人": (Q, ">=", 2, "人"),
    "95%": (Q, "=", 95, "%"),
    "每月按时缴纳保险": (QL, None, None, None),
    "83380元": (Q, "=", 83380, "元"),
    "≥95%": (Q, ">=", 95, "%"),
    "≥5台": (Q, ">=", 5, "台"),
    "规定期限内支付": (QL, None, None, None),
    "102.6万元": (Q, "=", 102.6, "万元"),
    "10万元": (Q, "=", 10, "万元"),
    "2万元": (Q, "=", 2, "万元"),
    "5.7万元": (Q, "=", 5.7, "万元"),
    "≥4000平米": (Q, ">=", 4000, "平米"),
    "282万元": (Q, "=", 282, "万元"),
    "26人": (Q, "=", 26, "人"),
    "每月按时发放": (QL, None, None, None),
    "60.9万元": (Q, "=", 60.9, "万元"),
    "2个": (Q, "=", 2, "个"),
    "4.68万元": (Q, "=", 4.68, "万元"),
    "1个": (Q, "=", 1, "个"),
    "0.2万元": (Q, "=", 0.2, "万元"),
    "3.05万元": (Q, "=", 3.05, "万元"),
    "5万元": (Q, "=", 5, "万元"),
    "1万元": (Q, "=", 1, "万元"),
    "72万元": (Q, "=", 72, "万元"),
    "47.2万元": (Q, "=", 47.2, "万元"),
    "25人": (Q, "=", 25, "人"),
    "17万元": (Q, "=", 17, "万元"),
}

# Variants seen in real submissions: text -> (kind, comparison, number, unit, upper).
VARIANTS: dict[str, tuple[str, str | None, float | None, str | None, float | None]] = {
    # full-width digits and symbols
    "≥９５％": (Q, ">=", 95, "%", None),
    "＞＝95%": (Q, ">=", 95, "%", None),
    "＞95％": (Q, ">", 95, "%", None),
    "＜5天": (Q, "<", 5, "天", None),
    "＜＝5天": (Q, "<=", 5, "天", None),
    "＝100％": (Q, "=", 100, "%", None),
    "9５．5%": (Q, "=", 95.5, "%", None),
    "95﹪": (Q, "=", 95, "%", None),
    # ASCII and look-alike operators
    ">=95%": (Q, ">=", 95, "%", None),
    "=>95%": (Q, ">=", 95, "%", None),
    ">95%": (Q, ">", 95, "%", None),
    "<=5天": (Q, "<=", 5, "天", None),
    "<5天": (Q, "<", 5, "天", None),
    "=100%": (Q, "=", 100, "%", None),
    "==100%": (Q, "=", 100, "%", None),
    "≤5天": (Q, "<=", 5, "天", None),
    "≦5天": (Q, "<=", 5, "天", None),
    "⩽5天": (Q, "<=", 5, "天", None),
    "≧95%": (Q, ">=", 95, "%", None),
    "⩾95%": (Q, ">=", 95, "%", None),
    "≈100人": (Q, "≈", 100, "人", None),
    "~100人": (Q, "≈", 100, "人", None),
    # Chinese comparison words, before the number
    "不低于95%": (Q, ">=", 95, "%", None),
    "不少于3次": (Q, ">=", 3, "次", None),
    "不小于95%": (Q, ">=", 95, "%", None),
    "大于等于95%": (Q, ">=", 95, "%", None),
    "高于90%": (Q, ">", 90, "%", None),
    "大于90%": (Q, ">", 90, "%", None),
    "超过100人": (Q, ">", 100, "人", None),
    "多于100人": (Q, ">", 100, "人", None),
    "不高于5%": (Q, "<=", 5, "%", None),
    "不超过10万元": (Q, "<=", 10, "万元", None),
    "不多于3次": (Q, "<=", 3, "次", None),
    "不大于5%": (Q, "<=", 5, "%", None),
    "小于等于5%": (Q, "<=", 5, "%", None),
    "低于5%": (Q, "<", 5, "%", None),
    "小于5%": (Q, "<", 5, "%", None),
    "少于3次": (Q, "<", 3, "次", None),
    "等于100%": (Q, "=", 100, "%", None),
    "达到100%": (Q, "=", 100, "%", None),
    "约100人": (Q, "≈", 100, "人", None),
    # Chinese comparison words, after the number
    "95%以上": (Q, ">=", 95, "%", None),
    "95%及以上": (Q, ">=", 95, "%", None),
    "95%以上（含）": (Q, ">=", 95, "%", None),
    "5天以下": (Q, "<=", 5, "天", None),
    "5天以内": (Q, "<=", 5, "天", None),
    "5个工作日内": (Q, "<=", 5, "个工作日", None),
    "100人左右": (Q, "≈", 100, "人", None),
    "达到95%以上": (Q, ">=", 95, "%", None),
    "≥95%以上": (Q, ">=", 95, "%", None),
    # spaces anywhere
    " ≥ 95 % ": (Q, ">=", 95, "%", None),
    "≥\u300095％": (Q, ">=", 95, "%", None),
    "不低于 95%": (Q, ">=", 95, "%", None),
    "83 380 元": (Q, "=", 83380, "元", None),
    # thousands separators, decimals, negatives
    "1,234.5元": (Q, "=", 1234.5, "元", None),
    "1，234": (Q, "=", 1234, None, None),
    "1,234,567元": (Q, "=", 1234567, "元", None),
    "-5%": (Q, "=", -5, "%", None),
    "≤-5%": (Q, "<=", -5, "%", None),
    "−2.5%": (Q, "=", -2.5, "%", None),
    "0": (Q, "=", 0, None, None),
    "95": (Q, "=", 95, None, None),
    "95%。": (Q, "=", 95, "%", None),
    # money units
    "83380元": (Q, "=", 83380, "元", None),
    "102.6万元": (Q, "=", 102.6, "万元", None),
    "1.5亿元": (Q, "=", 1.5, "亿元", None),
    "300千元": (Q, "=", 300, "千元", None),
    "¥5000": (Q, "=", 5000, "元", None),
    "￥5000元": (Q, "=", 5000, "元", None),
    # other units
    "百分之95": (Q, "=", 95, "%", None),
    "12个月": (Q, "=", 12, "个月", None),
    "≤30天": (Q, "<=", 30, "天", None),
    "1次/年": (Q, "=", 1, "次/年", None),
    "300元/人·月": (Q, "=", 300, "元/人·月", None),
    "2万平方米": (Q, "=", 2, "万平方米", None),
    "5‰": (Q, "=", 5, "‰", None),
    # ranges: lower bound with ">=", upper bound in `upper`
    "90%-100%": (Q, ">=", 90, "%", 100),
    "90-100%": (Q, ">=", 90, "%", 100),
    "3~5天": (Q, ">=", 3, "天", 5),
    "3至5天": (Q, ">=", 3, "天", 5),
    "2000-3000元": (Q, ">=", 2000, "元", 3000),
    "达到90%-100%": (Q, ">=", 90, "%", 100),
    # qualitative: no number, dates, numbers that are not the value
    "规定期限内支付": (QL, None, None, None, None),
    "每月按时发放": (QL, None, None, None, None),
    "不涉及": (QL, None, None, None, None),
    "无": (QL, None, None, None, None),
    "明显提升": (QL, None, None, None, None),
    "2023年底前完成": (QL, None, None, None, None),
    "2023年12月31日前": (QL, None, None, None, None),
    "12月底前": (QL, None, None, None, None),
    "6月30日前完成": (QL, None, None, None, None),
    "15日前": (QL, None, None, None, None),
    "2023-06-30": (QL, None, None, None, None),
    "2023/6": (QL, None, None, None, None),
    "2023.6.30": (QL, None, None, None, None),
    "同比增长10%": (QL, None, None, None, None),
    "比去年提高30%": (QL, None, None, None, None),
    "每月1次": (QL, None, None, None, None),
    "100%完成": (QL, None, None, None, None),
    "5人完成培训": (QL, None, None, None, None),
    "95%，100%": (QL, None, None, None, None),
    "1,23": (QL, None, None, None, None),
    "5%/年": (QL, None, None, None, None),
    "≥90%-100%": (QL, None, None, None, None),
    "90%-100人": (QL, None, None, None, None),
    "¥5000万元": (QL, None, None, None, None),
    # empty
    "": ("empty", None, None, None, None),
    "   ": ("empty", None, None, None, None),
    "\u3000": ("empty", None, None, None, None),
}

# Number cells: (value, number_format) -> (text as shown, number, unit).
# Number cells read as Excel's General format shows them.
NUMBER_CELLS: list[tuple[object, str, float, str | None]] = [
    (0.95, "0.95", 0.95, None),
    (95, "95", 95, None),
    (95.0, "95", 95, None),
    (1e20, "1E+20", 1e20, None),
]

TO_WAN: dict[str, float | None] = {
    "83380元": 8.338,
    "102.6万元": 102.6,
    "5万元": 5,
    "1.5亿元": 15000,
    "300千元": 30,
    "¥5000": 0.5,
    "≤10万元": 10,
    "1,234.5元": 0.12345,
    "26人": None,
    "95%": None,
    "每月按时发放": None,
    "": None,
    "300元/人·月": None,
}


def _seed_rows(text: str) -> list[list[str]]:
    """Split the seed into rows of cells: a cell starts with a tab, a blank line ends a row."""
    rows: list[list[str]] = []
    cells: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("\t"):
            cells.append(line[1:])
        elif cells:
            rows.append(cells)
            cells = []
    return rows


def _seed_target_values() -> list[str]:
    """Every 指标值 of the seed: the 5th cell of each row under an indicator header."""
    if not SEED.is_file():
        pytest.fail(f"seed file not found: {SEED} (it ships in tests/data)")
    values: list[str] = []
    inside = False
    for cells in _seed_rows(SEED.read_text(encoding="utf-8")):
        if cells == INDICATOR_HEADER:
            inside = True
        elif inside and len(cells) == len(INDICATOR_HEADER):
            values.append(cells[VALUE_CELL])
        else:
            inside = False
    return values


def _assert_target(
    target: Target,
    kind: str,
    comparison: str | None,
    number: float | None,
    unit: str | None,
    upper: float | None = None,
) -> None:
    assert (target.kind, target.comparison, target.unit) == (kind, comparison, unit)
    assert target.number == (None if number is None else pytest.approx(number))
    assert target.upper == (None if upper is None else pytest.approx(upper))
    assert target.is_percent is (unit == "%")


def test_seed_has_every_value_in_the_expected_table() -> None:
    values = _seed_target_values()
    assert len(values) == 114, "the seed has 19 tables of 6 indicator rows"
    assert sorted(set(values)) == sorted(SEED_EXPECTED)


def test_every_seed_value_parses_as_expected() -> None:
    for value in _seed_target_values():
        target = parse_target(value)
        assert target.text == value
        _assert_target(target, *SEED_EXPECTED[value])


@pytest.mark.parametrize(("text", "expected"), SEED_EXPECTED.items())
def test_seed_value(text: str, expected: tuple[str, str | None, float | None, str | None]) -> None:
    _assert_target(parse_target(text), *expected)


@pytest.mark.parametrize(("text", "expected"), VARIANTS.items())
def test_variant(
    text: str, expected: tuple[str, str | None, float | None, str | None, float | None]
) -> None:
    _assert_target(parse_target(text), *expected)


@pytest.mark.parametrize("text", [*SEED_EXPECTED, *VARIANTS, *TO_WAN])
def test_text_and_raw_are_the_input_unaltered(text: str) -> None:
    target = parse_target(text)
    assert target.text == text
    assert target.raw == text


@pytest.mark.parametrize(("value", "text", "number", "unit"), NUMBER_CELLS)
def test_number_cell(value: object, text: str, number: float, unit: str | None) -> None:
    target = parse_target(value)
    assert target.text == text
    assert target.raw == value
    _assert_target(target, Q, "=", number, unit)


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, "empty", ""),
        (float("nan"), "empty", ""),
        (Decimal("NaN"), "empty", ""),
        (float("inf"), QL, "inf"),
        (True, QL, "TRUE"),
        (dt.date(2023, 12, 31), QL, "2023-12-31"),
        (dt.datetime(2023, 12, 31, 18, 0), QL, "2023-12-31 18:00:00"),
    ],
)
def test_non_numeric_cells(value: object, kind: str, text: str) -> None:
    target = parse_target(value)
    assert (target.kind, target.text, target.number, target.comparison) == (kind, text, None, None)
    assert target.raw is value


def test_unsupported_type_is_rejected() -> None:
    with pytest.raises(TypeError, match="cannot be of type"):
        parse_target(object())


@pytest.mark.parametrize(("text", "wan"), TO_WAN.items())
def test_to_wan(text: str, wan: float | None) -> None:
    result = to_wan(parse_target(text))
    assert result == (None if wan is None else pytest.approx(wan))


def test_to_wan_is_exact_for_the_seed_cost_indicator() -> None:
    assert to_wan(parse_target("83380元")) == 8.338


def test_target_is_frozen() -> None:
    target = parse_target("≥95%")
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.number = 90  # type: ignore[misc]


@given(st.text(max_size=30))
def test_any_text_parses_and_is_kept(text: str) -> None:
    target = parse_target(text)
    assert target.text == text
    quantitative = target.kind == Q
    assert (target.number is not None) is quantitative
    assert (target.comparison is not None) is quantitative
    assert target.is_percent is (target.unit == "%")


@given(st.floats() | st.integers() | st.decimals())
def test_any_number_cell_parses(value: object) -> None:
    target = parse_target(value)
    assert target.raw is value
    assert target.kind in (Q, QL, "empty")
