"""Publish: read the workbooks, build the document, write .docx (and .pdf)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfxl.errors import PerfxlError
from perfxl.model import Targets
from perfxl.problems import Problem

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_FIRST_NUMBERED = re.compile(r"—1—$")


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
        problems: what reading the workbooks noticed.
        skipped: workbooks left out, with the reason (Chinese).
    """

    docx: Path
    pdf: Path | None = None
    units: int = 0
    projects: int = 0
    headings: list[tuple[int, str]] = field(default_factory=list)
    toc_pages: list[int] | None = None
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Workbook files: files as given, folders expanded (sorted; lock and hidden files left out)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.iterdir()
                    if f.suffix.lower() in BOOK_SUFFIXES and not f.name.startswith(("~$", "."))
                )
            )
        else:
            out.append(p)
    return out


def load_books(
    paths: Sequence[Path],
) -> tuple[list[Targets], list[Problem], list[tuple[str, str]]]:
    """Read every workbook; one whose layout is broken or that cannot be opened is skipped.

    Returns:
        (the units read, in order; the problems reading noticed; (file, reason) of skipped files).
    """
    from perfxl.read import read_workbook

    books: list[Targets] = []
    problems: list[Problem] = []
    skipped: list[tuple[str, str]] = []
    for path in expand(paths):
        try:
            res = read_workbook(path)
        except PerfxlError as exc:
            skipped.append((str(path), str(exc.message)))
            continue
        problems.extend(res.problems)
        if not res.ok:
            skipped.append((str(path), "工作簿结构有误（见上面的提示），未收入公开文本。"))
            continue
        if not res.targets.projects and not res.targets.overall.summary:
            skipped.append(
                (str(path), "工作簿中没有项目表，也没有部门整体绩效目标，未收入公开文本。")
            )
            continue
        books.append(res.targets)
    return books, problems, skipped


def publish_targets(
    books: Sequence[Targets],
    out: Path,
    *,
    pdf: bool = False,
    title: str | None = None,
    county: bool | None = None,
) -> PublishResult:
    """Write the disclosure of one unit, or the county's document for several.

    With ``pdf``, LibreOffice converts the document once to find the page of every heading,
    the contents list is filled in with those pages, and the final document is converted again
    (``OUT.pdf`` beside ``OUT.docx``). ``county`` forces the county's view (default: when
    there are several units).

    Raises:
        PerfxlError: no unit to publish, the file cannot be written, or the conversion failed.
    """
    from perfxl.publish.document import build, save

    if not books:
        raise PerfxlError("没有可公开的单位：请给出至少一个有效的工作簿。", path=str(out))
    doc, body = build(books, title=title, county=county)
    result = PublishResult(
        docx=out,
        units=len(books),
        projects=sum(len(b.projects) for b in books),
        headings=body.headings,
    )
    if not pdf:
        save(doc, out)
        return result
    from perfxl.publish import pdf as P
    from perfxl.publish.document import TOC_LEVELS

    with tempfile.TemporaryDirectory(prefix="perfxl-publish-") as tmp:
        draft = Path(tmp) / "draft.docx"
        doc.save(str(draft))
        pages = P.page_texts(P.to_pdf(draft, Path(tmp) / "draft.pdf"))
    first = next((i for i, t in enumerate(pages) if _FIRST_NUMBERED.search(t)), 1)
    listed = [text for lv, text in body.headings if lv <= TOC_LEVELS]
    found = iter(P.heading_pages(pages, listed, first))
    toc_pages = [next(found) if lv <= TOC_LEVELS else 0 for lv, _ in body.headings]
    doc, _ = build(books, title=title, toc_pages=toc_pages, county=county)
    save(doc, out)
    result.pdf = P.to_pdf(out, out.with_suffix(".pdf"))
    result.toc_pages = toc_pages
    return result


def publish(
    paths: Sequence[Path], out: Path, *, pdf: bool = False, title: str | None = None
) -> PublishResult:
    """Read the workbooks (files or folders) and publish them.

    One workbook gives the unit's disclosure; several (or a folder) give the county's document.
    """
    books, problems, skipped = load_books(paths)
    if not books:
        reasons = "；".join(f"{f}：{r}" for f, r in skipped) or "未找到工作簿"
        raise PerfxlError(f"没有可公开的单位（{reasons}）。", path=str(out))
    county = len(expand(paths)) > 1
    result = publish_targets(books, out, pdf=pdf, title=title, county=county)
    result.problems, result.skipped = problems, skipped
    return result
