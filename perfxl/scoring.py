"""Self-evaluation scoring (绩效自评): the profiles that say how a row is scored.

Pure core: no I/O. A :class:`Profile` holds every number and choice of a scoring scheme; the
shipped profiles are in :data:`PROFILES`, and a county picks one by name in its config
(``[evaluation] profile = "…"``). The scoring functions follow in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

ReverseRule = Literal["linear", "ratio"]
"""How a 反向 (≤, <) indicator above its target scores: ``linear`` — (1 − (actual − target) ÷
target) × points, 0 at twice the target; ``ratio`` — target ÷ actual × points (older templates)."""

GRADES: Final = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")
"""The qualitative grades a clerk chooses, best first."""


@dataclass(frozen=True)
class Profile:
    """A scoring scheme.

    Attributes:
        name: the id used in config files and written on the cover and the summary (ASCII).
        title: the Chinese name shown to staff.
        funds_points: points of the 预算执行率 row (执行率 × points, never above points).
        weights: first-level indicator (一级指标) -> its points, split evenly over its rows
            unless the clerk types 分值. A first-level name missing here shares the weight of
            the one named in ``weight_of`` (成本指标 counts with 产出指标 by default).
        weight_of: first-level name -> the first-level whose weight it shares.
        reverse: the 反向 rule (see :data:`ReverseRule`).
        bands: qualitative grade -> (lowest, highest) share of the row's points, in percent.
        levels: 自评等级 -> the lowest 总分 that reaches it, best first; below the last: 差.
        explain_over: when set, an actual above its target by at least this many percent
            needs 偏差原因分析 too (some provinces); None: only rows short of full points do.
    """

    name: str
    title: str
    funds_points: Decimal = Decimal(10)
    weights: dict[str, Decimal] = field(
        default_factory=lambda: {
            "产出指标": Decimal(50),
            "效益指标": Decimal(30),
            "满意度指标": Decimal(10),
        }
    )
    weight_of: dict[str, str] = field(default_factory=lambda: {"成本指标": "产出指标"})
    reverse: ReverseRule = "linear"
    bands: dict[str, tuple[Decimal, Decimal]] = field(
        default_factory=lambda: {
            GRADES[0]: (Decimal(80), Decimal(100)),
            GRADES[1]: (Decimal(60), Decimal(80)),
            GRADES[2]: (Decimal(0), Decimal(60)),
        }
    )
    levels: tuple[tuple[str, Decimal], ...] = (
        ("优", Decimal(90)),
        ("良", Decimal(80)),
        ("中", Decimal(60)),
    )
    explain_over: Decimal | None = None


DEFAULT: Final = Profile(name="default", title="财政部通用评分（默认）")

PROFILES: Final[dict[str, Profile]] = {
    DEFAULT.name: DEFAULT,
    "ratio-reverse": Profile(
        name="ratio-reverse",
        title="反向指标按比值计分、超额30%需说明",
        reverse="ratio",
        explain_over=Decimal(30),
    ),
}
"""The shipped profiles by name."""
