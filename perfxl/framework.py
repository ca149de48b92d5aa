"""The two official indicator frameworks (2015 and 2021): which 二级 belongs to which 一级."""

from __future__ import annotations

from functools import lru_cache

FRAMEWORKS: dict[str, dict[str, tuple[str, ...]]] = {
    "2015": {
        "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
        "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
        "满意度指标": ("服务对象满意度指标",),
    },
    "2021": {
        "产出指标": ("数量指标", "质量指标", "时效指标"),
        "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
        "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
        "满意度指标": ("服务对象满意度指标",),
    },
}
DEFAULT_FRAMEWORK = "2015"


def canonical(name: str | None) -> str | None:
    """The framework spelling of an indicator level name (数量 and 数量指标 are equal).

    Whitespace is ignored; a name without the trailing 指标 gains it. None stays None.
    """
    if name is None:
        return None
    text = name if isinstance(name, str) else str(name)
    return _canonical(text) if len(text) <= 100 else _canonical.__wrapped__(text)


# A workbook names the same few levels hundreds of times; only short names are kept (any
# cell's text can arrive here).
@lru_cache(maxsize=4096)
def _canonical(name: str) -> str | None:
    n = "".join(name.split())
    if not n:
        return None
    return n if n.endswith("指标") else n + "指标"


def level1_names(framework: str) -> tuple[str, ...]:
    """The 一级指标 of a framework, in official order."""
    return tuple(FRAMEWORKS[framework])


def level2_names(framework: str) -> tuple[str, ...]:
    """Every 二级指标 of a framework, in official order."""
    return tuple(l2 for l2s in FRAMEWORKS[framework].values() for l2 in l2s)


def is_valid_pair(framework: str, level1: str | None, level2: str | None) -> bool:
    """Whether (一级, 二级) is a pair of the framework, ignoring a missing trailing 指标."""
    l1, l2 = canonical(level1), canonical(level2)
    if l1 is None or l2 is None:
        return False
    return l2 in FRAMEWORKS.get(framework, {}).get(l1, ())


def allowed_pairs(framework: str) -> list[tuple[str, str]]:
    """Every (一级, 二级) pair of a framework, in official order."""
    return [(l1, l2) for l1, l2s in FRAMEWORKS[framework].items() for l2 in l2s]
