"""export(fill(data)) == data: for the example and for generated data.

The suite runs a bounded number of generated examples; the longer run is::

    PERFXL_ROUNDTRIP_EXAMPLES=500 .venv/bin/pytest tests/test_roundtrip.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_XLSX
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfxl.grid.calamine_grid import read_grid
from perfxl.model import Targets
from perfxl.read import read_grid_model, read_workbook
from perfxl.write.fill import build_workbook, write_new

EXAMPLES = int(os.environ.get("PERFXL_ROUNDTRIP_EXAMPLES", "40"))


def test_example_round_trip(example_book: Path, example_data: dict[str, Any]) -> None:
    res = read_workbook(example_book)
    assert res.ok, res.problems
    assert res.targets.to_dict() == example_data


def test_committed_example_workbook_exports_to_the_example_json(
    example_data: dict[str, Any],
) -> None:
    res = read_workbook(EXAMPLE_XLSX)
    assert res.targets.to_dict() == example_data
    assert [p.rule for p in res.problems] == []


def test_round_trip_with_openpyxl_engine(example_book: Path, example_data: dict[str, Any]) -> None:
    res = read_workbook(example_book, engine="openpyxl")
    assert res.targets.to_dict() == example_data


# --- generated data -------------------------------------------------------------------------
# Text as staff type it: Chinese, ASCII, full-width punctuation, quotes, digits, spaces.
# XML cannot hold C0 control characters; perfxl writes them escaped (tested elsewhere).
_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc", "Co", "Cn"),
) | st.sampled_from(list("“”‘’\"'（）《》、，。：；%％≥≤=<>-—…·零一二三四五六七八九十项目资金"))
text = st.text(_chars, min_size=1, max_size=40)
# A cell may also hold a line break (Alt+Enter); an empty string is an empty cell (None).
cell_text = st.one_of(st.none(), text, st.builds(lambda a, b: f"{a}\n{b}", text, text))
amount = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**7),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(float),
)
long_name = st.text(_chars, min_size=60, max_size=200)


@st.composite
def indicators(draw: st.DrawFn) -> dict[str, Any]:
    ind = {
        "level1": draw(
            st.one_of(st.none(), st.sampled_from(["产出指标", "效益指标", "满意度指标"]), text)
        ),
        "level2": draw(cell_text),
        "level3": draw(cell_text),
        "description": draw(cell_text),
        "target": draw(
            st.one_of(cell_text, st.sampled_from(["≥95%", "83380元", "≥９５％", "=100%"]))
        ),
        "basis": draw(cell_text),
    }
    if all(v is None for v in ind.values()):  # an all-blank row is not an indicator
        ind["level3"] = draw(text)
    return ind


@st.composite
def projects(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "code": draw(
            st.one_of(st.none(), st.from_regex(r"13052923P[0-9]{11}[0-9A-Z]", fullmatch=True), text)
        ),
        "name": draw(st.one_of(cell_text, long_name)),
        "budget": draw(amount),
        "fiscal_funds": draw(amount),
        "other_funds": draw(amount),
        "purpose": draw(cell_text),
        "plan": {k: draw(amount) for k in ("mar", "jun", "oct", "dec")},
        # one goal a line: a goal holds no line break; [""] would be an empty cell
        "goals": draw(
            st.lists(
                st.text(_chars.filter(lambda c: c not in "\n\r"), min_size=1, max_size=30),
                max_size=4,
            )
        ),
        "indicators": draw(st.lists(indicators(), max_size=20)),
    }


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "unit": {
            "code": draw(st.one_of(st.none(), st.from_regex(r"[0-9]{6}", fullmatch=True))),
            "name": draw(cell_text),
        },
        "year": draw(st.one_of(st.none(), st.integers(2000, 2100))),
        "money_unit": "万元",
        "framework": draw(st.sampled_from(["2015", "2021"])),
        "overall": {
            "summary": draw(cell_text),
            "areas": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {k: cell_text for k in ("title", "description", "targets", "indicators")}
                    ).filter(lambda a: any(a.values())),
                    max_size=7,
                )
            ),
            "measures": draw(
                st.lists(
                    st.fixed_dictionaries({"title": cell_text, "text": cell_text}).filter(
                        lambda m: any(m.values())
                    ),
                    max_size=6,
                )
            ),
        },
        "projects": draw(st.lists(projects(), min_size=0, max_size=3)),
    }


@pytest.fixture(scope="module")
def rt_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one file every generated example is written to and read back from."""
    return tmp_path_factory.mktemp("roundtrip") / "rt.xlsx"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=datasets())
def test_round_trip_property(rt_file: Path, data: dict[str, Any]) -> None:
    """Generated data survives fill then export (PERFXL_ROUNDTRIP_EXAMPLES examples)."""
    buf = io.BytesIO()
    build_workbook(Targets.from_dict(data)).save(buf)
    rt_file.write_bytes(buf.getvalue())
    res = read_grid_model(read_grid(rt_file))
    assert res.ok, res.problems
    assert res.targets.to_dict() == _expected(data)


def _expected(data: dict[str, Any]) -> dict[str, Any]:
    """What export must give back: the data itself (whole floats compare equal to ints)."""
    return data


def test_write_new_is_atomic_and_leaves_no_temp(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    out = tmp_path / "a.xlsx"
    write_new(Targets.from_dict(example_data), out)
    assert out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
