"""Validation: the schema and the reviewers' rules over a model read from a workbook.

Every rule family yields findings at JSON pointers; here they become problem records located
at their sheet and cell through the reader's locations, with the county's severities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from perfxl import layout as L
from perfxl.cells import a1, parse_a1, shift
from perfxl.config import Config, load_config
from perfxl.errors import NotAPerfxlWorkbookError, PerfxlError
from perfxl.framework import DEFAULT_FRAMEWORK, FRAMEWORKS
from perfxl.gcpause import without_gc
from perfxl.problems import Problem, Severity, new_problem
from perfxl.read import ReadResult, read_workbook
from perfxl.rules.base import Context, Finding
from perfxl.rules.catalogue import CATALOGUE, PLACE_FREE, make, message, unreadable
from perfxl.rules.families import modules

if TYPE_CHECKING:
    from collections.abc import Sequence

    from perfxl.carried import CarriedRecord

_PROJECT = re.compile(r"^/projects/(\d+)(/.*)?$")
# A monitoring sheet's 年初预算数 is the targets' amount: one cell, two pointers in the data.
_INITIAL = re.compile(r"^(/projects/\d+)/monitoring/(total|fiscal|other)/initial$")
_INITIAL_AMOUNT = {"total": "budget", "fiscal": "fiscal_funds", "other": "other_funds"}
# Schema findings that repeat what reading already said about the same cell.
_SHADOWED_BY_READ = frozenset({"schema.type", "schema.other"})
# A cell whose formula has no saved result holds no value: reading says so, and every other
# finding about the cell (its shape, type or year, judged from the formula's text) is noise.
_NO_VALUE = "read.formula_no_value"
_SCORE = re.compile(r"^/projects/(\d+)/evaluation/indicators/(\d+)/score$")


@mypyc_attr(serializable=True)
@dataclass
class ValidationReport:
    """The result of validating one file.

    Attributes:
        path: the file as given.
        read: what was read (None when the file could not be read at all).
        problems: every problem, in sheet and cell order.
        summary: for a summary written by ``perfxl consolidate`` (then ``not_perfxl`` too),
            its kind (``targets``, ``monitoring``, ``evaluation``); else None.
    """

    path: str
    read: ReadResult | None
    problems: list[Problem] = field(default_factory=list)
    summary: str | None = None

    def count(self, severity: Severity) -> int:
        """How many problems have this severity."""
        return sum(p.severity == severity for p in self.problems)

    @property
    def errors(self) -> int:
        """Number of errors."""
        return self.count("error")

    @property
    def warnings(self) -> int:
        """Number of warnings."""
        return self.count("warning")

    @property
    def infos(self) -> int:
        """Number of infos."""
        return self.count("info")

    @property
    def not_perfxl(self) -> bool:
        """True when the file opened but is not a performance target workbook."""
        return self.read is None and any(p.rule == "file.not_perfxl" for p in self.problems)

    @property
    def unreadable(self) -> bool:
        """True when the file could not be read at all."""
        return self.read is None and not self.not_perfxl

    @property
    def unusable(self) -> bool:
        """True when nothing was checked: the file is unreadable or not a perfxl workbook."""
        return self.read is None

    @property
    def status(self) -> str:
        """``checked``, ``unreadable`` or ``not_perfxl``."""
        if self.not_perfxl:
            return "not_perfxl"
        return "unreadable" if self.unreadable else "checked"


@mypyc_attr(serializable=True)
@dataclass
class ValidationBatch:
    """The result of validating many files (`perfxl.services.validate_files`).

    Attributes:
        reports: one per file, in the order found (missing inputs last).
        superseded: files that are an older version of a unit another file holds, as
            path -> (the file used instead, what decided).
        summaries: perfxl summaries found in a folder, listed and not validated.
    """

    reports: list[ValidationReport] = field(default_factory=list)
    superseded: dict[str, tuple[str, str]] = field(default_factory=dict)
    summaries: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every file's problems, file after file."""
        return [p for r in self.reports for p in r.problems]

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read or is not a perfxl workbook, 1 on an error, else 0."""
        if any(r.unusable for r in self.reports):
            return 2
        return 1 if any(r.errors for r in self.reports) else 0

    def to_dict(self) -> dict[str, Any]:
        """What ``validate --format json`` prints: totals (`totals`: the numbers of the text's
        closing line), one record per file, and every problem record (the fields of
        `perfxl.problems.Problem.to_dict`)."""
        rs = self.reports
        return {
            "files": [
                {
                    "file": r.path,
                    "status": r.status,
                    "summary": r.summary,
                    "errors": r.errors,
                    "warnings": r.warnings,
                    "infos": r.infos,
                    "superseded_by": self.superseded.get(r.path, (None, None))[0],
                }
                for r in rs
            ],
            **totals(rs),
            "summaries_not_read": list(self.summaries),
            "exit_code": self.exit_code,
            "problems": [p.to_dict() for p in self.problems],
        }


def totals(reports: Sequence[ValidationReport]) -> dict[str, int]:
    """The counts validate gives, the same in its text's closing line and its JSON.

    A county summary (``summary`` set; its status is ``not_perfxl``) is counted under
    ``summaries``, not under ``not_perfxl``: its message names it as a summary.
    """
    summaries = sum(r.summary is not None for r in reports)
    return {
        "errors": sum(r.errors for r in reports),
        "warnings": sum(r.warnings for r in reports),
        "infos": sum(r.infos for r in reports),
        "unreadable": sum(r.unreadable for r in reports),
        "not_perfxl": sum(r.not_perfxl and r.summary is None for r in reports),
        "summaries": summaries,
    }


def check(
    res: ReadResult, config: Config | None = None, carried: CarriedRecord | None = None
) -> list[Problem]:
    """Schema and reviewer rules over a model already read, with reading's own problems.

    Args:
        res: the reader's result (model, problems and pointer -> cell locations).
        config: the county settings; None for the shipped defaults.
        carried: what a monitoring workbook's carried cells must equal (a record made from
            its targets workbook); None for the workbook's own record, when it has one.

    Returns:
        Every problem, located at its sheet and cell, ordered by sheet, row and column.
    """
    cfg = config or load_config(None)
    t = res.targets
    fw = str(t.framework) if t.framework is not None else cfg.framework
    sheets = {s.project_index: s.name for s in res.sheets if s.project_index is not None}
    ctx = Context(
        targets=t,
        data=t.to_dict(),
        config=cfg,
        framework=fw if fw in FRAMEWORKS else cfg.framework or DEFAULT_FRAMEWORK,
        carried=carried if carried is not None else res.carried,
        project_sheets=tuple(sheets.get(i) for i in range(len(t.projects))),
        as_text=_text_amounts(res) if t.stage != "targets" else {},
        label_months=tuple(res.label_months),
    )
    read_errors = {p.pointer for p in res.problems if p.severity == "error" and p.pointer}
    no_value = {p.pointer for p in res.problems if p.rule == _NO_VALUE and p.pointer}
    out = [_configured(p, cfg) for p in res.problems if p.rule not in cfg.disabled]
    formulas = _Formulas(res)
    located = _Locator(res, cfg).problem
    for module in modules(t.stage):
        run = getattr(module, "check", None)
        if run is None:
            continue
        for f in run(ctx):
            if f.rule in cfg.disabled:
                continue
            if f.rule in _SHADOWED_BY_READ and f.pointer in read_errors:
                continue
            if f.pointer in no_value:
                continue
            if f.rule == "evaluation.score_differs":
                stated = formulas.score_state(f)
                if stated is None:
                    continue
                f = stated
            out.append(located(f))
    return in_sheet_order(res, out)


def in_sheet_order(res: ReadResult, problems: list[Problem]) -> list[Problem]:
    """``problems`` sheet by sheet in workbook order (no sheet first), then by row and column;
    a stable sort keeps the order found among problems of one cell."""
    rank = {s.name: n for n, s in enumerate(res.sheets)}
    last = len(rank)
    keys = [
        (-1, 0, 0)
        if (sheet := p.sheet) is None
        else (rank.get(sheet, last), *_row_col(p.cell))
        if p.cell
        else (rank.get(sheet, last), 0, 0)
        for p in problems
    ]
    return [problems[n] for n in sorted(range(len(problems)), key=keys.__getitem__)]


def _text_amounts(res: ReadResult) -> dict[str, Any]:
    """The amounts held as text (imported here: a targets workbook's validation needs none)."""
    from perfxl.compute import text_amounts

    return text_amounts(res.problems)


@lru_cache(maxsize=4096)  # the same few cells are named on every project sheet
def _row_col(cell: str) -> tuple[int, int]:
    return parse_a1(cell)


class _Formulas:
    """A cell's formula in the workbook file, read from its XML when first asked (only a
    self-evaluation score that disagrees with the rule asks: a 得分 typed over the sheet's
    formula, a formula whose cached result is stale and perfxl's previous formula are told
    apart)."""

    def __init__(self, res: ReadResult) -> None:
        self.res = res
        self.patch: Any = None
        self.broken = False

    def formula(self, sheet: str, cell: str) -> tuple[bool, str | None]:
        """Whether the file can tell (an .xlsx/.xlsm file), and the cell's formula (without
        ``=``; '' for a shared-formula follower; None for none)."""
        if self.broken:
            return False, None
        try:
            from perfxl.write.patch import WorkbookPatch
            from perfxl.write.percentages import read_formulas

            if self.patch is None:
                self.patch = WorkbookPatch.open(self.res.path)
            return True, read_formulas(self.patch, [(sheet, cell)]).get((sheet, cell))
        except (PerfxlError, OSError, KeyError, ValueError):
            self.broken = True
            return False, None

    def score_state(self, f: Finding) -> Finding | None:
        """The finding with what the score cell holds (typed number or formula result); None
        when it is what perfxl's previous score formula gives for a cleared 分值
        (:meth:`outdated`): ``compute`` puts the current formula there, not a problem."""
        sheet, cell = locate(self.res, f.pointer)
        if sheet is None or cell is None:
            return f
        known, formula = self.formula(sheet, cell)
        if not known:
            return f
        if formula and self.outdated(f, sheet, cell, formula):
            return None
        state, fix = SCORE_STATES[formula is not None]
        return replace(f, fields={**f.fields, "state": state, "fix": fix})

    def outdated(self, f: Finding, sheet: str, cell: str, formula: str) -> bool:
        """Whether a 得分 disagreeing with the rule is the 0 that perfxl's previous score
        formula (`perfxl.layout_previous.score`) gives a row whose 分值 was cleared, which the
        current formula scores on the row's share, as perfxl does."""
        from perfxl import layout_previous
        from perfxl.numbers import number
        from perfxl.rules.evaluation import profile_of
        from perfxl.scoring import DEFAULT
        from perfxl.write.percentages import normalized_formula
        from perfxl.write.rates import shifted_formula

        m = _SCORE.match(f.pointer)
        info = next((s for s in self.res.sheets if s.name == sheet), None)
        if m is None or info is None or number(f.value) != 0:
            return False
        e = self.res.targets.projects[int(m.group(1))].evaluation
        j = int(m.group(2))
        if e is None or j >= len(e.indicators) or e.indicators[j].points is not None:
            return False
        reverse = (profile_of(self.res.targets.profile) or DEFAULT).reverse
        row = parse_a1(cell)[0] - info.row_offset
        before = layout_previous.score(self.res.layout.evaluation, row, reverse)
        before = shifted_formula(before, info.row_offset, info.col_offset)
        return normalized_formula(formula) == normalized_formula(before)


SCORE_STATES: dict[bool, tuple[str, str]] = {
    False: (
        "填写的是数字",
        "删除手填的数字，用 perfxl new evaluation --from 重新生成自评表恢复公式（或改为按规则的"
        "得分）；若是 perfxl compute 为文字填写的实际完成值写入的，重新运行 perfxl compute 即可。",
    ),
    True: (
        "的公式结果为",
        "运行 perfxl compute（或在 Excel/WPS 中重新计算）：公式结果未按现在的填报内容重新计算。",
    ),
}
"""How a disagreeing self-evaluation score is described: typed (False) or a formula (True)."""


@without_gc  # one workbook's objects hold no cycle: the collector would find nothing
def validate_file(
    path: str | Path, config: Config | None = None, carried: CarriedRecord | None = None
) -> ValidationReport:
    """Read and check one workbook; a file that cannot be read becomes a one-problem report.

    Args:
        path: the workbook.
        config: the county settings; None for the shipped defaults.
        carried: for a monitoring workbook, what its carried cells must equal (see
            :func:`check`).
    """
    p = str(path)
    res: ReadResult | None = None
    try:
        res = read_workbook(path)
        res.require_perfxl("未校验", _summary_advice(res.summary))
    except NotAPerfxlWorkbookError as exc:
        problem = make("file.not_perfxl", file=p)  # a county summary: said as what it is
        if exc.message != problem.message:
            problem = replace(problem, message=exc.message)
        summary = res.summary if res is not None else None
        return ValidationReport(path=p, read=None, problems=[problem], summary=summary)
    except PerfxlError as exc:
        problem = unreadable(p, exc.message, advises=exc.advises)
        return ValidationReport(path=p, read=None, problems=[problem])
    return ValidationReport(path=p, read=res, problems=check(res, config, carried))


def _summary_advice(stage: str | None) -> str | None:
    """What validate tells a reviewer who gave it a county summary (None: the shared advice)."""
    if stage != "targets":
        return None
    return (
        "汇总时发现的各单位问题已列在汇总表的“校验问题”表中；要重新校验，"
        "请给出各单位报送的工作簿（或其所在文件夹）。"
    )


def unusable_report(path: str, reason: str) -> ValidationReport:
    """A missing input (or a folder without a workbook) as a one-problem report, the way a
    file that cannot be read is reported: the batch goes on."""
    return ValidationReport(
        path=path, read=None, problems=[make("file.missing", file=path, detail=reason)]
    )


def locate(res: ReadResult, pointer: str) -> tuple[str | None, str | None]:
    """The sheet and cell of a JSON pointer into the read data, (None, None) when unknown.

    Fields read have their own cells; a pointer to a whole part falls back to the nearest
    field above it (``/projects/2/goals/1`` -> the 绩效目标 cell), and a project's indicator
    table to the 一级指标 header cell.
    """
    if pointer in res.locations:
        return res.locations[pointer]
    initial = _INITIAL.match(pointer)
    if initial and (alias := f"{initial[1]}/{_INITIAL_AMOUNT[initial[2]]}") in res.locations:
        return res.locations[alias]
    m = _PROJECT.match(pointer)
    if m:
        index, rest = int(m.group(1)), m.group(2) or ""
        info = next((s for s in res.sheets if s.project_index == index), None)
        if info is not None and rest in ("", "/indicators", "/plan"):
            ref = _fallback_ref(res.layout.project, rest)
            return info.name, shift(ref, info.row_offset, info.col_offset)
    parent = pointer
    while "/" in parent.strip("/"):
        parent = parent.rsplit("/", 1)[0]
        if parent in res.locations:
            return res.locations[parent]
    return None, None


class _Locator:
    """Findings of one read workbook -> problems at their cells, as `make` would build them
    (built here directly: a workbook can hold hundreds of findings). What every finding
    needs is looked up once: the projects' codes, the rules' severities."""

    def __init__(self, res: ReadResult, cfg: Config) -> None:
        self.res = res
        self.cfg = cfg
        self.path = res.path
        self.locations = res.locations
        # "/projects/<i>/..." -> project i's code (a str, else None), by the digits as written
        self.codes = {
            str(i): code if isinstance(code := p.code, str) else None
            for i, p in enumerate(res.targets.projects)
        }
        self.severities: dict[str, Severity] = {}

    def problem(self, f: Finding) -> Problem:
        """The finding located at its cell, with its project's code and its severity."""
        pointer = f.pointer
        loc = self.locations.get(pointer)
        sheet, cell = loc if loc is not None else locate(self.res, pointer)
        if pointer.startswith("/projects/"):
            digits = pointer[10:].partition("/")[0]
            code = (
                self.codes[digits]
                if digits in self.codes and "\n" not in pointer
                else _project_code(self.res, pointer)
            )
        else:
            code = None
        rule = f.rule
        fields = f.fields
        if rule in PLACE_FREE:  # the message from the finding's fields alone
            text = f.text if f.text is not None else message(rule, fields)
            value = fields.get("value", f.value)
        else:
            values = {
                "file": self.path,
                "sheet": sheet,
                "cell": cell,
                "pointer": pointer,
                "project_code": code,
                **fields,
            }
            value = values.setdefault("value", f.value)
            text = message(rule, values)
        sev = self.severities.get(rule)
        if sev is None:
            sev = self.severities[rule] = _severity(rule, self.cfg) or CATALOGUE[rule].severity
        return new_problem(rule, sev, text, self.path, sheet, cell, pointer, value, code)


def _configured(p: Problem, cfg: Config) -> Problem:
    sev = _severity(p.rule, cfg)
    return p if sev is None or sev == p.severity else replace(p, severity=sev)


def _severity(rule: str, cfg: Config) -> Severity | None:
    sev = cfg.severity.get(rule)
    return sev if sev in ("error", "warning", "info") else None  # type: ignore[return-value]


def _project_code(res: ReadResult, pointer: str) -> str | None:
    if not pointer.startswith("/projects/"):
        return None
    digits = pointer[10:].partition("/")[0]
    if digits.isdecimal() and "\n" not in pointer:  # what _PROJECT matches, without it
        index = int(digits)
    else:
        m = _PROJECT.match(pointer)
        if not m:
            return None
        index = int(m.group(1))
    projects = res.targets.projects
    code = projects[index].code if index < len(projects) else None
    return code if isinstance(code, str) else None


def _fallback_ref(form: L.ProjectForm, rest: str) -> str:
    """Where a whole project part is shown: its code, first plan cell, indicator header."""
    if rest == "/indicators":
        return a1(form.indicator_header_row, form.indicator_columns["level1"][0])
    return form.plan_fields[0].ref if rest == "/plan" else form.field("code").ref


__all__ = [
    "ValidationBatch",
    "ValidationReport",
    "check",
    "locate",
    "unusable_report",
    "validate_file",
]
