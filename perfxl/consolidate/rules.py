"""The problems consolidation itself finds (across files), registered in the catalogue."""

from __future__ import annotations

from perfxl.rules.catalogue import Rule, register

RULES = (
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
        "consolidate.file_unreadable",
        "error",
        "文件无法读取，未汇总：{reason} 请让报送单位重新导出或另存为 .xlsx 后再报送。",
        "文件无法读取",
    ),
    Rule(
        "consolidate.not_perfxl",
        "error",
        "文件不是预算绩效目标工作簿，未汇总：{reason} 请让报送单位使用 perfxl template 生成的工作簿填报。",
        "不是绩效目标工作簿",
    ),
    Rule(
        "consolidate.no_unit_code",
        "error",
        "工作簿未填写单位编码，无法判断是哪个单位报送，已按单独的单位汇总。请在封面 B3 填写 6 位单位编码后重新报送。",
        "缺少单位编码",
    ),
)
register(*RULES)
