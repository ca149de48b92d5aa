"""Every text the workbook shows: sheet names, titles, labels and headers (one place)."""

from __future__ import annotations

COVER_SHEET = "封面"
OVERALL_SHEET = "部门整体绩效目标"
RESULTS_SHEET = "校验结果"
LIBRARY_SHEET = "指标库"  # perfxl library; template/rollover --library (a 三级指标 dropdown)
LIBRARY_HEADERS: tuple[str, ...] = (
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值（常见写法）",
    "指标值确定依据",
    "使用次数",
    "项目类别",
)
PROJECT_SHEET_DEFAULT = "项目{n}"

MONEY_UNIT = "万元"
MONEY_UNIT_LABEL = "单位：万元"
PROJECT_TITLE_SUFFIX = "绩效目标表"
PROJECT_TITLE_BLANK = "项目支出绩效目标表"

# Project sheet labels, as in the published table.
L_CODE = "项目编码"
L_NAME = "项目名称"
L_BUDGET_GROUP = "预算规模及资金用途"
L_BUDGET = "预算数"
L_FISCAL = "其中：财政资金"
L_OTHER = "其他资金"
L_PLAN_GROUP = "资金支出计划（%）"
L_CHECKPOINTS: tuple[str, ...] = ("3月底", "6月底", "10月底", "12月底")
L_PLAN_SCOPE = "（累计）"
L_PLAN_AMOUNTS = "计划金额（万元）"
L_PLAN_PERCENT = "累计进度（%）"
L_GOALS = "绩效目标"
L_LEVEL1 = "一级指标"
L_LEVEL2 = "二级指标"
L_LEVEL3 = "三级指标"
L_DESCRIPTION = "绩效指标描述"
L_TARGET = "指标值"
L_BASIS = "指标值确定依据"

# Cover sheet.
COVER_TITLE = "预算绩效目标申报表"
L_UNIT_CODE = "单位编码"
L_UNIT_NAME = "单位名称"
L_YEAR = "预算年度"
L_MONEY_UNIT = "金额单位"
L_FRAMEWORK = "指标体系"
L_SCHEMA_VERSION = "数据版本"
COVER_HEADERS: tuple[str, ...] = (
    "序号",
    "项目名称",
    "项目编码",
    "预算数",
    "财政资金",
    "其他资金",
    "3月底",
    "6月底",
    "10月底",
    "12月底",
    "12月底进度（%）",
)
COVER_TOTAL = "合计"
COVER_NOTE = (
    "说明：黄色底色的单元格为填报项；金额单位为万元，保留两位小数；"
    "点击项目名称可跳转到该项目的绩效目标表。"
)

# Overall (part one) sheet.
OVERALL_TITLE = "部门整体绩效目标"
L_SUMMARY_SECTION = "一、总体绩效目标"
L_AREAS_SECTION = "二、分项绩效目标"
L_MEASURES_SECTION = "三、工作保障措施"
AREA_HEADERS: tuple[str, ...] = ("序号", "分项名称", "分项说明", "绩效目标", "绩效指标")
MEASURE_HEADERS: tuple[str, ...] = ("序号", "措施名称", "措施内容")

# Monitoring stage (绩效运行监控): the project sheet 项目支出绩效目标执行监控表 and its cover.
# "{X}" stands for the monitoring month: 1-{X}月执行数 is 1-7月执行数 as of 7月底.
STAGE_MONITORING = "绩效运行监控"
MONITORING_TITLE_SUFFIX = "绩效目标执行监控表"
MONITORING_TITLE_BLANK = "项目支出绩效目标执行监控表"
MONITORING_COVER_TITLE = "项目支出绩效目标执行监控表"
L_FUNDS = "项目资金"
L_FUNDS_TOTAL = "年度资金总额"
L_FUNDS_FISCAL = "其中：财政资金"
L_FUNDS_OTHER = "其他资金"
L_INITIAL = "年初预算数"
L_ADJUSTED = "调整后预算数"
L_EXECUTED = "1-{X}月执行数"
L_RATE = "执行率"
L_FORECAST = "全年预计执行数"
L_LIGHT = "预警"
L_ANNUAL_GOALS = "年度总体目标"
L_PROGRESS = "1-{X}月目标完成情况"
L_ANNUAL_TARGET = "年度指标值"
L_CURRENT = "1-{X}月执行情况"
L_FORECAST_DONE = "全年预计完成情况"
L_LIKELIHOOD = "完成目标可能性"
L_DEVIATION = "偏差原因分析"
L_REMEDY = "备注（整改措施）"
L_STAGE = "填报阶段"
L_MONTH = "监控月份"
L_TIME_SHARE = "序时进度"
LIKELIHOODS: tuple[str, ...] = ("确定能", "有可能", "完全不可能")
DEVIATIONS: tuple[str, ...] = ("经费保障", "制度保障", "人员保障", "硬件保障", "其他")
MONITORING_COVER_HEADERS: tuple[str, ...] = (
    "序号",
    "项目名称",
    "项目编码",
    "年初预算数",
    "调整后预算数",
    "1-{X}月执行数",
    "执行率",
    "预警",
)
MONITORING_COVER_NOTE = (
    "说明：本表由预算绩效目标表生成，白底单元格为原目标（已锁定，不得改动）；"
    "黄色底色的单元格为填报项；调整后预算数空白时按年初预算数计算执行率。"
)

# Self-evaluation stage (绩效自评): the project sheet 项目支出绩效自评表 and its cover.
STAGE_EVALUATION = "绩效自评"
EVALUATION_TITLE_SUFFIX = "绩效自评表"
EVALUATION_TITLE_BLANK = "项目支出绩效自评表"
EVALUATION_COVER_TITLE = "项目支出绩效自评表"
L_DEPARTMENT = "主管部门"
L_IMPLEMENTER = "实施单位"
L_FUNDS_WAN = "项目资金（万元）"
L_FUNDS_THIS_YEAR = "其中：本年财政拨款"
L_FUNDS_CARRYOVER = "上年结转资金"
L_BUDGET_YEAR = "全年预算数"
L_EXECUTED_YEAR = "全年执行数"
L_POINTS = "分值"
L_SCORE = "得分"
L_EXPECTED = "预期目标"
L_ACHIEVED = "实际完成情况"
L_INDICATORS = "绩效指标"
L_ACTUAL = "实际完成值"
L_GRADE = "评价等级"
L_DEVIATION_REMEDY = "偏差原因分析及改进措施"
L_TOTAL_SCORE = "总分"
L_LEVEL = "自评等级"
L_PROFILE = "评分方案"
NOT_SCORED = "—"  # the 分值 and 得分 cells of the 其中 rows: only 年度资金总额 is scored
# The hidden helper columns beside the indicator table (the sheet's formulas read them).
EVALUATION_HELPER_HEADERS: tuple[str, ...] = (
    "计分一级指标",
    "一级指标分值",
    "默认分值",
    "计分方向",
    "目标数值",
    "实际数值",
    "计入总分",
)
EVALUATION_COVER_HEADERS: tuple[str, ...] = (
    "序号",
    "项目名称",
    "项目编码",
    "全年预算数",
    "全年执行数",
    "执行率",
    "总分",
    "自评等级",
)
EVALUATION_COVER_NOTE = (
    "说明：本表由预算绩效目标表（或监控表）生成，白底单元格为原目标（已锁定，不得改动）；"
    "黄色底色的单元格为填报项；执行率、得分、总分和自评等级为公式，按封面所列评分方案计算。"
)
# The monitoring workbook's record of what it carried from the targets (a very hidden sheet):
# validate compares the carried cells with it (monitoring.carried_changed ...).
CARRIED_SHEET = "目标表带入记录"
CARRIED_TITLE = (
    "perfxl 目标表带入记录：生成本监控表时从目标表带入的值，校验据此发现被改动的目标。请勿修改。"
)
CARRIED_HEADERS: tuple[str, ...] = ("工作表", "项目序号", "指标序号")
CARRIED_INDICATOR_KEYS_LABEL = "指标行的字段→"
