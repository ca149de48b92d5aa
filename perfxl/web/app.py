"""The ``perfxl serve`` web application: `create_app` wires the routes, sessions and checks.

Routes (exact paths; the browser and load tests use them):

    GET  /                                  -> /admin (signed in) or /login
    GET|POST /setup?token=…                 set the admin password (only while none is set)
    GET|POST /login        POST /logout
    GET  /admin                             rounds
    GET|POST /admin/rounds/new              fields: title, year, stage, deadline, units (file),
                                            config (file, optional), source_round (optional)
    GET  /admin/rounds/{rid}                dashboard
    GET  /admin/rounds/{rid}/units/{uid}    a unit's versions
    GET  /admin/rounds/{rid}/links          upload links    GET …/links.csv
    GET  /admin/rounds/{rid}/template       blank template (targets) or where units get theirs
    POST /admin/rounds/{rid}/summary        build     GET …/summary   GET …/summary.xlsx
    GET  /admin/rounds/{rid}/export.zip
    GET  /admin/versions/{vid}/file         GET /admin/versions/{vid}/annotated
    GET  /u/{token}                         a unit's upload page and versions
    POST /u/{token}/upload                  multipart: csrf (before the file), file
    GET  /u/{token}/v/{n}   …/status (JSON)   …/file   …/annotated
    GET  /u/{token}/template

``…/status`` answers ``{"status": "checking"|"done"|"failed", "kind", "label", "number",
"errors", "warnings", "infos", "url"}``. ``perfxl serve`` prints
``perfxl 网页服务已启动：http://HOST:PORT/`` on stderr once it listens (its last start-up line).

Every form has the hidden field ``csrf`` (upload.js may send the ``X-CSRF-Token`` header
instead); password fields are named ``password`` (setup adds ``password_again``).

Stable element ids and classes for the end-to-end tests:

    every page      <main id="content">; <meta name="csrf-token" content="…">;
                    a refusal or error: <p id="error" class="error">
    /login          <form id="login-form">            /setup  <form id="setup-form">
    /admin          <table id="rounds">, rows <tr data-round-id="…">, <a id="new-round">
                    (no round yet: <p id="no-rounds">)
    rounds/new      <form id="round-form"> (stage is a <select>)
    dashboard       <table id="dashboard">, rows <tr data-unit-code="…" data-status="<kind>">,
                    cells <td class="status status-<kind>"> (kind: missing, checking, failed,
                    errors, warnings, clean), <td class="version">, <td class="time">,
                    <td class="errors">, <td class="warnings">, <td class="change" title="…">
                    (its text in <div class="clamp">, cut to two lines; title: all of it);
                    <ul id="missing"> with <li data-unit-code="…"> (all in: <p id="none-missing">);
                    <section id="counts"> with <span id="count-<kind>">; <form id="summary-form">;
                    links <a id="links-page">, <a id="links-csv">, <a id="round-template">,
                    <a id="export">, and once a summary exists <a id="summary-page">,
                    <a id="download-summary">
    links           <table id="links">, rows <tr data-unit-code="…">, <a class="upload-link">
    summary         <section id="summary">, <div id="chart"> (inline SVG),
                    <table id="summary-units"> rows <tr data-unit-code="…"> and
                    <tr id="summary-total"> (合计: the units' sums); <p id="summary-county">
                    (problems of no unit); <ul id="summary-missing">; none yet: <p id="no-summary">
    admin unit      <section id="versions">, each <section class="version" data-version="n"
                    data-status="…">, its problems <div id="problems-<n>"> (as on the unit's
                    result page)
    /u/{token}      <form id="upload-form" data-max-upload="bytes"> (<div id="drop-zone">,
                    <input name="file" id="file">, <progress id="upload-progress">,
                    <p id="upload-message">, <button id="upload-submit">);
                    <table id="versions"> rows <tr data-version="n" data-status="<kind>">
                    (none yet: <p id="no-versions">); <a id="template"> (or, when the
                    site cannot make the unit's 监控表/自评表: <p id="no-template">);
                    <strong id="deadline">
    /u/{token}/v/n  <section id="check" data-status="checking|done|failed"
                    data-kind="<kind>">; checking: <p id="checking">; done:
                    <span id="count-errors">, <span id="count-warnings">,
                    <span id="count-infos">; <div id="problems"> (no problem:
                    <p id="problems" class="clean">) holding the errors' <table
                    data-list="problems"> then one <details class="group" data-rule="…"
                    data-count="n"> per warning/info rule (open while ≤ 10 of them), each
                    with its <table data-list="problems">; their rows
                    <tr class="problem severity-<severity>" data-rule="…"> with cells
                    td.severity, td.sheet, td.cell, td.message, td.fix; after each table its
                    affected rows <div class="affected"> (marked cells
                    <td class="marked severity-<severity>">);
                    <section id="changes">; <a id="download-annotated">, <a id="download-file">,
                    <a id="upload-again">
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.convertors import register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from perfxl.web import admin, downloads, round_pages, unit
from perfxl.web.blobs import BlobStore
from perfxl.web.ids import IdConvertor
from perfxl.web.pages import SECURITY_HEADERS, SecurityHeaders, error_page
from perfxl.web.pool import CheckPool
from perfxl.web.staging import MAX_UPLOAD_BYTES
from perfxl.web.state import HERE, Web, templates
from perfxl.web.store import Store

log = logging.getLogger("perfxl.web")

SESSION_COOKIE = "perfxl_session"
SESSION_AGE = 12 * 3600  # a working day; the township's CSRF token lives as long


def routes() -> list[Route | Mount]:
    """The URL map (see the module docstring). Ids and version numbers are ``{…:id}``: an
    int within SQLite's INTEGER, anything larger an unknown id (`perfxl.web.ids`)."""
    register_url_convertor("id", IdConvertor())
    get, post, both = ["GET"], ["POST"], ["GET", "POST"]
    rid = "/admin/rounds/{rid:id}"
    u = "/u/{token:str}"
    return [
        Route("/", admin.home, methods=get),
        Route("/setup", admin.setup, methods=both),
        Route("/login", admin.login, methods=both),
        Route("/logout", admin.logout, methods=post),
        Route("/admin", admin.rounds, methods=get),
        Route("/admin/rounds/new", admin.new_round, methods=both),
        Route(rid, round_pages.dashboard, methods=get),
        Route(rid + "/units/{uid:id}", round_pages.unit_versions, methods=get),
        Route(rid + "/links", round_pages.links, methods=get),
        Route(rid + "/links.csv", round_pages.links_csv, methods=get),
        Route(rid + "/template", round_pages.round_template, methods=get),
        Route(rid + "/summary", round_pages.show_summary, methods=get),
        Route(rid + "/summary", round_pages.build_summary, methods=post),
        Route(rid + "/summary.xlsx", round_pages.summary_xlsx, methods=get),
        Route(rid + "/export.zip", round_pages.export_zip, methods=get),
        Route("/admin/versions/{vid:id}/file", downloads.version_file, methods=get),
        Route("/admin/versions/{vid:id}/annotated", downloads.version_annotated, methods=get),
        Route(u, unit.home, methods=get),
        Route(u + "/upload", unit.upload, methods=post),
        Route(u + "/template", unit.template, methods=get),
        Route(u + "/v/{n:id}", unit.version, methods=get),
        Route(u + "/v/{n:id}/status", unit.status, methods=get),
        Route(u + "/v/{n:id}/file", unit.file, methods=get),
        Route(u + "/v/{n:id}/annotated", unit.annotated, methods=get),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    messages = {
        404: "没有找到这个页面。上传链接可能有误，请核对县财政局发来的链接。",
        405: "不支持这种请求方式，请通过页面上的按钮和表单操作。",
    }
    return error_page(request, status, messages.get(status, "请求无法处理，请返回上一页重试。"))


async def _server_error(request: Request, exc: Exception) -> Response:
    # Outside the middleware stack: the security headers are added here by hand.
    log.error("处理 %s %s 时出错", request.method, request.url.path, exc_info=exc)
    message = "服务器处理请求时出错，已记录在服务器日志中。请稍后重试；如仍出错请联系县财政局。"
    try:
        response = error_page(request, 500, message)
    except Exception:  # no session (the error came before it): plain text
        response = Response(message, status_code=500, media_type="text/plain; charset=utf-8")
    response.headers.update(SECURITY_HEADERS)
    return response


def create_app(
    data: Path,
    *,
    db_url: str | None = None,
    max_upload: int = MAX_UPLOAD_BYTES,
    workers: int = 2,
    setup_token: str | None = None,
) -> Starlette:
    """The web application over the data folder ``data``.

    Args:
        data: where the database (SQLite default), the uploads (``blobs/``) and the temp
            files (``tmp/``) live; created when missing.
        db_url: a SQLAlchemy URL instead (``postgresql+psycopg://…``).
        max_upload: the largest upload accepted, in bytes.
        workers: processes checking uploads.
        setup_token: the one-time token of ``/setup`` (a new one is made while no admin
            password is set; ``app.state.web.setup_token`` holds it).
    """
    data.mkdir(parents=True, exist_ok=True)
    store = Store.for_data(data, db_url)
    store.create_all()
    web = Web(
        data=data,
        store=store,
        blobs=BlobStore(data),
        pool=CheckPool(workers),
        pages=templates(),
        max_upload=max_upload,
        setup_token=None,
    )
    if web.needs_setup():
        web.setup_token = setup_token or secrets.token_urlsafe(24)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        web.blobs.clean_tmp()
        web.clean_scratch()
        n = await web.recheck_pending()
        if n:
            log.warning("重新检查上次未完成的 %d 个版本", n)
        try:
            yield
        finally:
            await web.drain()
            web.pool.shutdown()
            store.close()

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=store.secret_key(),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_AGE,
                same_site="lax",
            ),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.web = web
    return app
