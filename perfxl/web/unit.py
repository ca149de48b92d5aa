"""The township's pages, reached by the unit's private link ``/u/{token}`` (no account).

Every route looks the unit up by its token and a version by (that unit, number): another
unit's version is never reachable, and a wrong token or number is a 404.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from perfxl.web import auth, views
from perfxl.web.admin import Handler
from perfxl.web.downloads import annotated_download, original_download, template_download
from perfxl.web.labels import STAGE_BOOK
from perfxl.web.pages import error_page, not_found, render, web_of
from perfxl.web.pool import JobFailed
from perfxl.web.round_pages import unit_label
from perfxl.web.state import CHECK_TIMEOUT
from perfxl.web.store import Round, Unit, Version
from perfxl.web.uploads import UploadRefused, receive_upload


async def _unit(request: Request) -> tuple[Unit, Round] | None:
    web = web_of(request)
    return await web.db(web.unit_round, request.path_params["token"])


async def _version(request: Request, unit: Unit) -> Version | None:
    web = web_of(request)
    return await web.db(web.store.version, unit.id, request.path_params["n"])


def unit_page(handler: Callable[[Request, Unit, Round], Awaitable[Response]]) -> Handler:
    """A page of the unit's link, handed the unit and its round; an unknown link is a 404
    without a link back (there is nothing to go back to)."""

    @functools.wraps(handler)
    async def with_unit(request: Request) -> Response:
        found = await _unit(request)
        if found is None:
            return not_found(request, back=False)
        return await handler(request, *found)

    return with_unit


def version_page(
    handler: Callable[[Request, Unit, Round, Version], Awaitable[Response]],
) -> Handler:
    """A page of one version (``/v/{n}``) of the unit's link; a 404 when the unit has none."""

    @unit_page
    @functools.wraps(handler)
    async def with_version(request: Request, unit: Unit, rnd: Round) -> Response:
        v = await _version(request, unit)
        if v is None:
            return not_found(request)
        return await handler(request, unit, rnd, v)

    return with_version


async def home(request: Request, error: str | None = None, status: int = 200) -> Response:
    """``/u/{token}``: the upload form and the unit's versions."""
    found = await _unit(request)
    if found is None:  # an unknown link: nothing to go back to
        return not_found(request, back=False)
    unit, rnd = found
    web = web_of(request)
    versions = list(reversed(await web.db(web.store.versions, unit.id)))
    late = rnd.deadline is not None and rnd.deadline < datetime.now(UTC)
    no_template = None
    if rnd.stage != "targets" and await web.db(web.source_submission, rnd, unit) is None:
        no_template = _no_template(rnd)
    ctx = {
        "unit": unit,
        "round": rnd,
        "versions": [(v, views.status_of(v)) for v in versions],
        "error": error,
        "late": late,
        "max_upload": web.max_upload,
        "max_upload_mb": round(web.max_upload / 1024 / 1024),
        "token": unit.token,
        "no_template": no_template,
    }
    return render(request, "unit_home.html", ctx, status)


def _no_template(rnd: Round) -> str:
    """What a unit does when the site cannot make its 监控表 / 自评表: it has no submission of
    the round's source round to make it from (or the round has no source round)."""
    book = STAGE_BOOK.get(rnd.stage, "工作簿")
    source = "绩效目标表" if rnd.stage == "monitoring" else "绩效目标表（或绩效运行监控表）"
    return (
        f"本轮收集的{book}要由本单位自己的{source}生成，每个单位内容不同。"
        f"本网站没有本单位上一轮报送的{source}，所以不能在这里生成空白表。"
        f"请使用县财政局发给本单位的{book}（由本单位的{source}生成），填好后在上面上传；"
        f"如果没有收到，请联系县财政局索取。"
    )


@unit_page
async def upload(request: Request, unit: Unit, _rnd: Round) -> Response:
    """``POST /u/{token}/upload``: stream, refuse or store, then check in the background."""
    web = web_of(request)
    session = request.session
    try:
        got = await receive_upload(
            request.headers,
            request.stream(),
            web.blobs,
            limit=web.max_upload,
            csrf_ok=lambda sent: auth.csrf_ok(session, sent),
        )
    except UploadRefused as exc:
        return await _refused(request, str(exc), exc.status)
    except ClientDisconnect:  # the browser went away mid-upload: the part is already gone
        return Response(status_code=400)
    try:
        reason = await web.pool.run(
            "checks:refuse_reason",
            got.part,
            got.original_name,
            max_bytes=web.max_upload,
            job_timeout=CHECK_TIMEOUT,
        )
    except JobFailed as exc:
        reason = str(exc)
    except BaseException:
        web.blobs.discard(got.part)
        raise
    if reason:
        web.blobs.discard(got.part)
        return await _refused(request, reason, 422)
    try:
        sha, size = await run_in_threadpool(web.blobs.commit, got.part)
    except BaseException:
        web.blobs.discard(got.part)
        raise
    ext = Path(got.original_name).suffix.lower()
    version = await web.db(
        web.store.add_version,
        unit.id,
        sha256=sha,
        size=size,
        original_name=got.original_name,
        ext=ext,
    )
    web.start_check(version)
    return RedirectResponse(f"/u/{unit.token}/v/{version.number}", status_code=303)


async def _refused(request: Request, message: str, status: int) -> Response:
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        # upload.js shows this text as it is: worded for the township here, as the pages are
        return JSONResponse({"error": views.plain(message, township=True)}, status_code=status)
    if status == 403:
        return error_page(request, 403, message)
    return await home(request, error=message, status=status)


@version_page
async def version(request: Request, unit: Unit, rnd: Round, v: Version) -> Response:
    """``/u/{token}/v/{n}``: the check result (正在检查… until it is there)."""
    result = v.result or {}
    between = await web_of(request).db(_between, request, unit, v)
    ctx = {
        "unit": unit,
        "round": rnd,
        "v": v,
        "status": views.status_of(v),
        "result": result,
        "view": views.problem_view(
            list(result.get("problems") or []), list(result.get("rows") or [])
        ),
        "changes": result.get("changes"),
        "message": views.failure_message(v) if v.status == "failed" else None,
        "token": unit.token,
        "between": between,
    }
    return render(request, "version.html", ctx)


def _between(request: Request, unit: Unit, v: Version) -> list[dict[str, Any]]:
    """The problems between this unit and others (a shared 项目编码), when ``v`` is the
    unit's latest version: the county's summary will report them."""
    store = web_of(request).store
    latest = store.latest(unit.round_id)
    mine = latest.get(unit.id)
    if mine is None or mine.id != v.id or v.status != "done":
        return []
    units = store.units(unit.round_id)
    labels = {u.id: unit_label(u) for u in units}
    return views.duplicate_codes(latest, labels).get(unit.id, [])


async def status(request: Request) -> Response:
    """``/u/{token}/v/{n}/status``: JSON for the page's progress display."""
    found = await _unit(request)
    if found is None:
        return JSONResponse({"error": "没有找到这个版本。"}, status_code=404)
    unit, _rnd = found
    v = await _version(request, unit)
    if v is None:
        return JSONResponse({"error": "没有找到这个版本。"}, status_code=404)
    shown = views.status_of(v)
    return JSONResponse(
        {
            "status": v.status,
            "kind": shown.kind,
            "label": shown.label,
            "number": v.number,
            "errors": v.errors,
            "warnings": v.warnings,
            "infos": v.infos,
            "url": f"/u/{unit.token}/v/{v.number}",
        }
    )


@version_page
async def file(request: Request, unit: Unit, _rnd: Round, v: Version) -> Response:
    """``/u/{token}/v/{n}/file``: the unit's own upload."""
    return original_download(web_of(request), v, unit) or not_found(request)


@version_page
async def annotated(request: Request, unit: Unit, _rnd: Round, v: Version) -> Response:
    """``/u/{token}/v/{n}/annotated``: the unit's upload with the problems marked."""
    return await annotated_download(request, v, unit)


@unit_page
async def template(request: Request, unit: Unit, rnd: Round) -> Response:
    """``/u/{token}/template``: the blank workbook of the round for this unit."""
    web = web_of(request)
    source = None
    if rnd.stage != "targets":
        previous = await web.db(web.source_submission, rnd, unit)
        if previous is not None:
            try:
                source = web.blobs.path(previous.sha256)
            except KeyError:
                source = None
        if source is None:  # the page offers no link then; a bookmark gets the same advice
            return error_page(request, 400, _no_template(rnd), "本单位的空白表无法在这里生成")
    book = STAGE_BOOK.get(rnd.stage, "工作簿")
    from perfxl.web.staging import unit_stem

    name = f"{unit_stem(unit.code, unit.name)}-{rnd.year}年{book}.xlsx"
    return await template_download(request, rnd, source, name, "暂时无法提供模板")
