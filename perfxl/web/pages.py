"""What every route shares: rendering a page, the Chinese error pages, the admin guard, the
CSRF check of a form, downloads, and the security headers of every response."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from perfxl.web import auth
from perfxl.web.state import Web
from perfxl.web.uploads import declared_over

log = logging.getLogger("perfxl.web")

FORM_LIMIT = 8 * 1024 * 1024  # a form without a workbook (units CSV, config): a few KB at most
# 'self' only; inline SVG charts need no style or script; pages are never framed.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "referrer-policy": "no-referrer",  # upload links carry their token in the URL
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": CSP,
    "cache-control": "no-store",
}


class SecurityHeaders:
    """ASGI middleware: the security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def web_of(request: Request) -> Web:
    """The server's state."""
    web: Web = request.app.state.web
    return web


def is_unit_page(request: Request) -> bool:
    """A township's page (``/u/…``): never the county office's menu, even in a browser that
    is signed in as the county office, and perfxl's messages addressed to the township."""
    return request.url.path.startswith("/u/")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page from ``templates/name`` with the session's CSRF token, the admin flag (the
    county office's menu) and ``unit_page`` (see `is_unit_page`)."""
    unit_page = is_unit_page(request)
    ctx = {
        "csrf": auth.csrf_token(request.session),
        "admin": auth.is_admin(request.session) and not unit_page,
        "unit_page": unit_page,
        **context,
    }
    return web_of(request).pages.TemplateResponse(request, name, ctx, status_code=status)


def back_link(request: Request) -> tuple[str, str] | None:
    """Where an error page leads back to: the page the request came from (the Referer is
    never sent: no-referrer), guessed from the path — a unit's upload page, a round's page,
    the rounds list, the login page."""
    parts = [p for p in request.url.path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "u":
        return f"/u/{parts[1]}", "返回本单位的上传页"
    if len(parts) >= 3 and parts[:2] == ["admin", "rounds"] and parts[2].isdigit():
        return f"/admin/rounds/{parts[2]}", "返回本轮收集情况"
    if parts[:1] == ["admin"]:
        return "/admin", "返回收集轮次列表"
    if parts[:1] in (["login"], ["setup"], ["logout"]):
        return "/login", "返回登录页"
    return None


def error_page(
    request: Request,
    status: int,
    message: str,
    title: str | None = None,
    *,
    back: tuple[str, str] | bool | None = True,
) -> Response:
    """The Chinese page of a refusal or failure (never a traceback), with a link back
    (``back``: True = `back_link`, False = none, or an explicit ``(href, label)``)."""
    if back is True:
        back = back_link(request)
    elif back is False:
        back = None
    titles = {
        400: "无法处理",
        403: "无权访问",
        404: "页面不存在",
        405: "请求方式不对",
        413: "文件太大",
        422: "文件被拒收",
        500: "服务器出错",
    }
    try:
        return render(
            request,
            "error.html",
            {
                "title": title or titles.get(status, "出错了"),
                "message": message,
                "status": status,
                "back": back,
            },
            status,
        )
    except Exception:  # the page itself failed (templates missing?): plain text, still Chinese
        log.exception("错误页面无法显示")
        return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


NOT_FOUND = "没有找到这个页面。上传链接可能有误，请核对县财政局发来的链接。"


def not_found(request: Request, *, back: bool = True) -> Response:
    """404 in Chinese (``back``: offer the link back; not for an unknown upload link)."""
    return error_page(request, 404, NOT_FOUND, back=back)


def admin_guard(request: Request) -> Response | None:
    """None when the county office signed in; else the login redirect (GET, 303) or 403."""
    if auth.is_admin(request.session):
        return None
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
    return error_page(request, 403, "请先登录县财政局管理页面。")


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def safe_next(value: str | None) -> str:
    """Where to go after login: a path on this site only (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin"


CSRF_MESSAGE = "页面已过期或来源不明（安全校验未通过），请返回上一页刷新后重试。"


class FormTooLarge(Exception):
    """A form body over `FORM_LIMIT`."""


async def read_form(request: Request, limit: int = FORM_LIMIT) -> FormData:
    """The request's form (urlencoded or multipart), refusing a body over ``limit`` bytes.

    Raises:
        FormTooLarge: the body is (or says it is) larger than ``limit``.
        MultiPartException: a malformed multipart body.
    """
    if declared_over(request.headers.get("content-length"), limit):
        raise FormTooLarge

    async def limited() -> Any:
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise FormTooLarge
            yield chunk

    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        parser = MultiPartParser(request.headers, limited(), max_files=4, max_fields=50)
        parser.max_part_size = limit
        return await parser.parse()
    if ctype.startswith("application/x-www-form-urlencoded"):
        return await FormParser(request.headers, limited()).parse()
    return FormData()


async def checked_form(request: Request) -> FormData | Response:
    """The form if its ``csrf`` field is the session's token; else the refusal page."""
    try:
        form = await read_form(request)
    except FormTooLarge:
        return error_page(request, 413, "提交的内容太大。单位名单和配置文件通常只有几 KB。")
    except MultiPartException:
        return error_page(request, 400, "提交的表单内容不完整，请返回重试。")
    sent = form.get("csrf")
    if not auth.csrf_ok(request.session, sent if isinstance(sent, str) else None):
        await form.close()
        return error_page(request, 403, CSRF_MESSAGE)
    return form


def download(path: Path, name: str, cleanup: Path | None = None) -> FileResponse:
    """``path`` as an attachment named ``name`` (RFC 5987 for Chinese names); ``cleanup``: a
    scratch folder removed once sent."""
    from perfxl.web.state import remove_tree

    task = None if cleanup is None else BackgroundTask(remove_tree, cleanup)
    return FileResponse(
        path,
        filename=name,
        media_type=_media_type(name),
        content_disposition_type="attachment",
        background=task,
    )


_MEDIA = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".csv": "text/csv; charset=utf-8",
}


def _media_type(name: str) -> str:
    return _MEDIA.get(Path(name).suffix.lower(), "application/octet-stream")
