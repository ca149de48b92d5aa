"""The export of a whole round: every version of every unit in one zip, with hashes.

Layout of the zip::

    910001-巨鹿镇/v1-0123456789ab.xlsx      one file per version (the stored bytes)
    910001-巨鹿镇/v2-…
    清单.csv                                 one row per version (UTF-8 with BOM for Excel)
    SHA256SUMS                               ``sha256sum -c`` checks every file above

Each stored file is hashed again while it is copied into the zip; a file whose bytes no
longer match the sha256 it was stored under stops the export (the store is damaged: the
message names the unit and version). The zip is written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "清单.csv"
SUMS = "SHA256SUMS"
HEADERS = (
    "单位编码",
    "单位名称",
    "版本",
    "上传时间",
    "原文件名",
    "大小",
    "SHA-256",
    "状态",
    "错误",
    "警告",
    "是否逾期",
)
STATUS_ZH = {"checking": "检查中", "done": "已检查", "failed": "检查失败"}
_CHUNK = 1 << 20


def folder_name(code: str, name: str | None) -> str:
    """A unit's folder in the zip: ``<单位编码>-<单位名称>``, without characters a file
    system refuses."""
    from perfxl.web.staging import unit_stem

    return unit_stem(code, name)


def member_name(entry: dict[str, Any]) -> str:
    """A version's path in the zip: ``<单位编码>-<单位名称>/v<n>-<sha256[:12]>.<ext>``."""
    ext = str(entry.get("ext") or "xlsx").lower().lstrip(".")
    ext = re.sub(r"[^a-z0-9]", "", ext) or "bin"
    folder = folder_name(str(entry["unit_code"]), entry.get("unit_name"))
    return f"{folder}/v{int(entry['number'])}-{str(entry['sha256'])[:12]}.{ext}"


def export_round(entries: list[dict[str, Any]], out: Path) -> Path:
    """Write the zip of a round's versions to ``out`` atomically.

    Args:
        entries: one dict per version, in the order listed: ``path`` (the stored file),
            ``unit_code``, ``unit_name``, ``number``, ``sha256``, ``size``, ``ext``,
            ``original_name``, ``uploaded_at`` (datetime or text), ``status``, ``errors``,
            ``warnings``, ``late`` (uploaded after the round's deadline).
        out: the zip.

    Returns:
        ``out``.

    Raises:
        PerfxlError: a stored file is missing or no longer matches its sha256 (the store is
            damaged; nothing is written), or ``out`` cannot be written.
    """
    from perfxl.web.staging import user_errors
    from perfxl.write.atomic import write_atomic

    out = Path(out)
    with user_errors(None, out.parent):
        write_atomic(out, lambda tmp: _write(entries, tmp))
    return out


def _write(entries: list[dict[str, Any]], tmp: Path) -> None:
    from perfxl.errors import PerfxlError, os_reason

    sums: list[str] = []
    rows: list[list[Any]] = []
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in entries:
            name = member_name(e)
            info = zipfile.ZipInfo(name, _zip_time(e.get("uploaded_at")))
            info.compress_type = zipfile.ZIP_STORED  # workbooks are zips already
            info.external_attr = 0o644 << 16
            digest = hashlib.sha256()
            try:
                with Path(e["path"]).open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        dst.write(chunk)
            except OSError as exc:
                raise PerfxlError(
                    f"单位 {e['unit_code']} 版本 {e['number']} 的文件无法读取（{os_reason(exc)}），"
                    "未导出。请检查数据目录是否完整。"
                ) from exc
            if digest.hexdigest() != str(e["sha256"]).lower():
                raise PerfxlError(
                    f"单位 {e['unit_code']} 版本 {e['number']} 的文件内容与登记的 SHA-256 不符"
                    "（存储的文件已损坏或被改动），未导出。请从备份恢复数据目录。"
                )
            sums.append(f"{digest.hexdigest()}  {name}")
            rows.append(
                [
                    e["unit_code"],
                    e.get("unit_name") or "",
                    e["number"],
                    _time_text(e.get("uploaded_at")),
                    e.get("original_name") or "",
                    e.get("size") if e.get("size") is not None else "",
                    e["sha256"],
                    STATUS_ZH.get(str(e.get("status")), str(e.get("status") or "")),
                    "" if e.get("errors") is None else e["errors"],
                    "" if e.get("warnings") is None else e["warnings"],
                    "逾期" if e.get("late") else "",
                ]
            )
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(HEADERS)
        w.writerows(rows)
        manifest = buf.getvalue().encode("utf-8-sig")
        zf.writestr(_info(MANIFEST), manifest)
        sums.append(f"{hashlib.sha256(manifest).hexdigest()}  {MANIFEST}")
        zf.writestr(_info(SUMS), ("\n".join(sums) + "\n").encode("utf-8"))


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _zip_time(value: Any) -> tuple[int, int, int, int, int, int]:
    """A zip entry's date from the upload time (the zip format starts in 1980)."""
    t = value if isinstance(value, datetime) else _parse(value)
    if t is None or t.year < 1980:
        t = datetime(1980, 1, 1)
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _time_text(value: Any) -> str:
    """The upload time as the manifest shows it: ``2023-07-31 09:15:02 UTC`` (stored in
    UTC)."""
    t = value if isinstance(value, datetime) else _parse(value)
    if t is None:
        return "" if value is None else str(value)
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S") + " UTC"
