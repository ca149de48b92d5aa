"""A workbook's own last-saved time, read cheaply from the file (never from its sheets).

Excel, WPS and LibreOffice write it on every save: ``docProps/core.xml`` ``dcterms:modified``
in .xlsx/.xlsm/.xlsb, ``meta.xml`` ``dc:date`` in .ods, the summary information's "last saved"
time in .xls. Copying, mail and USB sticks keep it, unlike the file's modification time.

Anything unexpected (no such part, a malformed date, a file that is not a zip) gives None: the
caller then falls back to the file time. Only a small XML part is read, through defusedxml.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

_MAX_PART = 1 << 20  # a properties part is a few hundred bytes; anything larger is not one
_CORE = "docProps/core.xml"
_ODS_META = "meta.xml"
_DCTERMS_MODIFIED = "{http://purl.org/dc/terms/}modified"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"


def saved_time(path: str | Path, core: bytes | None = None) -> float | None:
    """The last-saved time as seconds since the epoch, or None when the file records none.

    Args:
        path: the workbook.
        core: its ``docProps/core.xml`` when already read (`perfxl.grid.Grid.core`): the
            time is read from it without opening the file again, when it holds one.
    """
    try:
        if core is not None:
            when = _from_core(core)
            if when is not None:
                return when
        if zipfile.is_zipfile(path):
            return _from_zip(path)
        return _from_ole(path)
    except Exception:  # any failure means "unknown": the file time decides
        return None


def _from_core(data: bytes) -> float | None:
    """The time in a core properties part; None when it names none (the zip is then read as
    before: an .ods's ``meta.xml`` may)."""
    from defusedxml import ElementTree

    if len(data) > _MAX_PART:
        return None
    node = ElementTree.fromstring(data).find(f".//{_DCTERMS_MODIFIED}")
    if node is not None and node.text:
        return parse_w3c(node.text)
    return None


def _from_zip(path: str | Path) -> float | None:
    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for part, tag in ((_CORE, _DCTERMS_MODIFIED), (_ODS_META, _DC_DATE)):
            if part not in names or zf.getinfo(part).file_size > _MAX_PART:
                continue
            with zf.open(part) as fh:
                data = fh.read(_MAX_PART + 1)
            if len(data) > _MAX_PART:
                return None
            root = ElementTree.fromstring(data)
            node = root.find(f".//{tag}")
            if node is not None and node.text:
                return parse_w3c(node.text)
    return None


def _from_ole(path: str | Path) -> float | None:
    import olefile

    if not olefile.isOleFile(str(path)):
        return None
    with olefile.OleFileIO(str(path)) as ole:
        when = ole.get_metadata().last_saved_time
    if not isinstance(when, dt.datetime):
        return None
    return when.replace(tzinfo=dt.UTC).timestamp()  # FILETIME is UTC


def parse_w3c(text: str) -> float | None:
    """``2023-01-16T01:00:00Z`` (W3CDTF, fractions and offsets allowed) -> epoch seconds.

    A time without an offset is taken as UTC, as Office writes it (LibreOffice's ODS
    ``dc:date`` carries none; versions from one office compare the same either way).
    """
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    date, _, rest = s.partition("T")
    if "." in rest:  # nanoseconds (LibreOffice) are more digits than fromisoformat takes
        clock, _, frac = rest.partition(".")
        digits = "".join(ch for ch in frac if ch.isdigit())
        offset = frac[len(digits) :]
        rest = f"{clock}.{digits[:6].ljust(6, '0')}{offset}"
    try:
        when = dt.datetime.fromisoformat(f"{date}T{rest}" if rest else date)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if when.year < 1980:  # Excel's "never saved" placeholder and 1899/1900 epochs
        return None
    return when.timestamp()
