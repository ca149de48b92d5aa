"""Which perfxl command made an Office file, and whether it is still as made.

A workbook (or Word document) a command writes carries the custom document property
``perfxl.output`` = ``KIND DIGEST``: the command's kind (``compute``, ``template``, …) and a
digest of every other part of the package (name, CRC-32 and length from the zip directory,
so nothing is inflated). The parts that adding the property itself changes
(``[Content_Types].xml``, ``_rels/.rels``, the custom properties part) are left out.

Anything that changes the file afterwards — a clerk typing a cell and saving in Excel, WPS or
LibreOffice (each rewrites the sheets and ``docProps/core.xml``), or perfxl writing into it in
place (``fill --into``, ``compute --in-place``) — changes the digest: the file is then the
user's, no longer recognisably the command's output (`perfxl.outputs.own_output`). Excel keeps
custom properties when it saves, which is why the digest and not the property alone decides.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from perfxl.write.patch import manifest
from perfxl.write.patch.package import Package

PROPERTY = "perfxl.output"
_LEFT_OUT = ("[content_types].xml", "_rels/.rels")
_AT_MOST = 512 * 1024 * 1024  # a file larger than this is not read to be recognised


def _digest(pkg: Package) -> str:
    """The parts' names, CRC-32s and lengths, hashed (all but what the stamp changes)."""
    custom, _ = manifest.custom_part(pkg)
    left_out = {*_LEFT_OUT, (custom or "docProps/custom.xml").lower()}
    lines = sorted(
        f"{i.filename}\t{i.CRC:08x}\t{i.file_size}"
        for i in pkg.source_infos()
        if i.filename.lower() not in left_out
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


def stamp(data: bytes, kind: str) -> bytes:
    """``data`` (an OOXML package) with ``perfxl.output`` set to ``kind`` and its digest."""
    pkg = Package(data)
    value = f"{kind} {_digest(pkg)}"
    manifest.drop_named(pkg, lambda n: n == PROPERTY)
    manifest.add_texts(pkg, [(PROPERTY, value)])
    return pkg.to_bytes()


def stamped_kind(path: Path) -> str | None:
    """The kind ``path`` was stamped with, when it is unchanged since; else None (no stamp,
    changed since, not an Office package, unreadable)."""
    from perfxl.errors import PerfxlError

    try:
        if path.stat().st_size > _AT_MOST:
            return None
        pkg = Package(path.read_bytes(), str(path))
        value = manifest.texts(pkg, lambda n: n == PROPERTY).get(PROPERTY, "")
        kind, _, digest = value.partition(" ")
        return kind if kind and digest == _digest(pkg) else None
    except (OSError, PerfxlError, ValueError):
        return None
