"""Services that make a unit's workbook and take its data out: template, fill, export."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfxl.grid import Grid
    from perfxl.model import Targets
    from perfxl.problems import Problem
    from perfxl.read import ReadResult


def make_template(
    out: Path,
    *,
    projects: int = 1,
    unit_code: str | None = None,
    unit_name: str | None = None,
    year: int | None = None,
    framework: str = "2015",
    library: str | Path | None = None,
) -> Path:
    """The empty standard workbook (cover, overall targets, ``projects`` project sheets) at
    ``out``, written atomically; ``out``.

    ``library``: an indicator library (``perfxl library``) added as the 指标库 sheet, with a
    dropdown of its 三级指标 per 二级指标 on every project sheet.
    """
    from perfxl.write.fill import template

    if library is not None:
        from perfxl.services.yoy import template_with_library

        template_with_library(out, library, projects, unit_code, unit_name, year, framework)
        return out
    template(
        out,
        projects=projects,
        unit_code=unit_code,
        unit_name=unit_name,
        year=year,
        framework=framework,
    )
    return out


@dataclass
class FillReport:
    """What ``fill`` wrote.

    Attributes:
        written: the workbook written.
        projects: projects in the data.
        problems: where the data breaks the schema (written all the same, so last year's
            data can go out for correction).
        notes: for the user: project sheets added or removed (filling an existing book).
        backup: the previous file, kept when a book was filled in place.
    """

    written: Path
    projects: int
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    backup: Path | None = None


def fill_new(data: str | Path, out: Path) -> FillReport:
    """Write a data file (JSON; ``-`` is standard input) into a new standard workbook.

    Raises:
        DataError: the data file cannot be read, is not shaped like the contract, or is a
            monitoring or self-evaluation workbook's (fill writes the targets form only).
    """
    from perfxl.io import load_data
    from perfxl.write.fill import write_new

    loaded = load_data(data)
    _targets_data(loaded.targets, loaded.name)
    write_new(loaded.targets, out)
    return FillReport(out, len(loaded.targets.projects), loaded.problems)


# What to do instead, when the data or the workbook is of a later stage than fill writes.
_INSTEAD = {
    "monitoring": "监控表请用 perfxl new monitoring 目标表.xlsx -o 监控表.xlsx 生成后填报",
    "evaluation": "自评表请用 perfxl new evaluation 目标表.xlsx -o 自评表.xlsx 生成后填报",
}


def _targets_data(t: Targets, name: str | None) -> None:
    """Refuse data of a monitoring or self-evaluation workbook: ``fill`` writes the targets
    form only, and would drop what was reported in it (the data's ``stage`` section).

    Raises:
        DataError: naming the data file and its kind.
    """
    if t.stage in _INSTEAD:
        from perfxl.errors import DataError
        from perfxl.stages import stage_name

        raise DataError(
            f'数据文件是{stage_name(t)}的数据（"stage": "{t.stage}"），fill 只写绩效目标表，'
            f"其中填报的内容无法写入，未写出任何文件。{_INSTEAD[t.stage]}。",
            path=name,
        )


def _targets_book(book: Path) -> None:
    """Refuse a monitoring or self-evaluation workbook as ``fill --into``'s target: only a
    targets workbook's input cells are filled (its project sheets would be added beside the
    workbook's own, as if it had none); and a county summary (``perfxl consolidate``), which
    would become a hybrid of summary and unit workbook.

    Raises:
        PerfxlError: naming the workbook and its kind; the workbook cannot be read.
    """
    from perfxl.read import read_workbook

    res = read_workbook(book)
    if res.summary is not None:  # a county summary: said as what it is, as compute says it
        res.require_perfxl("未写入")
    if res.is_perfxl and res.targets.stage in _INSTEAD:
        from perfxl.errors import PerfxlError
        from perfxl.stages import stage_name

        raise PerfxlError(
            f"这是{stage_name(res.targets)}，fill --into 只写入绩效目标表的填报单元格，"
            f"未写出任何文件。请给出绩效目标表；{_INSTEAD[res.targets.stage]}。",
            path=str(book),
        )


def fill_into(data: str | Path, book: Path, out: Path | None = None) -> FillReport:
    """Write a data file into an existing workbook's input cells, everything else kept
    (`perfxl.write.fill.fill_into`); ``out`` None writes in place, ``BOOK.bak.xlsx`` first.

    Raises:
        DataError: the data file is unusable, or of a monitoring or self-evaluation
            workbook (nothing written).
        PerfxlError: the book cannot be opened, is a monitoring or self-evaluation
            workbook, or the target (or backup) cannot be written.
    """
    from perfxl.io import load_data
    from perfxl.write import fill as F
    from perfxl.write.backup import backup_path

    loaded = load_data(data)
    _targets_data(loaded.targets, loaded.name)
    _targets_book(book)
    notes = F.fill_into(loaded.targets, book, out)
    in_place = out is None or F.same_file(out, book)
    return FillReport(
        out if out is not None else book,
        len(loaded.targets.projects),
        loaded.problems,
        notes,
        backup_path(book) if in_place else None,
    )


@dataclass
class ExportReport:
    """A workbook's data as ``export`` gives it.

    Attributes:
        read: the reader's result (the model, its problems and where each value was).
    """

    read: ReadResult

    @cached_property
    def problems(self) -> list[Problem]:
        """What reading found (a moved label, an amount that is not a number ...), and a
        monitoring 监控月份 that is no month, which the data holds as null
        (``monitoring.month_invalid``, as validate says it): what was typed is not lost in
        silence."""
        from perfxl.model import month_number

        t = self.read.targets
        if not self.read.ok or t.stage != "monitoring" or month_number(t.month) is not None:
            return self.read.problems
        from perfxl.validate import check, in_sheet_order

        said = [p for p in check(self.read) if p.rule == "monitoring.month_invalid"]
        return in_sheet_order(self.read, [*self.read.problems, *said])

    @property
    def ok(self) -> bool:
        """False when the sheets' structure is broken: nothing is to be exported."""
        return self.read.ok

    @property
    def errors(self) -> bool:
        """Whether reading found an error."""
        return any(p.severity == "error" for p in self.problems)

    def text(self) -> str:
        """The data as JSON text (the contract of ``perfxl schema``)."""
        from perfxl.io import dump_json

        return dump_json(self.read.targets.to_dict())

    def write(self, out: Path) -> Path:
        """Write :meth:`text` to ``out`` atomically (UTF-8); ``out``."""
        from perfxl.write.atomic import write_text_atomic

        write_text_atomic(out, self.text())
        return out


def export_workbook(book: str | Path, *, engine: str = "calamine") -> ExportReport:
    """Read a workbook file's data; write it with :meth:`ExportReport.write` when ``ok``.

    Raises:
        NotAPerfxlWorkbookError: the file is not a perfxl workbook (as validate and
            consolidate decide it).
        PerfxlError: the file cannot be read.
    """
    from perfxl.read import read_workbook

    res = read_workbook(book, engine=engine)
    res.require_perfxl("未导出")
    return ExportReport(res)


def export_open_book(grid: Grid) -> ExportReport:
    """An open book's data (the ribbon's 导出 JSON), read as :func:`export_workbook` reads
    a file."""
    from perfxl.read import read_grid_model

    return ExportReport(read_grid_model(grid))


@dataclass
class MonitoringReport:
    """What ``new monitoring`` wrote.

    Attributes:
        written: the monitoring workbook.
        projects: project sheets written.
        indicators: indicator rows carried.
        month: the monitoring month (1-X月).
        problems: what reading the targets found (written all the same unless ``ok`` is False).
        notes: for the user, when rebuilt ``previous``: projects added (blank), projects and
            indicators that disappeared (what was typed for them is not carried).
        kept: projects whose typed monitoring came from ``previous``.
    """

    written: Path
    projects: int
    indicators: int
    month: int
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    kept: int = 0


def new_monitoring(
    book: str | Path,
    out: Path,
    *,
    month: int | None = None,
    previous: str | Path | None = None,
) -> MonitoringReport:
    """Write the monitoring workbook (绩效运行监控, as of the end of ``month``) carrying a
    targets workbook's projects, goals and indicators; what a monitoring workbook given as
    ``book`` already holds of monitoring is kept.

    ``previous``, an earlier monitoring workbook of the unit: the targets changed since (a
    project added), what was typed into it is carried onto the matching projects and
    indicators (`perfxl.carry`), and ``month`` None keeps its month. ``month`` None
    otherwise is 7 (7月底).

    Raises:
        NotAPerfxlWorkbookError: ``book`` or ``previous`` is not a perfxl workbook.
        PerfxlError: ``book`` or ``previous`` cannot be read, its labels are broken,
            ``book`` is a self-evaluation workbook, or ``previous`` is not a monitoring
            workbook (nothing written), or ``out`` cannot be written.
    """
    from perfxl.carried import edited_notes, restored_read
    from perfxl.carry import carry_monitoring
    from perfxl.monitoring import month_of
    from perfxl.write.fill import save
    from perfxl.write.monitoring import build_monitoring

    read = _read_for_monitoring(book, "目标表")
    t, edited = restored_read(read, "新监控表")  # carried: the record's, not edited cells
    problems = [*read.problems, *edited]
    if t.stage == "evaluation":  # its year-end figures would be dropped without a word
        from perfxl.errors import PerfxlError
        from perfxl.stages import stage_name

        raise PerfxlError(
            f"这是{stage_name(t)}，不能由它生成监控表：监控表由绩效目标表（或已有的监控表）"
            "生成，未写出任何文件。请给出该单位的绩效目标表。",
            path=str(book),
        )
    notes: list[str] = []
    kept = 0
    if previous is not None:
        old_read = _read_previous(previous, "monitoring", "监控表", "绩效运行监控表")
        old = old_read.targets
        problems += old_read.problems
        carried = carry_monitoring(t, old)
        t, notes, kept = carried.targets, carried.notes, carried.kept
        sheets = [old_read.project_sheet(i) for i in range(len(old.projects))]
        notes = edited_notes(old, old_read.carried, sheets) + notes
        if month is None:
            month = month_of(old)
    if month is None:
        month = 7
    save(build_monitoring(t, month), out)
    n = _indicator_count(t)
    return MonitoringReport(out, len(t.projects), n, month, problems, notes, kept)


def _read_for_monitoring(book: str | Path, what: str, made: str = "监控表") -> ReadResult:
    """A workbook read for ``new monitoring`` / ``new evaluation``, refused when its labels
    are broken (``made``: the form not made, for the message)."""
    from perfxl.errors import PerfxlError
    from perfxl.read import read_workbook

    res = read_workbook(book)
    res.require_perfxl()
    if not res.ok:
        raise PerfxlError(
            f"{what}的表格结构有误（标签缺失或移动），未生成{made}。"
            "请先按 perfxl validate 的提示修复。",
            path=str(book),
        )
    return res


def _read_previous(previous: str | Path, stage: str, made: str, form: str) -> ReadResult:
    """The earlier workbook of ``stage`` given as ``--from`` (``made``: the form's short
    name, ``form``: its full name, for the messages), refused when it is of another stage."""
    from perfxl.errors import PerfxlError

    res = _read_for_monitoring(previous, f"原{made}", made)
    if res.targets.stage != stage:
        raise PerfxlError(
            f"--from 指定的不是{form}，无法带入填报内容。"
            f"请指定由 perfxl new {stage} 生成并已填报的{made}。",
            path=str(previous),
        )
    return res


def _indicator_count(t: Targets) -> int:
    """The indicator rows a written form carries (blank rows not counted)."""
    return sum(len([i for i in p.indicators if not i.is_blank()]) for p in t.projects)


@dataclass
class EvaluationReport:
    """What ``new evaluation`` wrote.

    Attributes:
        written: the self-evaluation workbook.
        projects: project sheets written.
        indicators: indicator rows carried.
        profile: the scoring profile's name (written on the cover).
        source: the stage of the workbook it was built from (``targets`` or ``monitoring``).
        problems: what reading the source found (written all the same).
        notes: for the user, when rebuilt ``previous``: projects added (blank), projects and
            indicators that disappeared (what was typed for them is not carried).
        kept: projects whose typed self-evaluation came from ``previous``.
    """

    written: Path
    projects: int
    indicators: int
    profile: str
    source: str
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    kept: int = 0


def new_evaluation(
    book: str | Path,
    out: Path,
    *,
    profile: str | None = None,
    previous: str | Path | None = None,
    config_path: str | Path | None = None,
) -> EvaluationReport:
    """Write the self-evaluation workbook (绩效自评) carrying a targets or monitoring
    workbook's projects, goals and indicators; a monitoring workbook's 调整后预算数 becomes
    the default 全年预算数 (else 年初预算数). What a self-evaluation workbook given as
    ``book`` already holds of the evaluation is kept.

    ``profile``: the scoring profile's name (`perfxl.scoring.PROFILES`); None: the one
    ``previous`` (else ``book``) names, else the county config's ``[evaluation] profile``
    (``config_path``; None: the shipped config, whose profile is ``default``). ``previous``, an earlier
    self-evaluation workbook of the unit: what was typed into it is carried onto the matching
    projects and indicators (`perfxl.carry.carry_evaluation`).

    Raises:
        NotAPerfxlWorkbookError: ``book`` or ``previous`` is not a perfxl workbook.
        PerfxlError: ``book`` or ``previous`` cannot be read, its labels are broken, the
            profile is unknown, the config is unusable, or ``previous`` is not a self-evaluation workbook (nothing
            written), or ``out`` cannot be written.
    """
    from perfxl.carried import restored_read
    from perfxl.carry import carry_evaluation
    from perfxl.write.evaluation import build_evaluation, profile_named
    from perfxl.write.fill import save

    res = _read_for_monitoring(book, "目标表", "自评表")
    t, edited = restored_read(res, "新自评表")  # carried: the record's, not edited cells
    problems = [*res.problems, *edited]
    source = t.stage
    notes: list[str] = []
    kept = 0
    if previous is not None:
        old_res = _read_previous(previous, "evaluation", "自评表", "绩效自评表")
        old = old_res.targets
        problems += old_res.problems
        carried = carry_evaluation(t, old)
        t, notes, kept = carried.targets, carried.notes, carried.kept
        if profile is None:
            profile = old.profile
    if profile is None:
        profile = t.profile
    if profile is None:
        from perfxl.config import load_config

        profile = load_config(config_path).evaluation_profile
    chosen = profile_named(profile)
    t.stage, t.month, t.profile = "evaluation", None, chosen.name
    save(build_evaluation(t, chosen), out)
    n = _indicator_count(t)
    return EvaluationReport(out, len(t.projects), n, chosen.name, source, problems, notes, kept)
