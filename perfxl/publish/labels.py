"""Texts of the disclosure document that the workbook does not show (one place).

The project-table labels come from :mod:`perfxl.constants`; these are the headings and
front matter of the published document, spelled as in the seed disclosure.
"""

from __future__ import annotations

from perfxl import constants as C

PART_ONE = "第一部分"
PART_ONE_TITLE = C.OVERALL_TITLE
PART_TWO = "第二部分"
PART_TWO_TITLE = "预算项目绩效目标"
SECTION_SUMMARY = C.L_SUMMARY_SECTION
SECTION_AREAS = C.L_AREAS_SECTION
SECTION_MEASURES = C.L_MEASURES_SECTION
AREA_TARGETS = "绩效目标："
AREA_INDICATORS = "绩效指标："
DOC_TITLE = "{unit}\n{year}年预算绩效目标"
DOC_TITLE_NO_YEAR = "{unit}\n预算绩效目标"
TOC_TITLE = "目  录"
TOC_HINT = "（打开文档后按 F9 或右键“更新域”可刷新目录页码）"

COUNTY_TITLE = "{county}\n{year}年乡镇预算绩效目标"
COUNTY_SUMMARY = "各单位预算项目绩效目标汇总表"
# The columns every county summary starts with (the unit's row in `perfxl.publish.forms`).
UNIT_HEADERS: tuple[str, ...] = ("序号", C.L_UNIT_CODE, C.L_UNIT_NAME, "项目数")
COUNTY_HEADERS: tuple[str, ...] = (
    *UNIT_HEADERS,
    "指标数",
    "预算数",
    "财政资金",
    "其他资金",
)
COUNTY_TOTAL = "合计"
SOURCE_TITLE = "本文收入的报送文件（同一单位有多个版本时只收入一个）"
SOURCE_HEADERS: tuple[str, ...] = (
    C.L_UNIT_CODE,
    C.L_UNIT_NAME,
    "收入的文件",
    "版本依据",
    "未收入的旧版本",
)
SOURCE_ONLY = "仅一个版本"
SOURCE_NONE = "—"

CN_DIGITS = "零一二三四五六七八九"

# The monitoring disclosure (运行监控公开文本); "{X}" is the month, as in the workbook's labels.
MON_DOC_TITLE = "{unit}\n{year}年1-{X}月项目支出绩效运行监控情况"
MON_DOC_TITLE_NO_YEAR = "{unit}\n1-{X}月项目支出绩效运行监控情况"
MON_COUNTY_TITLE = "{county}\n{year}年1-{X}月乡镇项目支出绩效运行监控情况"
MON_SECTION_SUMMARY = "一、总体情况"
MON_SECTION_TABLES = "二、项目支出绩效目标执行监控表"
MON_LIGHTS_NOTE = (
    "注：预警按执行率与序时进度之差（不低于序时进度减{yellow}个百分点为绿，不低于序时进度减"
    "{red}个百分点为黄，否则为红）；指标预警按完成目标可能性（确定能为绿，有可能为黄，"
    "完全不可能为红）。未填写执行数或完成目标可能性的不预警。"
)
MON_FUNDS_GROUP = "项目资金"
MON_COUNTY_SUMMARY = "各单位项目支出绩效运行监控汇总表"
MON_COUNTY_HEADERS: tuple[str, ...] = (
    *UNIT_HEADERS,
    "预算数",
    "1-{X}月执行数",
    "执行率",
    "绿",
    "黄",
    "红",
)
MON_COUNTY_NOTE = "序时进度：{schedule}。预算数为调整后预算数（未调整的按年初预算数），执行率为执行数合计除以预算数合计。"
MON_NO_LIGHT = "—"

# The self-evaluation disclosure (绩效自评公开文本).
EVAL_DOC_TITLE = "{unit}\n{year}年度项目支出绩效自评情况"
EVAL_DOC_TITLE_NO_YEAR = "{unit}\n项目支出绩效自评情况"
EVAL_COUNTY_TITLE = "{county}\n{year}年度乡镇项目支出绩效自评情况"
EVAL_COUNTY_TITLE_NO_YEAR = "{county}\n乡镇项目支出绩效自评情况"
EVAL_SECTION_SUMMARY = "一、总体情况"
EVAL_SECTION_TABLES = "二、项目支出绩效自评表"
EVAL_LOWEST_TITLE = "得分较低的项目"
EVAL_LOWEST_HEADERS: tuple[str, ...] = (
    "序号",
    "项目名称",
    "总分",
    "自评等级",
    "未得满分的指标（得分/分值）",
    "偏差原因分析及改进措施",
)
EVAL_FUNDS_ROW = "预算执行率"
EVAL_NOT_SCORED = "未评分"
EVAL_PROFILE_LINE = "评分方案：{title}（{name}）"
EVAL_COUNTY_SUMMARY = "各单位项目支出绩效自评汇总表"
EVAL_COUNTY_HEADERS: tuple[str, ...] = (
    *UNIT_HEADERS,
    "全年预算数",
    "全年执行数",
    "执行率",
    "平均分",
)
EVAL_COUNTY_NOTE = (
    "执行率为全年执行数合计除以全年预算数合计；平均分为已评分项目总分的平均数；"
    "各等级为自评等级的项目数。"
)
