"""The words the web app shows for its own things: stages, and the round-level rules.

Both the pages (`perfxl.web.views`) and the worker jobs (`perfxl.web.checks`, `perfxl.web.blank`)
use them; this module imports nothing, so the server can use it without loading the checks.
"""

from __future__ import annotations

STAGE_ZH = {"targets": "绩效目标", "monitoring": "绩效运行监控", "evaluation": "绩效自评"}
"""A round's stage (round titles, the rounds list)."""

STAGE_BOOK = {"targets": "绩效目标表", "monitoring": "绩效运行监控表", "evaluation": "绩效自评表"}
"""The workbook a round of that stage collects."""

WEB_RULES: dict[str, str] = {
    "web.stage_mismatch": "工作簿类型与本轮不符",
    "web.unit_mismatch": "单位编码与上传链接不符",
    "web.unit_name_mismatch": "单位名称与上传链接不符",
    "web.year_mismatch": "预算年度与本轮不符",
}
"""The round-level rules (ids and titles; perfxl's own rules have theirs in the catalogue):
errors, but ``web.unit_name_mismatch`` a warning (the code, which the county sums by, is
right)."""
