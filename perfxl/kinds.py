"""Kinds of project, read from the words of a project's name (pure core, no imports).

One classifier for the indicator library (``perfxl library``: in which kinds of project an
indicator was used) and the boilerplate rule (an indicator row shared by projects of unrelated
kinds is named as such). Documented in docs/yoy.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Kinds of project, by the words of its name: the first words that match name the kind (a
# project may have several kinds, one per row that matches). Documented in docs/yoy.md.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("道路", ("道路", "公路", "乡道", "村道", "桥梁")),
    ("补贴", ("补贴", "补助", "工资", "保险", "津贴", "抚恤")),
    ("维修", ("维修", "修缮", "维护", "养护")),
    ("环保", ("环保", "环境", "污染", "垃圾", "生态", "绿化")),
    ("建设", ("建设", "工程", "改建", "新建", "改造")),
    ("补偿", ("补偿", "占地", "拆迁")),
    ("运转", ("办公", "运转", "值班", "维稳")),
    ("工作经费", ("工作经费", "工作队")),
)
OTHER_KIND = "其他"


def kinds_of(name: Any) -> tuple[str, ...]:
    """The kinds of a project by the words of its name (:data:`KINDS`), else ``其他``."""
    text = str(name or "")
    found = tuple(kind for kind, words in KINDS if any(w in text for w in words))
    return found or (OTHER_KIND,)


def unrelated_kinds(names: Iterable[Any]) -> tuple[str, ...]:
    """The kinds of the named projects when they are unrelated, else ``()``.

    Projects are related when one kind is common to all of those of a known kind (a project
    of no known kind, ``其他``, says nothing either way). Unrelated projects give every known
    kind among them, in :data:`KINDS` order (two at least).
    """
    known = [set(k) for k in map(kinds_of, names) if k != (OTHER_KIND,)]
    if not known or set.intersection(*known):
        return ()
    found = set.union(*known)
    return tuple(kind for kind, _ in KINDS if kind in found)
