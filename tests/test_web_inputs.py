"""What a request carries that reaches the database or a file name: ids and version numbers
in the URL, the round form's fields and units list, an uploaded file's name. Anything out of
range is a Chinese 404 or refusal, never a 500.

One app (with a one-worker pool) serves the module; each test opens its own round.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import unquote

import httpx2
import pytest
import web_fixtures as wf
from pg import pg_cluster, pg_url  # noqa: F401  (fixtures, found by name)
from starlette.testclient import TestClient

from perfxl.web import auth
from perfxl.web.admin import MAX_UNIT_NAME
from perfxl.web.app import create_app
from perfxl.web.ids import INT64_MAX, parse_id
from perfxl.web.uploads import MAX_NAME, clean_name, declared_over

PASSWORD = "县财政局-输入测试-口令"
ERROR_RE = re.compile(r'<p id="error" class="error">([^<]+)</p>')
LINK_RE = re.compile(r"/u/([A-Za-z0-9_-]+)")
HUGE = "99999999999999999999999"  # past SQLite's INTEGER (int64)
OUT_OF_RANGE = (HUGE, str(INT64_MAX + 1), "9" * 5000)


class Site:
    """The module's app and its client."""

    def __init__(self, client: TestClient, app: object) -> None:
        self.c = client
        self.web = app.state.web  # type: ignore[attr-defined]


@contextmanager
def serving(data: Path, db_url: str | None = None) -> Iterator[Site]:
    """An app over ``data`` (and ``db_url``) with the admin password set, and its client."""
    app = create_app(data, db_url=db_url, workers=1)
    app.state.web.store.set_setting(auth.PASSWORD_SETTING, auth.hash_password(PASSWORD))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield Site(client, app)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serving(tmp_path_factory.mktemp("web-inputs") / "数据") as s:
        yield s


def identity(site: Site, who: str) -> AbstractContextManager[None]:
    """Requests made inside come from ``who``: "admin" (signed in), else a fresh browser."""
    return wf.identity(site.c, PASSWORD, who)


def post_round(site: Site, units: bytes, **fields: str) -> httpx2.Response:
    """The new-round form as the admin sends it (signed in already)."""
    page = site.c.get("/admin/rounds/new")
    data = {"csrf": wf.csrf_of(page.text), "year": "2023", "stage": "targets", **fields}
    files = {"units": ("应报单位.csv", units, "text/csv")}
    return site.c.post("/admin/rounds/new", data=data, files=files)


def open_round(site: Site, tmp_path: Path, n: int = 1) -> tuple[int, dict[str, str]]:
    """A new round of ``n`` township units; (id, code -> token)."""
    units_csv = wf.write_units_csv(tmp_path / "units.csv", wf.town_units(n))
    with identity(site, "admin"):
        r = post_round(site, units_csv.read_bytes(), config="")
        assert r.status_code == 303, r.text
        rid = int(r.headers["location"].rsplit("/", 1)[1])
    tokens = {u.code: u.token for u in site.web.store.units(rid)}
    return rid, tokens


def error_of(r: httpx2.Response) -> str:
    m = ERROR_RE.search(r.text)
    assert m, r.text[:3000]
    return m.group(1)


# --- ids and numbers in the URL ---------------------------------------------------------------


def test_parse_id_takes_only_a_positive_int64_in_ascii_digits() -> None:
    assert parse_id("1") == 1
    assert parse_id(" 42 ") is None  # the caller strips; a form's value is digits or nothing
    assert parse_id(str(INT64_MAX)) == INT64_MAX
    assert parse_id("007") == 7
    for text in ("", "0", "-1", "+1", "1.0", "1e3", "²", "١٢", "１２", *OUT_OF_RANGE):
        assert parse_id(text) is None, text


def test_an_id_or_version_number_past_int64_is_a_404_on_the_units_link(
    site: Site, tmp_path: Path
) -> None:
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    with identity(site, "township"):
        for n in (*OUT_OF_RANGE, "0", "-1"):
            for tail in ("", "/file", "/annotated"):
                r = site.c.get(f"/u/{token}/v/{n}{tail}")
                assert r.status_code == 404, (n[:30], tail, r.text[:500])
                assert "没有找到" in r.text
            r = site.c.get(f"/u/{token}/v/{n}/status")
            assert r.status_code == 404, (n[:30], r.text[:500])
        for n in OUT_OF_RANGE:  # the same answer as an unknown number: JSON for the script
            assert site.c.get(f"/u/{token}/v/{n}/status").json() == {"error": "没有找到这个版本。"}
            assert site.c.get(f"/u/no-such-link-0000/v/{n}").status_code == 404


def test_an_id_past_int64_is_a_404_on_the_county_pages(site: Site, tmp_path: Path) -> None:
    rid, _tokens = open_round(site, tmp_path)
    with identity(site, "admin"):
        for n in (*OUT_OF_RANGE, "0", "-1"):
            for path in (
                f"/admin/rounds/{n}",
                f"/admin/rounds/{n}/links.csv",
                f"/admin/rounds/{n}/export.zip",
                f"/admin/rounds/{rid}/units/{n}",
                f"/admin/versions/{n}/file",
                f"/admin/versions/{n}/annotated",
            ):
                r = site.c.get(path)
                assert r.status_code == 404, (path[:60], r.text[:500])
                assert "没有找到" in r.text
            page = site.c.get("/admin")
            r = site.c.post(f"/admin/rounds/{n}/summary", data={"csrf": wf.csrf_of(page.text)})
            assert r.status_code == 404, (n[:30], r.text[:500])
    with identity(site, "nobody"):  # not signed in: the login, as for any unknown round
        r = site.c.get(f"/admin/rounds/{HUGE}")
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


# --- the round form ---------------------------------------------------------------------------


def test_a_source_round_that_is_no_id_is_the_forms_own_refusal(site: Site) -> None:
    units = "单位编码,单位名称\n910001,巨鹿镇\n".encode()
    before = len(site.web.store.rounds())
    with identity(site, "admin"):
        for source in (*OUT_OF_RANGE, "-1", "0", "²", "1.5"):
            r = post_round(site, units, source_round=source)
            assert r.status_code == 400, (source[:30], r.text[:500])
            assert error_of(r) == "所选的上一轮收集不存在。"
    assert len(site.web.store.rounds()) == before


def test_a_units_list_with_a_code_twice_is_refused_naming_it(site: Site) -> None:
    before = len(site.web.store.rounds())
    with identity(site, "admin"):
        r = post_round(site, b"unit_code,unit_name\n910001,a\n910001,b")
        assert r.status_code == 400, r.text[:500]
        message = error_of(r)
        assert "910001" in message and "重复" in message, message
        r = post_round(
            site,
            "单位编码,单位名称\n910001,甲\n910002,乙\n910001,丙\n910002,丁\n910003,戊\n".encode(
                "gb18030"
            ),
        )
        assert r.status_code == 400, r.text[:500]
        message = error_of(r)
        assert "910001" in message and "910002" in message, message
        assert "第 2、4 行" in message and "第 3、5 行" in message, message
        assert "910003" not in message
    assert len(site.web.store.rounds()) == before


def test_a_unit_code_longer_than_the_column_is_refused(site: Site) -> None:
    before = len(site.web.store.rounds())
    with identity(site, "admin"):
        r = post_round(site, f"单位编码,单位名称\n{'9' * 65},巨鹿镇\n".encode())
        assert r.status_code == 400, r.text[:500]
        assert "64" in error_of(r)
    assert len(site.web.store.rounds()) == before


def test_a_unit_name_longer_than_the_limit_is_refused_at_the_units_list(site: Site) -> None:
    before = len(site.web.store.rounds())
    with identity(site, "admin"):
        r = post_round(site, f"单位编码,单位名称\n910001,巨鹿镇\n910002,{'长' * 65}\n".encode())
        assert r.status_code == 400, r.text[:500]
        message = error_of(r)
        assert "应报单位名单" in message and "910002" in message and "单位名称" in message
        assert f"65 个字符，超过 {MAX_UNIT_NAME} 个" in message, message
        assert len(site.web.store.rounds()) == before
        r = post_round(site, f"单位编码,单位名称\n910001,{'长' * MAX_UNIT_NAME}\n".encode())
        assert r.status_code == 303, r.text[:500]
    assert len(site.web.store.rounds()) == before + 1


UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def attachment_name(r: httpx2.Response) -> str:
    """The file name of a download (RFC 5987 ``filename*``, as perfxl sends it)."""
    disposition = r.headers["content-disposition"]
    _, _, quoted = disposition.partition("filename*=utf-8''")
    assert quoted, disposition
    return unquote(quoted)


def test_download_and_export_names_are_safe_for_any_legal_unit_name(
    site: Site, tmp_path: Path
) -> None:
    """A unit name of the longest length allowed, with characters no file system takes, ends
    up in download names and the export's folders made safe (and under 255 bytes)."""
    name = ("巨鹿县/苏营镇:人民政府?本级<" + "长" * MAX_UNIT_NAME)[: MAX_UNIT_NAME - 1] + "."
    unit = wf.TownUnit(code="910001", name=name)
    units_csv = wf.write_units_csv(tmp_path / "units.csv", [unit])
    with identity(site, "admin"):
        r = post_round(site, units_csv.read_bytes())
        assert r.status_code == 303, r.text[:500]
        rid = int(r.headers["location"].rsplit("/", 1)[1])
    (stored,) = site.web.store.units(rid)
    assert stored.name == name  # kept as typed: only the file names are made safe
    book = wf.township_book(tmp_path, 0, unit)
    names = []
    with identity(site, "township"):
        page = site.c.get(f"/u/{stored.token}")
        r = site.c.post(
            f"/u/{stored.token}/upload",
            data={"csrf": wf.csrf_of(page.text)},
            files={"file": ("book.xlsx", book.read_bytes(), "application/octet-stream")},
        )
        assert r.status_code == 303, r.text[:3000]
        for path in ("/template", "/v/1/file"):
            r = site.c.get(f"/u/{stored.token}{path}")
            assert r.status_code == 200, (path, r.text[:500])
            names.append(attachment_name(r))
    assert names[0].startswith("910001-巨鹿县_苏营镇_人民政府_本级_长"), names
    assert names[1].startswith("910001-巨鹿县_苏营镇_人民政府_本级_长") and names[1].endswith(
        "长-v1.xlsx"
    ), names
    with identity(site, "admin"):
        export = site.c.get(f"/admin/rounds/{rid}/export.zip")
        assert export.status_code == 200, export.text[:500]
    with zipfile.ZipFile(io.BytesIO(export.content)) as z:
        folders = {n.split("/")[0] for n in z.namelist() if "/" in n}
    assert len(folders) == 1 and next(iter(folders)).startswith("910001-巨鹿县_苏营镇")
    for shown in [*names, *folders]:
        assert not UNSAFE.search(shown) and not shown.endswith((".", " ")), shown
        assert len(shown.encode("utf-8")) <= 255, shown


def test_a_units_list_the_csv_module_cannot_read_is_refused(site: Site) -> None:
    before = len(site.web.store.rounds())
    with identity(site, "admin"):
        r = post_round(site, ("单位编码,单位名称\n910001," + "长" * 200_000 + "\n").encode())
        assert r.status_code == 400, r.text[:500]
        assert "无法按 CSV 格式读取" in error_of(r)
    assert len(site.web.store.rounds()) == before


def test_a_deadline_out_of_range_is_refused_not_a_500(site: Site) -> None:
    units = "单位编码,单位名称\n910001,巨鹿镇\n".encode()
    before = len(site.web.store.rounds())
    with identity(site, "admin"):
        for deadline in (
            "0001-01-01 00:00",
            "0001-01-01T00:00+01:00",
            "9999-12-31 23:59",
            "3000-01-01",
            "1999-12-31",
        ):
            r = post_round(site, units, deadline=deadline)
            assert r.status_code == 400, (deadline, r.text[:500])
            assert "截止时间" in error_of(r)
    assert len(site.web.store.rounds()) == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_nul_in_a_link_a_title_or_a_units_list_is_no_500(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL refuses a NUL in a text value (SQLite takes it): a link with one is unknown,
    the form's fields lose their control characters, a unit code with one is refused."""
    db_url = None if backend == "sqlite" else str(request.getfixturevalue("pg_url"))
    with serving(tmp_path / "数据", db_url) as s:
        with identity(s, "township"):
            for path in ("/u/%00abc", "/u/abc%00/v/1", "/u/abc%00/v/1/status", "/u/%00/template"):
                assert s.c.get(path).status_code == 404, path
        with identity(s, "admin"):
            r = post_round(
                s, "单位编码,单位名称\n910001,巨鹿\x00镇\n".encode(), title="县\x00级\t收集"
            )
            assert r.status_code == 303, r.text[:500]
            (rnd,) = s.web.store.rounds()
            assert rnd.title == "县级收集"
            assert [(u.code, u.name) for u in s.web.store.units(rnd.id)] == [("910001", "巨鹿镇")]
            r = post_round(s, "单位编码,单位名称\n910\x00002,巨鹿镇\n".encode())
            assert r.status_code == 400, r.text[:500]
            assert "910002" in error_of(r) and "控制字符" in error_of(r)
            assert len(s.web.store.rounds()) == 1


# --- uploaded file names ----------------------------------------------------------------------


def test_clean_name_keeps_the_extension_when_it_shortens_a_name() -> None:
    long = "x" * 300 + ".xlsx"
    assert clean_name(long) == "x" * (MAX_NAME - 5) + ".xlsx"
    assert len(clean_name(long)) == MAX_NAME
    assert clean_name("C:\\表\\" + "表" * 300 + ".XLSM").endswith("表.XLSM")
    assert len(clean_name("表" * 300 + ".xlsm")) == MAX_NAME
    assert clean_name("绩效目标表.xlsx") == "绩效目标表.xlsx"
    assert len(clean_name("x" * 300)) == MAX_NAME  # no extension: only cut
    assert len(clean_name("a." + "y" * 300)) == MAX_NAME  # not an extension: only cut


def test_a_workbook_with_a_long_name_is_taken(site: Site, tmp_path: Path) -> None:
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    book = wf.township_book(tmp_path, 0, wf.town_units(1)[0])
    name = "x" * 300 + ".xlsx"
    with identity(site, "township"):
        page = site.c.get(f"/u/{token}")
        r = site.c.post(
            f"/u/{token}/upload",
            data={"csrf": wf.csrf_of(page.text)},
            files={"file": (name, book.read_bytes(), "application/octet-stream")},
        )
        assert r.status_code == 303, r.text[:3000]
        assert r.headers["location"] == f"/u/{token}/v/1"
    unit = site.web.store.unit_by_token(token)
    (version,) = site.web.store.versions(unit.id)
    assert version.original_name == "x" * (MAX_NAME - 5) + ".xlsx"
    assert version.ext == ".xlsx"


# --- Content-Length -----------------------------------------------------------------------------


def test_declared_over_reads_only_ascii_digits_and_any_length() -> None:
    assert declared_over("101", 100) and not declared_over("100", 100)
    assert declared_over("9" * 5000, 100) and declared_over("0" * 10 + "101", 100)
    assert not declared_over("0" * 5000, 100)
    for value in (None, "", "²", "１２３", "-1", "1e9"):
        assert not declared_over(value, 100), value


def test_a_content_length_of_thousands_of_digits_is_too_large_not_a_500(
    site: Site, tmp_path: Path
) -> None:
    _rid, tokens = open_round(site, tmp_path)
    token = tokens["910001"]
    with identity(site, "township"):
        page = site.c.get(f"/u/{token}")
        for path, ctype, body in (
            ("/login", "application/x-www-form-urlencoded", b"password=x"),
            (f"/u/{token}/upload", "multipart/form-data; boundary=xx", b"--xx--\r\n"),
        ):
            request = site.c.build_request(
                "POST",
                path,
                content=body,
                headers={"content-type": ctype, "x-csrf-token": wf.csrf_of(page.text)},
            )
            request.headers["content-length"] = "9" * 5000
            r = site.c.send(request)
            assert r.status_code == 413, (path, r.text[:500])
    assert site.web.store.versions(site.web.store.unit_by_token(token).id) == []
