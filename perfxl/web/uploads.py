"""Stream an uploaded workbook straight into a part file, refusing it as soon as it is too big.

The request body (``multipart/form-data``) is fed chunk by chunk to python-multipart's
streaming parser; the bytes of the one file field ``file`` go to `BlobStore.part_file()` as they
arrive, never to memory or a temp folder elsewhere. A declared Content-Length over the limit is
refused before a byte is read; a body that grows past it is refused when it does, and the part
file is removed. The CSRF field ``csrf`` must come before the file (the page's form puts it
first, as browsers send fields in page order) unless the ``X-CSRF-Token`` header carried it:
an upload without a valid token is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import python_multipart
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

FILE_FIELD = "file"
FIELD_LIMIT = 64 * 1024  # a text field of the upload form (csrf) is short
FORM_OVERHEAD = 64 * 1024  # boundaries, part headers and the csrf field around the file
MAX_NAME = 200  # characters of an uploaded file name kept for display
MAX_EXT = 15  # characters after the last dot that clean_name keeps as the extension


class Parts(Protocol):
    """The part of `BlobStore` an upload needs."""

    def part_file(self) -> tuple[Path, BinaryIO]: ...

    def discard(self, part: Path) -> None: ...


class UploadRefused(Exception):
    """The upload cannot be taken; ``str(exc)`` is the Chinese message, ``status`` the HTTP
    status of the answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def too_large_message(limit: int) -> str:
    """The Chinese refusal of a file over ``limit`` bytes."""
    return (
        f"文件太大：上传的文件不能超过 {limit / 1024 / 1024:.0f} MB。"
        "请删除工作簿中无关的工作表、图片后另存，再重新上传。"
    )


@dataclass
class Received:
    """What an upload brought: the part file (not yet committed) and the form's text fields."""

    part: Path
    original_name: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def clean_name(raw: str) -> str:
    """The file's own name from what the browser sent (some send a whole Windows path), at most
    `MAX_NAME` characters: a longer name loses the end of its stem, never its extension (which
    decides whether the upload is a workbook)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) <= MAX_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= MAX_EXT:
        return f"{stem[: MAX_NAME - len(ext) - 1].rstrip()}.{ext}"
    return name[:MAX_NAME]


def declared_over(value: str | None, limit: int) -> bool:
    """True when a Content-Length header ``value`` declares more than ``limit`` bytes. A value
    that is no number (not ASCII digits) declares nothing; one of thousands of digits, which
    ``int()`` refuses, is over any limit."""
    if value is None or not value.isascii() or not value.isdigit():
        return False
    digits = value.lstrip("0")
    return len(digits) > len(str(limit)) or int(digits or "0") > limit


class _Collector:
    """python-multipart callbacks: text fields to memory, the file field to the part file."""

    def __init__(self, parts: Parts, limit: int, csrf_ok: Callable[[str], bool], header_ok: bool):
        self.parts = parts
        self.limit = limit
        self.csrf_ok = csrf_ok
        self.csrf_seen = header_ok
        self.fields: dict[str, str] = {}
        self.part: Path | None = None
        self.out: BinaryIO | None = None
        self.original_name = ""
        self.size = 0
        self.files = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._is_file = False
        self._text = bytearray()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._text = bytearray()
        self._is_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = _decode(options.get(b"name", b""))
        self._is_file = b"filename" in options
        if not self._is_file:
            return
        if self._name != FILE_FIELD or self.files:
            raise UploadRefused("一次只能上传一个工作簿（表单字段 file）。")
        if not self.csrf_seen:
            raise UploadRefused("页面已过期或来源不明，请刷新上传页面后重新上传。", 403)
        self.files += 1
        self.original_name = clean_name(_decode(options[b"filename"]))
        self.part, self.out = self.parts.part_file()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            assert self.out is not None
            self.size += end - start
            if self.size > self.limit:
                raise UploadRefused(too_large_message(self.limit), 413)
            self.out.write(data[start:end])
            return
        if len(self._text) + end - start > FIELD_LIMIT:
            raise UploadRefused("表单内容过长。")
        self._text += data[start:end]

    def on_part_end(self) -> None:
        if self._is_file:
            return
        value = _decode(bytes(self._text))
        self.fields[self._name] = value
        if self._name == "csrf" and not self.csrf_seen:
            if not self.csrf_ok(value):
                raise UploadRefused("页面已过期或来源不明，请刷新上传页面后重新上传。", 403)
            self.csrf_seen = True

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # an old browser on Chinese Windows may send GBK
        return raw.decode("gb18030", errors="replace")


async def receive_upload(
    headers: Any,
    body: AsyncIterator[bytes],
    parts: Parts,
    *,
    limit: int,
    csrf_ok: Callable[[str], bool],
) -> Received:
    """Stream the upload's body into a part file.

    Args:
        headers: the request headers (a mapping with case-insensitive ``get``).
        body: the request body's chunks (Starlette's ``request.stream()``).
        parts: where the part file comes from (`BlobStore`).
        limit: the largest file accepted, in bytes.
        csrf_ok: True for the session's CSRF token.

    Returns:
        The part file (closed, not yet committed), the original name, its size and the text
        fields.

    Raises:
        UploadRefused: not a form upload, no file, too large (413), no valid CSRF token (403);
            the part file, if one was started, is already removed.
    """
    ctype, params = parse_options_header(headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadRefused("请通过上传页面的表单选择工作簿后上传。")
    if declared_over(headers.get("content-length"), limit + FORM_OVERHEAD):
        raise UploadRefused(too_large_message(limit), 413)
    header_token = headers.get("x-csrf-token")
    header_ok = header_token is not None and csrf_ok(header_token)
    if header_token is not None and not header_ok:
        raise UploadRefused("页面已过期或来源不明，请刷新上传页面后重新上传。", 403)
    got = _Collector(parts, limit, csrf_ok, header_ok)
    parser = python_multipart.MultipartParser(params[b"boundary"], got.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except BaseException as exc:
        got.close()
        if got.part is not None:
            parts.discard(got.part)
        if isinstance(exc, FormParserError):
            raise UploadRefused("上传的内容不完整或格式不对，请重新上传。") from None
        raise
    got.close()
    if got.part is None or not got.original_name:
        if got.part is not None:
            parts.discard(got.part)
        raise UploadRefused("请先选择要上传的工作簿（.xlsx、.xlsm、.xls 或 .ods）。")
    if got.size == 0:
        parts.discard(got.part)
        raise UploadRefused(f"上传的文件“{got.original_name}”是空的（0 字节），请重新选择。")
    return Received(got.part, got.original_name, got.size, got.fields)
