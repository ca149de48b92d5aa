"""The blank workbook a round collects: 绩效目标表 from nothing, 监控表 / 自评表 from a unit's
earlier submission (a job of the pool).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from perfxl.web.labels import STAGE_BOOK
from perfxl.web.staging import config_file, config_from_text, staged, user_errors


def template_for(
    stage: str,
    year: int,
    out: Path,
    source: Path | None,
    *,
    unit_code: str | None = None,
    unit_name: str | None = None,
    config_text: str | None = None,
) -> Path:
    """The blank workbook of a round for a unit, written atomically to ``out`` (.xlsx).

    - ``targets``: the standard template (`perfxl.services.make_template`) for ``year``,
      with the unit's code and name when given;
    - ``monitoring``: the 绩效运行监控表 (`perfxl.services.new_monitoring`, 7月) drawn from
      ``source``, the unit's latest 绩效目标表 (of the round this one follows);
    - ``evaluation``: the 绩效自评表 (`perfxl.services.new_evaluation`, the config's
      scoring profile) drawn from ``source``, the unit's latest 绩效目标表 or 绩效运行监控表.

    Returns:
        ``out``.

    Raises:
        PerfxlError: a later stage without ``source`` (the unit must first have a targets
            submission), ``source`` unusable, or ``out`` cannot be written.
    """
    from perfxl.errors import PerfxlError
    from perfxl.services import make_template, new_evaluation, new_monitoring

    out = Path(out)
    if stage == "targets":
        with user_errors(None, out.parent):
            return make_template(out, year=year, unit_code=unit_code, unit_name=unit_name)
    if stage not in ("monitoring", "evaluation"):
        raise PerfxlError(f"未知的收集阶段“{stage}”。")
    what = STAGE_BOOK[stage]
    if source is None:
        earlier = "绩效目标表" if stage == "monitoring" else "绩效目标表（或绩效运行监控表）"
        raise PerfxlError(
            f"{what}由本单位的{earlier}生成，但本单位还没有可用的{earlier}上传记录。"
            f"请先在目标表收集轮次中上传本单位的{earlier}，再下载{what}。"
        )
    config_from_text(config_text)  # unusable: said in the round's words
    with (
        staged(Path(source), "上一阶段的工作簿") as src,
        tempfile.TemporaryDirectory(prefix="perfxl-web-") as tmp,
        user_errors(None, src.parent, Path(tmp), out.parent),
    ):
        if stage == "monitoring":
            new_monitoring(src, out)
        else:
            new_evaluation(src, out, config_path=config_file(Path(tmp), config_text))
    return out
