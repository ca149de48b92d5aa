"""Records of every file -> the county's tables: versions chosen, totals, cross-file problems.

Pure: no I/O. One version of each unit is used and the others are marked superseded, by the
rule every command shares (`perfxl.versions`: saved time, then file time, then name).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import pairwise
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from perfxl import layout as L
from perfxl.consolidate import columns as K
from perfxl.consolidate.columns import (
    FileRow,
    IndicatorRow,
    ProblemRow,
    SummaryRow,
    UnitRow,
    VersionChangeRow,
)
from perfxl.consolidate.records import Extracted, FileRecord, Submission
from perfxl.consolidate.rows import problem_row
from perfxl.numbers import (
    checked_total,
    cumulative_percent,
    gap,
    to_float,
    total_cell,
)
from perfxl.rules.catalogue import (
    SUBMISSION_UNREADABLE_ADVICE,
    RuleId,
    advice_once,
    make,
    not_perfxl_reason,
)

if TYPE_CHECKING:
    from perfxl.consolidate.spill import Chain, SpillStore
    from perfxl.versions import Candidate

PLAN = ("plan_mar", "plan_jun", "plan_oct", "plan_dec")
MONEY = ("budget", "fiscal_funds", "other_funds", *PLAN)


@mypyc_attr(native_class=False)  # one per run: nothing to gain from a native class
@dataclass
class Consolidation:
    """The county's tables, ready to be written.

    Attributes:
        summary: 汇总 rows (projects, then a subtotal row per unit), `columns.SUMMARY` order.
        units: 乡镇合计 rows, one per unit, then the total row, `columns.UNITS` order.
        indicators: 指标明细 rows.
        problems: 校验问题 rows.
        files: 提交情况 rows.
        schedule: 序时进度 (percent of the year) per checkpoint.
        totals: the county total by column key (money and percentages), as floats.
        budget: the total 预算数 as the decimal sum it is (``totals["budget"]`` is its float:
            infinite past a float's range, 1.8e308, which hand-typed amounts can pass); None
            when it could not be summed exactly (`numbers.checked_total`).
        missing: expected units that did not submit, as (code, name).
        unreadable: files that could not be used (unreadable, or not a perfxl workbook).
        superseded: files replaced by a newer version of the same unit.
        chosen: the submission used for each unit.
        version_changes: 版本变化 rows: each superseded version against the next newer one.
        notes: what the run tells the user besides (a table format it could not write).
        stage: ``targets``, ``monitoring`` (every input a 监控表 of one ``month``: ``monitor``,
            ``monitor_units``, ``rectify``) or ``evaluation`` (every input a 自评表 scored by
            one ``profile``: ``evaluation``, ``eval_units``, ``lowest``; `eval_combine`).
        tally: (errors, warnings) among ``problems``, counted when they were spilled (None:
            counted from ``problems``).
        spill: where ``indicators`` and ``problems`` were spilled (`perfxl.consolidate.spill`);
            closed when the run ends: the rows cannot be read after it.
    """

    summary: list[SummaryRow] | Chain[SummaryRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    indicators: list[IndicatorRow] | Chain[IndicatorRow] = field(default_factory=list)
    problems: list[ProblemRow] | Chain[ProblemRow] = field(default_factory=list)
    files: list[FileRow] = field(default_factory=list)
    schedule: tuple[float, ...] = (25.0, 50.0, 75.0, 100.0)
    totals: dict[str, Any] = field(default_factory=dict)
    budget: Decimal | None = Decimal(0)
    missing: list[tuple[str, str | None]] = field(default_factory=list)
    unreadable: list[FileRecord] = field(default_factory=list)
    superseded: list[FileRecord] = field(default_factory=list)
    chosen: list[Submission] = field(default_factory=list)
    version_changes: list[VersionChangeRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stage: str = "targets"
    month: int | None = None
    monitor: list[Any] = field(default_factory=list)
    monitor_units: list[Any] = field(default_factory=list)
    rectify: list[Any] = field(default_factory=list)
    evaluation: list[Any] = field(default_factory=list)
    eval_units: list[Any] = field(default_factory=list)
    lowest: list[Any] = field(default_factory=list)
    profile: str | None = None
    tally: tuple[int, int] | None = None
    spill: SpillStore | None = None

    @property
    def error_count(self) -> int:
        """Problems of severity error."""
        if self.tally is not None:
            return self.tally[0]
        return sum(1 for r in self.problems if r.severity == K.SEVERITY_ZH["error"])

    @property
    def warning_count(self) -> int:
        """Problems of severity warning."""
        if self.tally is not None:
            return self.tally[1]
        return sum(1 for r in self.problems if r.severity == K.SEVERITY_ZH["warning"])

    @property
    def exit_code(self) -> int:
        """2 some file unusable; 1 errors or missing units; 0 all good."""
        if self.unreadable:
            return 2
        return 1 if self.missing or self.error_count else 0


def percent(amount: Any, budget: Any) -> float | None:
    """Cumulative percent of the budget, as the summary's cell holds it.

    The one percentage (:func:`perfxl.numbers.cumulative_percent`, decimal, half up, as the
    township workbook's ``compute``), made a float only here, at the edge: budget 8 and
    3月底 1.01 give 12.63 in both. A blank amount counts as 0; None without a budget.
    """
    return to_float(cumulative_percent(amount, budget))


def choose_versions(
    subs: Iterable[Submission],
    prefer: Sequence[str] = (),
    changes: list[VersionChangeRow] | None = None,
    layout: L.Layout = L.STANDARD,
) -> list[Submission]:
    """The submission used for each unit (`perfxl.versions.choose`); the others' files are
    marked superseded, and every file of a unit with several versions says what decided.

    Each superseded version is compared with the next newer one (`perfxl.consolidate.changes`):
    its file's ``changes`` says what the newer one changed, and the changes in full are added
    to ``changes`` (when given). ``layout``: the form the files were read with (the files of a
    unit with several versions are read again to compare them, `changes.model_of`).
    """
    from perfxl.consolidate.changes import change_rows, compare, describe, models_once
    from perfxl.consolidate.summary_input import format_mtime
    from perfxl.versions import BASIS_ZH, Candidate, choose

    preferred = set(prefer)
    candidates = [
        Candidate(
            s.unit_key,
            s.file.path,
            s.file.mtime,
            s.file.saved,
            preferred=s.file.path in preferred,
            direct=s.file.via is None,
            item=s,
        )
        for s in subs
    ]
    _one_preferred_each(candidates)
    chosen = []
    for choice in choose(candidates):
        best = choice.chosen.item
        assert best is not None
        chosen.append(best)
        if not choice.superseded:
            continue
        best.file.basis = BASIS_ZH[choice.basis]
        best.file.note = best.file.note or (
            f"同一单位共 {len(choice.superseded) + 1} 个版本，采用此版本"
            f"（依据：{BASIS_ZH[choice.basis]}）。"
        )
        for c in choice.superseded:
            s = c.item
            assert s is not None
            basis = choice.basis_against(c)
            s.file.status = K.SUPERSEDED
            s.file.basis = BASIS_ZH[basis]
            s.file.note = f"已被较新的版本替代：{_beside(best.file.path, s.file.path)}" + _why(
                basis, best.file, s.file, format_mtime
            )
        ranked = [choice.chosen, *choice.superseded]  # newest first; the changes oldest first
        models = models_once(layout)  # a middle version is compared twice, read once
        for newer_c, older_c in reversed(list(pairwise(ranked))):
            older, newer = older_c.item, newer_c.item
            assert older is not None and newer is not None
            shown = _beside(newer.file.path, older.file.path)
            if older.file.via is not None and older.file.changes:
                continue  # a record of a summary: what its newer version changed is kept
            result = compare(older, newer, shown, models)
            older.file.changes = describe(result, shown)
            if not isinstance(result, str) and changes is not None:
                changes.extend(change_rows(result, older, newer))
    chosen.sort(key=lambda s: (s.file.unit_code is None, s.file.unit_code or "", s.file.path))
    return chosen


def _one_preferred_each(candidates: Sequence[Candidate[Submission]]) -> None:
    """Refuse two ``--prefer`` files that are versions of one unit: the rule would fall back
    on the times between them, and the reviewer who named both would not learn which one was
    summed; a reviewer must pick one.

    Raises:
        DataError: naming the unit and its preferred files.
    """
    from perfxl.errors import DataError

    by_unit: dict[str, list[Candidate[Submission]]] = defaultdict(list)
    for c in candidates:
        if c.preferred and c.direct and c.path not in {o.path for o in by_unit[c.key]}:
            by_unit[c.key].append(c)
    for rivals in by_unit.values():
        if len(rivals) < 2:
            continue
        first = rivals[0].item
        assert first is not None
        name = f" {first.file.unit_name}" if first.file.unit_name else ""
        files = "、".join(c.path for c in rivals)
        raise DataError(  # rivals share a unit code: a file without one is a unit of its own
            f"--prefer 指定了同一单位（{rivals[0].key}{name}）的 {len(rivals)} 个版本：{files}。"
            "每个单位只能指定一个优先采用的文件，请只保留其中一个 --prefer。未写出汇总表。"
        )


def _prefer_usable(
    prefer: Sequence[str], files: Sequence[FileRecord], subs: Sequence[Submission]
) -> None:
    """Refuse a ``--prefer`` file that is no unit's version in this run (unreadable, not a
    perfxl workbook, of another stage, a summary): it would decide nothing, and the unit the
    reviewer meant to decide by hand would be decided by time without a word.

    Raises:
        DataError: naming the file, its 提交情况 status and the reason that sheet gives.
    """
    from perfxl.errors import DataError

    versions = {s.file.path for s in subs if s.file.via is None}
    for p in prefer:
        if p in versions:
            continue
        f = next((f for f in files if f.path == p and f.via is None), None)
        status = f.status if f is not None else K.UNREADABLE
        reason = (f.note if f is not None else "").strip()
        if reason and not reason.endswith(("。", "！", "？")):
            reason += "。"
        raise DataError(
            f"--prefer 指定的文件不能采用（{status}）：{reason}"
            "请去掉这个 --prefer，或改为指定该单位可以汇总的文件。未写出汇总表。",
            path=p,
        )


def _beside(path: str, other: str) -> str:
    """``path`` as seen from ``other``'s folder: the bare name when they share one."""
    import os

    try:
        return os.path.relpath(path, os.path.dirname(other) or ".")
    except ValueError:  # another drive (Windows)
        return path


def _why(basis: str, best: FileRecord, old: FileRecord, fmt: Any) -> str:
    """The times compared, when a time decided (保存时间 or 修改时间)."""
    if basis == "saved":
        return f"（保存时间 {fmt(best.saved)} 晚于本文件的 {fmt(old.saved)}）"
    if basis == "mtime":
        return f"（文件修改时间 {fmt(best.mtime)} 晚于本文件的 {fmt(old.mtime)}）"
    if basis == "name":
        return "（保存时间和修改时间相同，按文件名排序取后者）"
    return ""


def combine(
    extracted: Iterable[Extracted],
    *,
    expected: Sequence[tuple[str, str | None]] | None = None,
    prefer: Sequence[str] = (),
    schedule: tuple[float, ...] = (25.0, 50.0, 75.0, 100.0),
    layout: L.Layout = L.STANDARD,
    summary_rows: bool = True,
) -> Consolidation:
    """Build every table of the summary from what the workers read (with ``layout``: the
    messages name its cells).

    ``summary_rows`` False: nothing but the summary writer reads the 汇总 rows (a spilled
    run without tables), so a unit whose rows were rendered as they stand here (by its
    worker, or by this process as its file arrived: `Submission.summary_xml`) gets no rows
    made: the writer splices that XML, and the rows are made again from the file only if
    something reads them (`_summary_again`).
    """
    files: list[FileRecord] = []
    subs: list[Submission] = []
    listed: list[VersionChangeRow] = []
    for e in extracted:
        files.extend(e.files)
        subs.extend(e.submissions)
        listed.extend(e.changes)
    files, subs = _without_copies(files, subs)
    _prefer_usable(prefer, files, subs)
    out = Consolidation(schedule=schedule)
    out.chosen = chosen = choose_versions(subs, prefer, out.version_changes, layout)
    out.superseded = [f for f in files if f.status == K.SUPERSEDED]
    if listed:
        from perfxl.consolidate.changes import carried

        kept = carried(listed, {f.path for f in out.superseded if f.via is not None})
        out.version_changes[:0] = kept
    out.version_changes.sort(key=lambda r: (r.unit_code is None, r.unit_code or ""))
    extra = _cross_file_problems(chosen, files, expected, out, layout)
    store = next((s.spilled[0].store for s in subs if s.spilled is not None), None)
    if store is not None:  # the rows were spilled: so are the summary's, unit by unit
        from perfxl.consolidate.spill import Chain

        counts = _spilled_tables(chosen, extra, out)
        out.summary = Chain()
    else:
        for s in chosen:
            out.indicators.extend(s.indicators)
            out.problems.extend(s.problems)
        out.problems.extend(extra)
        counts = problem_counts(out.problems)
    shared = _shared_files(chosen, extra) if store is not None else set()
    _summary_and_units(chosen, counts, out, store, shared, summary_rows)
    if store is not None:
        for s in subs:
            s.projects = []  # summed and spilled as 汇总 rows: a spilled run keeps no copy
    out.files = _file_rows(files, chosen, expected)
    return out


def _without_copies(
    files: list[FileRecord], subs: list[Submission]
) -> tuple[list[FileRecord], list[Submission]]:
    """Records listed in a summary that are the very files read directly (or listed in an
    earlier summary), by content: each file counts once, as its own direct reading."""
    seen = {f.sha256 for f in files if f.via is None and f.sha256}
    dropped: set[int] = set()
    for f in files:
        if f.via is None or not f.sha256:
            continue
        if f.sha256 in seen:
            dropped.add(id(f))
        seen.add(f.sha256)
    if not dropped:
        return files, subs
    return (
        [f for f in files if id(f) not in dropped],
        [s for s in subs if id(s.file) not in dropped],
    )


def _cross_file_problems(
    chosen: list[Submission],
    files: list[FileRecord],
    expected: Sequence[tuple[str, str | None]] | None,
    out: Consolidation,
    layout: L.Layout,
) -> list[ProblemRow]:
    probs: list[ProblemRow] = []
    units_of: dict[str, list[Submission]] = defaultdict(list)
    for s in chosen:
        for code in dict.fromkeys(r.project_code for r in s.projects if r.project_code):
            units_of[code].append(s)
    for s in chosen:
        f = s.file
        if f.unit_code is None:
            code_cell = layout.field("unit/code").ref
            p = make("consolidate.no_unit_code", file=f.path, code_cell=code_cell)
            probs.append(problem_row(p, None, f.unit_name, None, f.path))
        for r in s.projects:
            owners = units_of.get(r.project_code, []) if r.project_code else []
            if len(owners) > 1:
                names = "、".join(
                    f"{o.file.unit_code or ''}{o.file.unit_name or ''}" for o in owners
                )
                p = make(
                    "consolidate.duplicate_code",
                    file=f.path,
                    sheet=r.sheet,
                    cell=r.cell,
                    value=r.project_code,
                    project_code=r.project_code,
                    code=r.project_code,
                    units=names,
                )
                probs.append(problem_row(p, f.unit_code, r.unit_name, r.project_code, f.path))
    seen = {s.file.unit_code for s in chosen}
    if expected is not None:
        listed = {c for c, _ in expected}
        for code, name in expected:
            if code not in seen:
                out.missing.append((code, name))
                p = make("consolidate.unit_missing", unit_code=code, unit_name=name or "")
                probs.append(problem_row(p, code, name, None, None))
        for s in chosen:
            if s.file.unit_code is not None and s.file.unit_code not in listed:
                f = s.file
                p = make(
                    "consolidate.unit_unlisted",
                    file=f.path,
                    unit_code=f.unit_code,
                    unit_name=f.unit_name or "",
                )
                probs.append(problem_row(p, f.unit_code, f.unit_name, None, f.path))
    probs.extend(_unit_names(chosen, expected, layout))
    rules: dict[str, RuleId] = {
        K.UNREADABLE: "consolidate.file_unreadable",
        K.NOT_PERFXL: "consolidate.not_perfxl",
        K.MONITORING_SKIPPED: "consolidate.monitoring_workbook",
        K.EVALUATION_SKIPPED: "consolidate.evaluation_workbook",
    }
    for f in files:
        if f.status in rules:
            out.unreadable.append(f)  # not used: the exit code says so (2)
            rule = rules[f.status]
            advice = advice_once(f.advised, SUBMISSION_UNREADABLE_ADVICE)  # file_unreadable's
            reason = not_perfxl_reason(f.note) if f.status == K.NOT_PERFXL else f.note
            p = make(rule, file=f.path, reason=reason, advice=advice)
            probs.append(problem_row(p, f.unit_code, f.unit_name, None, f.path))
    return probs


def _unit_names(
    chosen: list[Submission],
    expected: Sequence[tuple[str, str | None]] | None,
    layout: L.Layout,
) -> list[ProblemRow]:
    """A unit's name that differs from the expected list's for its code, and one name used
    under two codes: both most often a code typed from another unit's workbook, which the
    codes alone do not show (white space ignored)."""
    from perfxl.constants import COVER_SHEET

    cell = layout.field("unit/name").ref
    listed = {code: name for code, name in expected or () if name}
    by_name: dict[str, list[FileRecord]] = defaultdict(list)
    out: list[ProblemRow] = []
    for s in chosen:
        f = s.file
        if not f.unit_code or not f.unit_name:
            continue
        by_name[_squashed(f.unit_name)].append(f)
        name = listed.get(f.unit_code)
        if name is not None and _squashed(name) != _squashed(f.unit_name):
            p = make(
                "consolidate.unit_name_differs",
                **_on_cover(f, cell, COVER_SHEET),
                unit_code=f.unit_code,
                unit_name=f.unit_name,
                listed=name,
            )
            out.append(problem_row(p, f.unit_code, f.unit_name, None, f.path))
    for group in by_name.values():
        codes = sorted({f.unit_code for f in group if f.unit_code})
        if len(codes) < 2:
            continue
        for f in group:
            p = make(
                "consolidate.unit_name_shared",
                **_on_cover(f, cell, COVER_SHEET),
                unit_name=f.unit_name,
                codes="、".join(codes),
            )
            out.append(problem_row(p, f.unit_code, f.unit_name, None, f.path))
    return out


def _on_cover(f: FileRecord, cell: str, sheet: str) -> dict[str, Any]:
    """Where a unit's name is: its file, and the cover's cell when the file is the unit's
    own workbook (a unit listed in a summary read as input has no cover there)."""
    if f.via is not None:
        return {"file": f.path, "value": f.unit_name}
    return {"file": f.path, "sheet": sheet, "cell": cell, "value": f.unit_name}


def _squashed(text: str) -> str:
    return "".join(text.split())


_BY_SHEET = itemgetter(*(ProblemRow._fields.index(k) for k in ("source_file", "sheet", "severity")))
_BY_FILE = itemgetter(*(ProblemRow._fields.index(k) for k in ("source_file", "severity")))


def problem_counts(problems: Iterable[ProblemRow]) -> Counter[tuple[Any, ...]]:
    """Errors and warnings by (file, sheet, severity) and by (file, None, severity)."""
    rows = problems if isinstance(problems, list) else list(problems)
    c: Counter[tuple[Any, ...]] = Counter(map(_BY_SHEET, rows))  # counted in C
    for (file, severity), n in Counter(map(_BY_FILE, rows)).items():
        c[(file, None, severity, "file")] += n
    return c


def _spilled_tables(
    chosen: list[Submission], extra: list[ProblemRow], out: Consolidation
) -> Counter[tuple[Any, ...]]:
    """指标明细 and 校验问题 of a run whose rows were spilled (`perfxl.consolidate.spill`):
    chains of the chosen submissions' spilled lists, in the order the lists would be joined;
    the problems counted from each submission's tally, without reading a row back."""
    from perfxl.consolidate.spill import Chain

    indicators: Chain[IndicatorRow] = Chain()
    problems: Chain[ProblemRow] = Chain()
    counts = problem_counts(extra)
    for s in chosen:
        if s.spilled is None:
            indicators.extend(s.indicators)
            problems.extend(s.problems)
            counts.update(problem_counts(s.problems))
        else:
            indicators.extend(s.spilled[0])
            problems.extend(s.spilled[1])
            counts.update(s.tally or ())
    problems.extend(extra)
    out.indicators, out.problems = indicators, problems
    err, warn = K.SEVERITY_ZH["error"], K.SEVERITY_ZH["warning"]
    out.tally = (
        sum(n for k, n in counts.items() if len(k) == 4 and k[2] == err),
        sum(n for k, n in counts.items() if len(k) == 4 and k[2] == warn),
    )
    return counts


def _shared_files(chosen: list[Submission], extra: list[ProblemRow]) -> set[str | None]:
    """The files whose problem counts (as `problem_counts` keys them) some record adds to
    besides a chosen submission of that very file: a cross-file problem names it, or two
    chosen submissions count problems of it. A worker counted only its own file's problems
    when it rendered the unit's 汇总 rows (`writer.RowsXml`): those rows stand only for the
    files not listed here."""
    out: set[str | None] = {r.source_file for r in extra}
    seen: set[str | None] = set()
    for s in chosen:
        tally = s.tally if s.tally is not None else problem_counts(s.problems)
        files = {k[0] for k in tally}
        files.add(s.file.path)
        out.update(files.intersection(seen))
        seen.update(files)
    return out


def _summary_and_units(
    chosen: list[Submission],
    counts: Counter[tuple[Any, ...]],
    out: Consolidation,
    store: SpillStore | None = None,
    shared: set[str | None] | None = None,
    summary_rows: bool = True,
) -> None:
    """汇总 (each unit's projects and subtotal: to ``store`` when given), 乡镇合计, totals.

    With ``store``, a unit whose 汇总 rows were rendered as its file arrived
    (`Submission.summary_xml`: by its worker, or by this process, `writer.RowsXml`) and
    whose file is not among the ``shared`` ones (`_shared_files`: the worker's counts of
    problems are this run's) keeps that XML for the writer; its rows are made only when
    ``summary_rows`` (something else reads them), else made again from the file on use."""
    err, warn = K.SEVERITY_ZH["error"], K.SEVERITY_ZH["warning"]
    grand = dict.fromkeys(MONEY, Decimal(0))
    exact = True  # every unit's totals and their sums exact: the county's totals as if summed
    # over every project (`numbers.total`); else summed so, as a last resort
    n_projects = n_err = n_warn = 0
    count = counts.get  # not `Counter.__missing__`, a Python call for every key without problems
    for s in chosen:
        f = s.file
        sums = s.sums if isinstance(s.sums, Sums) and s.sums.fits(s.projects) else sums_of(s)
        tot = sums.totals
        exact = exact and sums.exact and _add_exactly(grand, tot)
        e, w = count((f.path, None, err, "file"), 0), count((f.path, None, warn, "file"), 0)
        n_projects += len(s.projects)
        n_err, n_warn = n_err + e, n_warn + w
        if store is None:
            out.summary.extend(unit_summary(s, sums, count))
        else:
            out.summary.extend(_spilled_summary(s, sums, count, store, shared, summary_rows))
        out.units.append(
            _unit_row(
                K.ROW_UNIT,
                f.unit_code,
                f.unit_name,
                len(s.projects),
                tot,
                out.schedule,
                e,
                w,
                f.path,
            )
        )
    county, exact_by = (grand, dict.fromkeys(MONEY, True)) if exact else _county(chosen)
    out.totals = {k: float(v) for k, v in county.items()}
    out.budget = county["budget"] if exact_by["budget"] else None  # far past the cap: no total
    out.totals.update(
        {k.replace("plan", "pct"): percent(county[k], county["budget"]) for k in PLAN}
    )
    out.totals["projects"] = n_projects
    # each total as the report says it (`numbers.total_cell`): never empty, inf or rounded
    cells = [total_cell(county[k] if exact_by[k] else None) for k in MONEY]
    out.units.append(
        _unit_row(
            K.ROW_TOTAL, None, "合计", n_projects, county, out.schedule, n_err, n_warn, None, cells
        )
    )


def _spilled_summary(
    s: Submission,
    sums: Sums,
    count: Callable[[tuple[Any, ...], int], int],
    store: SpillStore,
    shared: set[str | None] | None,
    summary_rows: bool,
) -> Sequence[SummaryRow]:
    """A unit's 汇总 rows in a spilled run (see `_summary_and_units`): spilled, or a handle
    that makes them again from the file, with the worker's XML of them when it stands."""
    from perfxl.consolidate.spill import Reread

    f = s.file
    xml = s.summary_xml
    if xml is not None and (shared is None or f.path in shared):
        xml = None  # counted with other records' problems here: rendered by the writer
    if xml is not None and summary_rows and s.summary_rows is not None:
        handle = s.summary_rows  # the rows its XML was rendered from: made once for both
    elif xml is None or summary_rows:
        handle = store.put(unit_summary(s, sums, count))
    else:
        again = partial(_summary_again, store, f.path, f.sha256)
        handle = Reread(store, len(s.projects) + 1, again)
    handle.xml = xml
    return handle


def unit_summary(
    s: Submission, sums: Sums, count: Callable[[tuple[Any, ...], int], int]
) -> list[SummaryRow]:
    """A unit's 汇总 rows: a row per project, then the unit's subtotal; ``sums``: its
    `Sums`; ``count``: the problems by (file, sheet, severity) and (file, None, severity,
    "file"), as `problem_counts` keys them (``count(key, 0)``)."""
    err, warn = K.SEVERITY_ZH["error"], K.SEVERITY_ZH["warning"]
    f = s.file
    rows: list[SummaryRow] = []
    for r, pct in zip(s.projects, sums.percents, strict=True):
        rows.append(
            SummaryRow(
                K.ROW_PROJECT,
                r.unit_code,
                r.unit_name,
                r.project_code,
                r.project_name,
                r.budget,
                r.fiscal_funds,
                r.other_funds,
                r.plan_mar,
                r.plan_jun,
                r.plan_oct,
                r.plan_dec,
                pct[0],
                pct[1],
                pct[2],
                pct[3],
                r.indicators,
                count((f.path, r.sheet, err), 0),
                count((f.path, r.sheet, warn), 0),
                r.source_file,
                r.sheet,
                r.cell,
            )
        )
    tot = sums.totals
    e, w = count((f.path, None, err, "file"), 0), count((f.path, None, warn, "file"), 0)
    pcts = [percent(tot[k], tot["budget"]) for k in PLAN]
    rows.append(
        SummaryRow._make(
            (
                K.ROW_SUBTOTAL,
                f.unit_code,
                f.unit_name,
                None,
                f"{f.unit_name or f.unit_code or ''} 小计（{len(s.projects)} 个项目）",
                *(float(tot[k]) for k in MONEY),
                *pcts,
                sum(r.indicators or 0 for r in s.projects),
                e,
                w,
                f.path,
                None,
                None,
            )
        )
    )
    return rows


def own_summary(s: Submission, counted: bool = False) -> list[SummaryRow]:
    """`unit_summary` of ``s`` counted with its own problems only (what a worker renders:
    the run's rows when no other record counts problems of its file, `_shared_files`).
    Those counts are left in ``s.tally``: a worker packing ``s`` next takes them
    (`cache._dumps`) rather than counting its problems a second time. ``counted``: the
    counts ``s.tally`` holds are taken (a spilled run's parent: its problems, counted by
    the worker that read it, are no longer in ``s.problems``; ``s.tally`` left as it is)."""
    sums = s.sums if isinstance(s.sums, Sums) and s.sums.fits(s.projects) else sums_of(s)
    if counted and s.tally is not None:
        return unit_summary(s, sums, s.tally.get)
    tally = problem_counts(s.problems)
    if not counted:
        s.tally = tally
    return unit_summary(s, sums, tally.get)


def _summary_again(store: SpillStore, path: str, digest: str) -> list[SummaryRow]:
    """The 汇总 rows of ``path`` (a workbook read directly, its bytes of SHA-256 ``digest``)
    whose worker's XML the summary splices: the file read again in this process
    (`cache.read_again`), its rows made as `own_summary`."""
    from perfxl.consolidate.cache import read_again

    return own_summary(read_again(store, path, digest, 0))


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Sums:
    """What 汇总 and 乡镇合计 take of a submission's projects that depends on nothing else:
    each project's four percentages (`percent`) and the unit's totals by column (the one
    summing rule, `numbers.total`: a decimal sum of the amounts as typed, text and blanks
    left out, as the township cover's SUM row and compute's totals). Made where the file was
    read (`sums_of`: a worker; kept in the cache entry), so a re-consolidation does not redo
    them for every unchanged unit.

    Attributes:
        percents: per project, 3月底 … 12月底 累计 (%).
        totals: per `MONEY` column, the decimal total.
        exact: no total was rounded (the county's totals may be summed from the units').
    """

    percents: list[tuple[float | None, ...]]
    totals: dict[str, Decimal]
    exact: bool

    def fits(self, projects: Sequence[Any]) -> bool:
        """Made of as many projects as ``projects`` (else made again from them)."""
        return len(self.percents) == len(projects) and self.totals.keys() == set(MONEY)


def sums_of(s: Submission) -> Sums:
    """The `Sums` of ``s``'s projects."""
    projects = s.projects
    percents = [tuple(percent(getattr(r, k), r.budget) for k in PLAN) for r in projects]
    checked = {k: checked_total(getattr(r, k) for r in projects) for k in MONEY}
    totals = {k: summed for k, (summed, _) in checked.items()}
    return Sums(percents, totals, all(exact for _, exact in checked.values()))


def _add_exactly(grand: dict[str, Decimal], tot: dict[str, Decimal]) -> bool:
    """``tot`` added to ``grand`` (in place); False when a sum was rounded
    (`numbers.checked_total`)."""
    exact = True
    for k in MONEY:
        grand[k], ok = checked_total((grand[k], tot[k]))
        exact = exact and ok
    return exact


def _county(chosen: list[Submission]) -> tuple[dict[str, Decimal], dict[str, bool]]:
    """The county's totals summed over every project (`numbers.total`), and whether each
    is exact (`numbers.checked_total`)."""
    sums = {k: checked_total(getattr(r, k) for s in chosen for r in s.projects) for k in MONEY}
    return {k: v for k, (v, _) in sums.items()}, {k: ok for k, (_, ok) in sums.items()}


def _unit_row(
    kind: str,
    code: str | None,
    name: str | None,
    n: int,
    tot: dict[str, Decimal],
    schedule: tuple[float, ...],
    errors: int,
    warnings: int,
    source: str | None,
    cells: Sequence[float | str] | None = None,
) -> UnitRow:
    """A 乡镇合计 row: decimal totals, the one percentage, gaps against 序时 at 2 decimals;
    ``cells``: the `MONEY` columns as shown (the total row's), else the totals' floats."""
    pcts = [cumulative_percent(tot[k], tot["budget"]) for k in PLAN]
    gaps = [to_float(gap(p, s)) for p, s in zip(pcts, schedule, strict=True)]
    money = cells if cells is not None else [float(tot[k]) for k in MONEY]
    return UnitRow._make(
        (kind, code, name, n, *money, *map(to_float, pcts), *gaps, errors, warnings, source)
    )


def _file_rows(
    files: list[FileRecord],
    chosen: list[Submission],
    expected: Sequence[tuple[str, str | None]] | None,
) -> list[FileRow]:
    used_units = {s.file.unit_code for s in chosen}
    listed = {c: n for c, n in (expected or [])}
    by_unit: dict[str | None, list[FileRecord]] = defaultdict(list)
    for f in files:
        by_unit[f.unit_code if f.status in (K.USED, K.SUPERSEDED) else None].append(f)
    order = {K.USED: 0, K.SUPERSEDED: 1}
    rows: list[FileRow] = []
    codes = sorted({*listed, *(c for c in by_unit if c is not None)})
    for code in codes:
        fs = sorted(
            by_unit.get(code, []),
            key=lambda f: (order.get(f.status, 2), -(f.saved or 0), -f.mtime, f.path),
        )
        if expected is None:
            state = K.SUBMITTED
        elif code in listed:
            state = K.SUBMITTED if code in used_units else K.MISSING
        else:
            state = K.UNLISTED
        if not fs:
            rows.append(
                FileRow(
                    code,
                    listed.get(code),
                    state,
                    source_file=None,
                    file_status=None,
                    modified=None,
                    saved=None,
                    basis=None,
                    sha256=None,
                    projects=None,
                    note="未收到该单位的工作簿。",
                )
            )
        for f in fs:
            rows.append(_file_row(f, state))
    for f in sorted(by_unit.get(None, []), key=lambda f: f.path):
        rows.append(_file_row(f, None))
    return rows


def _file_row(f: FileRecord, state: str | None) -> FileRow:
    from perfxl.consolidate.summary_input import format_mtime

    return FileRow(
        f.unit_code,
        f.unit_name,
        state,
        f.path,
        f.status,
        format_mtime(f.mtime),
        format_mtime(f.saved) if f.saved else None,
        f.basis or None,
        f.sha256 or None,
        f.projects,
        f.note or None,
        f.changes or None,
    )
