"""What a workbook's stage means to the verbs that take several workbooks (pure: no I/O).

``consolidate`` sums 绩效目标表 (stage ``targets``) with one another and 绩效运行监控表 of one
month with one another, never the two together. ``publish`` writes one kind of document: the
targets disclosure or the monitoring one; a mix of the two stages is refused unless the clerk
names the stage to publish (``--stage``), and the workbooks of the other stage are then listed
with :func:`not_for_publish`'s verdict and left out.
``consolidate`` sums 绩效自评表 only with one another (the county self-evaluation summary:
every input a 绩效自评表); among targets or monitoring workbooks one is listed with its
verdict and left out, never read as a targets workbook. ``publish`` writes the
self-evaluation disclosure of 绩效自评表, a stage like the other two (one per document;
``--stage evaluation`` picks it out of a mix).
"""

from __future__ import annotations

from collections.abc import Sequence

from perfxl.model import Targets

TARGETS = "targets"
MONITORING = "monitoring"
EVALUATION = "evaluation"
PUBLISH_STAGES: tuple[str, ...] = (TARGETS, MONITORING, EVALUATION)
_KIND = {TARGETS: "绩效目标表", MONITORING: "绩效运行监控表", EVALUATION: "绩效自评表"}
_DOCUMENT = {
    TARGETS: "绩效目标公开文本",
    MONITORING: "运行监控公开文本",
    EVALUATION: "绩效自评公开文本",
}
_SHOWN = 5  # files named in a message before "等 N 个"


def stage_name(t: Targets) -> str:
    """The workbook's kind as the clerk knows it: ``绩效运行监控表（7月）``."""
    if t.stage == MONITORING:
        from perfxl.monitoring import month_of

        month = month_of(t)  # a month typed as 13 or 七月 is no month
        return f"绩效运行监控表（{month}月）" if month else "绩效运行监控表"
    if t.stage == EVALUATION:
        return f"{t.year}年度绩效自评表" if t.year else "绩效自评表"
    return "绩效目标表"


def not_for_consolidate(t: Targets, summed: str = TARGETS) -> str | None:
    """Why a ``consolidate`` run that sums ``summed`` workbooks leaves this one out (None:
    it is of that stage, summed). A worker reads each file before the run's kind is known
    and gives the targets run's verdict; `for_summed` turns it into another run's."""
    if t.stage == summed:
        return None
    if t.stage == EVALUATION:
        return (
            f"这是{stage_name(t)}{_summing(summed)}自评表不计入；"
            "自评表请单独汇总（只给出自评表时生成县级自评汇总表）。"
        )
    return (
        f"这是{stage_name(t)}{_summing(summed)}监控表不计入；"
        "同一月份的监控表请单独汇总（只给出监控表时生成监控汇总表）。"
    )


def for_summed(verdict: str, summed: str) -> str:
    """`not_for_consolidate`'s verdict for a targets run (as a worker, or the cache, gives
    it) said of a run that sums ``summed`` workbooks: it names the kind actually summed."""
    return verdict.replace(_summing(TARGETS), _summing(summed), 1)


def _summing(summed: str) -> str:
    """The clause of a verdict that names the kind a consolidate run sums."""
    return f"，本次汇总的是{_KIND[summed]}，"


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
    """Why ``publish`` without ``--stage`` refuses workbooks of several stages, naming them."""
    found = [s for s in PUBLISH_STAGES if by_stage.get(s)]
    kinds = "又有".join(_KIND[s] for s in found)
    parts = "；".join(f"{_KIND[s]}：{files_text(by_stage[s])}" for s in found)
    choices = "，或加 ".join(f"--stage {s} 生成{_DOCUMENT[s]}" for s in found)
    return (
        f"输入中既有{kinds}（{parts}）。一份公开文本只收入一种表：请加 {choices}"
        "（其他表列出但不收入），也可以只给出同一种表的文件。"
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
