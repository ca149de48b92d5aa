"""The county office's pages of one round: the dashboard, links, template, summary, export."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from perfxl.web import views
from perfxl.web.admin import round_page
from perfxl.web.downloads import template_download
from perfxl.web.pages import (
    checked_form,
    download,
    error_page,
    not_found,
    render,
    web_of,
)
from perfxl.web.pool import JobFailed
from perfxl.web.state import Web, remove_tree
from perfxl.web.store import Round, Unit, Version

# --- one round ---------------------------------------------------------------------------


def dashboard_rows(units: list[Unit], history: list[tuple[Unit, Version]]) -> list[dict[str, Any]]:
    """One row per expected unit: status, latest version, counts (with the problems between
    units that ``perfxl consolidate`` finds among the latest versions), change since the
    previous version."""
    by_unit: dict[int, list[Version]] = {}
    for unit, version in history:
        by_unit.setdefault(unit.id, []).append(version)
    latest_of = {uid: versions[-1] for uid, versions in by_unit.items()}
    between = views.duplicate_codes(latest_of, {u.id: unit_label(u) for u in units})
    rows = []
    for unit in units:
        versions = by_unit.get(unit.id, [])
        latest = versions[-1] if versions else None
        previous = next((v for v in reversed(versions[:-1]) if v.status == "done"), None)
        cross = between.get(unit.id, [])
        extra = sum(1 for p in cross if p["severity"] == "error")
        rows.append(
            {
                "unit": unit,
                "latest": latest,
                "count": len(versions),
                "status": views.status_of(latest, extra),
                "errors": (latest.errors + extra) if latest is not None else None,
                "warnings": latest.warnings if latest is not None else None,
                "between": cross,
                "between_groups": views.between_groups(cross),
                "change": views.change_text(latest, previous),
                "message": views.failure_message(latest)
                if latest is not None and latest.status == "failed"
                else "",
            }
        )
    return rows


def unit_label(unit: Unit) -> str:
    """A unit as the pages name it in problems between units: by the link its workbook came
    through (the round's unit list), ``910001 巨鹿镇``. Not by the workbook's cover, as
    consolidate does: one workbook uploaded through two links would name one unit twice."""
    return views.unit_label(unit.code, unit.name)


@round_page
async def dashboard(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}``: the round filling up."""
    web = web_of(request)
    units = await web.db(web.store.units, rnd.id)
    history = await web.db(web.store.all_versions, rnd.id)
    rows = dashboard_rows(units, history)
    counts = {kind: 0 for kind in views.STATUS_ZH}
    for row in rows:
        counts[row["status"].kind] += 1
    ctx = {
        "round": rnd,
        "rows": rows,
        "counts": counts,
        "missing": [r["unit"] for r in rows if r["latest"] is None],
        "summary": await web.db(_summary_figures, web, rnd.id),
    }
    return render(request, "dashboard.html", ctx)


@round_page
async def unit_versions(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}/units/{uid}``: every version of one unit with its problems."""
    web = web_of(request)
    unit = await web.db(web.store.unit, request.path_params["uid"])
    if unit is None or unit.round_id != rnd.id:
        return not_found(request)
    versions = await web.db(web.store.versions, unit.id)
    ctx = {"round": rnd, "unit": unit, "versions": list(reversed(versions))}
    return render(request, "admin_unit.html", ctx)


@round_page
async def links(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}/links``: each unit's private upload link."""
    web = web_of(request)
    units = await web.db(web.store.units, rnd.id)
    base = str(request.base_url).rstrip("/")
    rows = [{"unit": u, "url": f"{base}/u/{u.token}"} for u in units]
    return render(request, "links.html", {"round": rnd, "rows": rows})


@round_page
async def links_csv(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}/links.csv``: the links as a CSV (UTF-8 with BOM, opens in Excel)."""
    web = web_of(request)
    units = await web.db(web.store.units, rnd.id)
    base = str(request.base_url).rstrip("/")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["单位编码", "单位名称", "上传链接"])
    for u in units:
        writer.writerow([u.code, u.name or "", f"{base}/u/{u.token}"])
    from perfxl.web.staging import safe_part

    name = f"{safe_part(rnd.title) or '收集'}-上传链接.csv"
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": _attachment(name)},
    )


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=utf-8''{quote(name)}"


@round_page
async def round_template(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}/template``: the blank 绩效目标表 (targets), else where units get
    theirs."""
    if rnd.stage != "targets":
        return render(request, "template_info.html", {"round": rnd})
    name = f"{rnd.year}年绩效目标表（空白模板）.xlsx"
    return await template_download(request, rnd, None, name)


# --- summary and export ------------------------------------------------------------------


def _summary_key(round_id: int) -> str:
    return f"summary:{round_id}"


def _summary_path(web: Web, round_id: int) -> Path:
    return web.data / "summaries" / f"round-{round_id}.xlsx"


def _summary_figures(web: Web, round_id: int) -> dict[str, Any] | None:
    text = web.store.setting(_summary_key(round_id))
    if not text:
        return None
    figures: dict[str, Any] = json.loads(text)
    return figures


@round_page
async def build_summary(request: Request, rnd: Round) -> Response:
    """``POST /admin/rounds/{rid}/summary``: the county summary from every unit's latest
    version (in the process pool), then its page."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    web = web_of(request)
    units = {u.id: u for u in await web.db(web.store.units, rnd.id)}
    latest = await web.db(web.store.latest, rnd.id)
    files = []
    for unit_id, version in sorted(latest.items()):
        unit = units[unit_id]
        try:
            path = web.blobs.path(version.sha256)
        except KeyError:
            continue
        name = views.download_name(unit.code, unit.name, version.number, version.ext)
        files.append((path, name))
    if not files:
        return error_page(request, 400, "还没有任何单位报送，无法生成汇总表。", "无法汇总")
    target = _summary_path(web, rnd.id)
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = web.scratch_dir()
    try:
        figures = await web.pool.run(
            "summary:build_summary",
            files,
            expected=[(u.code, u.name) for u in units.values()],
            config_text=rnd.config_text,
            out=folder / "summary.xlsx",
        )
        try:
            figures["chart"] = await web.pool.run("charts:chart_svg", figures)
        except JobFailed:
            figures["chart"] = None
        os.replace(folder / "summary.xlsx", target)
    except JobFailed as exc:
        return error_page(request, 400, f"汇总表未能生成：{exc}", "无法汇总")
    finally:
        remove_tree(folder)
    figures["built_at"] = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    text = json.dumps(figures, ensure_ascii=False, default=str)
    await web.db(web.store.set_setting, _summary_key(rnd.id), text)
    return RedirectResponse(f"/admin/rounds/{rnd.id}/summary", status_code=303)


@round_page
async def show_summary(request: Request, rnd: Round) -> Response:
    """``GET /admin/rounds/{rid}/summary``: the figures and chart of the last summary built."""
    web = web_of(request)
    figures = await web.db(_summary_figures, web, rnd.id)
    table = views.summary_table(figures) if figures else None
    return render(request, "summary.html", {"round": rnd, "summary": figures, "table": table})


@round_page
async def summary_xlsx(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}/summary.xlsx``: the last summary workbook built."""
    web = web_of(request)
    path = _summary_path(web, rnd.id)
    if not path.is_file():
        return error_page(request, 404, "汇总表尚未生成：请先在本轮页面点击“生成汇总表”。")
    return download(path, f"{rnd.title}-汇总表.xlsx")


@round_page
async def export_zip(request: Request, rnd: Round) -> Response:
    """``/admin/rounds/{rid}/export.zip``: every version of the round, with hashes."""
    web = web_of(request)
    entries = []
    for unit, v in await web.db(web.store.all_versions, rnd.id):
        try:
            path = web.blobs.path(v.sha256)
        except KeyError:
            continue
        entries.append(
            {
                "path": path,
                "unit_code": unit.code,
                "unit_name": unit.name,
                "number": v.number,
                "sha256": v.sha256,
                "size": v.size,
                "ext": v.ext,
                "original_name": v.original_name,
                "uploaded_at": v.uploaded_at,
                "status": v.status,
                "errors": v.errors,
                "warnings": v.warnings,
                "late": views.is_late(rnd.deadline, v.uploaded_at),
            }
        )
    folder = web.scratch_dir()
    try:
        made = await web.pool.run("export:export_round", entries, folder / "export.zip")
    except JobFailed as exc:
        remove_tree(folder)
        return error_page(request, 400, f"导出未能完成：{exc}")
    return download(Path(made), f"{rnd.title}-全部版本.zip", folder)
