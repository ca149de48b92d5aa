"""Uploads handed to perfxl's readers: a private copy under a safe name, errors fit for a page.

An upload is stored under its sha256 without an extension, and its original name is the
uploader's; neither is handed to a reader. `staged` copies (or hard-links) the file into a
private temp folder under a safe name built from the original name and the extension that
matches what the preflight found inside, so the readers pick the right engine and every
message names the file as the uploader knows it (never a temp path).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfxl.config import Config


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 50 * MB
"""The default size limit of one upload (``perfxl serve --max-upload-mb``)."""

ALLOWED_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods")
"""Extensions an upload may have."""


def display_name(original_name: str) -> str:
    """The uploaded file's name as shown in messages: its last path part, cleaned."""
    base = re.split(r"[/\\]", original_name or "")[-1]
    base = _UNSAFE_NAME.sub("_", base).strip()
    return base or "上传的文件"


STEM_BYTES = 150
"""A file name's own part at most, in UTF-8 bytes: far below file systems' 255 with room for
a unit code, a version number and an extension."""


def cut_bytes(text: str, at_most: int) -> str:
    """``text`` cut at a character boundary to at most ``at_most`` UTF-8 bytes."""
    return text.encode("utf-8")[:at_most].decode("utf-8", "ignore")


def safe_part(text: str, at_most: int = STEM_BYTES) -> str:
    """``text`` (a unit's name or code) as part of a file or folder name: the characters file
    systems refuse replaced by ``_``, no dot or space at either end (Windows drops them), at
    most ``at_most`` UTF-8 bytes; "" when nothing is left."""
    text = _UNSAFE_NAME.sub("_", text).strip(". ")
    return cut_bytes(text, at_most).rstrip(". ")


CODE_BYTES = 64
"""A unit code's part of a file or folder name at most, in UTF-8 bytes."""


def unit_stem(code: str, name: str | None) -> str:
    """``<单位编码>-<单位名称>`` as the start of a file or folder name (downloads, the export's
    folders): each part made safe (:func:`safe_part`), "unit" when nothing is left."""
    parts = [safe_part(code, CODE_BYTES), safe_part(name or "")]
    return "-".join(p for p in parts if p) or "unit"


def safe_name(original_name: str, suffix: str) -> str:
    """A file name for the staged copy: the original stem (cut so the name stays far below
    the 255-byte limit of file systems) and ``suffix``."""
    stem = display_name(original_name)
    low = stem.lower()
    for s in (*ALLOWED_SUFFIXES, ".xlsb"):
        if low.endswith(s):
            stem = stem[: -len(s)]
            break
    stem = stem.lstrip(".") or "workbook"
    return cut_bytes(stem, STEM_BYTES) + suffix


def suffix_for(path: Path, original_name: str) -> str:
    """The extension the staged copy gets: what the preflight says the file is; the original
    extension when it agrees (a macro workbook stays .xlsm)."""
    from perfxl.errors import UnreadableWorkbookError
    from perfxl.safety import preflight

    ext = Path(display_name(original_name)).suffix.lower()
    try:
        kind = preflight(path).kind
    except UnreadableWorkbookError:
        return ext if ext in ALLOWED_SUFFIXES else ".xlsx"
    if kind == "xlsx":
        return ext if ext in (".xlsx", ".xlsm") else ".xlsx"
    return "." + kind


def strip_folder(text: str, folder: str) -> str:
    """``text`` without ``folder`` (a temp folder) in front of the names it mentions."""
    return text.replace(folder + os.sep, "").replace(folder, "")


def config_file(folder: Path, config_text: str | None) -> Path | None:
    """The round's config text as a file in ``folder`` (.json or .toml by its content);
    None when there is none."""
    if config_text is None or not config_text.strip():
        return None
    json_like = config_text.lstrip("\ufeff \t\r\n").startswith("{")
    path = folder / ("县级配置.json" if json_like else "县级配置.toml")
    path.write_text(config_text, encoding="utf-8")
    return path


@contextlib.contextmanager
def staged(path: Path, original_name: str, suffix: str | None = None) -> Iterator[Path]:
    """``path`` under a safe name in a private temp folder (removed afterwards).

    A hard link when the temp folder is on the same file system, else a copy: readers only
    read it, and nothing is ever written through it.
    """
    with tempfile.TemporaryDirectory(prefix="perfxl-web-") as tmp:
        name = safe_name(original_name, suffix or suffix_for(Path(path), original_name))
        dest = Path(tmp) / name
        link_or_copy(Path(path), dest)
        yield dest


def link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def clean(message: str, tmp: Path | None) -> str:
    """A message without any temp path in it (the file's name ``tmp`` stays)."""
    return message if tmp is None else strip_folder(message, str(tmp.parent))


def named(name: str, message: str) -> str:
    """``“name”：message`` unless the message already names the file."""
    return message if name in message else f"“{name}”：{message}"


@contextlib.contextmanager
def user_errors(name: str | None, *folders: Path) -> Iterator[None]:
    """perfxl errors leaving the block are made fit for a page: no temp path in the message
    (``folders``), ``path`` cleared (``str(exc)`` would put it in front), and the message
    naming the uploaded file ``name`` when there is one; sheet and cell are kept."""
    from perfxl.errors import PerfxlError

    try:
        yield
    except PerfxlError as exc:
        message = exc.message
        if exc.path:
            message = message.replace(str(exc.path), Path(str(exc.path)).name)
        for folder in folders:
            message = strip_folder(message, str(folder))
        exc.message = named(name, message) if name else message
        exc.args = (exc.message,)
        exc.path = None
        raise


def config_from_text(config_text: str | None) -> Config:
    """The round's validation settings from the county's config file text, parsed as
    :func:`perfxl.config.load_config` parses a file (JSON when the text is a JSON object,
    else TOML), over the shipped defaults; None or blank: the shipped defaults.

    Raises:
        ConfigError: the text is not usable (its message in Chinese, naming no temp path).
    """
    from perfxl.config import ConfigError, load_config

    if config_text is None or not config_text.strip():
        return load_config(None)
    with tempfile.TemporaryDirectory(prefix="perfxl-web-") as tmp:
        p = config_file(Path(tmp), config_text)
        assert p is not None
        try:
            return load_config(p)
        except ConfigError as exc:
            exc.message = "本轮的县级配置有误：" + clean(exc.message, p)
            exc.args = (exc.message,)
            exc.path = None
            raise
