"""Every rule id perfxl can emit, declared once: default severity, title, message template.

A message says where, what is wrong and how to fix it. Templates are ``str.format`` strings;
the fields each one uses are given by the code that emits it. An amount is written
``{budget:万元}`` in a template: the field is given as a number and shown by
:func:`perfxl.numbers.money` (``8.00 万元``), the one way every message shows money.

The catalogue is static: importing this module gives every entry, whichever modules are
loaded. Each module that emits problems declares the ids it emits (``EMITS``; a family whose
ids share a prefix derives them from here, `ids_of`);
``tests/test_catalogue.py`` proves that the declarations and this catalogue agree, and mypy
checks every id given to :func:`make` or to a rule family's ``Finding`` against :data:`RuleId`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from mypy_extensions import mypyc_attr

from perfxl.errors import NotAPerfxlWorkbookError
from perfxl.numbers import MONEY_UNIT, money
from perfxl.problems import Problem, Severity

RuleId = Literal[
    "read.label_missing",
    "read.sheet_skipped",
    "read.no_cover",
    "read.amount_text",
    "read.amount_unreadable",
    "read.number_as_text_field",
    "read.formula_no_value",
    "fill.schema",
    "file.unreadable",
    "file.missing",
    "file.not_perfxl",
    "schema.required",
    "schema.type",
    "schema.negative",
    "schema.decimals",
    "schema.code_shape",
    "schema.enum",
    "schema.range",
    "indicator.pair",
    "schema.other",
    "amount.funds_sum",
    "plan.decreasing",
    "plan.dec_budget",
    "plan.behind_schedule",
    "indicators.missing_level1",
    "indicator.rate_over_100",
    "indicator.description_repeats",
    "indicator.level3_generic",
    "indicator.misplaced",
    "basis.unlisted",
    "target.not_applicable",
    "target.vague",
    "target.qualitative",
    "target.no_unit",
    "target.placeholder",
    "cost.budget_mismatch",
    "boilerplate.indicator",
    "boilerplate.goals",
    "code.year_mismatch",
    "monitoring.month_invalid",
    "monitoring.month_labels",
    "monitoring.executed_over_budget",
    "monitoring.funds_sum",
    "monitoring.amount_negative",
    "monitoring.forecast_below_executed",
    "monitoring.lag_unexplained",
    "monitoring.indicator_unexplained",
    "monitoring.unit_mismatch",
    "monitoring.kind_mismatch",
    "monitoring.carried_changed",
    "monitoring.carried_added",
    "monitoring.carried_missing",
    "evaluation.funds_sum",
    "evaluation.executed_over_budget",
    "evaluation.amount_negative",
    "evaluation.reason_missing",
    "evaluation.over_unexplained",
    "evaluation.points_sum",
    "evaluation.points_invalid",
    "evaluation.level1_unknown",
    "evaluation.weight_lost",
    "evaluation.actual_missing",
    "evaluation.actual_not_quantity",
    "evaluation.units_incomparable",
    "evaluation.actual_negative",
    "evaluation.fraction_for_percent",
    "evaluation.grade_missing",
    "evaluation.outside_band",
    "evaluation.score_defaulted",
    "evaluation.score_text",
    "evaluation.score_differs",
    "evaluation.target_unscorable",
    "evaluation.profile_unknown",
    "evaluation.carried_changed",
    "evaluation.carried_added",
    "evaluation.carried_missing",
    "compute.not_numbers",
    "compute.amount_text",
    "compute.no_budget",
    "compute.formula_no_value",
    "compute.formula_changed",
    "compute.score_replaced",
    "consolidate.duplicate_code",
    "consolidate.unit_missing",
    "consolidate.unit_unlisted",
    "consolidate.unit_name_differs",
    "consolidate.unit_name_shared",
    "consolidate.file_unreadable",
    "consolidate.not_perfxl",
    "consolidate.monitoring_workbook",
    "consolidate.evaluation_workbook",
    "consolidate.no_unit_code",
    "import.table_skipped",
    "import.row_unrecognised",
    "import.amount_unreadable",
    "import.field_missing",
    "import.text_unplaced",
    "import.unit_missing",
    "import.year_unknown",
]
"""Every rule id (a problem record's ``rule``)."""


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Rule:
    """A catalogue entry."""

    id: RuleId
    severity: Severity
    template: str
    title: str


# One decision for an amount saved as text, whichever command meets it.
_AMOUNT_TEXT: Severity = "error"

_RULES: tuple[Rule, ...] = (
    # --- reading the workbook (perfxl.read) and filling it (perfxl.io) ------------------------
    Rule(
        "read.label_missing",
        "error",
        "单元格 {cell} 应为标签“{expected}”，实际为“{actual}”：表格结构被移动或删除。请从模板恢复该表的标签与行列位置，或将数据复制到新生成的模板中。",
        "标签缺失或被移动",
    ),
    Rule(
        "read.sheet_skipped",
        "info",
        "工作表“{sheet}”不是项目绩效目标表、封面或部门整体绩效目标表，已跳过。如果它应是项目表，请确认 {anchor_cell} 单元格为“项目编码”。",
        "非项目工作表已跳过",
    ),
    Rule(
        "read.no_cover",
        "warning",
        "未找到封面工作表（{anchor_cell} 为“单位编码”）：单位编码和名称取自第一张项目表的表头，年度未知。请使用 perfxl template 生成的工作簿。",
        "缺少封面",
    ),
    Rule(
        "read.amount_text",
        _AMOUNT_TEXT,
        "金额“{value}”以文本形式保存。perfxl 读取数据时按 {number:万元} 计，但工作簿自己的公式不把文本当数字：{effect}请把该单元格改为数字格式并重新输入（或在 Excel 中选“转换为数字”）。",
        "金额以文本保存，公式不按数字计",
    ),
    Rule(
        "read.amount_unreadable",
        "error",
        "金额“{value}”不是数字，无法读取。请只填写以万元为单位的数字（最多两位小数），例如 8.39。",
        "金额无法识别",
    ),
    Rule(
        "read.number_as_text_field",
        "warning",
        "“{label}”以数字形式保存（{value}），已读作“{text}”。编码类内容请设置为文本格式后重新录入，以免丢失前导零或位数。",
        "编码以数字保存",
    ),
    Rule(
        "read.formula_no_value",
        "error",
        "单元格中是公式{formula}，但工作簿没有保存它的计算结果（由 openpyxl 等程序生成、未经 Excel 保存的文件就是这样），perfxl 不计算公式，读不到它的值。请在 Excel 或 WPS 中打开工作簿并保存后重新校验，或直接填写结果。",
        "公式没有保存的计算结果",
    ),
    Rule(
        "fill.schema",
        "warning",
        "数据不符合规范（{pointer}）：{detail}。已按原样写入工作簿，请在工作簿中更正后运行校验。",
        "数据不符合规范",
    ),
    # --- whole files (perfxl.rules.files) -----------------------------------------------------
    Rule(
        "file.unreadable",
        "error",
        "无法读取该文件：{detail}{advice}",
        "文件无法读取",
    ),
    Rule(
        "file.missing",
        "error",
        "无法使用这个输入：{detail}其余文件照常处理；请改正后重新运行。",
        "输入不存在或没有工作簿",
    ),
    Rule("file.not_perfxl", "error", NotAPerfxlWorkbookError.MESSAGE, "非绩效目标工作簿"),
    # --- the JSON Schema (perfxl.rules.schema_rules) ------------------------------------------
    Rule(
        "schema.required",
        "error",
        "“{label}”未填写。这是必填项，请填写{label}。",
        "必填项为空",
    ),
    Rule(
        "schema.type",
        "error",
        "“{label}”应为{expected}，实际为“{value}”。请改为{expected}。",
        "数据类型不符",
    ),
    Rule(
        "schema.negative",
        "error",
        "“{label}”为负数（{value:万元}）。金额不能为负，请更正。",
        "金额为负数",
    ),
    Rule(
        "schema.decimals",
        "error",
        "“{label}”{value:万元}超过两位小数。金额以万元为单位、最多保留两位小数，请四舍五入到 0.01 万元。",
        "金额超过两位小数",
    ),
    Rule(
        "schema.code_shape",
        "error",
        "“{label}”“{value}”格式不符，应为{shape}。请核对后以文本格式重新填写。",
        "编码格式不符",
    ),
    Rule(
        "schema.enum",
        "error",
        "“{label}”的值“{value}”无效，可选：{allowed}。请从中选择。",
        "取值不在允许范围",
    ),
    Rule(
        "schema.range",
        "error",
        "“{label}”的值 {value} 超出允许范围（{detail}）。请更正。",
        "数值超出范围",
    ),
    Rule(
        "indicator.pair",
        "error",
        "一级指标“{level1}”与二级指标“{level2}”不是 {framework} 版指标体系中的组合。请从下拉列表重新选择：{hint}。",
        "一级/二级指标组合不在指标体系中",
    ),
    Rule(
        "schema.other",
        "error",
        "“{label}”不符合规范：{detail}。请按模板要求更正。",
        "不符合数据规范",
    ),
    # --- amounts (perfxl.rules.amounts) -------------------------------------------------------
    Rule(
        "amount.funds_sum",
        "error",
        "项目“{project}”：财政资金 {fiscal:万元} + 其他资金 {other:万元} = {total:万元}，与预算数 {budget:万元}不符。请更正使两者之和等于预算数（精确到 0.01 万元）；其他资金为空按 0 计。",
        "资金来源之和不等于预算数",
    ),
    Rule(
        "plan.decreasing",
        "error",
        "项目“{project}”：资金支出计划是累计数，{label} {amount:万元}小于前一时点 {previous_label} {previous:万元}。请填写截至各时点的累计金额（后一时点不小于前一时点；空白按 0 计）。",
        "支出计划累计数下降",
    ),
    Rule(
        "plan.dec_budget",
        "error",
        "项目“{project}”：12月底累计计划 {amount:万元}与预算数 {budget:万元}不符。12月底应等于预算数，请更正其中之一。",
        "12月底计划不等于预算数",
    ),
    # --- spending progress (perfxl.rules.progress) --------------------------------------------
    Rule(
        "plan.behind_schedule",
        "warning",
        "项目“{project}”：截至{label}累计计划 {percent}%，比序时进度 {expected}% 落后 {lag} 个百分点（允许 {max_lag}）。请核实支出安排，或按序时进度调整计划金额。",
        "支出计划落后于序时进度",
    ),
    # --- indicators (perfxl.rules.indicators) -------------------------------------------------
    Rule(
        "indicators.missing_level1",
        "warning",
        "项目“{project}”缺少{missing}：绩效指标应至少包括产出、效益和满意度三类一级指标。请补充相应指标行。",
        "缺少一级指标类别",
    ),
    Rule(
        "indicator.rate_over_100",
        "error",
        "指标“{level3}”是比率，指标值“{text}”超过 100%。请更正为不超过 100% 的数值。",
        "比率超过 100%",
    ),
    Rule(
        "indicator.description_repeats",
        "warning",
        "绩效指标描述“{text}”只是重复了三级指标名称。请说明该指标衡量什么、怎样计算或取得，例如“年内按月足额发放补贴的人数”。",
        "指标描述重复指标名称",
    ),
    Rule(
        "indicator.level3_generic",
        "warning",
        "三级指标“{text}”过于笼统（与一级/二级指标同名或为通用词）。请写明具体衡量的内容，例如“补贴发放人数”。",
        "三级指标笼统",
    ),
    Rule(
        "indicator.misplaced",
        "warning",
        "三级指标“{text}”归在“{level2}”下，但看起来是{looks_like}指标。请将其移到相应的一级/二级指标下，效益指标应写项目带来的效果。",
        "指标类别疑似放错",
    ),
    Rule(
        "basis.unlisted",
        "info",
        "指标值确定依据“{text}”不在认可的依据中（{accepted}）。请选择其一，必要时在其后补充说明。",
        "指标值依据不在认可列表",
    ),
    # --- 指标值 (perfxl.rules.target_values) -----------------------------------------------------
    Rule(
        "target.not_applicable",
        "warning",
        "指标值写作“{text}”，没有给出目标。请填写可衡量的目标值（如“≥95%”“26人”）；确实不适用的指标请删除该行。",
        "指标值为不涉及或无",
    ),
    Rule(
        "target.vague",
        "warning",
        "指标值“{text}”含糊（没有数字）。请写明可衡量的目标，例如把“明显提升”改为“≥90%”或具体数量。",
        "指标值含糊",
    ),
    Rule(
        "target.qualitative",
        "warning",
        "“{level2}”的指标值“{text}”是定性描述。该类指标通常可以量化，请填写比较符、数字和单位（如“≥95%”“≥5台”）。",
        "可量化的指标用了定性值",
    ),
    Rule(
        "target.no_unit",
        "warning",
        "指标值“{text}”只有数字没有单位。请补上单位（如 %、人、个、万元）。",
        "指标值缺少单位",
    ),
    Rule(
        "target.placeholder",
        "warning",
        "项目“{project}”的 {count} 个指标值都是“{text}”，像是占位数字。请按每个指标分别填写目标值。",
        "所有指标值相同",
    ),
    # --- 成本指标 (perfxl.rules.cost) -------------------------------------------------------------
    Rule(
        "cost.budget_mismatch",
        "warning",
        "项目“{project}”：成本指标“{text}”折合 {wan:万元}，与预算数 {budget:万元}不符。请核对成本指标或预算数，使两者一致（成本指标可写作“{suggested}”）。",
        "成本指标与预算数不符",
    ),
    # --- copied text (perfxl.rules.boilerplate) -----------------------------------------------
    Rule(
        "boilerplate.indicator",
        "warning",
        "指标“{level3} {text}”原样出现在 {count}/{total} 个项目的{level2}中（{others}）{kinds}。请确认它确实是本项目“{project}”的产出，否则改写为本项目自己的指标和目标值。",
        "指标行在多个项目中照搬",
    ),
    Rule(
        "boilerplate.goals",
        "warning",
        "项目“{project}”的绩效目标与另外 {others_count} 个项目完全相同（{others}）。请写出本项目自己的预期产出和效果。",
        "绩效目标在多个项目中照搬",
    ),
    # --- codes carried into another year (perfxl.rules.code_year) ----------------------------
    Rule(
        "code.year_mismatch",
        "warning",
        "项目“{project}”的项目编码“{value}”中的年度是 {code_year}，与工作簿的预算年度 {year} 不符（多为沿用上年的项目）。请核对：本年度已下达新编码的，改填新编码；确为跨年度延续的项目，保留原编码即可。",
        "项目编码的年度与预算年度不符",
    ),
    # --- 执行监控 (perfxl.rules.monitoring) -------------------------------------------------------
    Rule(
        "monitoring.month_invalid",
        "error",
        "封面的监控月份{what}：没有序时进度，各项目没有预警灯，也不检查执行率是否落后序时进度（perfxl compute 不写入序时进度和项目预警灯；执行率和各指标的预警灯照常计算）。请填写 1 到 12 的整数（7 即截至 7月底，与项目表“1-X月执行数”中的月份一致）。",
        "监控月份未填写或不是 1 到 12 的整数",
    ),
    Rule(
        "monitoring.month_labels",
        "warning",
        "封面的监控月份为 {month}，但 {count} 张项目表的标签是另一个月份（如“{sheet}”表 {cell} 为“{label}”）：序时进度按封面算作 {month}/12 = {share}%，而项目表填的是截至 {shown}月底的执行数，执行率与序时进度比较得出的预警灯不可信。请核对：月份填错的，把封面的监控月份改回 {shown}；确实是截至 {month}月底的，请用 perfxl new monitoring 目标表.xlsx --from 本监控表 --month {month} -o 新监控表.xlsx 重新生成（带入已填内容，标签随之改为 1-{month}月）。",
        "封面的监控月份与项目表标签中的月份不一致",
    ),
    Rule(
        "monitoring.executed_over_budget",
        "error",
        "项目“{project}”：{row}的1-{month}月执行数 {executed:万元}超过{budget_label} {budget:万元}，且没有说明原因。请核对执行数；确因预算调整等原因超出的，请填写调整后预算数，或在指标表的“偏差原因分析”和“备注（整改措施）”栏写明原因和措施。",
        "执行数超过预算数且未说明",
    ),
    Rule(
        "monitoring.funds_sum",
        "error",
        "项目“{project}”：{column}一栏，财政资金 {fiscal:万元} + 其他资金 {other:万元} = {sum:万元}，与年度资金总额 {total:万元}不符。请更正使两者之和等于年度资金总额（精确到 0.01 万元；空白按 0 计）。",
        "资金来源之和不等于年度资金总额",
    ),
    Rule(
        "monitoring.amount_negative",
        "error",
        "项目“{project}”：{row}的{column} {amount:万元}是负数，执行率和预警灯据此没有意义。金额不能为负：请填写实际数额（冲减、退回的按净额填写，并在备注中说明）。",
        "金额为负数",
    ),
    Rule(
        "monitoring.forecast_below_executed",
        "error",
        "项目“{project}”：{row}的全年预计执行数 {forecast:万元}小于1-{month}月已执行的 {executed:万元}。全年预计数包括已执行的部分，请改为不小于 1-{month}月执行数的金额。",
        "全年预计执行数小于已执行数",
    ),
    Rule(
        "monitoring.lag_unexplained",
        "error",
        "项目“{project}”：执行率 {rate}% 比序时进度 {schedule}% 落后 {lag} 个百分点（{light}灯），但指标表中没有填写偏差原因和整改措施。请在相关指标行的“偏差原因分析”栏选择原因（经费保障 / 制度保障 / 人员保障 / 硬件保障 / 其他）并在“备注（整改措施）”栏写明整改措施。",
        "执行进度落后序时但未说明原因",
    ),
    Rule(
        "monitoring.indicator_unexplained",
        "error",
        "指标“{level3}”的完成目标可能性为“{likelihood}”（{light}灯），但未填写{missing}。请在“偏差原因分析”栏选择原因（经费保障 / 制度保障 / 人员保障 / 硬件保障 / 其他）并说明，在“备注（整改措施）”栏写明整改措施。",
        "指标可能完不成但未说明原因和措施",
    ),
    Rule(
        "monitoring.unit_mismatch",
        "error",
        "指标“{level3}”的{label}“{text}”单位为“{unit}”，与年度指标值“{target}”的单位“{target_unit}”不同，无法比较。请按年度指标值的单位填写（例如目标为“≥95%”时填写“90%”）。",
        "执行情况与指标值单位不同",
    ),
    Rule(
        "monitoring.kind_mismatch",
        "warning",
        "指标“{level3}”的年度指标值“{target}”是{target_kind}，{label}却填写为{kind}“{text}”。请按年度指标值的形式填写：定量指标填写数值和单位，定性指标用文字说明完成情况。",
        "执行情况与指标值的定量/定性不一致",
    ),
    Rule(
        "monitoring.carried_changed",
        "error",
        "{what}由目标表的{before}改成了{after}。带入的目标值不能在监控表中修改；请改回{before}（或先修改目标表，再用 perfxl new monitoring --from 重新生成监控表，已填报的内容会带入）。",
        "带入的目标值被修改",
    ),
    Rule(
        "monitoring.carried_added",
        "error",
        "{what}不在目标表中：监控表只填报目标表已有的{kind}。请删除这{unit}；确需增加的，请先在目标表中增加，再用 perfxl new monitoring --from 重新生成监控表（已填报的内容会带入）。",
        "监控表中有目标表没有的项目或指标",
    ),
    Rule(
        "monitoring.carried_missing",
        "error",
        "目标表中{what}在监控表中已没有。带入的目标不能在监控表中删除；请恢复{fix}（或先修改目标表，再用 perfxl new monitoring --from 重新生成监控表，已填报的内容会带入）。",
        "目标表中的项目或指标在监控表中被删除",
    ),
    # --- 绩效自评 (perfxl.rules.evaluation) -------------------------------------------------------
    Rule(
        "evaluation.funds_sum",
        "error",
        "项目“{project}”：{column}一栏，本年财政拨款 {fiscal:万元} + 上年结转资金 {carryover:万元} + 其他资金 {other:万元} = {sum:万元}，与年度资金总额 {total:万元}不符。请更正年度资金总额（或各来源），使来源之和等于年度资金总额（精确到 0.01 万元；空白按 0 计）。",
        "资金来源之和不等于年度资金总额",
    ),
    Rule(
        "evaluation.executed_over_budget",
        "error",
        "项目“{project}”：{row}的全年执行数 {executed:万元}超过全年预算数 {budget:万元}，且没有说明原因。请核对全年执行数和全年预算数；确实超出的，请在指标表的“偏差原因分析及改进措施”栏写明原因。",
        "全年执行数超过全年预算数且未说明",
    ),
    Rule(
        "evaluation.amount_negative",
        "error",
        "项目“{project}”：{row}的{column} {amount:万元}是负数，执行率和得分据此没有意义。金额不能为负：请填写实际数额（冲减、退回的按净额填写，并在“偏差原因分析及改进措施”中说明）。",
        "金额为负数",
    ),
    Rule(
        "evaluation.reason_missing",
        "error",
        "指标“{level3}”得分 {score}，未得满分 {points}，但“偏差原因分析及改进措施”栏空白。请写明未完成年度指标值（{target}）的原因和改进措施。",
        "未得满分但未分析偏差原因",
    ),
    Rule(
        "evaluation.over_unexplained",
        "error",
        "指标“{level3}”的实际完成值“{actual}”超出年度指标值“{target}”{over}% 及以上，按本评分方案须说明原因，但“偏差原因分析及改进措施”栏空白。请写明超额完成的原因（如目标定得偏低）和改进措施。",
        "大幅超额完成但未说明原因",
    ),
    Rule(
        "evaluation.points_sum",
        "error",
        "项目“{project}”：{level1}的 {count} 行指标分值合计 {found}，不等于该一级指标的权重 {expected}。填写了分值的一级指标，各行分值之和须等于其权重；请调整分值，或清空所填分值改用平均分配。",
        "所填分值之和不等于权重",
    ),
    Rule(
        "evaluation.points_invalid",
        "error",
        "项目“{project}”：{row}的分值{what}{effect}。请{fix}",
        "分值不是非负数字",
    ),
    Rule(
        "evaluation.level1_unknown",
        "error",
        "项目“{project}”：一级指标“{level1}”不属于评分方案中的任何一类（产出指标、效益指标、满意度指标，成本指标计入产出指标），这些指标行没有分值。请按目标表改正一级指标。",
        "一级指标不在评分方案中",
    ),
    Rule(
        "evaluation.weight_lost",
        "warning",
        "项目“{project}”没有{level1}的指标行，该类的 {weight} 分无法得到（满分达不到 100）。请核对目标表是否漏填{level1}。",
        "缺少某类一级指标，其分值落空",
    ),
    Rule(
        "evaluation.actual_missing",
        "error",
        "指标“{level3}”（年度指标值“{target}”）未填写实际完成值，本行按 0 分计。请填写实际完成值（数字，可带单位，如 96%、8.2万元）。",
        "未填写实际完成值",
    ),
    Rule(
        "evaluation.actual_not_quantity",
        "error",
        "指标“{level3}”的年度指标值“{target}”是定量指标，实际完成值“{actual}”却不是一个数量，无法计分，总分暂不计算。请填写数字和单位（如 96%、120人）；文字说明写在“偏差原因分析及改进措施”栏。",
        "定量指标的实际完成值不是数量",
    ),
    Rule(
        "evaluation.units_incomparable",
        "error",
        "指标“{level3}”的实际完成值“{actual}”与年度指标值“{target}”单位不同，无法比较，本行无法计分，总分暂不计算。请按年度指标值的单位填写（元、万元等金额单位可互换）。",
        "实际完成值与指标值单位不可比",
    ),
    Rule(
        "evaluation.actual_negative",
        "warning",
        "指标“{level3}”的实际完成值“{actual}”为负数，按 0 计分。请核对实际完成值。",
        "实际完成值为负数",
    ),
    Rule(
        "evaluation.fraction_for_percent",
        "warning",
        "指标“{level3}”的年度指标值“{target}”是百分数，实际完成值却填写为 {actual}，按 {actual}% 计分（得 {score} 分）。若实际为 {actual} × 100%，请填写带 % 的数值（如 96%）。",
        "百分数指标的实际完成值像是小数",
    ),
    Rule(
        "evaluation.grade_missing",
        "error",
        "定性指标“{level3}”（年度指标值“{target}”）未选择或选错了评价等级，{counted_as}。请在“评价等级”栏选择：达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差，并在得分栏填写相应分数。",
        "定性指标未选择评价等级",
    ),
    Rule(
        "evaluation.outside_band",
        "error",
        "定性指标“{level3}”评价等级为“{grade}”，得分应在 {low}～{high} 分之间，填写的 {typed} 分超出范围。请在该范围内填写得分，或改选评价等级。",
        "定性指标得分超出等级范围",
    ),
    Rule(
        "evaluation.score_defaulted",
        "warning",
        "定性指标“{level3}”评价等级为“{grade}”，未填写得分，按该等级最低分 {low} 分计入总分。请在 {low}～{high} 分之间填写得分。",
        "定性指标未填写得分，按最低分计",
    ),
    Rule(
        "evaluation.score_text",
        "error",
        "指标“{level3}”的得分“{typed}”不是数字。请填写数字分数（定性指标在等级范围内填写）。",
        "得分不是数字",
    ),
    Rule(
        "evaluation.score_differs",
        "error",
        "指标“{level3}”得分栏{state} {typed}，按评分规则应为 {score}（年度指标值“{target}”，实际完成值“{actual}”，分值 {points}）。请{fix}",
        "得分与评分规则不符",
    ),
    Rule(
        "evaluation.target_unscorable",
        "error",
        "指标“{level3}”的年度指标值“{target}”为空或为负数，无法计分，本行按 0 分计。请在目标表中改正后重新生成自评表。",
        "年度指标值无法计分",
    ),
    Rule(
        "evaluation.profile_unknown",
        "error",
        "封面的评分方案“{name}”不是 perfxl 的评分方案（可用：{names}），已按默认方案检查。请用 perfxl new evaluation --profile 重新生成自评表。",
        "未知的评分方案",
    ),
    Rule(
        "evaluation.carried_changed",
        "error",
        "{what}由目标表的{before}改成了{after}。带入的目标值不能在自评表中修改；请改回{before}（或先修改目标表，再用 perfxl new evaluation --from 重新生成自评表，已填报的内容会带入）。",
        "带入的目标值被修改",
    ),
    Rule(
        "evaluation.carried_added",
        "error",
        "{what}不在目标表中：自评表只评价目标表已有的{kind}。请删除这{unit}；确需增加的，请先在目标表中增加，再重新生成自评表。",
        "自评表中有目标表没有的项目或指标",
    ),
    Rule(
        "evaluation.carried_missing",
        "error",
        "目标表中{what}在自评表中已没有。带入的目标不能在自评表中删除；请恢复{fix}（或用 perfxl new evaluation 重新生成自评表，已填报的内容会带入）。",
        "目标表中的项目或指标在自评表中被删除",
    ),
    # --- cumulative percentages (perfxl.compute) ----------------------------------------------
    Rule(
        "compute.not_numbers",
        "error",
        "项目“{project}”：{label}“{value}”不是数字，无法计算{figure}，未写入。请填写以万元为单位的数字（例如 8.39，空白按 0 计）后重新运行 perfxl compute。",
        "金额不是数字，未计算",
    ),
    Rule(
        "compute.amount_text",
        _AMOUNT_TEXT,
        "项目“{project}”：{label}“{value}”以文本形式保存，不是数字；工作簿中的公式也不把它当作数字，因此{figure}不计算，未写入。请把该单元格改为数字格式并重新输入（或在 Excel 中选“转换为数字”）后重新运行 perfxl compute。",
        "金额以文本保存，未计算",
    ),
    Rule(
        "compute.formula_no_value",
        "error",
        "项目“{project}”：{label}是公式{formula}，但工作簿没有保存它的计算结果（由 openpyxl 等程序生成、未经 Excel 保存的文件就是这样），perfxl 不计算公式，无法计算累计进度，该项目的百分比未写入。请在 Excel 或 WPS 中打开工作簿并保存后重新运行 perfxl compute，或直接填写结果。",
        "金额是没有保存结果的公式，未计算百分比",
    ),
    Rule(
        "compute.no_budget",
        "warning",
        "项目“{project}”：{label}为空或为 0，无法计算{figure}（除数为 0），未写入。请填写{label}后重新运行 perfxl compute。",
        "预算数为空或为 0，未计算",
    ),
    # --- writing percentages back (perfxl.write.percentages) ----------------------------------
    Rule(
        "compute.score_replaced",
        "warning",
        "得分栏原先填写的是数字 {typed}（覆盖了计分公式），与评分规则不符；perfxl 已改写为按规则计算的得分 {score}。如认为规则得分不合理，请在“偏差原因分析及改进措施”中说明理由，不要改写得分。",
        "手填得分已按规则改写",
    ),
    Rule(
        "compute.formula_changed",
        "warning",
        "单元格 {cell} 的公式“={formula}”与模板不同（应为“={expected}”），perfxl 未写入该单元格的累计进度。请恢复模板公式，或删除公式后重新运行 perfxl compute（将写入数值）。",
        "百分比单元格的公式被改动",
    ),
    # --- consolidation across files (perfxl.consolidate.rules) --------------------------------
    Rule(
        "consolidate.duplicate_code",
        "error",
        "项目编码“{code}”同时出现在 {units} 的工作簿中：一个项目编码只能属于一个单位。请核对编码，由填错的单位更正后重新报送。",
        "项目编码在不同单位重复",
    ),
    Rule(
        "consolidate.unit_missing",
        "warning",
        "应报单位 {unit_code}{unit_name} 未提交工作簿。请催报，收到后重新汇总。",
        "应报单位未提交",
    ),
    Rule(
        "consolidate.unit_unlisted",
        "warning",
        "单位 {unit_code}{unit_name} 不在应报单位名单中，其数据已汇总。请核对单位编码，或将其加入名单（--expected）。",
        "单位不在应报名单中",
    ),
    Rule(
        "consolidate.unit_name_differs",
        "warning",
        "单位 {unit_code} 的工作簿中单位名称为“{unit_name}”，应报单位名单中为“{listed}”。请核对单位编码是否填错（是否把其他单位的编码填了进来），或更正名称、更新名单。",
        "单位名称与应报名单不符",
    ),
    Rule(
        "consolidate.unit_name_shared",
        "warning",
        "单位名称“{unit_name}”同时出现在单位编码为 {codes} 的工作簿中：不同单位不应同名。请核对是哪个工作簿的单位编码或单位名称填错了。",
        "不同单位编码使用同一单位名称",
    ),
    Rule(
        "consolidate.file_unreadable",
        "error",
        "文件无法读取，未汇总：{reason}{advice}",
        "文件无法读取",
    ),
    Rule(
        "consolidate.not_perfxl",
        "error",
        "不是绩效目标工作簿，未汇总：{reason}请让报送单位用绩效目标表模板（perfxl template 生成）填报后重新报送。",
        "不是绩效目标工作簿",
    ),
    Rule(
        "consolidate.monitoring_workbook",
        "warning",
        "{reason} 本文件未汇总，也不替代该单位的绩效目标表；汇总绩效目标时请给出该单位的绩效目标表。",
        "绩效运行监控表未汇总",
    ),
    Rule(
        "consolidate.evaluation_workbook",
        "warning",
        "{reason} 本文件未汇总，也不替代该单位本次应汇总的表。",
        "绩效自评表未汇总",
    ),
    Rule(
        "consolidate.no_unit_code",
        "error",
        "工作簿未填写单位编码，无法判断是哪个单位报送，已按单独的单位汇总。请在封面 {code_cell} 填写 6 位单位编码后重新报送。",
        "缺少单位编码",
    ),
    # --- importing a published document (perfxl.importer) -------------------------------------
    Rule(
        "import.table_skipped",
        "warning",
        "第 {table} 个表格{page}（{rows} 行，首格“{first}”）不是项目绩效目标表（没有“项目编码”“预算数”“一级指标”等标签），未导入。如其中有需要的内容，请在生成的工作簿中补录。",
        "表格不是项目表，未导入",
    ),
    Rule(
        "import.row_unrecognised",
        "warning",
        "第 {table} 个表格{page}第 {row} 行有未能识别的内容“{text}”，未导入。请核对原文，在生成的工作簿中补录（标签写法与标准表不同时，请改用标准标签后重新导入）。",
        "表格行未能识别",
    ),
    Rule(
        "import.amount_unreadable",
        "warning",
        "第 {table} 个表格{page}第 {row} 行“{label}”的金额“{value}”不是数字，已按原文写入。请在生成的工作簿中改为以万元为单位的数字（最多两位小数）。",
        "金额不是数字",
    ),
    Rule(
        "import.field_missing",
        "warning",
        "项目“{project}”（第 {table} 个表格第 {row} 行起）缺少“{label}”，导入后为空。请核对原文，在生成的工作簿中补录。",
        "项目表缺少内容",
    ),
    Rule(
        "import.text_unplaced",
        "warning",
        "文字“{text}”不属于{part}中任何已知的部分，未导入。请核对原文，需要时在生成的工作簿中补录。",
        "文字未能归入",
    ),
    Rule(
        "import.unit_missing",
        "warning",
        "未找到单位编码和名称（项目表上方“6 位单位编码 + 单位名称”一行），导入后为空。请在生成的工作簿封面填写单位编码和名称。",
        "未找到单位",
    ),
    Rule(
        "import.year_unknown",
        "warning",
        "未在文档标题中找到预算年度（如“2023年预算绩效目标”），导入后年度为空。请用 --year 指定年度后重新导入，或在生成的工作簿封面填写。",
        "未找到年度",
    ),
)

CATALOGUE: Final[Mapping[RuleId, Rule]] = MappingProxyType({r.id: r for r in _RULES})
"""Rule id -> its entry, read-only."""

RULE_IDS: Final[frozenset[RuleId]] = frozenset(get_args(RuleId))


def ids_of(*names: str) -> frozenset[RuleId]:
    """The declared ids a module emits, named by family: ``"evaluation."`` (a prefix, ending in
    a dot) stands for every id that starts with it, any other name for that one id. The ids
    are declared once, in `RuleId`; a family's ``EMITS`` is derived from them.

    Raises:
        KeyError: a name that stands for no declared id (a misspelt family or id).
    """
    found: set[RuleId] = set()
    for name in names:
        ids = {r for r in RULE_IDS if r.startswith(name)} if name.endswith(".") else None
        if ids is None:
            ids = {r for r in RULE_IDS if r == name}
        if not ids:
            raise KeyError(name)
        found |= ids
    return frozenset(found)


class _Formatter(string.Formatter):
    """``str.format`` with one extra spec: ``{x:万元}`` shows an amount as ``8.00 万元``."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == MONEY_UNIT:
            return money(value)
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()
_LOC_KEYS = ("file", "sheet", "cell", "pointer", "value", "project_code")


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class _Compiled:
    """A template made ready once for ``str.format_map``: each ``{x:万元}`` became a field of
    its own (``money``: its name -> the field whose value it shows), so no message goes
    through `string.Formatter` (ten times slower than ``str.format``); ``names``: the fields
    the template shows as they are."""

    template: str
    names: tuple[str, ...]
    money: tuple[tuple[str, str], ...]


def _compile(template: str) -> _Compiled:
    parts: list[str] = []
    names: list[str] = []
    money_fields: list[tuple[str, str]] = []
    for literal, name, spec, conversion in _FORMAT.parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if spec == MONEY_UNIT and not conversion:
            alias = f"_money{len(money_fields)}"
            money_fields.append((alias, name))
            parts.append(f"{{{alias}}}")
            continue
        names.append(name.partition(".")[0].partition("[")[0])
        conv = f"!{conversion}" if conversion else ""
        parts.append(f"{{{name}{conv}{':' + spec if spec else ''}}}")
    return _Compiled("".join(parts), tuple(dict.fromkeys(names)), tuple(money_fields))


_COMPILED: Final[Mapping[str, _Compiled]] = {r.id: _compile(r.template) for r in _RULES}
PLACE_FREE: Final[frozenset[str]] = frozenset(
    rule
    for rule, c in _COMPILED.items()
    if not set(_LOC_KEYS) & {*c.names, *(name for _, name in c.money)}
)
"""Rules whose message names none of a problem's location fields (`_LOC_KEYS`): their
message is made from the finding's own fields."""


def message(rule_id: RuleId, values: Mapping[str, Any]) -> str:
    """The rule's message with ``values`` (None shown as empty)."""
    compiled = _COMPILED[rule_id]
    shown: dict[str, Any] = {}
    for name in compiled.names:
        v = values[name]
        shown[name] = "" if v is None else v
    for alias, name in compiled.money:
        v = values[name]
        shown[alias] = money("" if v is None else v)
    return compiled.template.format_map(shown)


UNREADABLE_ADVICE = (
    "请确认它是 .xlsx/.xlsm/.xls 工作簿、未加密且未损坏，必要时用 Excel/WPS 另存为 .xlsx 后重试。"
)
"""``file.unreadable``'s advice, given only when the reason gives none of its own."""


SUBMISSION_UNREADABLE_ADVICE = "请让报送单位重新导出或另存为 .xlsx 后再报送。"
"""``consolidate.file_unreadable``'s advice, given only when the reason gives none of its own."""


def advice_once(advises: bool, advice: str) -> str:
    """`` advice`` to follow a reason, or nothing when the reason already says what to do
    (``advises``: declared where the reason is written, `PerfxlError.advises`, as the
    preflight's refusals do: 请重新获取…, 请用 Excel/WPS 打开后另存为…): the advice is said
    once. Never guessed from the reason's text: a file or sheet named 请… is no advice."""
    return "" if advises else f" {advice}"


def not_perfxl_reason(verdict: str) -> str:
    """What ``consolidate.not_perfxl`` says between its own verdict and its own advice (to the
    county: 请让报送单位…): the file's verdict (`NotAPerfxlWorkbookError.message_for`, kept as
    the file's note) without the verdict and the advice it already says, so each is said once."""
    e = NotAPerfxlWorkbookError
    return verdict.removeprefix(f"{e.VERDICT}：").removesuffix(e.ADVICE)


def unreadable(file: str, reason: str, *, advises: bool = False) -> Problem:
    """``file.unreadable`` for ``file``: the reason, then the general advice unless the
    reason ``advises`` already (`advice_once`)."""
    advice = advice_once(advises, UNREADABLE_ADVICE)
    return make("file.unreadable", file=file, detail=reason, advice=advice)


def make(rule_id: RuleId, *, severity: Severity | None = None, **fields: Any) -> Problem:
    """A problem record from the catalogue entry; location fields go through, the rest format.

    Location keys (file, sheet, cell, pointer, value, project_code) fill the record; every key
    is available to the message template.
    """
    loc = [fields.get(k) for k in _LOC_KEYS]
    text = message(rule_id, fields)
    return Problem(rule_id, severity or CATALOGUE[rule_id].severity, text, *loc)
