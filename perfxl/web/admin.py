"""The county office's sign-in and rounds, and the guard of its pages (`admin_page`,
`round_page`, `version_page`)."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from perfxl.web import auth
from perfxl.web.ids import parse_id
from perfxl.web.labels import STAGE_ZH
from perfxl.web.pages import (
    admin_guard,
    checked_form,
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
MAX_CODE = 64  # characters of a unit code (the units table's column)
# Characters of a unit's name: a Chinese unit name is rarely over 50; the name ends up in
# download and zip folder names (`staging.safe_part` keeps those safe whatever it holds).
MAX_UNIT_NAME = 64


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
    if web.logins.locked(client):
        ctx = {"next": nxt, "error": _LOCKED, "setup": needs_setup}
        return render(request, "login.html", ctx, 429)
    stored = await web.db(web.store.setting, auth.PASSWORD_SETTING)
    ok = await run_in_threadpool(auth.verify_password, _text(form.get("password")), stored)
    if not ok:
        web.logins.failed(client)
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
    fields = ("title", "year", "stage", "deadline", "source_round")
    values = {k: _without_controls(_text(form.get(k))).strip() for k in fields}
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
        source_id = parse_id(source)
        if source_id is None or await web.db(web.store.round, source_id) is None:
            raise _Refused("所选的上一轮收集不存在。")
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
    # Year 1 or 9999 overflows on the way to UTC (or back to local time on every page);
    # a far placeholder like 2999-12-31 stays allowed.
    if not 2000 <= value.year <= 2999:
        raise _Refused(f"截止时间“{text}”不在 2000–2999 年之间。")
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
    for code, _name in expected:
        if len(code) > MAX_CODE:
            raise _Refused(
                f"应报单位名单“{upload.filename}”中的单位编码“{code[:40]}…”"
                f"超过 {MAX_CODE} 个字符，请核对单位编码一列。"
            )
        if _without_controls(code) != code:  # PostgreSQL refuses a NUL in a text column
            raise _Refused(
                f"应报单位名单“{upload.filename}”中的单位编码“{_without_controls(code)}”"
                "含有不可见的控制字符，请在 Excel 中重新输入后另存。"
            )
    for code, name in expected:
        if name and len(name) > MAX_UNIT_NAME:
            raise _Refused(
                f"应报单位名单“{upload.filename}”中单位编码 {_without_controls(code)} 的单位名称"
                f"“{_without_controls(name)[:20]}…”有 {len(name)} 个字符，超过 {MAX_UNIT_NAME} 个，"
                "请核对单位名称一列（是否把几列内容粘贴到了一格中）。"
            )
    return [(code, _without_controls(name) or None if name else None) for code, name in expected]


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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _without_controls(text: str) -> str:
    """``text`` without control characters (NUL, which PostgreSQL refuses, tabs, line breaks);
    a full-width space stays."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
