"""What a rule family yields, and small helpers shared by the families (pure core)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mypy_extensions import mypyc_attr

from perfxl.framework import canonical
from perfxl.model import Project
from perfxl.numbers import number
from perfxl.problems import frozen_record
from perfxl.rules.catalogue import RuleId
from perfxl.rules.context import Context


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Finding:
    """An unlocated problem: validation turns it into a Problem at the pointer's cell.

    Attributes:
        rule: the catalogue id.
        pointer: JSON pointer into the exported data.
        value: the offending value (JSON-compatible).
        fields: extra fields for the message template.
        text: the message, when the family made it already: a place-free rule's
            (`perfxl.rules.catalogue.PLACE_FREE`) findings remembered with what they were
            found in, whose message is the same each time (`perfxl.rules.indicators`);
            None: validation makes it from the fields.
    """

    rule: RuleId
    pointer: str
    value: Any = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    text: str | None = None


def new_finding(
    rule: RuleId, pointer: str, value: Any, fields: Mapping[str, Any], text: str | None
) -> Finding:
    """``Finding(...)`` with every field given, made by `perfxl.problems.frozen_record`
    (a family reporting a finding per indicator row makes hundreds per workbook)."""
    return frozen_record(
        Finding,
        {"rule": rule, "pointer": pointer, "value": value, "fields": fields, "text": text},
    )


def amount(v: Any) -> float | None:
    """An amount as a float (None when empty or not a number: the schema reports those).

    The float view of :func:`perfxl.numbers.number`, the one decision of what is an amount;
    sums and percentages are computed with :mod:`perfxl.numbers` in decimal arithmetic.
    """
    d = number(v)
    return None if d is None else float(d)


def project_label(p: Project, index: int) -> str:
    """How a message names a project: its name, else its position."""
    return str(p.name) if p.name not in (None, "") else f"第 {index + 1} 个项目"


def squash(text: Any) -> str:
    """Text compared loosely: no white space, no trailing punctuation."""
    if isinstance(text, str) and len(text) <= _CACHED_LEN:
        return _squash(text)
    return "".join(str(text or "").split()).rstrip("。.；;，,")


_CACHED_LEN = 200  # longer texts are squashed each time: the cache stays small whatever is typed


@lru_cache(maxsize=8192)  # texts repeat: each indicator's are squashed by several rules
def _squash(text: str) -> str:
    return "".join(text.split()).rstrip("。.；;，,")


def level(name: Any) -> str | None:
    """A 一级/二级 name in framework spelling (数量 == 数量指标)."""
    return canonical(name) if isinstance(name, str) else None


__all__ = ["Context", "Finding", "amount", "level", "new_finding", "project_label", "squash"]
