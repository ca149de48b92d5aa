"""The county office's pages: sign-in, rounds, the dashboard, links, summary, exports."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from perfxl.web import auth, views
from perfxl.web.labels import STAGE_ZH
from perfxl.web.pages import (
    admin_guard,
    checked_form,
    download,
    error_page,
    not_found,
    render,
    safe_next,
    web_of,
)
from perfxl.web.pool import JobFailed
from perfxl.web.state import Web, remove_tree
from perfxl.web.store import Round, StoreError, Unit, Version

STAGES = tuple(STAGE_ZH)


Handler = Callable[[Request], Awaitable[Response]]


def admin_page(handler: Handler) -> Handler:
    """A county office page: the login redirect (GET) or 403 unless signed in."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        if (refused := admin_guard(request)) is not None:
            return refused
        return await handler(request)

    return guarded


def round_page(handler: Callable[[Request, Round], Awaitable[Response]]) -> Handler:
    """A county office page of one round (``{rid}``), handed the round; 404 when none."""

    @admin_page
    @functools.wraps(handler)
    async def with_round(request: Request) -> Response:
        web = web_of(request)
        rnd = await web.db(web.store.round, request.path_params["rid"])
        if rnd is None:
            return not_found(request)
        return await handler(request, rnd)

    return with_round


def version_page(handler: Callable[[Request, Version, Unit], Awaitable[Response]]) -> Handler:
    """A county office page of one version (``{vid}``), handed it and its unit; 404 when none."""

    @admin_page
    @functools.wraps(handler)
    async def with_version(request: Request) -> Response:
        web = web_of(request)
        version = await web.db(web.store.version_by_id, request.path_params["vid"])
        unit = None if version is None else await web.db(web.store.unit, version.unit_id)
        if version is None or unit is None:
            return not_found(request)
        return await handler(request, version, unit)

    return with_version


# --- sign-in -----------------------------------------------------------------------------


async def home(request: Request) -> Response:
    """``/``: the rounds when signed in, else the login page."""
    target = "/admin" if auth.is_admin(request.session) else "/login"
    return RedirectResponse(target, status_code=303)


async def setup(request: Request) -> Response:
    """``/setup?token=…``: set the admin password once, with the token printed at start."""
    web = web_of(request)
    if not await web.db(web.needs_setup):
        return error_page(request, 404, "管理员密码已设置，请直接登录。", "无需设置")
    if request.method == "GET":
        token = request.query_params.get("token")
        if not auth.same_secret(token, web.setup_token):
            return error_page(request, 403, _SETUP_TOKEN)
        return render(request, "setup.html", {"token": token, "error": None})
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    token = _text(form.get("token"))
    if not auth.same_secret(token, web.setup_token):
        return error_page(request, 403, _SETUP_TOKEN)
    password = _text(form.get("password"))
    again = form.get("password_again")
    problem = auth.password_problem(password, _text(again) if again is not None else None)
    if problem:
        return render(request, "setup.html", {"token": token, "error": problem}, 400)
    stored = await run_in_threadpool(auth.hash_password, password)
    await web.db(web.store.set_setting, auth.PASSWORD_SETTING, stored)
    web.setup_token = None  # one time only
    auth.sign_in(request.session)
    return RedirectResponse("/admin", status_code=303)


_SETUP_TOKEN = "设置链接无效或已用过。请使用 perfxl serve 启动时显示的设置链接。"


async def login(request: Request) -> Response:
    """``/login``: the admin password form; a right password signs the session in."""
    web = web_of(request)
    needs_setup = await web.db(web.needs_setup)
    nxt = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return render(request, "login.html", {"next": nxt, "error": None, "setup": needs_setup})
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    nxt = safe_next(_text(form.get("next")) or None)
    client = request.client.host if request.client else "?"
    if web.login_locked(client):
        ctx = {"next": nxt, "error": _LOCKED, "setup": needs_setup}
        return render(request, "login.html", ctx, 429)
    stored = await web.db(web.store.setting, auth.PASSWORD_SETTING)
    ok = await run_in_threadpool(auth.verify_password, _text(form.get("password")), stored)
    if not ok:
        web.login_failed(client)
        error = "尚未设置管理员密码。" if needs_setup else "密码不正确，请重新输入。"
        ctx = {"next": nxt, "error": error, "setup": needs_setup}
        return render(request, "login.html", ctx, 400)
    auth.sign_in(request.session)
    return RedirectResponse(nxt, status_code=303)


_LOCKED = "密码错误次数过多，请 15 分钟后再试。"


async def logout(request: Request) -> Response:
    """``POST /logout``."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    auth.sign_out(request.session)
    return RedirectResponse("/login", status_code=303)


# --- rounds ------------------------------------------------------------------------------


@admin_page
async def rounds(request: Request) -> Response:
    """``/admin``: every round, newest first."""
    web = web_of(request)
    items = list(reversed(await web.db(web.store.rounds)))
    return render(request, "admin_rounds.html", {"rounds": items})


@admin_page
async def new_round(request: Request) -> Response:
    """``/admin/rounds/new``: the form, and opening the round it describes."""
    web = web_of(request)
    existing = list(reversed(await web.db(web.store.rounds)))
    values = {"title": "", "year": str(datetime.now().year), "stage": "targets", "deadline": ""}
    if request.method == "GET":
        ctx = {"values": values, "rounds": existing, "error": None}
        return render(request, "round_new.html", ctx)
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    values = {k: _text(form.get(k)).strip() for k in ("title", "year", "stage", "deadline")}
    values["source_round"] = _text(form.get("source_round")).strip()
    try:
        rnd = await _open_round(web, values, form.get("units"), form.get("config"))
    except _Refused as exc:
        refusal: dict[str, Any] = {"values": values, "rounds": existing, "error": str(exc)}
        return render(request, "round_new.html", refusal, 400)
    finally:
        await form.close()
    return RedirectResponse(f"/admin/rounds/{rnd.id}", status_code=303)


class _Refused(Exception):
    """A round form that cannot be used; the message is for the page."""


async def _open_round(web: Web, values: dict[str, str], units: Any, config: Any) -> Round:
    stage = values["stage"]
    if stage not in STAGES:
        raise _Refused("请选择阶段：绩效目标、绩效运行监控或绩效自评。")
    try:
        year = int(values["year"])
    except ValueError:
        raise _Refused(f"年度应为四位数字，如 2023（填的是“{values['year']}”）。") from None
    if not 2000 <= year <= 2100:
        raise _Refused(f"年度 {year} 不在 2000–2100 之间。")
    deadline = _deadline(values["deadline"])
    expected = await _units(web, units)
    config_text = await _config(web, config)
    source = values.get("source_round") or ""
    source_id = None
    if source:
        if not source.isdigit() or await web.db(web.store.round, int(source)) is None:
            raise _Refused("所选的上一轮收集不存在。")
        source_id = int(source)
    title = values["title"] or f"{year}年{STAGE_ZH[stage]}收集"
    try:
        return await web.db(
            web.store.create_round,
            title=title,
            year=year,
            stage=stage,
            deadline=deadline,
            units=expected,
            config_text=config_text,
            source_round_id=source_id,
        )
    except StoreError as exc:
        raise _Refused(str(exc)) from None


def _deadline(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise _Refused(
            f"截止时间“{text}”无法识别，请按 2023-03-31 或 2023-03-31 17:00 填写。"
        ) from None
    if len(text) <= 10:  # a date alone: the end of that day
        value = datetime.combine(value.date(), time(23, 59))
    return value


async def _units(web: Web, upload: Any) -> list[tuple[str, str | None]]:
    from perfxl.errors import PerfxlError
    from perfxl.inputs import load_expected

    if not isinstance(upload, UploadFile) or not upload.filename:
        raise _Refused("请选择应报单位名单（UNITS.csv，表头“单位编码,单位名称”）。")
    data = await upload.read()
    folder = web.scratch_dir()
    try:
        path = folder / "units.csv"
        path.write_bytes(data)
        expected = await run_in_threadpool(load_expected, path)
    except PerfxlError as exc:
        message = exc.message.replace(str(path), f"“{upload.filename}”")
        raise _Refused(f"应报单位名单“{upload.filename}”：{message}") from None
    finally:
        remove_tree(folder)
    if not expected:
        raise _Refused(f"应报单位名单“{upload.filename}”中没有任何单位。")
    return expected


async def _config(web: Web, upload: Any) -> str | None:
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    raw = await upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Refused(f"配置文件“{upload.filename}”应为 UTF-8 编码的 TOML 或 JSON。") from None
    if not text.strip():
        return None
    try:
        await web.pool.run("staging:config_from_text", text)
    except JobFailed as exc:
        raise _Refused(f"配置文件“{upload.filename}”无法使用：{exc}") from None
    return text


# --- one round ---------------------------------------------------------------------------


def dashboard_rows(units: list[Unit], history: list[tuple[Unit, Version]]) -> list[dict[str, Any]]:
    """One row per expected unit: status, latest version, counts (with the problems between
    units that ``perfxl consolidate`` finds among the latest versions), change since the
    previous version."""
    by_unit: dict[int, list[Version]] = {}
    for unit, version in history:
        by_unit.setdefault(unit.id, []).append(version)
    latest_of = {uid: versions[-1] for uid, versions in by_unit.items()}
    between = views.duplicate_codes(
        latest_of, {u.id: unit_label(u, latest_of.get(u.id)) for u in units}
    )
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
                "change": views.change_text(latest, previous),
                "message": views.failure_message(latest)
                if latest is not None and latest.status == "failed"
                else "",
            }
        )
    return rows


def unit_label(unit: Unit, version: Version | None) -> str:
    """A unit as consolidate names it: the code and name its workbook gives (else the list's)."""
    result = (version.result if version is not None else None) or {}
    code = result.get("unit_code") or unit.code
    name = result.get("unit_name") or unit.name or ""
    return f"{code}{name}"


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
    name = f"{rnd.title}-上传链接.csv"
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


async def template_download(
    request: Request, rnd: Round, source: Path | None, name: str, title: str | None = None
) -> Response:
    """The blank workbook of ``rnd`` (made from ``source``, a unit's earlier submission,
    for 监控表 / 自评表), made now in the process pool and downloaded as ``name``."""
    web = web_of(request)
    folder = web.scratch_dir()
    try:
        made = await web.pool.run(
            "blank:template_for", rnd.stage, rnd.year, folder / "template.xlsx", source
        )
    except JobFailed as exc:
        remove_tree(folder)
        return error_page(request, 400, str(exc), title)
    return download(Path(made), name, folder)


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
            }
        )
    folder = web.scratch_dir()
    try:
        made = await web.pool.run("export:export_round", entries, folder / "export.zip")
    except JobFailed as exc:
        remove_tree(folder)
        return error_page(request, 400, f"导出未能完成：{exc}")
    return download(Path(made), f"{rnd.title}-全部版本.zip", folder)


# --- files of a version ------------------------------------------------------------------


@version_page
async def version_file(request: Request, version: Version, unit: Unit) -> Response:
    """``/admin/versions/{vid}/file``: the file as uploaded."""
    return original_download(web_of(request), version, unit) or not_found(request)


@version_page
async def version_annotated(request: Request, version: Version, unit: Unit) -> Response:
    """``/admin/versions/{vid}/annotated``: the copy with the problems marked."""
    return await annotated_download(request, version, unit)


def original_download(web: Web, version: Version, unit: Unit) -> Response | None:
    """The stored file of ``version`` named after its unit and number (None: not on disk)."""
    try:
        path = web.blobs.path(version.sha256)
    except KeyError:
        return None
    return download(path, views.download_name(unit.code, unit.name, version.number, version.ext))


async def annotated_download(request: Request, version: Version, unit: Unit) -> Response:
    """The annotated copy of ``version``, made now in the process pool."""
    web = web_of(request)
    rnd = await web.db(web.store.round, unit.round_id)
    try:
        path = web.blobs.path(version.sha256)
    except KeyError:
        return not_found(request)
    folder = web.scratch_dir()
    ext = version.ext if version.ext.startswith(".") else f".{version.ext}"
    try:
        made = await web.pool.run(
            "annotated:annotated_copy",
            path,
            version.original_name,
            None if rnd is None else rnd.config_text,
            folder / f"annotated{ext}",
        )
    except JobFailed as exc:
        remove_tree(folder)
        return error_page(request, 422, f"无法生成标注后的工作簿：{exc}")
    made = Path(made)
    name = views.download_name(unit.code, unit.name, version.number, made.suffix, "-标注")
    return download(made, name, folder)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
