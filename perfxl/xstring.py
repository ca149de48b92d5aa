"""The OOXML string escape (ST_Xstring): how Excel stores characters XML cannot hold.

A character XML 1.0 forbids (most C0 controls) is stored as ``_xHHHH_``; a literal text that
looks like such an escape is protected by escaping its underscore (``_x005F_``). Excel and
python-calamine decode this on reading; openpyxl does not, so perfxl decodes it itself.
"""

from __future__ import annotations

import re

_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
# C0 controls but tab and line feed; carriage return too, since XML parsing turns it into \n.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape(text: str) -> str:
    """Text as it must be written into a cell so that any OOXML reader gets it back exactly.

    Every underscore that starts something shaped like an escape is itself escaped, so
    ``_x0041_`` is stored as ``_x005F_x0041_`` (calamine and Excel read back ``_x0041_``, not
    ``A``). The summary writer calls this for every string: the checks below skip the
    substitutions for the usual text that needs none.
    """
    if "_x" in text:
        text = _ESCAPE_LIKE.sub("_x005F_", text)
    if _FORBIDDEN.search(text) is None:
        return text
    return _FORBIDDEN.sub(_hex, text)


def _hex(m: re.Match[str]) -> str:
    return f"_x{ord(m.group()):04X}_"


def unescape(text: str) -> str:
    """The text a cell holds, from its stored form."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
