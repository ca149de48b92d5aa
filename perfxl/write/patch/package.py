"""The workbook as a set of zip parts, edited in memory and written back minimally."""

from __future__ import annotations

import posixpath
import zipfile
from urllib.parse import unquote

from perfxl.errors import NotAWorkbookError
from perfxl.write.patch import zipraw
from perfxl.write.patch.xmltext import check_safe


class Package:
    """Parts by name; untouched parts are written back as their raw source records.

    Part names are zip entry names (no leading slash). A part whose new content
    equals its source content counts as untouched, so edits that are undone (clear
    then annotate again) leave the original compressed bytes in place.
    """

    def __init__(self, data: bytes, path: str | None = None) -> None:
        """Open the zip ``data``; ``path`` is only used in error messages."""
        self.path = path
        self._src = zipraw.ZipSource(data, path)
        self._order = list(self._src.names)
        self._lower = {n.lower(): n for n in self._order}
        self._new: dict[str, bytes] = {}
        self._text: dict[str, str] = {}
        self._decoded: dict[str, str] = {}  # source parts already decoded and checked

    def adopt(self, parts: dict[str, bytes]) -> int:
        """Source parts' contents already inflated (and checked) elsewhere, by zip name: taken
        where their length and CRC-32 are this package's (:meth:`zipraw.ZipSource.adopt`)."""
        return self._src.adopt(parts)

    def source_infos(self) -> list[zipfile.ZipInfo]:
        """The source zip's directory entries (names, CRC-32s, lengths), in zip order."""
        return list(self._src.infos)

    # -- names ---------------------------------------------------------------
    def names(self) -> list[str]:
        """Every part name, in zip order."""
        return list(self._order)

    def find(self, name: str) -> str | None:
        """The stored spelling of ``name`` (part names are case-insensitive), or None."""
        return self._lower.get(name.lstrip("/").lower())

    def has(self, name: str) -> bool:
        """True when the part exists."""
        return self.find(name) is not None

    def unused_name(self, pattern: str) -> str:
        """The first ``pattern.format(n)`` (n = 1, 2, ...) that names no part."""
        n = 1
        while self.has(pattern.format(n)):
            n += 1
        return pattern.format(n)

    # -- content -------------------------------------------------------------
    def read(self, name: str) -> bytes:
        """A part's bytes (edited or original).

        Raises:
            NotAWorkbookError: when the part does not exist.
        """
        real = self.find(name)
        if real is None:
            raise NotAWorkbookError(f"缺少部件 {name}。", path=self.path)
        if real in self._text:
            return self._text[real].encode("utf-8")
        if real in self._new:
            return self._new[real]
        return self._src.read(real)

    def text(self, name: str) -> str:
        """A part decoded as UTF-8 (a BOM is kept as U+FEFF so it is written back).

        Raises:
            NotAWorkbookError: missing part or not UTF-8.
            UnsafeXmlError: the part declares a DOCTYPE.
        """
        real = self.find(name)
        if real is not None and real in self._text:
            return self._text[real]
        if real is not None and real in self._decoded and real not in self._new:
            return self._decoded[real]
        try:
            text = self.read(name).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotAWorkbookError(f"部件 {name} 不是 UTF-8 编码。", path=self.path) from exc
        check_safe(text, name)
        if real is not None and real not in self._new:
            self._decoded[real] = text
        return text

    def set_text(self, name: str, text: str) -> None:
        """Replace or create a part with ``text`` (UTF-8); new parts go to the end."""
        real = self._add_name(name)
        self._new.pop(real, None)
        self._text[real] = text

    def set_bytes(self, name: str, data: bytes) -> None:
        """Replace or create a binary part."""
        real = self._add_name(name)
        self._text.pop(real, None)
        self._new[real] = data

    def delete(self, name: str) -> None:
        """Remove a part (no-op when absent)."""
        real = self.find(name)
        if real is None:
            return
        self._order.remove(real)
        del self._lower[real.lower()]
        self._new.pop(real, None)
        self._text.pop(real, None)
        self._decoded.pop(real, None)

    def _add_name(self, name: str) -> str:
        real = self.find(name)
        if real is None:
            real = name.lstrip("/")
            self._order.append(real)
            self._lower[real.lower()] = real
        return real

    def changed(self) -> list[str]:
        """Parts whose bytes differ from the source (new parts included), in zip order."""
        src = set(self._src.names)
        out = []
        for name in self._order:
            if name not in self._new and name not in self._text:
                continue
            if name not in src:
                out.append(name)
            elif name in self._text and name in self._decoded:
                if self._text[name] != self._decoded[name]:
                    out.append(name)
            elif self.read(name) != self._src.read(name):
                out.append(name)
        return out

    def removed(self) -> list[str]:
        """Source parts that are gone."""
        kept = set(self._order)
        return [n for n in self._src.names if n not in kept]

    def to_bytes(self) -> bytes:
        """The package as a zip; untouched parts keep their source bytes, changed ones are
        deflated at ``zipraw.REWRITE_LEVEL`` (fast)."""
        changed = set(self.changed())
        records = self._src.records
        if records is None:
            content = {n: self.read(n) for n in changed}
            return zipraw.build_fallback(self._src, self._order, content, zipraw.REWRITE_LEVEL)
        items: list[zipraw.Record | zipraw.NewEntry] = []
        for name in self._order:
            if name in changed:
                items.append(zipraw.NewEntry(name, self.read(name), records.get(name)))
            else:
                items.append(records[name])
        return zipraw.build(items, self._src.stamp, self._src.comment, zipraw.REWRITE_LEVEL)


def rels_name(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` -> ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, base = posixpath.split(part.lstrip("/"))
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source_part: str, target: str) -> str:
    """The part a relationship target points at, as a zip name."""
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    base = posixpath.dirname(source_part.lstrip("/"))
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def relative(source_part: str, target_part: str) -> str:
    """The relative target from ``source_part`` to ``target_part``."""
    base = posixpath.dirname(source_part.lstrip("/")) or "."
    return posixpath.relpath(target_part.lstrip("/"), base)
