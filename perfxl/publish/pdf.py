"""PDF through LibreOffice headless, and the page of every heading (for the contents list).

Each conversion uses a private LibreOffice profile (concurrent runs do not collide) and a
private fontconfig file that maps the GB document fonts (仿宋_GB2312, 黑体, 方正小标宋简体 …)
to installed CJK fonts, so that a Linux server renders the document as Word would.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from perfxl.errors import PerfxlError
from perfxl.publish.styles import LINUX_SUBSTITUTES

TIMEOUT = 900  # seconds: a county's document of several hundred pages takes minutes
HEARTBEAT = 15.0  # seconds between "still converting" messages
Progress = Callable[[str], None]


class ConversionError(PerfxlError):
    """LibreOffice is missing or did not produce the PDF."""


def soffice() -> str:
    """The LibreOffice binary.

    Raises:
        ConversionError: when LibreOffice is not installed.
    """
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise ConversionError(
            "未找到 LibreOffice（soffice），无法生成 PDF。请安装 LibreOffice "
            "（开发环境运行 tools/ensure-system-deps.sh），或去掉 --pdf 只生成 Word 文档。"
        )
    return exe


def fonts_conf(folder: Path) -> Path:
    """A fontconfig file: the system configuration plus the GB font substitutions."""
    aliases = "".join(
        f'<alias binding="same"><family>{escape(name)}</family>'
        f"<prefer><family>{escape(sub)}</family></prefer></alias>"
        for name, sub in LINUX_SUBSTITUTES.items()
    )
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>{aliases}</fontconfig>',
        encoding="utf-8",
    )
    return conf


def to_pdf(docx: Path, pdf: Path, progress: Progress | None = None) -> Path:
    """Convert ``docx`` to ``pdf`` with LibreOffice headless.

    Args:
        docx: the Word document.
        pdf: where the PDF goes.
        progress: told every :data:`HEARTBEAT` seconds that LibreOffice is still at work (a
            county's document takes minutes).

    Raises:
        ConversionError: LibreOffice is missing, failed or timed out.
    """
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="perfxl-lo-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, FONTCONFIG_FILE=str(fonts_conf(work)))
        src = work / "doc.docx"
        shutil.copyfile(docx, src)
        cmd = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work),
            str(src),
        ]
        returncode, stdout, stderr = _run(cmd, env, docx, progress)
        out = work / "doc.pdf"
        if returncode != 0 or not out.exists():
            raise ConversionError(
                f"LibreOffice 未能生成 PDF：{stderr.strip() or stdout.strip()}",
                path=str(docx),
            )
        from perfxl.write.atomic import copy_atomic

        copy_atomic(out, pdf)  # never half a PDF beside the document
    return pdf


def _run(
    cmd: list[str], env: dict[str, str], docx: Path, progress: Progress | None
) -> tuple[int, str, str]:
    """Run LibreOffice, saying every HEARTBEAT seconds that it is still converting."""
    started = time.monotonic()
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=HEARTBEAT)
                return proc.returncode, stdout, stderr
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                if elapsed >= TIMEOUT:
                    proc.kill()
                    proc.communicate()
                    raise ConversionError(
                        f"LibreOffice 转换超时（超过 {TIMEOUT} 秒）。", path=str(docx)
                    ) from None
                if progress is not None:
                    progress(f"LibreOffice 仍在转换，已用 {elapsed:.0f} 秒……")


def page_lines(pdf: Path) -> list[list[str]]:
    """The lines of each page as laid out (pdftotext -layout), white space removed."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ConversionError("未找到 pdftotext（poppler-utils），无法计算目录页码。")
    proc = subprocess.run(
        [exe, "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ConversionError(f"pdftotext 失败：{proc.stderr.strip()}", path=str(pdf))
    pages = proc.stdout.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # the text after the last page break
    return [[re.sub(r"\s+", "", line) for line in page.splitlines()] for page in pages]


def first_numbered_page(pages: Sequence[Sequence[str]], footer: str = "—1—") -> int:
    """The 0-based physical page whose footer reads ``footer`` (the body's page 1).

    The footer is looked for as a line of its own: in the page's plain text it need not come
    last (a table running on to the next page is read after it).

    Raises:
        ConversionError: no page carries the footer (the numbers would be guesses).
    """
    for i, lines in enumerate(pages):
        if footer in lines:
            return i
    raise ConversionError(f"PDF 中找不到页码为“{footer}”的页，无法计算目录页码。")


_ITEM = re.compile(r'<item page="(\d+)">(.*?)</item>', re.S)


def outline(pdf: Path) -> list[tuple[int, str]]:
    """The PDF's outline: (0-based physical page, title) of every heading, in document order.

    LibreOffice writes one outline entry per heading paragraph, pointing at the page the
    heading is printed on. That is the page itself, not a guess from searching the text: a
    unit's name is also in the summary table, and a part title recurs in every unit.
    """
    exe = shutil.which("pdftohtml")
    if exe is None:
        raise ConversionError("未找到 pdftohtml（poppler-utils），无法计算目录页码。")
    proc = subprocess.run(
        [exe, "-xml", "-i", "-q", "-stdout", "-enc", "UTF-8", str(pdf)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ConversionError(f"pdftohtml 失败：{proc.stderr.strip()}", path=str(pdf))
    return [
        (int(page) - 1, html.unescape(re.sub(r"<[^>]*>", "", title)))
        for page, title in _ITEM.findall(proc.stdout)
    ]


def heading_pages(
    items: Sequence[tuple[int, str]], headings: Sequence[str], first_body_page: int
) -> list[int]:
    """The printed page number of each heading, from the PDF outline.

    Args:
        items: :func:`outline` of the PDF (every heading, in order).
        headings: heading texts in document order (a subset of the outline, e.g. the levels
            the contents list shows).
        first_body_page: 0-based physical page where numbering starts at 1.

    Raises:
        ConversionError: a heading is missing from the outline (the pages would be guesses).
    """
    out: list[int] = []
    at = 0
    for text in headings:
        key = re.sub(r"\s+", "", text)
        while at < len(items) and re.sub(r"\s+", "", items[at][1]) != key:
            at += 1
        if at == len(items):
            raise ConversionError(f"PDF 的书签中找不到标题“{text}”，无法计算目录页码。")
        out.append(items[at][0] - first_body_page + 1)
        at += 1
    return out
