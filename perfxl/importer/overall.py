"""Part one (部门整体绩效目标): its sections as text, read into the overall part (pure)."""

from __future__ import annotations

import re
from typing import Any

from perfxl.importer.blocks import Para, squeeze
from perfxl.model import Area, Measure, Overall
from perfxl.rules.catalogue import RuleId, make

EMITS: frozenset[RuleId] = frozenset({"import.text_unplaced"})

SUMMARY = re.compile(r"^[一1][、.．](部门|单位)?(整体|总体)绩效目标$")
AREAS = re.compile(r"^[二2][、.．].*(分项|具体)绩效目标$")
MEASURES = re.compile(r"^[三3][、.．].*保障措施$")
ITEM = re.compile(r"^\s*[（(]([一二三四五六七八九十]+|\d+)[）)]\s*(.*)$", re.S)
AREA_TARGETS = re.compile(r"^\s*绩效目标\s*[：:]\s*(.*)$", re.S)
AREA_INDICATORS = re.compile(r"^\s*绩效指标\s*[：:]\s*(.*)$", re.S)
TITLES = frozenset({"第一部分", "部门整体绩效目标", "单位整体绩效目标"})
_PREVIEW = 60


def is_part_one_start(text: str) -> bool:
    """True for the first lines of part one (its part title or its first section)."""
    s = squeeze(text)
    return s in TITLES or bool(SUMMARY.match(s))


def read_overall(paras: list[Para], file: str) -> tuple[Overall, list[Any]]:
    """Part one's paragraphs (from its title up to part two) -> the overall part.

    Returns:
        the overall part, and a problem for each paragraph that belongs to no section.
    """
    o = Overall()
    problems: list[Any] = []
    section: str | None = None
    summary: list[str] = []
    last: tuple[Any, str] | None = None  # (area or measure, field) that a plain line continues
    for para in paras:
        text = para.text.strip()
        s = squeeze(text)
        if not s:
            continue
        if SUMMARY.match(s):
            section, last = "summary", None
            continue
        if AREAS.match(s):
            section, last = "areas", None
            continue
        if MEASURES.match(s):
            section, last = "measures", None
            continue
        item = ITEM.match(text)
        if section == "summary":
            summary.append(text)
        elif section == "areas" and item:
            head = item.group(2).strip()
            m = re.search(r"[：:]", head)
            title, desc = (head[: m.start()], head[m.end() :]) if m else (head, None)
            area = Area(title=title.strip() or None, description=(desc or "").strip() or None)
            o.areas.append(area)
            last = (area, "description")
        elif section == "areas" and o.areas and (m := AREA_TARGETS.match(text)):
            o.areas[-1].targets = m.group(1).strip()
            last = (o.areas[-1], "targets")
        elif section == "areas" and o.areas and (m := AREA_INDICATORS.match(text)):
            o.areas[-1].indicators = m.group(1).strip()
            last = (o.areas[-1], "indicators")
        elif section == "measures" and item:
            measure = Measure(title=item.group(2).strip() or None)
            o.measures.append(measure)
            last = (measure, "text")
        elif last is not None:
            obj, key = last
            before = getattr(obj, key)
            setattr(obj, key, text if before is None else before + "\n" + text)
        elif s in TITLES:
            continue
        else:
            problems.append(unplaced(para, file, "第一部分（部门整体绩效目标）"))
    # The published text repeats the summary heading as the first line of its body.
    o.summary = "\n".join(summary) or None
    return o, problems


def unplaced(para: Para, file: str, part: str) -> Any:
    """The problem for a paragraph that belongs nowhere in ``part``."""
    return make(
        "import.text_unplaced",
        file=file,
        cell=f"第 {para.page} 页" if para.page else None,
        text=_preview(para.text),
        part=part,
    )


def _preview(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= _PREVIEW else one[: _PREVIEW - 1] + "…"
