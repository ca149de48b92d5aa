"""Township workbooks for the end-to-end web tests (browser, load, kill).

Built from the county demo's generator (``tools/make_county_demo.py``): each unit gets the
seed's projects with its own amounts, its own 单位编码 and name, and at most one planted fault
whose outcome is known — so a test knows what the server must report without asking perfxl.

The round's config :data:`ROUND_CONFIG` switches off the rules that fire on the seed's own
texts (repeated descriptions, copied goals, unlisted bases…), so a workbook without a planted
fault is clean (无问题), one with :data:`ERROR` has exactly one error and one with
:data:`WARNING` exactly one warning.
"""

from __future__ import annotations

import copy
import csv
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from conftest import county_demo

# A county config (TOML, as `--config` takes it) that switches the seed's noise off.
ROUND_CONFIG = """\
# 网页端到端测试的县级配置：关闭示例数据本身会触发的提醒，只留下测试有意埋入的问题。
[rules]
disabled = [
    "indicator.description_repeats",
    "boilerplate.goals",
    "boilerplate.indicator",
    "cost.budget_mismatch",
    "plan.behind_schedule",
    "basis.unlisted",
]
"""

ERROR = "funds"  # 财政资金 + 其他资金 ≠ 预算数: one amount.funds_sum error
WARNING = "vague"  # a 指标值 without a number: one target.vague warning
# The first project's 项目编码 copied from unit DUPLICATE_OF's first project: clean alone, but
# `perfxl consolidate` gives both units a consolidate.duplicate_code error.
DUPLICATE = "dup"
DUPLICATE_OF = 0
ERROR_RULE = "amount.funds_sum"
WARNING_RULE = "target.vague"
FAULT_PROJECT = 1  # the project (0-based) that carries the funds fault
ERROR_CELL = "E4"  # 财政资金 on the project's sheet
WARNING_CELL = "F11"  # the first indicator's 指标值 on the first project's sheet
YEAR = 2023


@dataclass(frozen=True)
class TownUnit:
    """One expected unit of a test round."""

    code: str
    name: str

    @property
    def town(self) -> str:
        """The short name used in file names (the part between 巨鹿县 and 人民政府本级)."""
        return self.name.removeprefix("巨鹿县").removesuffix("人民政府本级")


def town_units(n: int) -> list[TownUnit]:
    """``n`` expected units: the county demo's ten townships first, then numbered ones."""
    demo = county_demo()
    out: list[TownUnit] = []
    for i in range(n):
        town = demo.TOWNSHIPS[i] if i < len(demo.TOWNSHIPS) else f"第{i + 1:02d}片区乡"
        out.append(TownUnit(code=f"{910001 + i}", name=f"巨鹿县{town}人民政府本级"))
    return out


def write_units_csv(path: Path, units: Sequence[TownUnit]) -> Path:
    """The UNITS.csv of a round (header ``unit_code,unit_name``, UTF-8), as `--expected` takes."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["unit_code", "unit_name"])
        for u in units:
            w.writerow([u.code, u.name])
    return path


def township_data(index: int, unit: TownUnit, n_projects: int = 3) -> dict[str, Any]:
    """A unit's data (the JSON contract), without faults; amounts differ per ``index``."""
    demo = county_demo()
    seed = json.loads(demo.SEED.read_text(encoding="utf-8"))
    d: dict[str, Any] = demo.township_data(index % len(demo.TOWNSHIPS), seed, n_projects)
    d["unit"] = {"code": unit.code, "name": unit.name}
    for k, p in enumerate(d["projects"]):
        # Amounts get a per-unit cent so that no two units' workbooks are the same.
        p["code"] = project_code(index, k)
        cents = round(float(p["budget"]) * 100) + index + 1
        p["budget"] = cents / 100
        p["fiscal_funds"] = cents / 100
        p["plan"]["dec"] = cents / 100
    return d


def project_code(index: int, k: int) -> str:
    """The 项目编码 of unit ``index``'s project ``k``: the 2023 form (130529 23 P …), unique
    per unit and project."""
    return f"13052923P{index + 1:03d}{k + 1:08d}{'0123456789ABCDEFGHIJ'[k % 20]}"


def plant(d: dict[str, Any], faults: Sequence[str]) -> dict[str, Any]:
    """A copy of ``d`` with ``faults`` (:data:`ERROR`, :data:`WARNING`, :data:`DUPLICATE`)
    planted."""
    d = copy.deepcopy(d)
    for fault in faults:
        if fault == ERROR:
            p = d["projects"][FAULT_PROJECT]
            p["fiscal_funds"] = round(float(p["budget"]) - 1.0, 2)
        elif fault == WARNING:
            d["projects"][0]["indicators"][0]["target"] = "明显提高"
        elif fault == DUPLICATE:
            d["projects"][0]["code"] = project_code(DUPLICATE_OF, 0)
        else:
            raise ValueError(f"unknown fault {fault!r}")
    return d


def write_book(data: dict[str, Any], path: Path) -> Path:
    """Write ``data`` as a targets workbook at ``path`` (perfxl's own writer)."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    path.parent.mkdir(parents=True, exist_ok=True)
    write_new(Targets.from_dict(data), path)
    return path


def township_book(
    folder: Path, index: int, unit: TownUnit, faults: Sequence[str] = (), n_projects: int = 3
) -> Path:
    """The workbook of ``unit`` with ``faults`` planted, as ``<code>-<town>[-faults].xlsx``."""
    suffix = "".join(f"-{f}" for f in faults)
    path = folder / f"{unit.code}-{unit.town}{suffix}.xlsx"
    return write_book(plant(township_data(index, unit, n_projects), faults), path)


def faults_of(index: int) -> tuple[str, ...]:
    """The load test's plan: of every five units one has an error, one a warning, one both,
    two are clean."""
    return {0: (ERROR,), 1: (WARNING,), 2: (ERROR, WARNING)}.get(index % 5, ())


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token a page's form carries."""
    m = CSRF_RE.search(page)
    assert m, page[:2000]
    return m.group(1)


@contextmanager
def identity(client: httpx2.Client, password: str, who: str) -> Iterator[None]:
    """Requests ``client`` makes inside come from ``who``: "admin" (signed in with
    ``password``), else a fresh browser; its own cookies come back after."""
    saved = client.cookies
    client.cookies = httpx2.Cookies()
    try:
        if who == "admin":
            page = client.get("/login")
            r = client.post(
                "/login", data={"csrf": csrf_of(page.text), "password": password, "next": "/admin"}
            )
            assert r.status_code == 303 and r.headers["location"] == "/admin", r.text
        yield
    finally:
        client.cookies = saved
