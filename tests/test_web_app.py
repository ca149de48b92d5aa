"""The web app through Starlette's TestClient (httpx2): sessions, CSRF, one unit's link never
reaching another's versions, uploads refused or checked, downloads, error pages.

One app (with its process pool) serves the whole module; each test opens its own round, so
the tests do not depend on one another. Cookies are switched per identity (admin, anonymous
township, nobody) with `identity`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx2
import openpyxl
import pytest
import web_fixtures as wf
from books import bad_corpus
from conftest import ROOT
from starlette.testclient import TestClient

from perfxl.web import auth
from perfxl.web.app import create_app
from perfxl.web.pool import CheckPool, JobFailed, WorkerCrashed

PASSWORD = "县财政局-单元测试-口令"
CJK = re.compile(r"[\u4e00-\u9fff]")
LINK_RE = re.compile(r"/u/([A-Za-z0-9_-]+)")
CHECK_TIMEOUT = 180.0
SECURITY = {
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


class Site:
    """The module's app, its client and every response seen (for the traceback check)."""

    def __init__(self, client: TestClient, data: Path, app: Any) -> None:
        self.c = client
        self.data = data
        self.app = app
        self.web = app.state.web
        self.seen: list[httpx2.Response] = []
        client.event_hooks["response"].append(self._keep)

    def _keep(self, response: httpx2.Response) -> None:
        response.read()
        self.seen.append(response)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("web-app") / "数据"
    app = create_app(data, workers=1)
    app.state.web.store.set_setting(auth.PASSWORD_SETTING, auth.hash_password(PASSWORD))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield Site(client, data, app)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first township's workbook with an error and a warning planted, and clean."""
    folder = tmp_path_factory.mktemp("books")
    unit = wf.town_units(1)[0]
    return {
        "faulty": wf.township_book(folder, 0, unit, (wf.ERROR, wf.WARNING)),
        "clean": wf.township_book(folder, 0, unit),
    }


def identity(site: Site, who: str) -> AbstractContextManager[None]:
    """Requests made inside come from ``who``: "admin" (signed in), else a fresh browser."""
    return wf.identity(site.c, PASSWORD, who)


def open_round(
    site: Site,
    tmp_path: Path,
    n: int = 3,
    config: str | None = wf.ROUND_CONFIG,
    deadline: str = "",
) -> tuple[int, dict[str, str]]:
    """A new round of ``n`` township units through the admin's form; (id, code -> token)."""
    units_csv = wf.write_units_csv(tmp_path / "units.csv", wf.town_units(n))
    with identity(site, "admin"):
        page = site.c.get("/admin/rounds/new")
        files = {"units": ("应报单位.csv", units_csv.read_bytes(), "text/csv")}
        if config is not None:
            files["config"] = ("县级配置.toml", config.encode("utf-8"), "application/toml")
        r = site.c.post(
            "/admin/rounds/new",
            data={
                "csrf": wf.csrf_of(page.text),
                "year": "2023",
                "stage": "targets",
                "title": "",
                "deadline": deadline,
            },
            files=files,
        )
        assert r.status_code == 303, r.text
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        csv_text = site.c.get(f"/admin/rounds/{rid}/links.csv").content.decode("utf-8-sig")
    tokens = {}
    for line in csv_text.splitlines()[1:]:
        code, _name, url = line.split(",")
        m = LINK_RE.search(url)
        assert m
        tokens[code] = m.group(1)
    return rid, tokens


def upload(site: Site, token: str, path: Path, name: str | None = None) -> httpx2.Response:
    """Upload as the page's form does (csrf field first, then the file)."""
    page = site.c.get(f"/u/{token}")
    assert page.status_code == 200, page.text
    return site.c.post(
        f"/u/{token}/upload",
        data={"csrf": wf.csrf_of(page.text)},
        files={"file": (name or path.name, path.read_bytes(), "application/octet-stream")},
    )


def wait_checked(site: Site, token: str, n: int) -> dict[str, Any]:
    """Poll the version's status until the check is done (deadline: CHECK_TIMEOUT)."""
    deadline = time.monotonic() + CHECK_TIMEOUT
    pause = threading.Event()
    while True:
        status: dict[str, Any] = site.c.get(f"/u/{token}/v/{n}/status").json()
        if status["status"] != "checking":
            return status
        assert time.monotonic() < deadline, status
        pause.wait(0.1)  # only keeps the loop from spinning; the condition decides


def stored_versions(site: Site, token: str) -> list[Any]:
    unit = site.web.store.unit_by_token(token)
    return site.web.store.versions(unit.id)


# --- sessions and CSRF ----------------------------------------------------------------------


def test_admin_pages_need_the_session(site: Site, tmp_path: Path) -> None:
    rid, tokens = open_round(site, tmp_path)
    with identity(site, "nobody"):
        for path in (
            "/admin",
            "/admin/rounds/new",
            f"/admin/rounds/{rid}",
            f"/admin/rounds/{rid}/units/1",
            f"/admin/rounds/{rid}/links",
            f"/admin/rounds/{rid}/links.csv",
            f"/admin/rounds/{rid}/template",
            f"/admin/rounds/{rid}/summary",
            f"/admin/rounds/{rid}/summary.xlsx",
            f"/admin/rounds/{rid}/export.zip",
            "/admin/versions/1/file",
            "/admin/versions/1/annotated",
        ):
            r = site.c.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login?next="), path
            assert tokens[next(iter(tokens))] not in r.text
        page = site.c.get("/login")
        for path in ("/admin/rounds/new", f"/admin/rounds/{rid}/summary"):
            r = site.c.post(path, data={"csrf": wf.csrf_of(page.text)})
            assert r.status_code == 403, path
            assert "请先登录" in r.text
    assert site.c.get("/").headers["location"] == "/login"


def test_login_refuses_a_wrong_password_and_logout_ends_the_session(site: Site) -> None:
    with identity(site, "nobody"):
        page = site.c.get("/login")
        r = site.c.post("/login", data={"csrf": wf.csrf_of(page.text), "password": "不对的口令123"})
        assert r.status_code == 400 and "密码不正确" in r.text
        assert site.c.get("/admin").status_code == 303
    with identity(site, "admin"):
        page = site.c.get("/admin")
        assert page.status_code == 200 and 'id="new-round"' in page.text
        assert site.c.post("/logout", data={"csrf": "错的"}).status_code == 403
        assert site.c.get("/admin").status_code == 200  # a forged logout did nothing
        r = site.c.post("/logout", data={"csrf": wf.csrf_of(page.text)})
        assert r.status_code == 303
        assert site.c.get("/admin").status_code == 303


def test_login_redirects_only_within_the_site(site: Site) -> None:
    with identity(site, "nobody"):
        page = site.c.get("/login?next=//evil.example/x")
        r = site.c.post(
            "/login",
            data={
                "csrf": wf.csrf_of(page.text),
                "password": PASSWORD,
                "next": "https://evil.example/",
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/admin"


def test_every_post_needs_the_csrf_token(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    with identity(site, "admin"):
        page = site.c.get("/admin/rounds/new")
        units = {"units": ("u.csv", b"unit_code,unit_name\n910001,x\n", "text/csv")}
        for sent in ({}, {"csrf": "forged"}):
            r = site.c.post(
                "/admin/rounds/new", data={**sent, "year": "2023", "stage": "targets"}, files=units
            )
            assert r.status_code == 403 and "安全校验未通过" in r.text
            r = site.c.post(f"/admin/rounds/{rid}/summary", data=sent)
            assert r.status_code == 403
        assert wf.csrf_of(page.text)  # the real token was there all along
    with identity(site, "township"):
        site.c.get(f"/u/{token}")
        body = books["faulty"].read_bytes()
        for data in ({}, {"csrf": "forged"}):
            r = site.c.post(f"/u/{token}/upload", data=data, files={"file": ("a.xlsx", body)})
            assert r.status_code == 403, r.text
            assert CJK.search(r.text)
        r = site.c.post(
            f"/u/{token}/upload",
            files={"file": ("a.xlsx", body)},
            headers={"X-CSRF-Token": "forged"},
        )
        assert r.status_code == 403
    assert stored_versions(site, token) == []
    assert not list((site.data / "tmp").glob("*.part"))


def test_setup_link_sets_the_password_once(tmp_path: Path) -> None:
    app = create_app(tmp_path / "data", workers=1)
    token = app.state.web.setup_token
    assert token
    with TestClient(app, follow_redirects=False) as c:
        assert c.get("/setup").status_code == 403
        assert c.get("/setup?token=wrong").status_code == 403
        page = c.get(f"/setup?token={token}")
        assert page.status_code == 200 and 'id="setup-form"' in page.text
        form = {"csrf": wf.csrf_of(page.text), "token": token}
        r = c.post("/setup", data={**form, "password": "short", "password_again": "short"})
        assert r.status_code == 400 and "至少需要 8 个字符" in r.text
        r = c.post(
            "/setup", data={**form, "password": "新密码-12345", "password_again": "不一样的-12345"}
        )
        assert r.status_code == 400 and "不一致" in r.text
        r = c.post(
            "/setup", data={**form, "password": "新密码-12345", "password_again": "新密码-12345"}
        )
        assert r.status_code == 303 and r.headers["location"] == "/admin"
        assert c.get("/admin").status_code == 200
        assert c.get(f"/setup?token={token}").status_code == 404
    stored = app.state.web.store.setting(auth.PASSWORD_SETTING)
    assert stored.startswith("scrypt$16384$8$1$") and auth.verify_password("新密码-12345", stored)
    assert not auth.verify_password("新密码-1234", stored)


# --- a unit's link reaches only its own versions -------------------------------------------


def test_a_units_link_never_reaches_another_units_versions(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    rid, tokens = open_round(site, tmp_path)
    a, b = tokens["910001"], tokens["910002"]
    with identity(site, "township-b"):
        r = upload(site, b, books["clean"], "王虎寨镇.xlsx")
        assert r.status_code == 303 and r.headers["location"] == f"/u/{b}/v/1"
        wait_checked(site, b, 1)
        page_b = site.c.get(f"/u/{b}").text
        assert "王虎寨镇.xlsx" in page_b
    b_before = stored_versions(site, b)
    with identity(site, "township-a"):
        page_a = site.c.get(f"/u/{a}").text
        assert "王虎寨镇.xlsx" not in page_a and 'id="no-versions"' in page_a
        for suffix in ("", "/status", "/file", "/annotated"):
            r = site.c.get(f"/u/{a}/v/1{suffix}")
            assert r.status_code == 404, suffix
            assert "王虎寨镇" not in r.text
        for path in (
            "/admin/versions/1/file",
            f"/admin/rounds/{rid}",
            f"/admin/rounds/{rid}/export.zip",
        ):
            assert site.c.get(path).status_code == 303  # to the login page
        # A's own upload becomes A's version 1; B's version 1 is untouched.
        r = upload(site, a, books["faulty"])
        assert r.headers["location"] == f"/u/{a}/v/1"
        wait_checked(site, a, 1)
        # Unknown or mangled tokens find nothing.
        for bad in ("x" * 32, b[:-1], b + "x", "..%2F..%2Fadmin"):
            r = site.c.get(f"/u/{bad}")
            assert r.status_code == 404 and "没有找到" in r.text
            r = site.c.post(f"/u/{bad}/upload", files={"file": ("a.xlsx", b"PK")})
            assert r.status_code == 404
    assert stored_versions(site, b) == b_before
    assert [v.original_name for v in stored_versions(site, a)] == [books["faulty"].name]


# --- checks, problems, downloads, dashboard -------------------------------------------------


def test_planted_faults_are_shown_then_the_fixed_version_is_clean(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    with identity(site, "township"):
        r = upload(site, token, books["faulty"])
        assert r.status_code == 303
        status = wait_checked(site, token, 1)
        assert status["status"] == "done" and status["kind"] == "errors"
        assert (status["errors"], status["warnings"]) == (1, 1)
        page = site.c.get(f"/u/{token}/v/1").text
        assert 'data-status="done"' in page
        table = page[page.index('<div id="problems"') : page.index("</main>")]
        rules = re.findall(r'<tr class="problem[^"]*" data-rule="([^"]+)"', table)
        assert rules == [wf.ERROR_RULE, wf.WARNING_RULE]  # errors first
        # One warning: its group shows open.
        assert f'<details class="group severity-warning" data-rule="{wf.WARNING_RULE}"' in table
        assert f">{wf.ERROR_CELL}<" in table and f">{wf.WARNING_CELL}<" in table
        assert "修改建议" in table and "与预算数" in table
        rows = page[page.index('<div class="affected"') :]
        assert 'class="marked severity-error"' in rows and 'class="marked severity-warning"' in rows
        assert 'id="download-annotated"' in page

        annotated = site.c.get(f"/u/{token}/v/1/annotated")
        assert annotated.status_code == 200
        disposition = annotated.headers["content-disposition"]
        assert disposition.startswith("attachment; filename*=utf-8''910001-")
        wb = openpyxl.load_workbook(io.BytesIO(annotated.content))
        sheet = next(ws for ws in wb.worksheets if ws[wf.ERROR_CELL].comment is not None)
        assert "预算数" in sheet[wf.ERROR_CELL].comment.text
        assert "校验结果" in wb.sheetnames

        original = site.c.get(f"/u/{token}/v/1/file")
        assert original.content == books["faulty"].read_bytes()

    with identity(site, "admin"):
        dash = site.c.get(f"/admin/rounds/{rid}").text
        row = _row(dash, "910001")
        assert 'class="status status-errors"' in row and "有错误" in row
        assert '<td class="errors">1</td>' in row and '<td class="warnings">1</td>' in row
        assert 'data-status="missing"' in _row(dash, "910002")
        assert re.search(r'<li data-unit-code="910003">', dash)

    with identity(site, "township"):
        r = upload(site, token, books["clean"])
        assert r.headers["location"] == f"/u/{token}/v/2"
        assert wait_checked(site, token, 2)["kind"] == "clean"
        home = site.c.get(f"/u/{token}").text
        assert re.search(r'<tr data-version="2" data-status="clean">', home)
        assert re.search(r'<tr data-version="1" data-status="errors">', home)

    with identity(site, "admin"):
        dash = site.c.get(f"/admin/rounds/{rid}").text
        row = _row(dash, "910001")
        assert "无问题" in row and "版本 2" in row
        change = re.search(
            r'<td class="change" title="([^"]*)"><div class="clamp">([^<]*)</div>', row
        )
        assert change and "123.13" in change.group(2)  # the fixed 财政资金, from the diff
        assert change.group(1) == change.group(2)  # the whole text, however the cell cuts it
        unit_page = site.c.get(f"/admin/rounds/{rid}/units/{_unit_id(site, token)}").text
        assert 'data-version="1"' in unit_page and 'data-version="2"' in unit_page


def test_a_real_workbooks_many_problems_are_grouped_and_folded(site: Site, tmp_path: Path) -> None:
    """examples/suying-2023 (a real 目标表: about 260 warnings and infos) with an error
    planted: the counts at the top, the errors in full with their rows right after them, the
    warnings and infos one folded <details> per rule (its kind and count), each opening onto
    its rows."""
    from perfxl.web import views

    data = json.loads((ROOT / "examples" / "suying-2023.json").read_text(encoding="utf-8"))
    book = wf.write_book(wf.plant(data, (wf.ERROR,)), tmp_path / "苏营镇-2023.xlsx")
    _rid, tokens = open_round(site, tmp_path, n=1, config=None)  # perfxl's defaults
    token = tokens["910001"]
    with identity(site, "township"):
        upload(site, token, book)
        status = wait_checked(site, token, 1)
        page = site.c.get(f"/u/{token}/v/1").text
    assert status["warnings"] + status["infos"] > 100, status
    top = page.index('id="count-warnings"')
    assert top < page.index('<div id="problems"'), "the counts come before the problems"
    listing = page[page.index('<div id="problems"') : page.index("</main>")]
    errors = listing[: listing.index('<section class="groups">')]
    assert errors.count('<tr class="problem severity-error"') == status["errors"] >= 1
    assert "<details" not in errors and '<div class="affected">' in errors
    groups = re.findall(
        r'<details class="group severity-(\w+)" data-rule="([^"]+)" data-count="(\d+)"( open)?>'
        r"\s*<summary>(.*?)</summary>",
        listing,
        re.S,
    )
    assert len(groups) >= 3
    assert not any(g[3] for g in groups), "many warnings: every group folded"
    counts = {sev: sum(int(g[2]) for g in groups if g[0] == sev) for sev in ("warning", "info")}
    assert counts == {"warning": status["warnings"], "info": status["infos"]}
    assert [g[0] for g in groups] == sorted((g[0] for g in groups), key="warning info".find)
    summaries = {rule: text for _sev, rule, _n, _open, text in groups}
    assert "指标值" in summaries.get("indicator.description_repeats", "") or all(
        CJK.search(t) for t in summaries.values()
    )
    assert all(CJK.search(t) and re.search(r"\d+</span> 处", t) for t in summaries.values())
    # A rule with many problems opens onto the first few of its rows.
    big = max(groups, key=lambda g: int(g[2]))
    body = listing[listing.index(f'data-rule="{big[1]}" data-count') :]
    body = body[: body.index("</details>")]
    assert 1 <= body.count('<div class="grid-row">') <= views.ROWS_PER_GROUP
    assert body.count('<tr class="problem') == int(big[2])
    assert "white-space: nowrap" in site.c.get("/static/perfxl.css").text


def _row(page: str, code: str) -> str:
    start = page.index(f'<tr data-unit-code="{code}"')
    return page[start : page.index("</tr>", start)]


def _unit_id(site: Site, token: str) -> int:
    unit = site.web.store.unit_by_token(token)
    assert unit is not None
    return unit.id


def test_summary_export_and_links(site: Site, tmp_path: Path, books: dict[str, Path]) -> None:
    rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    with identity(site, "township"):
        upload(site, token, books["faulty"])
        wait_checked(site, token, 1)
        upload(site, token, books["clean"])
        wait_checked(site, token, 2)
    with identity(site, "admin"):
        links = site.c.get(f"/admin/rounds/{rid}/links").text
        assert 'id="links"' in links and f"/u/{token}" in links
        dash = site.c.get(f"/admin/rounds/{rid}").text
        r = site.c.post(f"/admin/rounds/{rid}/summary", data={"csrf": wf.csrf_of(dash)})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/rounds/{rid}/summary"
        page = site.c.get(f"/admin/rounds/{rid}/summary").text
        assert '<div id="chart"' in page and "<svg" in page
        assert "consolidate" not in page and "<code>" not in page  # no command names
        assert '<tr data-unit-code="910001">' in page
        assert '<li data-unit-code="910002">' in page  # missing
        xlsx = site.c.get(f"/admin/rounds/{rid}/summary.xlsx")
        assert xlsx.status_code == 200, xlsx.text
        assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
        export = site.c.get(f"/admin/rounds/{rid}/export.zip")
        assert export.status_code == 200, export.text
        with zipfile.ZipFile(io.BytesIO(export.content)) as z:
            names = z.namelist()
            assert sum(n.startswith("910001-") for n in names) == 2
            sums = z.read("SHA256SUMS").decode()
            for v in stored_versions(site, token):
                assert v.sha256 in sums
        template = site.c.get(f"/admin/rounds/{rid}/template")
        assert template.status_code == 200, template.text
        assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames
    assert not list((site.data / "tmp").glob("dl-*"))  # download scratch folders removed


@pytest.mark.parametrize(("deadline", "late"), [("2000-01-31", True), ("2999-12-31 17:00", False)])
def test_a_version_uploaded_after_the_deadline_is_marked_late(
    site: Site, tmp_path: Path, books: dict[str, Path], deadline: str, late: bool
) -> None:
    rid, tokens = open_round(site, tmp_path, n=2, deadline=deadline)
    token = tokens["910001"]
    with identity(site, "township"):
        assert upload(site, token, books["clean"]).status_code == 303
        wait_checked(site, token, 1)
        home = site.c.get(f"/u/{token}").text
        assert ("已过截止时间" in home) is late
        assert ('class="late"' in home) is late
        assert ('class="late"' in site.c.get(f"/u/{token}/v/1").text) is late
    with identity(site, "admin"):
        dash = site.c.get(f"/admin/rounds/{rid}").text
        assert ('<span class="late"' in _row(dash, "910001")) is late
        assert 'class="late"' not in _row(dash, "910002")  # nothing uploaded: not late
        unit_page = site.c.get(f"/admin/rounds/{rid}/units/{_unit_id(site, token)}").text
        assert ('class="late"' in unit_page) is late
        export = site.c.get(f"/admin/rounds/{rid}/export.zip")
        with zipfile.ZipFile(io.BytesIO(export.content)) as z:
            rows = list(csv.reader(io.StringIO(z.read("清单.csv").decode("utf-8-sig"))))
    assert rows[0][-1] == "是否逾期"
    assert [r[-1] for r in rows[1:]] == (["逾期"] if late else [""])


# --- refusals ---------------------------------------------------------------------------------


mbc = bad_corpus()


def test_the_hostile_corpus_is_refused_and_nothing_is_stored(site: Site, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    made = mbc.make_corpus(corpus, libreoffice=False, bomb_mb=60)
    refused = [c for c in made if c.outcome in ("unreadable", "not_perfxl")]
    assert len(refused) >= 10
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910003"]
    blobs_before = sorted(p.name for p in (site.data / "blobs").rglob("*") if p.is_file())
    with identity(site, "township"):
        for case in refused:
            r = upload(site, token, corpus / case.name)
            assert r.status_code in (400, 413, 422), (case.name, r.status_code)
            message = re.search(r'<p id="error" class="error">([^<]+)</p>', r.text)
            assert message, (case.name, r.text[:2000])
            assert CJK.search(message.group(1)), case.name
            assert str(tmp_path) not in r.text and ".part" not in r.text
        assert site.c.get(f"/u/{token}").status_code == 200  # still serving
    assert stored_versions(site, token) == []
    assert sorted(p.name for p in (site.data / "blobs").rglob("*") if p.is_file()) == blobs_before
    assert not list((site.data / "tmp").glob("*.part"))


def test_wrong_extension_and_empty_file_are_refused(site: Site, tmp_path: Path) -> None:
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910002"]
    doc = tmp_path / "说明.docx"
    doc.write_bytes(b"PK\x03\x04 not really")
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    with identity(site, "township"):
        r = upload(site, token, doc)
        assert r.status_code == 422 and "说明.docx" in r.text and ".xlsx" in r.text
        r = upload(site, token, empty)
        assert r.status_code == 400 and "空的" in r.text
        page = site.c.get(f"/u/{token}")
        r = site.c.post(  # a browser's form with no file chosen
            f"/u/{token}/upload",
            data={"csrf": wf.csrf_of(page.text)},
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert r.status_code == 400 and "请先选择" in r.text
    assert stored_versions(site, token) == []


def test_an_upload_over_the_limit_is_refused_as_it_arrives(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    limit = site.web.max_upload
    site.web.max_upload = 4096
    try:
        with identity(site, "township"):
            # Declared too large: refused before the body is read.
            r = upload(site, token, books["faulty"])
            assert r.status_code == 413 and "文件太大" in r.text
            # No Content-Length (chunked): refused when the bytes pass the limit.
            page = site.c.get(f"/u/{token}")
            boundary = "----perfxltest"
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
                f"{wf.csrf_of(page.text)}\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="大.xlsx"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()

            def body() -> Iterator[bytes]:
                yield head
                for _ in range(8):
                    yield b"0" * 1024
                yield f"\r\n--{boundary}--\r\n".encode()

            r = site.c.post(
                f"/u/{token}/upload",
                content=body(),
                headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            )
            assert r.status_code == 413 and "文件太大" in r.text
    finally:
        site.web.max_upload = limit
    assert stored_versions(site, token) == []
    assert not list((site.data / "tmp").glob("*.part"))


def test_a_crashed_check_marks_the_version_failed(
    site: Site, tmp_path: Path, books: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910002"]
    real_run = site.web.pool.run

    async def crashing(job: Any, *args: Any, **kwargs: Any) -> Any:
        if job == "checks:check_submission":
            raise WorkerCrashed("检查这个文件时读取程序意外退出（测试）。")
        return await real_run(job, *args, **kwargs)

    monkeypatch.setattr(site.web.pool, "run", crashing)
    with identity(site, "township"):
        upload(site, token, books["clean"])
        status = wait_checked(site, token, 1)
        assert status["status"] == "failed" and status["kind"] == "failed"
        page = site.c.get(f"/u/{token}/v/1")
        assert page.status_code == 200 and "意外退出（测试）" in page.text


def test_the_county_reads_a_failed_check_in_its_own_words(
    site: Site, tmp_path: Path, books: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed check's message tells the township to ask the county (请联系县财政局); the
    county's unit page and its dashboard say what the county can do instead (ask the unit,
    look at the file and the log), with the same cause."""
    from perfxl.web.pool import CRASH_MESSAGE

    rid, tokens = open_round(site, tmp_path)
    token = tokens["910003"]
    real_run = site.web.pool.run

    async def crashing(job: Any, *args: Any, **kwargs: Any) -> Any:
        if job == "checks:check_submission":
            raise WorkerCrashed(CRASH_MESSAGE)
        return await real_run(job, *args, **kwargs)

    monkeypatch.setattr(site.web.pool, "run", crashing)
    with identity(site, "township"):
        upload(site, token, books["clean"])
        assert wait_checked(site, token, 1)["status"] == "failed"
        township = site.c.get(f"/u/{token}/v/1").text
    assert "请联系县财政局" in township  # the township asks the county
    with identity(site, "admin"):
        unit_page = site.c.get(f"/admin/rounds/{rid}/units/{_unit_id(site, token)}").text
        dashboard = site.c.get(f"/admin/rounds/{rid}").text
    said = re.search(r'<p class="error[^"]*">([^<]+)</p>', unit_page)
    assert said, unit_page[:3000]
    cause = "检查这个文件时读取程序意外退出（文件可能已损坏或结构异常）。"
    assert said.group(1).startswith(cause) and "可请该单位" in said.group(1), said.group(1)
    assert "联系县财政局" not in unit_page and "服务器日志" in said.group(1)
    title = re.search(r'<td class="status status-failed" title="([^"]+)"', dashboard)
    assert title and title.group(1) == said.group(1), dashboard[:3000]


def test_every_failed_check_message_reads_right_for_the_county() -> None:
    """Each message the web writes for a failed check keeps its cause for the county and
    turns the township's 请联系县财政局 into what the county can do."""
    from perfxl.web import views
    from perfxl.web.checks import INTERNAL_ERROR
    from perfxl.web.pool import BUG_MESSAGE, CRASH_MESSAGE, TIMEOUT_MESSAGE
    from perfxl.web.staging import named

    messages = (CRASH_MESSAGE, TIMEOUT_MESSAGE, BUG_MESSAGE, named("乙.xlsx", INTERNAL_ERROR))
    for message in messages:
        assert "县财政局" in message and views.plain(message, township=True) == message
        county = views.plain(message)
        assert "县财政局" not in county and "该单位" in county, county
        assert county[:8] == message[:8] and "日志" in county, county


def test_the_pool_survives_a_worker_that_dies() -> None:
    pool = CheckPool(1)

    async def scenario() -> None:
        with pytest.raises(WorkerCrashed):
            await pool.run(os._exit, 3)  # dies in the first pool and again in the retry
        assert await pool.run(len, "六个字的名字") == 6  # a fresh pool
        with pytest.raises(JobFailed) as info:
            await pool.run("staging:config_from_text", "framework = 1999\n")
        assert CJK.search(str(info.value))

    try:
        asyncio.run(scenario())
    finally:
        pool.shutdown()


def test_the_pool_s_manager_thread_has_ended_when_shutdown_returns() -> None:
    """The server's end waits for the pool's manager thread, so Python's exit hook for
    process pools does not write to the wake-up pipe that thread closes (a traceback in the
    server's log at exit, seen once in CI)."""
    import concurrent.futures.process as cfp

    pool = CheckPool(1)
    assert asyncio.run(pool.run(len, "abcd")) == 4
    manager = pool._current()._executor_manager_thread
    assert isinstance(manager, cfp._ExecutorManagerThread) and manager.is_alive()
    pool.shutdown()
    assert not manager.is_alive()


def test_a_job_that_never_ends_is_stopped() -> None:
    pool = CheckPool(1)

    async def scenario() -> None:
        first = pool._current()
        with pytest.raises(JobFailed) as info:
            await pool.run(time.sleep, 3600, job_timeout=1.0)  # an hour: never, for the test
        assert "用时过长" in str(info.value)
        assert pool._current() is not first  # a fresh pool; the stuck worker was stopped
        assert await pool.run(len, "abc") == 3

    try:
        asyncio.run(scenario())
    finally:
        pool.shutdown()


# --- errors and headers ---------------------------------------------------------------------


def test_an_internal_error_is_a_chinese_page(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(site.web.store, "rounds", broken)
    with identity(site, "admin"):
        r = site.c.get("/admin")
    assert r.status_code == 500
    assert "服务器处理请求时出错" in r.text and "boom" not in r.text
    for name, value in SECURITY.items():
        assert r.headers[name] == value


def test_every_response_has_the_security_headers(site: Site) -> None:
    with identity(site, "nobody"):
        for path in (
            "/login",
            "/static/perfxl.css",
            "/static/upload.js",
            "/no-such-page",
            "/u/nope",
        ):
            r = site.c.get(path)
            for name, value in SECURITY.items():
                assert r.headers[name] == value, (path, name)
            assert "default-src 'self'" in r.headers["content-security-policy"]
        assert site.c.get("/no-such-page").status_code == 404
        assert "没有找到" in site.c.get("/no-such-page").text
    with identity(site, "nobody"):
        cookie = site.c.get("/login").headers["set-cookie"].lower()  # a new session
        assert "httponly" in cookie and "samesite=lax" in cookie


# --- perfxl serve -------------------------------------------------------------------------


def test_serve_without_the_web_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from perfxl.cli import main
    from perfxl.commands import serve

    monkeypatch.setattr(serve, "_web_missing", lambda: "starlette")
    result = CliRunner().invoke(main, ["serve", "--data", "unused"])
    assert result.exit_code == 2
    assert "需要安装网页组件：pip install 'perfxl[web]'" in result.output


def test_serve_demo_round_is_made_once_and_env_sets_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.commands import serve

    monkeypatch.setenv(serve.PASSWORD_ENV, "演示口令-123456")
    web = create_app(tmp_path / "data", workers=1).state.web
    assert web.setup_token
    serve._first_password(web)
    assert web.setup_token is None
    assert auth.verify_password("演示口令-123456", web.store.setting(auth.PASSWORD_SETTING))
    first = serve._demo(web)
    again = serve._demo(create_app(tmp_path / "data", workers=1).state.web)
    assert first == again  # the same round and tokens after a restart
    assert len(first) == 1 + 10 and "910001" in first[1] and "{base}u/" in first[1]
    assert len(web.store.rounds()) == 1


def test_too_many_wrong_passwords_lock_the_login_for_a_while(tmp_path: Path) -> None:
    app = create_app(tmp_path / "data", workers=1)
    app.state.web.store.set_setting(auth.PASSWORD_SETTING, auth.hash_password(PASSWORD))
    with TestClient(app, follow_redirects=False) as c:
        token = wf.csrf_of(c.get("/login").text)
        for _ in range(10):
            r = c.post("/login", data={"csrf": token, "password": "错误的口令-000"})
            assert r.status_code == 400
        r = c.post("/login", data={"csrf": token, "password": PASSWORD})
        assert r.status_code == 429 and "15 分钟" in r.text
        assert c.get("/admin").status_code == 303
        app.state.web.logins.clear()  # the window passed
        assert c.post("/login", data={"csrf": token, "password": PASSWORD}).status_code == 303


def test_a_monitoring_rounds_template_is_made_from_the_units_targets_submission(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    targets_id, targets_tokens = open_round(site, tmp_path)
    with identity(site, "township"):
        upload(site, targets_tokens["910001"], books["clean"])
        assert wait_checked(site, targets_tokens["910001"], 1)["kind"] == "clean"
    units_csv = wf.write_units_csv(tmp_path / "units2.csv", wf.town_units(2))
    with identity(site, "admin"):
        page = site.c.get("/admin/rounds/new")
        assert f'<option value="{targets_id}"' in page.text
        r = site.c.post(
            "/admin/rounds/new",
            data={
                "csrf": wf.csrf_of(page.text),
                "year": "2023",
                "stage": "monitoring",
                "deadline": "2023-08-10",
                "source_round": str(targets_id),
            },
            files={"units": ("units.csv", units_csv.read_bytes(), "text/csv")},
        )
        assert r.status_code == 303, r.text
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        info = site.c.get(f"/admin/rounds/{rid}/template")
        assert info.status_code == 200 and 'id="template-info"' in info.text
        links = site.c.get(f"/admin/rounds/{rid}/links").text
        tokens = dict(
            re.findall(r'<tr data-unit-code="(\d+)">.*?/u/([A-Za-z0-9_-]+)"', links, re.S)
        )
    rnd = site.web.store.round(rid)
    assert rnd.stage == "monitoring" and rnd.deadline.astimezone().hour == 23
    with identity(site, "township"):
        made = site.c.get(f"/u/{tokens['910001']}/template")
        assert made.status_code == 200, made.text
        wb = openpyxl.load_workbook(io.BytesIO(made.content))
        assert len(wb.sheetnames) > 1
        assert 'id="template"' in site.c.get(f"/u/{tokens['910001']}").text
        # No targets submission: the page offers no link that would fail, it says what to do.
        home = site.c.get(f"/u/{tokens['910002']}").text
        assert 'id="template"' not in home and 'id="no-template"' in home
        assert "县财政局发给本单位的绩效运行监控表" in home
        refused = site.c.get(f"/u/{tokens['910002']}/template")  # a bookmark: the same advice
        assert refused.status_code == 400 and CJK.search(refused.text)
        assert 'id="error"' in refused.text and "县财政局发给本单位" in refused.text
        other = tokens["910002"]
        assert f'<a href="/u/{other}" id="back"' in refused.text


def test_a_round_form_with_bad_input_says_what_is_wrong(site: Site, tmp_path: Path) -> None:
    with identity(site, "admin"):
        page = site.c.get("/admin/rounds/new")
        token = wf.csrf_of(page.text)
        good_units = ("u.csv", "单位编码,单位名称\n910001,巨鹿镇\n".encode(), "text/csv")
        cases = [
            ({"year": "二〇二三", "stage": "targets"}, {"units": good_units}, "年度"),
            (
                {"year": "2023", "stage": "targets", "deadline": "明天"},
                {"units": good_units},
                "截止时间",
            ),
            (
                {"year": "2023", "stage": "targets"},
                {"units": ("u.csv", b"code\n1\n", "text/csv")},
                "u.csv",
            ),
            (
                {"year": "2023", "stage": "targets"},
                {
                    "units": good_units,
                    "config": ("县.toml", b"framework = 1999\n", "application/toml"),
                },
                "县.toml",
            ),
            (
                {"year": "2023", "stage": "targets", "source_round": "99999"},
                {"units": good_units},
                "上一轮",
            ),
        ]
        before = len(site.web.store.rounds())
        for data, files, expected in cases:
            r = site.c.post("/admin/rounds/new", data={"csrf": token, **data}, files=files)
            assert r.status_code == 400, (data, r.text[:500])
            message = re.search(r'<p id="error" class="error">([^<]+)</p>', r.text)
            assert message and expected in message.group(1), (expected, r.text[:3000])
        assert len(site.web.store.rounds()) == before


def test_the_dashboard_counts_a_project_code_shared_by_two_units(
    site: Site, tmp_path: Path
) -> None:
    rid, tokens = open_round(site, tmp_path)
    store = site.web.store
    shared = "13052923P00100000001A"
    codes = {
        "910001": [shared, "13052923P00100000002B"],
        "910002": [shared],
        "910003": ["13052923P00300000001A"],
    }
    for i, (code, projects) in enumerate(codes.items()):
        unit = store.unit_by_token(tokens[code])
        v = store.add_version(
            unit.id, sha256=f"{i:064x}", size=1, original_name="a.xlsx", ext=".xlsx"
        )
        entries = [
            {"code": c, "sheet": f"{k + 1}.项目", "cell": "B3"} for k, c in enumerate(projects)
        ]
        store.finish_check(
            v.id,
            status="done",
            errors=0,
            warnings=int(code == "910003"),
            infos=0,
            result={"status": "done", "problems": [], "project_codes": entries},
        )
    with identity(site, "admin"):
        dash = site.c.get(f"/admin/rounds/{rid}").text
    for code, kind, errors in (
        ("910001", "errors", "1"),
        ("910002", "errors", "1"),
        ("910003", "warnings", "0"),
    ):
        row = _row(dash, code)
        assert f'data-status="{kind}"' in row, row
        assert f'<td class="errors">{errors}</td>' in row, row
    note = re.search(
        r'<details class="between[^"]*" data-rule="consolidate.duplicate_code">'
        r"<summary>([^<]+)</summary>(.*?)</details>",
        _row(dash, "910002"),
        re.S,
    )
    assert note and "910001" in note.group(1) and "1 个相同的项目编码" in note.group(1)
    assert shared in note.group(2)
    assert (
        '<span id="count-errors">2</span>' in dash and '<span id="count-warnings">1</span>' in dash
    )
    with identity(site, "township"):
        page = site.c.get(f"/u/{tokens['910002']}/v/1").text
        assert 'id="between"' in page and shared in page
        assert 'id="between"' not in site.c.get(f"/u/{tokens['910003']}/v/1").text


def test_one_workbook_through_two_links_is_named_by_the_links_and_grouped(
    site: Site, tmp_path: Path
) -> None:
    """The same workbook (its cover: the first unit) uploaded through two units' links: every
    message names the two units by their links (not the first unit twice), and the round page
    shows one line per pair of units with the codes folded under it, while the error counts
    stay one per project, as the summary gives them."""
    rid, tokens = open_round(site, tmp_path)
    store = site.web.store
    first, second, third = sorted(tokens)
    units = {u.code: u for u in store.units(rid)}
    codes = [f"13052923P0010000000{k}A" for k in range(1, 5)]
    for i, code in enumerate((first, second)):
        unit = store.unit_by_token(tokens[code])
        v = store.add_version(
            unit.id, sha256=f"{i:064x}", size=1, original_name="a.xlsx", ext=".xlsx"
        )
        entries = [{"code": c, "sheet": f"{k + 1}.项目", "cell": "B3"} for k, c in enumerate(codes)]
        store.finish_check(
            v.id,
            status="done",
            errors=0,
            warnings=0,
            infos=0,
            result={
                "status": "done",
                "problems": [],
                "project_codes": entries,
                "unit_code": first,  # one workbook: its cover names the first unit
                "unit_name": units[first].name,
            },
        )
    label = {c: f"{c} {units[c].name}" for c in (first, second, third)}
    with identity(site, "admin"):
        dash = site.c.get(f"/admin/rounds/{rid}").text
    for me, other in ((first, second), (second, first)):
        row = _row(dash, me)
        assert f'<td class="errors">{len(codes)}</td>' in row, row
        lines = re.findall(
            r'<details class="between[^"]*" data-rule="consolidate.duplicate_code">'
            r"\s*<summary>([^<]+)</summary>(.*?)</details>",
            row,
            re.S,
        )
        assert len(lines) == 1, row
        summary, folded = lines[0]
        assert summary == f"与 {label[other]} 的工作簿有 {len(codes)} 个相同的项目编码", summary
        assert all(c in folded for c in codes), folded
    with identity(site, "township"):
        page = site.c.get(f"/u/{tokens[second]}/v/1").text
    between = page[
        page.index('id="between"') : page.index("</section>", page.index('id="between"'))
    ]
    assert f"{label[first]}、{label[second]} 的工作簿中" in between, between
    assert between.count(label[first]) == len(codes), between


def test_problems_between_units_group_per_set_of_other_units() -> None:
    """Three units share one code, two of them another, and one unit has a shared code on two
    projects: one line per set of other units, the codes once each, the errors per project."""
    from types import SimpleNamespace

    from perfxl.web.views import between_groups, duplicate_codes

    def checked(*codes: str) -> Any:
        entries = [{"code": c, "sheet": f"{k + 1}.项目", "cell": "B3"} for k, c in enumerate(codes)]
        return SimpleNamespace(status="done", result={"project_codes": entries})

    latest = {1: checked("A1", "B1", "B1"), 2: checked("A1", "B1"), 3: checked("A1", "C1")}
    labels = {1: "910001 甲镇", 2: "910002 乙镇", 3: "910003 丙镇"}
    found = duplicate_codes(latest, labels)
    assert [len(found[u]) for u in (1, 2, 3)] == [3, 2, 1]
    lines = [(g.text, g.codes, g.problems) for g in between_groups(found[1])]
    assert lines == [
        ("与 910002 乙镇、910003 丙镇 的工作簿有 1 个相同的项目编码", ["A1"], 1),
        ("与 910002 乙镇 的工作簿有 1 个相同的项目编码（涉及 2 个项目）", ["B1"], 2),
    ]
    assert [g.text for g in between_groups(found[3])] == [
        "与 910001 甲镇、910002 乙镇 的工作簿有 1 个相同的项目编码"
    ]


DEVELOPER_WORDS = ("consolidate", "--expected", "perfxl validate", "perfxl new", "<code>")
ADMIN_MENU = ('id="logout-form"', 'href="/admin"', "退出登录")


def test_unit_pages_never_show_the_admin_menu(site: Site, tmp_path: Path) -> None:
    """The county office's browser opens a township's link: the township's page, without the
    county office's menu (a screenshot or a shared screen shows only the township's page)."""
    _rid, tokens = open_round(site, tmp_path, n=1)
    token = tokens["910001"]
    with identity(site, "admin"):
        assert all(m in site.c.get("/admin").text for m in ADMIN_MENU)
        pages = [
            site.c.get(f"/u/{token}"),
            site.c.get(f"/u/{token}/v/99"),  # 404 on a unit page
            site.c.post(  # 403 on a unit page
                f"/u/{token}/upload", data={"csrf": "错的"}, files={"file": ("a.xlsx", b"x")}
            ),
        ]
        assert [r.status_code for r in pages] == [200, 404, 403]
        for r in pages:
            assert not any(m in r.text for m in ADMIN_MENU), r.text[:2000]


def test_pages_speak_to_their_reader_without_command_names(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    """perfxl's messages are reworded at the web layer: no command names or options on the
    pages; a broken upload's refusal tells the township to send it again itself (perfxl's
    own message asks the county to have the unit send it again)."""
    from perfxl.web import views

    with identity(site, "admin"):
        form = site.c.get("/admin/rounds/new").text
        assert not any(w in form for w in DEVELOPER_WORDS), form
    fresh = create_app(tmp_path / "新的数据", workers=1)  # no password yet: the login's note
    with TestClient(fresh, follow_redirects=False) as c:
        login = c.get("/login").text
        assert "一次性设置链接" in login and not any(w in login for w in DEVELOPER_WORDS)
        assert "perfxl serve" not in login and "PERFXL_ADMIN_PASSWORD" not in login
    _rid, tokens = open_round(site, tmp_path, n=1)
    token = tokens["910001"]
    broken = tmp_path / "断开的.xlsx"
    data = books["clean"].read_bytes()
    broken.write_bytes(data[: len(data) // 2])  # a copy cut off half-way
    with identity(site, "township"):
        r = upload(site, token, broken)
        assert r.status_code == 422, r.text
        message = re.search(r'<p id="error" class="error">([^<]+)</p>', r.text)
        assert message and "断开的.xlsx" in message.group(1), r.text[:2000]
        assert "填报单位" not in message.group(1) and "上传" in message.group(1)
    core = "文件已损坏，请重新获取或让填报单位重新发送。请先按 perfxl validate 的提示修复。"
    assert (
        views.plain(core)
        == "文件已损坏，请重新获取或让填报单位重新发送。请先按检查结果的提示修复。"
    )
    assert views.plain(core, township=True) == (
        "文件已损坏，请重新保存或重新复制这个文件后再上传。请先按检查结果的提示修复。"
    )


def test_every_error_page_leads_back(site: Site, tmp_path: Path) -> None:
    """An error page links back to where its reader came from; an unknown link has none."""
    rid, tokens = open_round(site, tmp_path, n=1)
    token = tokens["910001"]
    back = re.compile(r'<a href="([^"]+)" id="back"')
    with identity(site, "township"):
        r = site.c.get(f"/u/{token}/v/99")
        assert r.status_code == 404 and back.search(r.text).group(1) == f"/u/{token}"
        r = site.c.get("/u/no-such-link-000000000000")
        assert r.status_code == 404 and not back.search(r.text)
    with identity(site, "admin"):
        r = site.c.get(f"/admin/rounds/{rid}/summary.xlsx")  # no summary yet
        assert r.status_code == 404 and back.search(r.text).group(1) == f"/admin/rounds/{rid}"
        r = site.c.get("/admin/versions/999999/file")
        assert r.status_code == 404 and back.search(r.text).group(1) == "/admin"


def test_no_page_ever_showed_a_traceback(site: Site) -> None:
    # Last in the module: every response of every test above went through the hook.
    assert len(site.seen) > 50
    for r in site.seen:
        text = r.content.decode("utf-8", "replace")
        assert "Traceback" not in text and 'File "' not in text, (r.url, text[:2000])


def test_a_township_reads_no_command_names_in_a_refusal_or_a_problem(
    site: Site, tmp_path: Path
) -> None:
    """What a clerk sees after the two uploads most likely to show perfxl's command-line
    wording: the county summary sent by mistake (its refusal named ``perfxl consolidate``)
    and a workbook with an amount saved as text (the problem named ``perfxl compute``)."""
    from click.testing import CliRunner

    import perfxl.cli as cli

    county = ROOT / "examples" / "county"
    summary = tmp_path / "汇总表.xlsx"
    books = [str(county / f"91000{i}-{t}.xlsx") for i, t in ((1, "巨鹿镇"), (3, "西郭城镇"))]
    done = CliRunner().invoke(cli.main, ["consolidate", *books, "-o", str(summary)])
    assert summary.exists(), done.output
    _rid, tokens = open_round(site, tmp_path, n=3)
    with identity(site, "township"):
        r = upload(site, tokens["910001"], summary)
        assert r.status_code == 422, r.text[:2000]
        refusal = re.search(r'<p id="error" class="error">([^<]+)</p>', r.text)
        assert refusal and "汇总表.xlsx" in refusal.group(1), r.text[:2000]
        assert "这是县里汇总生成的" in refusal.group(1), refusal.group(1)
        assert "perfxl" not in refusal.group(1), refusal.group(1)
        token = tokens["910003"]
        r = upload(site, token, county / "910003-西郭城镇.xlsx")
        assert r.status_code == 303, r.text[:2000]
        assert wait_checked(site, token, 1)["status"] == "done"
        page = site.c.get(f"/u/{token}/v/1").text
    assert "以文本形式保存" in page, page[:3000]  # the problem is there, in the clerk's words
    assert "该项目的累计进度也无法自动算出" in page and "检查时按" in page
    assert not re.search(r"perfxl (compute|consolidate|template|validate|new)", page)
    assert "perfxl 读取" not in page


def test_a_result_tells_the_township_whether_to_upload_again(
    site: Site, tmp_path: Path, books: dict[str, Path]
) -> None:
    """The line under the counts says what to do: errors, fix and upload again; warnings
    only, check them and upload again only if something needs changing; clean, nothing to
    do (a clerk seeing 仅有提醒 alone could not tell whether the county still waits)."""
    _rid, tokens = open_round(site, tmp_path, n=2)
    units = wf.town_units(2)
    warned = wf.township_book(tmp_path / "工作簿", 1, units[1], (wf.WARNING,))
    advice: dict[str, str] = {}
    with identity(site, "township"):
        for name, token, book, n in (
            ("faulty", tokens["910001"], books["faulty"], 1),
            ("clean", tokens["910001"], books["clean"], 2),
            ("warned", tokens["910002"], warned, 1),
        ):
            assert upload(site, token, book).status_code == 303
            wait_checked(site, token, n)
            page = site.c.get(f"/u/{token}/v/{n}").text
            m = re.search(r'<span id="advice">([^<]*)</span>', page)
            assert m, page[:3000]
            advice[name] = m.group(1)
    assert advice["faulty"] == "请按下表修改后重新上传。"
    assert advice["warned"].startswith("没有必须修改的错误。") and "不必再上传" in advice["warned"]
    assert advice["clean"] == "没有发现问题，不需要再修改。"
