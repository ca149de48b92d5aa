"""``fill`` refuses a value no workbook cell holds as given, naming the field in Chinese, exit 2
and nothing written: a list or an object where one value belongs (openpyxl raised
``Cannot convert … to Excel``), a lone surrogate (``UnicodeEncodeError``), a text longer than a
cell holds (cut at 32,767 characters, exit 0), NaN or Infinity (NaN was written blank, exit 0;
two budgets of 1e308 summed to inf), an amount beyond what Excel keeps to the cent, a goal
holding a line break (read back as two goals). A number in a text field is still written as it
is, with a warning (exit 1): that value fits a cell. The schema's messages say what a value is
in Chinese (never Python's ``int``), and a number where a text choice belongs is told so."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.errors import DataError
from perfxl.model import Targets
from perfxl.rules.catalogue import make
from perfxl.rules.schema_rules import field_messages

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[1] / "examples" / "suying-2023.json").read_text("utf-8")
)
Edit = Callable[[dict[str, Any]], None]


def _set(*path: str | int, value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        for key in path[:-1]:
            d = d[key]  # type: ignore[index]
        d[path[-1]] = value  # type: ignore[index]

    return edit


def _fill(tmp_path: Path, edit: Edit, *, allow_nan: bool = False) -> tuple[int, str, Path]:
    data = copy.deepcopy(EXAMPLE)
    edit(data)
    src = tmp_path / "data.json"
    src.write_text(json.dumps(data, allow_nan=allow_nan), "utf-8")
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(main, ["fill", str(src), str(out)])
    return res.exit_code, res.output, out


def _refused(code: int, output: str, out: Path) -> None:
    assert code == 2, output
    assert "未写出任何文件" in output and "Traceback" not in output
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir()] == ["data.json"]


CONTAINERS = [
    (("projects", 0, "name"), ["甲", "乙"], "“项目名称”不符合规范：应为文本，实际为列表（[…]）"),
    (("projects", 0, "budget"), {"a": 1}, "“预算数”不符合规范：应为数字，实际为对象（{…}）"),
    (("projects", 0, "plan", "mar"), [1], "“3月底”不符合规范：应为数字，实际为列表（[…]）"),
    (
        ("projects", 0, "indicators", 0, "target"),
        [1],
        "“指标值”不符合规范：应为文本或数字，实际为列表（[…]）",
    ),
    (("unit", "name"), ["巨鹿"], "“单位名称”不符合规范：应为文本，实际为列表（[…]）"),
    (("year",), [2023], "“预算年度”不符合规范：应为整数，实际为列表（[…]）"),
    (("overall", "summary"), {}, "“总体绩效目标”不符合规范：应为文本，实际为对象（{…}）"),
    (("projects", 0, "goals", 0), ["a"], "“绩效目标”不符合规范：应为文本，实际为列表（[…]）"),
    (
        ("framework",),
        ["2015"],
        "“指标体系”不符合规范：应为文本（可选：2015、2021），实际为列表（[…]）",
    ),
    (("money_unit",), ["万元"], "“金额单位”不符合规范：应为文本（可选：万元），实际为列表（[…]）"),
]


@pytest.mark.parametrize(
    ("path", "value", "said"), CONTAINERS, ids=["/".join(map(str, c[0])) for c in CONTAINERS]
)
def test_a_list_or_object_in_a_value_field_is_refused(
    tmp_path: Path, path: tuple[str | int, ...], value: Any, said: str
) -> None:
    code, output, out = _fill(tmp_path, _set(*path, value=value))
    _refused(code, output, out)
    pointer = "/" + "/".join(map(str, path))
    assert f"{pointer}：{said}，一个单元格只能填写一个值。请按模板要求更正。" in output


def test_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    code, output, out = _fill(tmp_path, _set("projects", 0, "name", value="甲\ud800"))
    _refused(code, output, out)
    assert "/projects/0/name：“项目名称”第 2 个字符是单独的代理码位（\\ud800）" in output


@pytest.mark.parametrize(
    ("path", "label"),
    [
        (("projects", 0, "purpose"), "资金用途"),
        (("unit", "name"), "单位名称"),
        (("overall", "summary"), "总体绩效目标"),
        (("projects", 1, "indicators", 2, "description"), "绩效指标描述"),
    ],
)
def test_a_text_longer_than_a_cell_holds_is_refused(
    tmp_path: Path, path: tuple[str | int, ...], label: str
) -> None:
    code, output, out = _fill(tmp_path, _set(*path, value="字" * 32768))
    _refused(code, output, out)
    assert f"“{label}”有 32768 个字符，超过 Excel 单元格最多 32767 个字符的上限" in output


def test_a_text_of_the_cell_limit_is_written_whole(tmp_path: Path) -> None:
    text = "字" * 32767
    code, output, out = _fill(tmp_path, _set("projects", 0, "purpose", value=text))
    assert code == 0, output
    export = CliRunner().invoke(main, ["export", str(out)])
    assert json.loads(export.output)["projects"][0]["purpose"] == text


def test_goals_too_long_together_and_a_goal_with_a_line_break_are_refused(
    tmp_path: Path,
) -> None:
    code, output, out = _fill(
        tmp_path, _set("projects", 0, "goals", value=["甲" * 20000, "乙" * 20000])
    )
    _refused(code, output, out)
    assert (
        "/projects/0/goals：“绩效目标”共 2 条，写入同一个单元格（每条一行）共 40001 个字符"
        in output
    )
    (tmp_path / "data.json").unlink()
    code, output, out = _fill(tmp_path, _set("projects", 0, "goals", 0, value="一\r\n二"))
    _refused(code, output, out)
    assert "/projects/0/goals/0：“绩效目标”第 1 条含有换行" in output


@pytest.mark.parametrize(
    ("value", "shown"),
    [(float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity")],
)
def test_nan_and_infinity_are_refused(tmp_path: Path, value: float, shown: str) -> None:
    code, output, out = _fill(tmp_path, _set("projects", 0, "budget", value=value), allow_nan=True)
    _refused(code, output, out)
    assert f"/projects/0/budget：“预算数”的值为 {shown}，不是数字" in output


def test_amounts_beyond_what_excel_keeps_are_refused(tmp_path: Path) -> None:
    def huge(d: dict[str, Any]) -> None:
        d["projects"][0]["budget"] = d["projects"][1]["budget"] = 1e308

    code, output, out = _fill(tmp_path, huge)
    _refused(code, output, out)
    said = "超出允许范围（应不大于 9999999999999.99 万元：Excel 只保存 15 位有效数字，更大的金额会丢失尾数"
    assert output.count(said) == 2
    assert "inf" not in output


def test_the_largest_amount_excel_keeps_is_written(tmp_path: Path) -> None:
    def largest(d: dict[str, Any]) -> None:
        p = d["projects"][0]
        p["budget"] = p["fiscal_funds"] = p["plan"]["dec"] = 9999999999999.99

    code, output, _ = _fill(tmp_path, largest)
    assert code in (0, 1), output
    assert "应不大于" not in output


def test_a_number_in_a_text_field_is_still_written_with_a_warning(tmp_path: Path) -> None:
    code, output, out = _fill(tmp_path, _set("projects", 0, "name", value=123))
    assert code == 1, output
    assert out.exists()
    assert "“项目名称”应为文本，实际为“123”" in output


def test_a_framework_given_as_a_number_is_told_to_be_text(tmp_path: Path) -> None:
    code, output, _ = _fill(tmp_path, _set("framework", value=2015))
    assert code == 1, output
    assert (
        '“指标体系”不符合规范：应为文本（可选：2015、2021），实际为数字 2015，应写作带英文双引号的文本 "2015"'
        in output
    )
    assert "无效" not in output


def test_the_schema_field_check_says_the_same() -> None:
    assert field_messages("/framework", 2021) == [
        '“指标体系”不符合规范：应为文本（可选：2015、2021），实际为数字 2021，应写作带英文双引号的文本 "2021"。请按模板要求更正。'
    ]
    assert field_messages("/framework", "2030") == [
        make("schema.enum", label="指标体系", value="2030", allowed="2015、2021").message
    ]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"unit": 5}, "数据 /unit 应为对象（JSON object），实际为数字"),
        ({"projects": "x"}, "数据 /projects 应为数组（JSON array），实际为文本"),
        ({"projects": [[1]]}, "数据 /projects/0 应为对象（JSON object），实际为列表（[…]）"),
    ],
)
def test_shape_errors_name_the_kind_in_chinese(data: dict[str, Any], said: str) -> None:
    with pytest.raises(DataError) as exc:
        Targets.from_dict(data)
    assert str(exc.value) == said


@pytest.mark.parametrize("amount", [1e13, 10**13, 1e308])
def test_the_fast_schema_check_passes_no_amount_beyond_the_cap(amount: float) -> None:
    from perfxl.config import Config
    from perfxl.rules.schema_fast import fast_check_for
    from perfxl.rules.schema_rules import validator_for

    cfg = Config()
    fast = fast_check_for(cfg.project_code, cfg.unit_code)
    assert fast is not None and fast.valid(EXAMPLE)
    data = copy.deepcopy(EXAMPLE)
    data["projects"][0]["other_funds"] = amount
    assert not fast.valid(data)
    errors = list(validator_for(cfg.project_code, cfg.unit_code).iter_errors(data))
    assert [e.validator for e in errors] == ["maximum"]


def test_template_refuses_a_unit_name_no_cell_holds(tmp_path: Path) -> None:
    """--unit-name over Excel's 32,767 characters was cut without a word: refused, as fill
    refuses such a text in the data (exit 2, nothing written)."""
    out = tmp_path / "模板.xlsx"
    r = CliRunner().invoke(main, ["template", str(out), "--unit-name", "名" * 40_000])
    assert r.exit_code == 2, r.output
    assert "40000 个字符，超过 Excel 单元格最多 32767 个字符" in r.output
    assert not out.exists()
