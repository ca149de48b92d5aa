"""Publish: read the workbooks, build the document, write .docx (and .pdf)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from perfxl.errors import PerfxlError, summary_verdict
from perfxl.model import Targets
from perfxl.problems import Problem
from perfxl.publish.county import Source

if TYPE_CHECKING:
    from perfxl.publish.monitoring import Thresholds
    from perfxl.versions import Candidate

Progress = Callable[[str], None]  # told what publishing is doing (a county takes minutes)


@dataclass
class PublishResult:
    """What publishing wrote and noticed.

    Attributes:
        docx: the Word document written.
        pdf: the PDF written, when asked for.
        units: how many units the document holds.
        projects: how many project tables it holds.
        headings: the headings (level, text) listed in the contents.
        toc_pages: the page of each heading, when a PDF pass computed them.
        problems: what reading the workbooks noticed, with each carried target edited in a
            monitoring or self-evaluation workbook (published as its record holds it).
        skipped: workbooks left out, with the reason (Chinese).
        superseded: older versions left out, with the version used instead (Chinese).
        sources: the file used for each unit, in the document's order.
        summaries: perfxl county summaries found in a folder, not read.
        stage: what the document holds: ``targets`` (the targets disclosure),
            ``monitoring`` (the monitoring disclosure) or ``evaluation`` (the self-evaluation
            disclosure).
        other_stage: workbooks of the other stage left out (file, verdict), with ``--stage``.
    """

    docx: Path
    pdf: Path | None = None
    units: int = 0
    projects: int = 0
    headings: list[tuple[int, str]] = field(default_factory=list)
    toc_pages: list[int] | None = None
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    superseded: list[tuple[str, str]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)
    stage: str = "targets"
    other_stage: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Selection:
    """The workbooks a document is made of, chosen as ``consolidate`` chooses them.

    Attributes:
        books: one version per unit, ordered by unit code (as the county summary).
        problems: what reading noticed, with each carried target edited in a monitoring or
            self-evaluation workbook (`perfxl.carried.restored_read`).
        skipped: files left out as unusable, (file, reason).
        superseded: older versions left out, (file, reason).
        sources: the file used for each unit (same order as ``books``).
        files: how many workbook files the inputs held.
        summaries: perfxl county summaries found in a folder, not read.
        stage: the stage chosen (``targets``, ``monitoring`` or ``evaluation``).
        other_stage: workbooks of the other stage left out, (file, verdict).
    """

    books: list[Targets] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    superseded: list[tuple[str, str]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    files: int = 0
    summaries: list[str] = field(default_factory=list)
    stage: str = "targets"
    other_stage: list[tuple[str, str]] = field(default_factory=list)


_SUMMARY_NAMED = summary_verdict(
    "未收入", None, "全县的公开文本请给出各单位的工作簿（或其所在文件夹）。"
)


def select_books(
    paths: Sequence[Path],
    exclude: Sequence[Path] = (),
    progress: Progress | None = None,
    stage: str | None = None,
) -> Selection:
    """Read every workbook among ``paths`` (files, or folders searched recursively) and keep
    one version per unit, by the rule every command shares (`perfxl.versions`).

    A document holds one stage: ``stage`` (``targets``, ``monitoring`` or ``evaluation``)
    when given, the workbooks of the other stages then listed in ``other_stage``; else the
    stage of the workbooks read. Monitoring workbooks must be of one month.

    A missing input or a folder without a workbook is listed in ``skipped``; so is a workbook
    that cannot be read or whose layout is broken. ``exclude`` (the output) is never read.
    ``progress`` is told which file is being read.

    Raises:
        PerfxlError: without ``stage``, the inputs hold workbooks of several stages (绩效目标表,
            绩效运行监控表, 绩效自评表); or the monitoring workbooks are of different months (each message names the
            files).
    """
    import os

    from perfxl.carried import restored_read
    from perfxl.held import held_targets, text_amounts
    from perfxl.inputs import discover
    from perfxl.outputs import is_summary_file
    from perfxl.read import ReadResult, read_workbook
    from perfxl.savedtime import saved_time
    from perfxl.stages import PUBLISH_STAGES, TARGETS, mixed_stages, not_for_publish
    from perfxl.versions import BASIS_ZH, Candidate, choose

    found = discover(paths, exclude=exclude)
    sel = Selection(skipped=list(found.unusable), files=len(found.files))
    read: list[tuple[str, ReadResult]] = []
    for n, name in enumerate(found.files, 1):
        if progress is not None:
            progress(f"读取 {n}/{len(found.files)}：{_shown(name, paths)}")
        path = Path(name)
        if is_summary_file(path):
            if name not in found.explicit:  # an earlier county summary among the townships'
                sel.summaries.append(name)
            else:  # named: said to be what it is, not "not a perfxl workbook"
                sel.skipped.append((name, _SUMMARY_NAMED))
            continue
        try:
            res = read_workbook(path)
            res.require_perfxl()
        except PerfxlError as exc:
            sel.skipped.append((name, str(exc.message)))
            continue
        read.append((name, res))
    by_stage: dict[str, list[str]] = {}
    for name, res in read:
        if res.targets.stage in PUBLISH_STAGES:  # any other stage is left out with its verdict
            by_stage.setdefault(res.targets.stage, []).append(_shown(name, paths))
    if stage is None:
        if len(by_stage) > 1:
            raise PerfxlError(mixed_stages(by_stage))
        stage = next(iter(by_stage), TARGETS)
    sel.stage = stage
    candidates: list[Candidate[Targets]] = []
    for name, res in read:
        verdict = not_for_publish(res.targets, stage)
        if verdict is not None:  # the other stage: left out, never a unit's version
            sel.other_stage.append((name, verdict))
            continue
        sel.problems.extend(res.problems)
        if not res.ok:
            sel.skipped.append((name, "工作簿结构有误（见上面的提示），未收入公开文本。"))
            continue
        if not res.targets.projects and not res.targets.overall.summary:
            sel.skipped.append(
                (name, "工作簿中没有项目表，也没有部门整体绩效目标，未收入公开文本。")
            )
            continue
        # a monitoring or self-evaluation workbook's carried targets: its record's, not
        # cells edited since (each edit said at its cell)
        book, edited = restored_read(res, "公开文本")
        sel.problems.extend(edited)
        # a later stage's amounts as its cells hold them: no 执行率 or score from a text
        book = held_targets(book, text_amounts(res.problems))
        key = book.unit.code or f"?{name}"
        path = Path(name)
        stamp = saved_time(path)
        candidates.append(Candidate(key, name, os.stat(path).st_mtime, stamp, item=book))
    _one_month(candidates, paths)
    choices = sorted(choose(candidates), key=lambda c: (c.key.startswith("?"), c.key))
    for choice in choices:
        t = choice.chosen.item
        assert t is not None
        sel.books.append(t)
        shown = tuple(_shown(c.path, paths) for c in choice.superseded)
        sel.sources.append(
            Source(
                t.unit.code,
                t.unit.name,
                _shown(choice.chosen.path, paths),
                BASIS_ZH[choice.basis] if choice.superseded else "",
                shown,
            )
        )
        for c in choice.superseded:
            why = BASIS_ZH[choice.basis_against(c)]
            sel.superseded.append(
                (c.path, f"同一单位的旧版本，采用 {choice.chosen.path}（依据{why}），未收入。")
            )
    return sel


def _one_month(candidates: Sequence[Candidate[Targets]], paths: Sequence[Path]) -> None:
    """Refuse monitoring workbooks of different months (as the county monitoring summary
    does, before versions are chosen: a unit's June and July workbooks are not versions)."""
    from perfxl.monitoring import month_of
    from perfxl.stages import MONITORING, mixed_months

    by_month: dict[int | None, list[str]] = {}
    for c in candidates:
        if c.item is not None and c.item.stage == MONITORING:
            by_month.setdefault(month_of(c.item), []).append(_shown(c.path, paths))
    if len(by_month) > 1:
        ordered = dict(sorted(by_month.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))
        raise PerfxlError(mixed_months(ordered))


def _shown(path: str, inputs: Sequence[Path]) -> str:
    """A file as the document shows it: relative to the input folder it was found in."""
    p = Path(path)
    for root in inputs:
        if root.is_dir() and p.is_relative_to(root):
            return p.relative_to(root).as_posix()
    return p.name


def load_books(
    paths: Sequence[Path],
) -> tuple[list[Targets], list[Problem], list[tuple[str, str]]]:
    """Read every workbook; one version per unit; unusable ones are skipped (`select_books`).

    Returns:
        (the units read, by unit code; the problems reading noticed; (file, reason) of
        skipped files).
    """
    sel = select_books(paths)
    return sel.books, sel.problems, sel.skipped


def carried_edited(problems: Sequence[Problem]) -> bool:
    """Whether a carried target was edited in a workbook published (not published as edited)."""
    return any(p.rule.split(".", 1)[-1].startswith("carried_") for p in problems)


def project_kind(stage: str) -> str:
    """What a document's project tables are called in messages: 项目表, 监控表 or 自评表."""
    return {"monitoring": "监控表", "evaluation": "自评表"}.get(stage, "项目表")


def publish_targets(
    books: Sequence[Targets],
    out: Path,
    *,
    pdf: bool = False,
    title: str | None = None,
    county: bool | None = None,
    sources: Sequence[Source] = (),
    progress: Progress | None = None,
    thresholds: Thresholds | None = None,
) -> PublishResult:
    """Write the disclosure of one unit, or the county's document for several.

    The books are of one stage: 绩效目标表 give the targets disclosure, 绩效运行监控表 (of
    one month) the monitoring disclosure, its lights by ``thresholds`` (default: the shipped
    gaps; `perfxl.config.Config` holds the county's), 绩效自评表 the self-evaluation
    disclosure (scored by `perfxl.evaluation` under the profile each workbook names).

    With ``pdf``, LibreOffice converts the document once to find the page of every heading,
    the contents list is filled in with those pages, and the final document is converted again
    (``OUT.pdf`` beside ``OUT.docx``). ``county`` forces the county's view (default: when
    there are several units). ``sources``: the file used for each unit and the versions left
    out, listed in the county's view under the summary table. ``progress`` is told each step
    (and every few seconds while LibreOffice converts).

    Raises:
        PerfxlError: no unit to publish, the file cannot be written, or the conversion failed.
    """
    from perfxl.publish.document import build, save

    if not books:
        raise PerfxlError("没有可公开的单位：请给出至少一个有效的工作簿。")
    say = progress or (lambda _msg: None)
    projects = sum(len(b.projects) for b in books)
    kind = project_kind(books[0].stage)
    say(f"编排文档：{len(books)} 个单位，{projects} 个{kind}……")
    doc, body = build(books, title=title, county=county, sources=sources, thresholds=thresholds)
    result = PublishResult(
        docx=out,
        units=len(books),
        projects=sum(len(b.projects) for b in books),
        headings=body.headings,
        stage=books[0].stage,
    )
    if not pdf:
        save(doc, out)
        return result
    from perfxl.publish import pdf as P
    from perfxl.publish.document import TOC_LEVELS

    with tempfile.TemporaryDirectory(prefix="perfxl-publish-") as tmp:
        draft = Path(tmp) / "draft.docx"
        doc.save(str(draft))
        say("LibreOffice 第一遍：排版，计算目录页码……")
        draft_pdf = P.to_pdf(draft, Path(tmp) / "draft.pdf", progress)
        pages, items = P.page_lines(draft_pdf), P.outline(draft_pdf)
        say(f"第一遍完成：共 {len(pages)} 页。")
    first = P.first_numbered_page(pages)
    listed = [text for lv, text in body.headings if lv <= TOC_LEVELS]
    found = iter(P.heading_pages(items, listed, first))
    toc_pages = [next(found) if lv <= TOC_LEVELS else 0 for lv, _ in body.headings]
    doc, _ = build(
        books,
        title=title,
        toc_pages=toc_pages,
        county=county,
        sources=sources,
        thresholds=thresholds,
    )
    save(doc, out)
    say("LibreOffice 第二遍：生成带目录页码的 PDF……")
    result.pdf = P.to_pdf(out, out.with_suffix(".pdf"), progress)
    result.toc_pages = toc_pages
    return result


def publish(
    paths: Sequence[Path],
    out: Path,
    *,
    pdf: bool = False,
    title: str | None = None,
    progress: Progress | None = None,
    stage: str | None = None,
    thresholds: Thresholds | None = None,
) -> PublishResult:
    """Read the workbooks (files or folders) and publish them.

    One workbook gives the unit's disclosure; several (or a folder) give the county's document,
    with one version per unit chosen as ``consolidate`` chooses it, and a table of the file
    used for each unit and the versions left out. 绩效目标表 give the targets disclosure,
    绩效运行监控表 of one month the monitoring disclosure, 绩效自评表 the self-evaluation
    disclosure; a mix is refused unless ``stage`` names the one to publish (`select_books`).
    """
    sel = select_books(
        paths, exclude=[out, out.with_suffix(".pdf")], progress=progress, stage=stage
    )
    if not sel.books:
        left_out = [*sel.skipped, *sel.other_stage]
        # each reason is a sentence of its own: its 。 gives way to the list's ；
        reasons = "；".join(f"{f}：{r.rstrip('。')}" for f, r in left_out) or "未找到工作簿"
        # each input is named with its reason; the output is not the file at fault
        raise PerfxlError(f"没有可公开的单位（{reasons}）。")
    county = sel.files > 1
    result = publish_targets(
        sel.books,
        out,
        pdf=pdf,
        title=title,
        county=county,
        sources=sel.sources,
        progress=progress,
        thresholds=thresholds,
    )
    result.problems, result.skipped = sel.problems, sel.skipped
    result.superseded, result.sources = sel.superseded, sel.sources
    result.summaries, result.other_stage = sel.summaries, sel.other_stage
    return result
