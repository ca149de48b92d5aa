"""The indicator library: every distinct indicator of past years, how often and in which
kinds of project it was used (pure core: indicator uses in, a library out).

An indicator is its 二级指标 (framework spelling) and 三级指标 (white space and trailing
punctuation ignored); the library keeps the forms its 指标值 took and the 依据 given, most
used first. The kind of a project is read from words in its name (:data:`perfxl.kinds.KINDS`,
the one classifier, which the boilerplate rule uses too: an indicator row shared by projects
of unrelated kinds is named as such, the Suying example's ``办公设备维修更新台数 ≥5台``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perfxl.framework import FRAMEWORKS, canonical
from perfxl.kinds import KINDS as KINDS  # re-exported: the names the library has always given
from perfxl.kinds import OTHER_KIND as OTHER_KIND
from perfxl.kinds import kinds_of
from perfxl.model import Targets
from perfxl.rules.base import squash


@dataclass(frozen=True)
class Use:
    """One indicator row of one project, as found in a source."""

    level1: str | None
    level2: str | None
    level3: str | None
    target: Any
    basis: str | None
    project: str | None


@dataclass
class Entry:
    """One distinct indicator.

    Attributes:
        level1, level2, level3: its names as first met, 一级 and 二级 in the frameworks'
            spelling when they are framework names (数量 -> 数量指标).
        targets: the forms its 指标值 took, most used first.
        bases: the 指标值确定依据 given, most used first.
        count: how many indicator rows used it.
        kinds: the kinds of the projects that used it, most used first.
    """

    level1: str | None
    level2: str
    level3: str
    targets: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    count: int = 0
    kinds: list[str] = field(default_factory=list)


@dataclass
class Library:
    """Every distinct indicator, grouped by 二级指标 in framework order (a 二级 the frameworks
    do not know comes after them), most used first within a group: each 二级's rows are one
    block, which the dropdown of the project sheets relies on."""

    entries: list[Entry] = field(default_factory=list)

    def level2_names(self) -> list[str]:
        """The 二级指标 present, in library order."""
        return list(dict.fromkeys(e.level2 for e in self.entries))


def uses_of(t: Targets) -> Iterable[Use]:
    """Every non-blank indicator row of every project of a model."""
    for p in t.projects:
        for x in p.indicators:
            if not x.is_blank():
                yield Use(x.level1, x.level2, x.level3, x.target, x.basis, _s(p.name))


def build(uses: Iterable[Use]) -> Library:
    """The library of ``uses``; a row without 三级指标 is not an indicator and is left out."""
    groups: dict[tuple[str, str], list[Use]] = {}
    for u in uses:
        l3 = squash(u.level3)
        if not l3:
            continue
        groups.setdefault((canonical(_s(u.level2)) or "", l3), []).append(u)
    entries = [
        Entry(
            level1=_level(_first(u.level1 for u in us)),
            level2=_level(_first(u.level2 for u in us)) or level2,
            level3=str(_s(_first(u.level3 for u in us))).strip(),
            targets=_ranked(_s(u.target) for u in us),
            bases=_ranked(u.basis for u in us),
            count=len(us),
            kinds=_ranked(k for u in us for k in kinds_of(u.project)),
        )
        for (level2, _), us in groups.items()
    ]
    order = {l2: n for n, l2 in enumerate(_framework_level2())}
    entries.sort(key=lambda e: (order.get(e.level2, len(order)), e.level2, -e.count, e.level3))
    return Library(entries)


def _level(name: Any) -> str | None:
    """A 一级 or 二级指标 as listed: in the frameworks' spelling when it is one of their
    names (数量 -> 数量指标), else as typed (a ``1`` typed there is listed as ``1``, not as
    ``1指标``, a name no framework has)."""
    text = _s(name)
    spelt = canonical(text)
    if text is None or spelt is None:
        return None
    return spelt if spelt in _FRAMEWORK_NAMES else text.strip()


_FRAMEWORK_NAMES = frozenset(
    name for fw in FRAMEWORKS.values() for l1, l2s in fw.items() for name in (l1, *l2s)
)


def _framework_level2() -> list[str]:
    return list(
        dict.fromkeys(l2 for fw in FRAMEWORKS.values() for l2s in fw.values() for l2 in l2s)
    )


def _ranked(values: Iterable[str | None]) -> list[str]:
    counts = Counter(v.strip() for v in values if v is not None and v.strip())
    return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _first(values: Iterable[Any]) -> Any:
    return next((v for v in values if v not in (None, "")), None)


def _s(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
