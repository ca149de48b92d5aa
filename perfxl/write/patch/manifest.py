"""Where perfxl remembers what annotating changed: custom document properties.

The record (which cells were filled, their original style index, the index
applied) is JSON kept in ``docProps/custom.xml`` as text properties named
``perfxl.annotations.1``, ``perfxl.annotations.2``, ... of at most 255 characters
each. Why there and not in a very hidden sheet:

* Cell readers never see it. A hidden sheet is still listed by python-calamine,
  pandas and openpyxl, so every reader and the consolidation would have to skip
  it; it would also shift sheet indexes in defined names and VBA.
* Excel (File > Info > Properties > Custom), WPS and LibreOffice (File >
  Properties > Custom Properties) keep custom properties when they save.
* 255 characters is the longest text value Office's property dialog and object
  model handle, hence the chunks.

Besides the cells (``[ref, original s or a code for "no s"/"new cell"/"new row",
applied s, style whose fill the cell showed]``) the record keeps a fingerprint of
each xf involved (its text and the font, fill, border and format it points to),
the original ``<fill>`` elements, and the cells that got a perfxl comment. A style
index only means something while styles.xml is not renumbered (LibreOffice does
renumber when it saves; Excel may drop unused entries): the fingerprints tell
whether the exact index can be restored, and the fills allow a fallback that puts
the original fill back into whatever style the cell has now (see
:mod:`perfxl.write.patch.annotation_write`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from perfxl.write.patch import opc
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import CT_CUSTOM, CUSTOM_NS, REL_CUSTOM, VT_NS
from perfxl.write.patch.package import Package

FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
PREFIX = "perfxl.annotations."
CHUNK = 255
_NAME = re.compile(re.escape(PREFIX) + r"(\d+)$")


def custom_part(pkg: Package) -> tuple[str | None, str | None]:
    """The custom properties part named by the package's relationships, and the id of that
    relationship (None, None: the package has none)."""
    for rel in opc.rels_of(pkg, ""):
        if rel.type == REL_CUSTOM:
            return opc.target_of(pkg, "", rel), rel.id
    return None, None


def _props(text: str) -> list[tuple[str, xt.Span]]:
    qname, _ = xt.root(text)
    p = qname[: qname.index(":") + 1] if ":" in qname else ""
    out = []
    for span in xt.find_all(text, p + "property"):
        out.append((xt.get_attr(span.start_tag(text), "name") or "", span))
    return out


def texts(pkg: Package, wanted: Callable[[str], bool]) -> dict[str, str]:
    """The text of every custom property whose name is ``wanted``, by name."""
    part, _ = custom_part(pkg)
    if part is None or not pkg.has(part):
        return {}
    text = pkg.text(part)
    out: dict[str, str] = {}
    for name, span in _props(text):
        if wanted(name):
            out[name] = xt.unescape(re.sub(r"<[^>]*>", "", span.inner(text)))
    return out


def load(pkg: Package) -> dict[str, Any] | None:
    """The stored record, or None when the workbook carries none (or an unreadable one)."""
    chunks = {}
    for name, value in texts(pkg, lambda n: _NAME.match(n) is not None).items():
        m = _NAME.match(name)
        assert m is not None
        chunks[int(m.group(1))] = value
    return join_chunks(chunks)


def split_record(record: dict[str, Any]) -> list[str]:
    """The record as JSON text in property-sized pieces (property 1 holds the first)."""
    data = json.dumps(record, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def join_chunks(chunks: dict[int, str]) -> dict[str, Any] | None:
    """The record from its numbered pieces; None when absent or not a JSON object."""
    if not chunks:
        return None
    try:
        data = json.loads("".join(chunks[k] for k in sorted(chunks)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def drop(pkg: Package) -> None:
    """Remove the record; a custom.xml part left without properties is removed too."""
    drop_named(pkg, lambda n: _NAME.match(n) is not None)


def drop_named(pkg: Package, unwanted: Callable[[str], bool]) -> None:
    """Remove every custom property whose name is ``unwanted``; a custom.xml part left
    without properties is removed too."""
    part, rid = custom_part(pkg)
    if part is None or rid is None or not pkg.has(part):
        return
    text = pkg.text(part)
    props = _props(text)
    ours = [(s.start, s.end, "") for name, s in props if unwanted(name)]
    if not ours:
        return
    if len(ours) == len(props):
        opc.remove_part(pkg, "", rid, part)
        return
    pkg.set_text(part, xt.splice(text, ours))


def save(pkg: Package, record: dict[str, Any]) -> None:
    """Store ``record`` (replacing an older one)."""
    drop(pkg)
    chunks = split_record(record)
    add_texts(pkg, [(f"{PREFIX}{i + 1}", chunk) for i, chunk in enumerate(chunks)])


def add_texts(pkg: Package, props: list[tuple[str, str]]) -> None:
    """Add text properties ``(name, value)`` (the caller dropped any of the same name),
    creating ``docProps/custom.xml`` when the package has none."""
    part, _ = custom_part(pkg)
    if part is None or not pkg.has(part):
        part = "docProps/custom.xml"
        text = f'{xt.XML_DECL}<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}"></Properties>'
        opc.add_part(pkg, "", REL_CUSTOM, part, text, CT_CUSTOM)
    text = pkg.text(part)
    qname, rspan = xt.root(text)
    p = qname[: qname.index(":") + 1] if ":" in qname else ""
    vt = xt.prefix_for(xt.ns_decls(rspan.start_tag(text)), VT_NS)
    decl = "" if vt else f' xmlns:vt="{VT_NS}"'
    vt = vt or "vt:"
    pids = [int(x) for x in re.findall(r'\spid\s*=\s*["\'](\d+)', text)]
    pid = max([1, *pids]) + 1
    xml = "".join(
        f'<{p}property fmtid="{FMTID}" pid="{pid + i}" name="{xt.esc_attr(name)}">'
        f"<{vt}lpwstr{decl}>{xt.esc_text(value)}</{vt}lpwstr></{p}property>"
        for i, (name, value) in enumerate(props)
    )
    root = xt.find(text, qname, rspan.start)
    assert root is not None
    if root.self_closing:
        tag = root.start_tag(text)[:-2] + ">"
        text = text[: root.start] + tag + xml + f"</{qname}>" + text[root.end :]
    else:
        at = root.inner_end(text)
        text = text[:at] + xml + text[at:]
    pkg.set_text(part, text)
