"""PDF through LibreOffice headless, and the page of every heading (for the contents list).

Each conversion uses a private LibreOffice profile (concurrent runs do not collide) and a
private fontconfig file that maps the GB document fonts (仿宋_GB2312, 黑体, 方正小标宋简体 …)
to installed CJK fonts, so that a Linux server renders the document as Word would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from perfxl.errors import PerfxlError
from perfxl.publish.styles import LINUX_SUBSTITUTES

TIMEOUT = 300


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


def to_pdf(docx: Path, pdf: Path) -> Path:
    """Convert ``docx`` to ``pdf`` with LibreOffice headless.

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
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionError("LibreOffice 转换超时。", path=str(docx)) from exc
        out = work / "doc.pdf"
        if proc.returncode != 0 or not out.exists():
            raise ConversionError(
                f"LibreOffice 未能生成 PDF：{proc.stderr.strip() or proc.stdout.strip()}",
                path=str(docx),
            )
        from perfxl.write.atomic import copy_atomic

        copy_atomic(out, pdf)  # never half a PDF beside the document
    return pdf


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext), white space removed for matching."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ConversionError("未找到 pdftotext（poppler-utils），无法计算目录页码。")
    proc = subprocess.run(
        [exe, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise ConversionError(f"pdftotext 失败：{proc.stderr.strip()}", path=str(pdf))
    return [re.sub(r"\s+", "", page) for page in proc.stdout.split("\f")]


def heading_pages(pages: Sequence[str], headings: Sequence[str], first_body_page: int) -> list[int]:
    """The printed page number of each heading, searched in order from the body's first page.

    Args:
        pages: text of every physical page (white space removed).
        headings: heading texts in document order.
        first_body_page: 0-based physical page where numbering starts at 1.
    """
    out: list[int] = []
    at = first_body_page
    for text in headings:
        key = re.sub(r"\s+", "", text)
        for i in range(at, len(pages)):
            if key in pages[i]:
                at = i
                break
        out.append(at - first_body_page + 1)
    return out
