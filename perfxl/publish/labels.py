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
COUNTY_HEADERS: tuple[str, ...] = (
    "序号",
    "单位编码",
    "单位名称",
    "项目数",
    "指标数",
    "预算数",
    "财政资金",
    "其他资金",
)
COUNTY_TOTAL = "合计"
SOURCE_TITLE = "本文收入的报送文件（同一单位有多个版本时只收入一个）"
SOURCE_HEADERS: tuple[str, ...] = (
    "单位编码",
    "单位名称",
    "收入的文件",
    "版本依据",
    "未收入的旧版本",
)
SOURCE_ONLY = "仅一个版本"
SOURCE_NONE = "—"

CN_DIGITS = "零一二三四五六七八九"
