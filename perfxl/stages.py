"""What a workbook's stage means to the verbs that take several workbooks (pure: no I/O).

``consolidate`` sums 绩效目标表 (stage ``targets``) with one another and 绩效运行监控表 of one
month with one another, never the two together. ``publish`` writes one kind of document: the
targets disclosure or the monitoring one; a mix of the two stages is refused unless the clerk
names the stage to publish (``--stage``), and the workbooks of the other stage are then listed
with :func:`not_for_publish`'s verdict and left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfxl.model import Targets

TARGETS = "targets"
MONITORING = "monitoring"
PUBLISH_STAGES: tuple[str, ...] = (TARGETS, MONITORING)
_KIND = {TARGETS: "绩效目标表", MONITORING: "绩效运行监控表"}
_SHOWN = 5  # files named in a message before "等 N 个"


def stage_name(t: Targets) -> str:
    """The workbook's kind as the clerk knows it: ``绩效运行监控表（7月）``."""
    if t.stage == MONITORING:
        return f"绩效运行监控表（{t.month}月）" if t.month else "绩效运行监控表"
    return "绩效目标表"


def not_for_consolidate(t: Targets) -> str | None:
    """Why ``consolidate`` leaves this workbook out (None: a targets workbook, summed)."""
    if t.stage == TARGETS:
        return None
    return f"这是{stage_name(t)}，本次汇总的是绩效目标表，监控表不计入；同一月份的监控表请单独汇总（只给出监控表时生成监控汇总表）。"


def not_for_publish(t: Targets, stage: str = TARGETS) -> str | None:
    """Why ``publish`` of ``stage`` leaves this workbook out (None: it is of that stage)."""
    if t.stage == stage:
        return None
    return f"这是{stage_name(t)}，本次（--stage {stage}）公开的是{_KIND[stage]}，未收入。"


def files_text(files: Sequence[str]) -> str:
    """Files named in a message: the first few, then how many more."""
    shown = "、".join(files[:_SHOWN])
    return shown if len(files) <= _SHOWN else f"{shown} 等 {len(files)} 个文件"


def mixed_stages(by_stage: dict[str, list[str]]) -> str:
    """Why ``publish`` without ``--stage`` refuses workbooks of both stages, naming them."""
    parts = "；".join(f"{_KIND[s]}：{files_text(files)}" for s, files in by_stage.items() if files)
    return (
        f"输入中既有绩效目标表又有绩效运行监控表（{parts}）。一份公开文本只收入一种表：请加 "
        "--stage targets 生成绩效目标公开文本，或加 --stage monitoring 生成运行监控公开文本"
        "（另一种表列出但不收入），也可以只给出同一种表的文件。"
    )


def mixed_months(by_month: dict[int | None, list[str]]) -> str:
    """Why ``publish`` refuses monitoring workbooks of different months, naming them."""
    parts = "；".join(
        f"{f'{m}月' if m else '未填月份'}：{files_text(files)}" for m, files in by_month.items()
    )
    return (
        f"监控表的月份不一致（{parts}）：一份运行监控公开文本只收入同一月份的监控表，"
        "请只给出同一月份的文件。"
    )
