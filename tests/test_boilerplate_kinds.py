"""``boilerplate.indicator`` names the kinds of project a shared indicator row spans when they
are unrelated (the one classifier, :mod:`perfxl.kinds`, that ``perfxl library`` uses too).

Each case writes a real workbook whose projects share one indicator row, validates the file and
reads the kinds back out of every finding's message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_rules import good_data, run

from perfxl.kinds import KINDS, OTHER_KIND, kinds_of, unrelated_kinds
from perfxl.validate import validate_file

_SPANS = re.compile(r"，涉及(.+?) (\d+) 类不相关的项目，多为复制粘贴。")

CASES = [
    # one kind for all: 道路 and 维修 each
    ("same kinds", ["乡道养护", "桥梁维护", "村道修缮"], ()),
    # 工作经费 common to all, one of them also 环保
    ("a kind in common", ["环保工作经费", "基层团建工作经费", "县派驻村工作队经费"], ()),
    (
        "unrelated",
        ["综合服务中心建设经费", "“综合网格员”补贴", "环保工作经费", "乡镇办公运转经费"],
        ("补贴", "环保", "建设", "运转", "工作经费"),
    ),
    (
        "unrelated, the other way round",
        ["乡镇办公运转经费", "环保工作经费", "“综合网格员”补贴", "综合服务中心建设经费"],
        ("补贴", "环保", "建设", "运转", "工作经费"),
    ),
    ("no known kind", ["行政执法经费", "人大代表联络站", "经济普查"], ()),
    ("one known kind among none", ["行政执法经费", "人大代表联络站", "综合网格员补贴"], ()),
    ("unknown and two kinds", ["行政执法经费", "综合网格员补贴", "垃圾清运"], ("补贴", "环保")),
]


def _kinds_named(message: str) -> tuple[str, ...]:
    """The kinds a message names (``()`` when it names none), checked against their count."""
    m = _SPANS.search(message)
    if m is None:
        return ()
    kinds = tuple(m.group(1).split("、"))
    assert int(m.group(2)) == len(kinds), message
    return kinds


@pytest.mark.parametrize(("names", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_shared_row_names_unrelated_kinds(
    tmp_path: Path, names: list[str], kinds: tuple[str, ...]
) -> None:
    assert unrelated_kinds(names) == kinds
    data = good_data(projects=len(names))
    for p, name in zip(data["projects"], names, strict=True):
        p["name"] = name
        p["indicators"][0].update(level3="办公设备维修更新台数", target="≥5台")
    found = [p for p in run(tmp_path, data).problems if p.rule == "boilerplate.indicator"]
    assert [p.pointer for p in found] == [
        f"/projects/{i}/indicators/0/level3" for i in range(len(names))
    ]
    assert [_kinds_named(p.message) for p in found] == [kinds] * len(names)
    assert all(OTHER_KIND not in p.message for p in found)


def test_kinds_are_named_in_table_order_and_never_other() -> None:
    order = [k for k, _ in KINDS]
    for _, names, kinds in CASES:
        assert list(kinds) == sorted(kinds, key=order.index)
        assert set(kinds) <= {k for n in names for k in kinds_of(n)} - {OTHER_KIND}


def test_the_example_names_the_kinds_its_13_project_row_spans(example_book: Path) -> None:
    found = [p for p in validate_file(example_book).problems if p.rule == "boilerplate.indicator"]
    assert len(found) == 13
    assert all("办公设备维修更新台数 ≥5台" in p.message for p in found)
    assert {_kinds_named(p.message) for p in found} == {
        ("补贴", "环保", "建设", "运转", "工作经费")
    }
