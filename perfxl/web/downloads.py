"""The files a version or round offers for download, made in the process pool when needed:
the upload as it came, its annotated copy, the blank template (county and unit pages)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from perfxl.web import views
from perfxl.web.admin import version_page
from perfxl.web.pages import (
    download,
    error_page,
    not_found,
    web_of,
)
from perfxl.web.pool import JobFailed
from perfxl.web.state import Web, remove_tree
from perfxl.web.store import Round, Unit, Version


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
