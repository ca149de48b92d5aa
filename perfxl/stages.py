"""What a workbook's stage means to the verbs made for the targets stage (pure: no I/O).

``consolidate`` and ``publish`` work on 绩效目标表 (stage ``targets``); ``consolidate`` also
builds the county monitoring summary when every input is a 绩效运行监控表. A 绩效运行监控表
among targets, or a 绩效自评表 anywhere (until the county evaluation summary and the
self-evaluation disclosure exist), is listed with one of these verdicts and left out, never
read as a targets workbook.
"""

from __future__ import annotations

from perfxl.model import Targets

TARGETS = "targets"
MONITORING = "monitoring"
EVALUATION = "evaluation"


def stage_name(t: Targets) -> str:
    """The workbook's kind as the clerk knows it: ``绩效运行监控表（7月）``."""
    if t.stage == MONITORING:
        return f"绩效运行监控表（{t.month}月）" if t.month else "绩效运行监控表"
    if t.stage == EVALUATION:
        return f"{t.year}年度绩效自评表" if t.year else "绩效自评表"
    return "绩效目标表"


def not_for_consolidate(t: Targets) -> str | None:
    """Why ``consolidate`` leaves this workbook out (None: a targets workbook, summed)."""
    if t.stage == TARGETS:
        return None
    if t.stage == EVALUATION:
        return (
            f"这是{stage_name(t)}，本次汇总的是绩效目标表，自评表不计入；"
            "县级自评汇总将在后续版本提供。"
        )
    return f"这是{stage_name(t)}，本次汇总的是绩效目标表，监控表不计入；同一月份的监控表请单独汇总（只给出监控表时生成监控汇总表）。"


def not_for_publish(t: Targets) -> str | None:
    """Why ``publish`` leaves this workbook out (None: a targets workbook, published)."""
    if t.stage == TARGETS:
        return None
    if t.stage == EVALUATION:
        return f"这是{stage_name(t)}，公开文本收入的是绩效目标表；自评表的公开将在后续版本提供。"
    return f"这是{stage_name(t)}，公开文本收入的是绩效目标表；监控表的公开将在后续版本提供。"
