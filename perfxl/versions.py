"""Which version of a unit's workbook to use, when several arrive: one rule for every command.

``consolidate``, ``publish`` and ``validate``'s batch summary all choose with `choose`. For each
unit (its code; a file without one is a unit of its own) the candidates are compared on, in
turn, until one differs:

1. ``direct``: a workbook read directly beats a record listed inside a summary made by perfxl
   (a summary never supersedes a unit's own file);
2. ``prefer``: a file the user named with ``--prefer``;
3. ``saved``: the workbook's own last-saved time (``docProps/core.xml`` ``dcterms:modified``,
   written by Excel, WPS and LibreOffice on every save) — used only when every version
   records one, since a time missing from one file says nothing about its age;
4. ``mtime``: the file's modification time (reset by copying, mail and USB sticks, hence
   only after the saved time); both times are compared to the second, as they are shown;
5. ``name``: the file name that sorts last in natural order (``…-v2`` after ``…-v1``,
   ``v10`` after ``v9``) — the documented tie-break when nothing else differs.

Pure: no I/O. The callers read the times (`perfxl.savedtime`, ``os.stat``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

BASES = ("only", "direct", "prefer", "saved", "mtime", "name")
BASIS_ZH = {
    "only": "仅此一个版本",
    "direct": "直接报送的工作簿优先于汇总表中的记录",
    "prefer": "指定优先采用（--prefer）",
    "saved": "工作簿保存时间",
    "mtime": "文件修改时间",
    "name": "文件名排序（时间相同）",
}
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Candidate(Generic[T]):
    """One version of a unit's workbook.

    Attributes:
        key: what versions are grouped by (the unit code, or something unique per file).
        path: the file.
        mtime: the file's modification time (seconds since the epoch).
        saved: the workbook's own last-saved time (seconds since the epoch), None if unknown.
        preferred: named by the user to win.
        direct: read from the file itself (False: a record listed inside a summary).
        item: what the caller wants back (a submission, a book).
    """

    key: str
    path: str
    mtime: float
    saved: float | None = None
    preferred: bool = False
    direct: bool = True
    item: T | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Choice(Generic[T]):
    """The version used for one unit and the versions left out.

    Attributes:
        key: the unit.
        chosen: the version used.
        superseded: the others, newest first.
        basis: what decided against the runner-up (one of `BASES`; ``only`` for one version).
        by_saved: whether saved times were compared for this unit (every version has one).
    """

    key: str
    chosen: Candidate[T]
    superseded: tuple[Candidate[T], ...] = ()
    basis: str = "only"
    by_saved: bool = False

    def basis_against(self, other: Candidate[T]) -> str:
        """What made the chosen version win over ``other`` (one of `BASES`)."""
        return _decider(self.chosen, other, self.by_saved)


def natural_key(path: str) -> tuple[str | int, ...]:
    """Sort key that orders numbers by value: ``v9`` before ``v10``."""
    parts = _DIGITS.split(path.casefold())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _rank(c: Candidate[T], by_saved: bool) -> tuple[object, ...]:
    """Times compared to the second, as they are shown: two copies a fraction of a second
    apart (made by one copy command, or restored from a zip) were not written one after the
    other by anybody, and the reason would read 10:00:00 晚于 10:00:00; the file name decides."""
    saved = math.floor(c.saved or 0.0) if by_saved else 0
    return (c.direct, c.preferred, saved, math.floor(c.mtime), natural_key(c.path))


def _decider(winner: Candidate[T], other: Candidate[T], by_saved: bool) -> str:
    for basis, a, b in zip(BASES[1:], _rank(winner, by_saved), _rank(other, by_saved), strict=True):
        if a != b:
            return basis
    return "name"


def choose(candidates: Iterable[Candidate[T]]) -> list[Choice[T]]:
    """The version to use for each unit, in the order units first appear."""
    groups: dict[str, list[Candidate[T]]] = {}
    for c in candidates:
        groups.setdefault(c.key, []).append(c)
    out: list[Choice[T]] = []
    for key, versions in groups.items():
        by_saved = all(v.saved is not None for v in versions)
        ranked = sorted(versions, key=lambda v: _rank(v, by_saved), reverse=True)
        best, rest = ranked[0], tuple(ranked[1:])
        basis = _decider(best, rest[0], by_saved) if rest else "only"
        out.append(Choice(key, best, rest, basis, by_saved))
    return out
