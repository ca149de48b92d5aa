"""Which perfxl command made an output file, and whether it is still as made.

A workbook (or Word document) a command writes carries the custom document property
``perfxl.output`` = ``KIND DIGEST``: the command's kind (``compute``, ``template``, …) and a
digest of every other part of the package (name, CRC-32 and length from the zip directory,
so nothing is inflated). The parts that adding the property itself changes
(``[Content_Types].xml``, ``_rels/.rels``, the custom properties part) are left out.

JSON data (``export -o``, ``import -o X.json``) carries the same ``KIND DIGEST`` as its last
top-level member, ``"perfxl.output"`` (a key the data contract's schema allows; readers
ignore it): the digest of every byte before that member, so that any edit made by hand —
a value, a space — makes the file the user's.

Anything that changes the file afterwards — a clerk typing a cell and saving in Excel, WPS or
LibreOffice (each rewrites the sheets and ``docProps/core.xml``), or perfxl writing into it in
place (``fill --into``, ``compute --in-place``) — changes the digest: the file is then the
user's, no longer recognisably the command's output (`perfxl.outputs.own_output`). Excel keeps
custom properties when it saves, which is why the digest and not the property alone decides.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from perfxl.write.patch import manifest
from perfxl.write.patch.package import Package

PROPERTY = "perfxl.output"
_LEFT_OUT = ("[content_types].xml", "_rels/.rels")
_AT_MOST = 512 * 1024 * 1024  # a file larger than this is not read to be recognised
_JSON = ".json"
# The JSON stamp, the data's last member as `_stamp_json` writes it (LF or CRLF lines).
_JSON_STAMP = re.compile(
    rb',(\r?\n)  "'
    + re.escape(PROPERTY.encode())
    + rb'": "([a-z-]+) ([0-9a-f]{32})"\r?\n\}\r?\n?\Z'
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _digest(pkg: Package) -> str:
    """The parts' names, CRC-32s and lengths, hashed (all but what the stamp changes)."""
    custom, _ = manifest.custom_part(pkg)
    left_out = {*_LEFT_OUT, (custom or "docProps/custom.xml").lower()}
    lines = sorted(
        f"{i.filename}\t{i.CRC:08x}\t{i.file_size}"
        for i in pkg.source_infos()
        if i.filename.lower() not in left_out
    )
    return _sha("\n".join(lines).encode())


def stamp(data: bytes, kind: str, target: Path) -> bytes:
    """``data``, to be written to ``target``, stamped as ``kind``'s output: JSON data (by
    ``target``'s extension) or an OOXML package."""
    if target.suffix.lower() == _JSON:
        return _stamp_json(data, kind)
    pkg = Package(data)
    value = f"{kind} {_digest(pkg)}"
    manifest.drop_named(pkg, lambda n: n == PROPERTY)
    manifest.add_texts(pkg, [(PROPERTY, value)])
    return pkg.to_bytes()


def _stamp_json(data: bytes, kind: str) -> bytes:
    """JSON data (an object, as ``io.dump_json`` writes it) with ``"perfxl.output"`` added as
    its last member; a stamp already there is replaced. Anything else is left as it is."""
    found = _JSON_STAMP.search(data)
    if found is not None:
        data = data[: found.start()] + found.group(1) + b"}" + found.group(1)
    head = data.rstrip()
    if not head.startswith(b"{") or not head.endswith(b"}"):
        return data
    head = head[:-1].rstrip()
    if head == b"{":  # no member to follow: not the data contract
        return data
    nl = b"\r\n" if b"\r\n" in head else b"\n"
    value = f"{kind} {_sha(head)}".encode()
    return head + b"," + nl + b'  "' + PROPERTY.encode() + b'": "' + value + b'"' + nl + b"}" + nl


def _json_kind(data: bytes) -> str | None:
    """The kind JSON data was stamped with, when no byte before the stamp changed since."""
    found = _JSON_STAMP.search(data)
    if found is None or found.group(3).decode() != _sha(data[: found.start()]):
        return None
    return found.group(2).decode()


def stamped_kind(path: Path) -> str | None:
    """The kind ``path`` was stamped with, when it is unchanged since; else None (no stamp,
    changed since, neither an Office package nor JSON data, unreadable)."""
    from perfxl.errors import PerfxlError

    try:
        if path.stat().st_size > _AT_MOST:
            return None
        if path.suffix.lower() == _JSON:
            return _json_kind(path.read_bytes())
        pkg = Package(path.read_bytes(), str(path))
        value = manifest.texts(pkg, lambda n: n == PROPERTY).get(PROPERTY, "")
        kind, _, digest = value.partition(" ")
        return kind if kind and digest == _digest(pkg) else None
    except (OSError, PerfxlError, ValueError):
        return None
