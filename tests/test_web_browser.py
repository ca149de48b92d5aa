"""Issue 16 in a real browser: a collection round from the admin's sign-in to the summary chart.

Debian's chromium, driven by chromedriver (selenium), against ``perfxl serve`` running as a
real subprocess on a loopback port (`tests/web_server.py`). Everything is done through the
pages as people would: the admin signs in and opens a round with the form (the UNITS.csv and
the county config as file uploads), reads the units' links, a township uploads a workbook with
two planted faults through its page's file input, sees the problems (errors first), downloads
the annotated copy (openpyxl finds the marks), the dashboard shows 有错误 with the counts; the
township uploads the corrected workbook, the dashboard shows 无问题 and what changed; the
admin builds the summary and sees its chart.

A screenshot is saved at every step into ``out/screenshots/`` under the repository (the
environment variable ``PERFXL_ARTIFACTS`` overrides the folder) — CI keeps them as artifacts.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import web_fixtures as wf
import web_server as ws
from conftest import ROOT
from selenium import webdriver  # the dev extra installs it: missing is a failure, not a skip
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--window-size=1280,1000",
    "--lang=zh-CN",
)
WAIT = 120.0  # checks run in a worker pool on a shared 2-core machine


def artifacts() -> Path:
    """Where the screenshots go: ``$PERFXL_ARTIFACTS`` or ``out/screenshots`` in the repo."""
    folder = Path(os.environ.get("PERFXL_ARTIFACTS") or ROOT / "out" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def fresh_artifacts() -> Path:
    """The screenshot folder without the previous session's ``web-*.png`` (only those)."""
    folder = artifacts()
    for old in folder.glob("web-*.png"):
        old.unlink()
    return folder


def browser_binaries() -> tuple[str, str]:
    """Chromium and chromedriver; fails (never skips) when missing, as the issue asks CI."""
    chromium = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    driver = shutil.which("chromedriver") or (str(CHROMEDRIVER) if CHROMEDRIVER.exists() else None)
    if chromium is None or driver is None:
        pytest.fail("chromium / chromedriver missing: run `bash tools/ensure-system-deps.sh`")
    return chromium, driver


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "下载"
    folder.mkdir()
    return folder


def chromium(tmp_path: Path, downloads: Path, javascript: bool = True) -> WebDriver:
    """A headless chromium with its own profile, downloading into ``downloads``."""
    chromium, driver_path = browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    # A Chinese browser, as the townships have: the file input says 选择文件 in screenshots.
    options.add_argument("--lang=zh-CN")
    prefs: dict[str, Any] = {
        "intl.accept_languages": "zh-CN,zh",
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
    }
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    # On Linux chromium takes its UI language from the environment, not from --lang.
    env = {**os.environ, "LANGUAGE": "zh_CN:zh"}  # LANG stays: no zh_CN locale needed
    service = Service(driver_path, log_output=str(tmp_path / "chromedriver.log"), env=env)
    driver = webdriver.Chrome(service=service, options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


@pytest.fixture
def browser(tmp_path: Path, downloads: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path, downloads)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser_without_js(tmp_path: Path, downloads: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path, downloads, javascript=False)
    try:
        yield driver
    finally:
        driver.quit()


class Steps:
    """The test's browser actions, each followed by a screenshot."""

    def __init__(self, driver: WebDriver, server: ws.Server) -> None:
        self.d = driver
        self.server = server
        self.n = 0

    def shot(self, name: str, width: int = 1280) -> Path:
        """Save a screenshot of the whole page (not just the window) as ``web-NN-name.png``,
        at least ``width`` px wide."""
        self.n += 1
        path = artifacts() / f"web-{self.n:02d}-{name}.png"
        size = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.d.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": max(width, size["width"]),
                    "height": min(size["height"], 6000),
                    "scale": 1,
                },
            },
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def go(self, path: str) -> None:
        self.d.get(self.server.url(path))

    def text(self) -> str:
        return str(self.d.find_element(By.TAG_NAME, "body").text)

    def wait(self, cond: Callable[[WebDriver], Any], what: str, timeout: float = WAIT) -> Any:
        """Wait (selenium's own polling with a deadline) until ``cond`` holds."""
        try:
            return WebDriverWait(self.d, timeout).until(cond)
        except Exception as exc:
            self.shot("failed")
            raise AssertionError(
                f"{what} — page {self.d.current_url}:\n{self.text()[:3000]}\n"
                f"server log:\n{self.server.stderr_text()[-3000:]}"
            ) from exc

    def wait_text(self, needle: str, timeout: float = WAIT) -> None:
        self.wait(lambda d: needle in d.find_element(By.TAG_NAME, "body").text, needle, timeout)

    def submit(self, form: WebElement) -> None:
        """Click the form's submit button (as a person would), or submit it when it has none."""
        buttons = form.find_elements(
            By.CSS_SELECTOR, "button[type=submit], input[type=submit], button:not([type])"
        )
        if buttons:
            buttons[0].click()
        else:
            form.submit()

    def form_of(self, css: str) -> WebElement:
        """The form that contains the element ``css``."""
        el = self.d.find_element(By.CSS_SELECTOR, css)
        return el.find_element(By.XPATH, "./ancestor::form")

    def no_traceback(self) -> None:
        """No page ever shows a Python traceback."""
        source = self.d.page_source
        assert "Traceback" not in source and 'File "' not in source, source[:3000]


def set_value(driver: WebDriver, el: WebElement, value: str) -> None:
    """Type into a text input; date inputs get their value by script (typing is locale-bound)."""
    kind = (el.get_attribute("type") or "text").lower()
    if kind in ("date", "datetime-local", "time"):
        driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            el,
            value,
        )
    else:
        el.clear()
        el.send_keys(value)


def deadline_value(el: WebElement) -> str:
    kind = (el.get_attribute("type") or "text").lower()
    return "2023-02-15T17:00" if kind == "datetime-local" else "2023-02-15"


def problem_rows(driver: WebDriver) -> list[tuple[str, str]]:
    """The problems table's rows as (severity, text): severity from ``severity-<x>``."""
    out = []
    for tr in driver.find_elements(By.CSS_SELECTOR, "#problems tr.problem"):
        classes = (tr.get_attribute("class") or "").split()
        severity = next((c.removeprefix("severity-") for c in classes if "severity-" in c), "")
        out.append((severity, str(tr.text)))
    return out


LINES_JS = """
const range = document.createRange();
range.selectNodeContents(arguments[0]);
const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
return tops.size;
"""


def lines(driver: WebDriver, element: WebElement) -> int:
    """How many lines the element's text takes on the screen."""
    return int(driver.execute_script(LINES_JS, element))


def narrow(driver: WebDriver, width: int = 760) -> tuple[int, int]:
    """Make the window ``width`` wide (a small laptop, a zoomed page); returns the old size."""
    size = driver.get_window_size()
    driver.set_window_size(width, size["height"])
    return size["width"], size["height"]


def checked(driver: WebDriver) -> bool:
    """The version page shows a finished check."""
    found = driver.find_elements(By.CSS_SELECTOR, "#check[data-status]")
    return bool(found) and found[0].get_attribute("data-status") != "checking"


def dashboard_row(driver: WebDriver, code: str) -> WebElement:
    """The dashboard's row of unit ``code``."""
    try:
        return driver.find_element(By.CSS_SELECTOR, f"#dashboard tr[data-unit-code='{code}']")
    except NoSuchElementException:
        raise AssertionError(f"no row for {code}:\n{driver.page_source[:3000]}") from None


def cell(row: WebElement, cls: str) -> str:
    return str(row.find_element(By.CSS_SELECTOR, f"td.{cls}").text).strip()


def downloaded(folder: Path, before: set[str]) -> Path | None:
    """A finished new download in ``folder`` (not a .crdownload part), else None."""
    for p in folder.iterdir():
        if p.name not in before and not p.name.endswith((".crdownload", ".tmp")):
            return p
    return None


def marks(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> comment text of every commented cell of a workbook."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    out[(sheet.title, cell.coordinate)] = cell.comment.text
    return out


def drop_file(driver: WebDriver, zone: WebElement, path: Path) -> None:
    """Drag ``path`` onto ``zone`` as a person would drop it from the file manager: the file
    is picked up by a helper input (selenium's only way to reach local files), then a real
    DataTransfer with it is dropped on the zone (dragenter, dragover, drop events)."""
    helper = driver.execute_script(
        "var i = document.createElement('input'); i.type = 'file';"
        "document.body.appendChild(i); return i;"
    )
    helper.send_keys(str(path))
    driver.execute_script(
        "var zone = arguments[0], source = arguments[1], dt = new DataTransfer();"
        "dt.items.add(source.files[0]);"
        "['dragenter', 'dragover', 'drop'].forEach(function (name) {"
        "  zone.dispatchEvent(new DragEvent(name, {bubbles: true, cancelable: true,"
        "                                          dataTransfer: dt}));"
        "});"
        "source.remove();",
        zone,
        helper,
    )


def chosen_file(driver: WebDriver) -> str:
    """The name of the file the upload form's input holds (empty when none)."""
    return str(
        driver.execute_script(
            "var i = document.querySelector('#upload-form input[type=file]');"
            "return i.files.length ? i.files[0].name : '';"
        )
    )


def refused_through_page(s: Steps, token: str, book: Path) -> str:
    """Upload a file the server must refuse; returns the message the page shows."""
    s.go(f"/u/{token}")
    s.d.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(book))
    s.submit(s.d.find_element(By.ID, "upload-form"))

    def message(d: WebDriver) -> str | None:
        for css in ("#upload-message.error", "#error"):
            found = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
            if found and found[0].text.strip():
                return str(found[0].text.strip())
        return None

    text: str = s.wait(message, f"the refusal of {book.name}")
    s.no_traceback()
    assert "/v/" not in s.d.current_url, s.d.current_url
    return text


def upload_through_page(s: Steps, token: str, book: Path, number: int) -> None:
    """The township's steps: open its page, choose the file in the file input, press the
    button; then wait on the version page until the check is finished."""
    s.go(f"/u/{token}")
    s.no_traceback()
    s.d.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(book))
    s.submit(s.d.find_element(By.ID, "upload-form"))
    s.wait(
        lambda d: re.search(rf"/u/[^/]+/v/{number}/?$", d.current_url), f"the version {number} page"
    )
    s.wait(checked, f"version {number} checked")
    s.no_traceback()


def test_a_round_in_the_browser(
    tmp_path: Path, browser: WebDriver, downloads: Path, fresh_artifacts: Path
) -> None:
    units = wf.town_units(3)
    units_csv = wf.write_units_csv(tmp_path / "应报单位.csv", units)
    config = tmp_path / "县级配置.toml"
    config.write_text(wf.ROUND_CONFIG, encoding="utf-8")
    books = tmp_path / "工作簿"
    first, second, third = units
    faulty = wf.township_book(books, 0, first, (wf.ERROR, wf.WARNING))
    fixed = wf.township_book(books, 0, first)
    other = wf.township_book(books, 1, second, (wf.WARNING,))

    with ws.serve(tmp_path / "data", tmp_path / "serve.log") as server:
        s = Steps(browser, server)

        # The admin signs in.
        s.go("/")
        s.wait(lambda d: "/login" in d.current_url, "/ redirects to /login")
        s.shot("login")
        browser.find_element(By.CSS_SELECTOR, "#login-form input[name=password]").send_keys(
            ws.ADMIN_PASSWORD
        )
        s.submit(browser.find_element(By.ID, "login-form"))
        s.wait(lambda d: d.current_url.rstrip("/").endswith("/admin"), "signed in, on /admin")
        s.no_traceback()
        s.shot("admin")

        # Opens a round with the form: units CSV and the county config as files.
        browser.find_element(By.ID, "new-round").click()
        s.wait(lambda d: d.find_elements(By.ID, "round-form"), "the new round form")
        s.shot("new-round-empty")
        form = browser.find_element(By.ID, "round-form")
        set_value(browser, form.find_element(By.NAME, "title"), "2023年度项目绩效目标（测试）")
        set_value(browser, form.find_element(By.NAME, "year"), "2023")
        stage = form.find_element(By.NAME, "stage")
        if stage.tag_name == "select":
            Select(stage).select_by_value("targets")
        else:
            form.find_element(By.CSS_SELECTOR, "input[name=stage][value=targets]").click()
        deadline = form.find_element(By.NAME, "deadline")
        set_value(browser, deadline, deadline_value(deadline))
        form.find_element(By.NAME, "units").send_keys(str(units_csv))
        form.find_element(By.NAME, "config").send_keys(str(config))
        s.shot("new-round-filled")
        s.submit(form)
        s.wait(lambda d: d.find_elements(By.ID, "dashboard"), "the new round's dashboard")
        round_id = int(re.findall(r"/admin/rounds/(\d+)", browser.current_url)[0])
        s.no_traceback()
        for u in units:
            row = dashboard_row(browser, u.code)
            assert row.get_attribute("data-status") == "missing", row.text
            assert "未报送" in cell(row, "status"), row.text
        missing = browser.find_elements(By.CSS_SELECTOR, "#missing li[data-unit-code]")
        assert sorted(li.get_attribute("data-unit-code") for li in missing) == [
            u.code for u in units
        ]
        s.shot("dashboard-empty")

        # Reads the links.
        browser.find_element(By.ID, "links-page").click()
        s.wait(lambda d: d.find_elements(By.ID, "links"), "the links page")
        s.no_traceback()
        links = {}
        for tr in browser.find_elements(By.CSS_SELECTOR, "#links tr[data-unit-code]"):
            a = tr.find_element(By.CSS_SELECTOR, "a.upload-link")
            m = re.search(r"/u/([A-Za-z0-9_-]+)$", a.get_attribute("href") or "")
            assert m, a.get_attribute("href")
            assert (a.get_attribute("href") or "").startswith(server.base.rstrip("/"))
            links[tr.get_attribute("data-unit-code")] = m.group(1)
        assert sorted(links) == [u.code for u in units], s.text()
        assert len(set(links.values())) == len(units)
        s.shot("links")

        # The township opens its link and uploads the faulty workbook with the file input.
        token = links[first.code]
        s.go(f"/u/{token}")
        page = s.text()
        assert "上传本单位的工作簿" in page and first.name in page, page
        assert browser.execute_script("return navigator.language") == "zh-CN"
        assert "2023-02-15" in page, "the deadline is shown"
        s.shot("unit-page")
        upload_through_page(s, token, faulty, 1)
        s.wait(lambda d: problem_rows(d), "the problems of version 1")
        found = browser.find_element(By.ID, "check")
        assert found.get_attribute("data-status") == "done"
        assert found.get_attribute("data-kind") == "errors"
        assert browser.find_element(By.ID, "count-errors").text.strip() == "1"
        assert browser.find_element(By.ID, "count-warnings").text.strip() == "1"
        problems = problem_rows(browser)
        s.shot("unit-v1-problems")
        # In a narrow window the short columns still read on one line each.
        wide = narrow(browser)
        short = browser.find_elements(
            By.CSS_SELECTOR, "#problems td.severity, #problems td.cell, #problems th"
        )
        assert short and all(lines(browser, td) == 1 for td in short), [
            (td.text, lines(browser, td)) for td in short
        ]
        s.shot("unit-v1-problems-narrow")
        browser.set_window_size(*wide)
        assert [sev for sev, _ in problems] == ["error", "warning"], problems
        assert wf.ERROR_CELL in problems[0][1] and "财政资金" in problems[0][1], problems
        assert wf.WARNING_CELL in problems[1][1] and "明显提高" in problems[1][1], problems
        assert "错误" in problems[0][1]
        # The affected rows are rendered with the problem cells marked.
        marked = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#problems td.marked")]
        assert len(marked) >= 2 and "明显提高" in marked, marked

        # Downloads the annotated copy: the marks are in it.
        before = {p.name for p in downloads.iterdir()}
        link = browser.find_element(By.ID, "download-annotated")
        assert "下载标注后的工作簿" in link.text, link.text
        link.click()
        annotated = s.wait(lambda d: downloaded(downloads, before), "the annotated download")
        assert annotated.suffix == ".xlsx" and first.code in annotated.name, annotated.name
        notes = marks(annotated)
        error_marks = [
            sheet
            for (sheet, ref), text in notes.items()
            if ref == wf.ERROR_CELL and wf.ERROR_RULE in text and "错误" in text
        ]
        assert error_marks and error_marks[0].startswith("2."), notes
        assert any(
            ref == wf.WARNING_CELL and wf.WARNING_RULE in text for (_, ref), text in notes.items()
        ), notes
        assert "校验结果" in openpyxl.load_workbook(annotated, read_only=True).sheetnames

        # Another unit drops its workbook (a warning only) on its page's drop zone.
        s.go(f"/u/{links[second.code]}")
        drop_file(browser, browser.find_element(By.ID, "drop-zone"), other)
        assert chosen_file(browser) == other.name
        s.wait_text(other.name)  # the page says which file was dropped
        s.shot("unit-dropped")
        s.submit(browser.find_element(By.ID, "upload-form"))
        s.wait(lambda d: re.search(r"/u/[^/]+/v/1/?$", d.current_url), "the dropped upload")
        s.wait(checked, "the dropped upload checked")
        assert browser.find_element(By.ID, "check").get_attribute("data-kind") == "warnings"

        # The third unit tries files that are no workbooks: refused with a Chinese message
        # naming the file, nothing kept (the unit stays 未报送).
        note = tmp_path / "情况说明.txt"
        note.write_text("本单位项目情况说明", encoding="utf-8")
        broken = tmp_path / "坏文件.xlsx"
        broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64 + "不是工作簿".encode())
        for bad in (note, broken):
            message = refused_through_page(s, links[third.code], bad)
            assert bad.name in message and re.search("[\u4e00-\u9fff]", message), message
            assert "填报单位" not in message, message  # the township is the one to send it again
            s.shot(f"unit-refused-{bad.suffix.lstrip('.')}")
        s.go(f"/u/{links[third.code]}")
        assert not browser.find_elements(By.CSS_SELECTOR, "#versions tr[data-version]")

        # The admin's dashboard changed.
        s.go(f"/admin/rounds/{round_id}")
        s.no_traceback()
        row = dashboard_row(browser, first.code)
        assert row.get_attribute("data-status") == "errors", row.text
        assert "有错误" in cell(row, "status")
        assert (cell(row, "errors"), cell(row, "warnings")) == ("1", "1"), row.text
        assert re.search(r"\b1\b", cell(row, "version")), row.text
        row2 = dashboard_row(browser, second.code)
        assert row2.get_attribute("data-status") == "warnings"
        assert "仅有提醒" in cell(row2, "status")
        assert dashboard_row(browser, third.code).get_attribute("data-status") == "missing"
        missing = browser.find_elements(By.CSS_SELECTOR, "#missing li[data-unit-code]")
        assert [li.get_attribute("data-unit-code") for li in missing] == [third.code]
        s.shot("dashboard-errors")

        # The township uploads the corrected workbook.
        upload_through_page(s, token, fixed, 2)
        assert browser.find_element(By.ID, "check").get_attribute("data-kind") == "clean"
        assert not problem_rows(browser)
        assert "无问题" in s.text() or "未发现问题" in s.text(), s.text()
        s.shot("unit-v2-clean")
        s.go(f"/u/{token}")
        versions = browser.find_elements(By.CSS_SELECTOR, "#versions tr[data-version]")
        assert sorted(tr.get_attribute("data-version") for tr in versions) == ["1", "2"]
        page = s.text()
        assert "版本 1" in page and "版本 2" in page, page
        s.shot("unit-versions")

        # The dashboard: 无问题, version 2, and what changed since version 1.
        s.go(f"/admin/rounds/{round_id}")
        row = dashboard_row(browser, first.code)
        assert row.get_attribute("data-status") == "clean", row.text
        assert "无问题" in cell(row, "status")
        assert (cell(row, "errors"), cell(row, "warnings")) == ("0", "0"), row.text
        assert "2" in cell(row, "version"), row.text
        change = cell(row, "change")
        assert change and "首次报送" not in change, row.text
        s.shot("dashboard-fixed")
        wide = narrow(browser)
        row = dashboard_row(browser, first.code)
        for name in ("code", "version", "time", "errors", "warnings", "status"):
            td = row.find_element(By.CSS_SELECTOR, f"td.{name}")
            assert lines(browser, td) == 1, (name, td.text)
        change_td = row.find_element(By.CSS_SELECTOR, "td.change")
        clamp = change_td.find_element(By.CSS_SELECTOR, ".clamp")
        shown_lines = browser.execute_script(
            "const e = arguments[0]; return e.clientHeight / parseFloat(getComputedStyle(e).lineHeight);",
            clamp,
        )
        assert shown_lines <= 2.1, shown_lines  # at most two lines on the dashboard
        assert "123.13" in (change_td.get_attribute("title") or "")  # all of it in the title
        s.shot("dashboard-fixed-narrow")
        browser.set_window_size(*wide)

        # The unit's versions (admin).
        row.find_element(By.CSS_SELECTOR, "a[href*='/units/']").click()
        s.wait(lambda d: d.find_elements(By.ID, "versions"), "the unit's versions page")
        s.no_traceback()
        shown = browser.find_elements(By.CSS_SELECTOR, "#versions section.version")
        assert sorted(v.get_attribute("data-version") for v in shown) == ["1", "2"]
        s.shot("admin-unit-versions")

        # The summary, built on demand, with its chart.
        s.go(f"/admin/rounds/{round_id}")
        s.submit(browser.find_element(By.ID, "summary-form"))
        s.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart svg"), "the summary chart")
        s.no_traceback()
        chart = "".join(
            svg.get_attribute("outerHTML") or ""
            for svg in browser.find_elements(By.CSS_SELECTOR, "#chart svg")
        )
        assert first.town in chart and second.town in chart, chart[:3000]  # the bars per unit
        summary_units = browser.find_elements(By.CSS_SELECTOR, "#summary-units tr[data-unit-code]")
        assert {tr.get_attribute("data-unit-code") for tr in summary_units} >= {
            first.code,
            second.code,
        }
        assert third.code in s.text() or third.name in s.text(), "the missing unit is listed"
        # One answer for every number: the 合计 row's counts are the sum of the unit rows.
        table = ws.rows(browser.page_source, "summary-units")
        head = table[0].texts
        units_rows = [r for r in table if "data-unit-code" in r.attrs]
        total = next(r for r in table if r.attrs.get("id") == "summary-total")
        offset = len(head) - len(total.texts)  # 合计 spans the code and name columns
        for name in ("错误", "警告"):
            i = head.index(name)
            column_sum = sum(int(r.texts[i]) for r in units_rows)
            assert int(total.texts[i - offset]) == column_sum, (name, head, total.texts)
        s.shot("summary")
        assert not browser.find_elements(By.CSS_SELECTOR, "script[src^='http']")

    assert "Traceback" not in (tmp_path / "serve.log").read_text(encoding="utf-8")


def test_a_township_without_javascript(
    tmp_path: Path, browser_without_js: WebDriver, fresh_artifacts: Path
) -> None:
    """JavaScript switched off (an old or locked-down browser): the plain form uploads, the
    result page refreshes itself (``<meta http-equiv="refresh">``) until the check is done."""
    unit = wf.town_units(1)[0]
    units_csv = wf.write_units_csv(tmp_path / "units.csv", [unit])
    book = wf.township_book(tmp_path / "工作簿", 0, unit, (wf.ERROR,), n_projects=20)
    with ws.serve(tmp_path / "data", tmp_path / "serve.log") as server:
        with ws.client(server) as admin:
            ws.login(admin)
            round_id = ws.create_round(admin, units_csv, config_text=wf.ROUND_CONFIG)
            token = ws.unit_links(admin, round_id)[unit.code]
        s = Steps(browser_without_js, server)
        s.n = 50  # its screenshots after the main test's
        s.go(f"/u/{token}")
        s.d.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(book))
        s.shot("nojs-unit-page")
        s.submit(s.d.find_element(By.ID, "upload-form"))
        s.wait(lambda d: re.search(r"/u/[^/]+/v/1/?$", d.current_url), "the version page")
        s.wait(checked, "the check's result, by the page's own refresh")
        s.no_traceback()
        assert [sev for sev, _ in problem_rows(s.d)] == ["error"]
        s.shot("nojs-result")


def test_a_real_workbooks_many_problems_fold_without_javascript(
    tmp_path: Path, browser_without_js: WebDriver, fresh_artifacts: Path
) -> None:
    """examples/suying-2023 with an error planted, in a round with perfxl's default rules
    (some 260 warnings and infos): the errors read in full at the top; the warnings and infos
    are folded by rule, and a click on a group (no JavaScript) opens it onto its rows."""
    unit = wf.town_units(1)[0]
    units_csv = wf.write_units_csv(tmp_path / "units.csv", [unit])
    data = json.loads((ROOT / "examples" / "suying-2023.json").read_text(encoding="utf-8"))
    data["unit"] = {"code": unit.code, "name": unit.name}
    book = wf.write_book(wf.plant(data, (wf.ERROR,)), tmp_path / "工作簿" / "苏营镇.xlsx")
    with ws.serve(tmp_path / "data", tmp_path / "serve.log") as server:
        with ws.client(server) as c:
            ws.login(c)
            token = ws.unit_links(c, ws.create_round(c, units_csv))[unit.code]
            assert ws.version_number(ws.upload(c, token, book)) == 1
            status = ws.wait_checked(c, token, 1)
        assert status["warnings"] + status["infos"] > 100, status
        s = Steps(browser_without_js, server)
        s.n = 60
        s.go(f"/u/{token}/v/1")
        s.no_traceback()
        errors = [text for sev, text in problem_rows(s.d) if sev == "error"]
        assert len(errors) == status["errors"] and all(errors), errors  # shown, in full
        assert s.d.find_elements(By.CSS_SELECTOR, "#problems section.errors div.affected")
        groups = s.d.find_elements(By.CSS_SELECTOR, "#problems details.group")
        assert len(groups) >= 3 and not any(g.get_attribute("open") for g in groups)
        height = s.d.execute_script("return document.documentElement.scrollHeight")
        assert height < 5000, height  # the tester's page was 27,000 px tall
        counts = s.d.find_element(By.ID, "count-warnings")
        assert counts.is_displayed() and counts.text.strip() == str(status["warnings"])
        s.shot("many-problems-folded")
        big = max(groups, key=lambda g: int(g.get_attribute("data-count") or 0))
        assert not big.find_element(By.CSS_SELECTOR, "div.affected").is_displayed()
        big.find_element(By.TAG_NAME, "summary").click()
        s.wait(lambda d: big.get_attribute("open") is not None, "the group opened")
        assert big.find_element(By.CSS_SELECTOR, "div.affected").is_displayed()
        shown = big.find_elements(By.CSS_SELECTOR, "tr.problem")
        assert len(shown) == int(big.get_attribute("data-count") or 0) and shown[0].text
        s.shot("many-problems-one-open")
        # Scrolled down the long group: the counts are still in sight at the top.
        s.d.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
        in_view = s.d.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;",
            counts,
        )
        assert in_view, "the counts scrolled out of sight"


PHONE = 390  # a township clerk opens the link on a phone, from the work chat


def sideways(driver: WebDriver) -> int:
    """How many px the page is wider than the window (0: nothing to scroll sideways to)."""
    return int(
        driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def test_a_phone_reads_every_problem_and_the_round_without_scrolling_sideways(
    tmp_path: Path, browser: WebDriver, fresh_artifacts: Path
) -> None:
    """At 390 px: the township's result page (examples/county 王虎寨镇, two errors, one on a
    sheet with a 31-character name) fits the screen: each error's problem and fix are read in
    full inside the window, not in a fifth column off to the right; its page lists its
    versions with their status in sight; the county's round page
    fits too (its wide table scrolls inside its own box)."""
    book = ROOT / "examples" / "county" / "910002-王虎寨镇.xlsx"
    with ws.serve(tmp_path / "data", tmp_path / "serve.log") as server:
        with ws.client(server) as c:
            ws.login(c)
            rid = ws.create_round(c, ROOT / "examples" / "county" / "units.csv")
            token = ws.unit_links(c, rid)["910002"]
            assert ws.version_number(ws.upload(c, token, book)) == 1
            status = ws.wait_checked(c, token, 1)
        assert status["errors"] == 2, status
        s = Steps(browser, server)
        s.n = 70
        narrow(browser, PHONE)
        s.go(f"/u/{token}/v/1")
        s.no_traceback()
        s.shot("phone-result", PHONE)
        assert sideways(browser) == 0, "the result page scrolls sideways on a phone"
        width = int(browser.execute_script("return document.documentElement.clientWidth"))
        errors = browser.find_elements(By.CSS_SELECTOR, "#problems tr.problem.severity-error")
        assert len(errors) == 2
        for tr in errors:
            for part in tr.find_elements(By.CSS_SELECTOR, "td.message, td.fix, td.sheet"):
                if not part.text.strip():
                    continue
                rect = browser.execute_script(
                    "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];",
                    part,
                )
                assert rect[0] >= 0 and rect[1] <= width, (part.text, rect, width)
        # The marked amounts of the rows under the errors read whole (563.5, not 563. / 5).
        amounts = browser.find_elements(
            By.CSS_SELECTOR, "#problems section.errors table.cells td.marked"
        )
        assert [a.text for a in amounts] == ["19", "563.5"]
        assert all(lines(browser, a) == 1 for a in amounts), [lines(browser, a) for a in amounts]
        fix = errors[0].find_element(By.CSS_SELECTOR, "td.fix")
        assert fix.is_displayed() and "修改建议" in str(
            browser.execute_script("return getComputedStyle(arguments[0], '::before').content", fix)
        )
        # The township's own page: its versions, each with its status, inside the window.
        s.go(f"/u/{token}")
        s.shot("phone-unit-home", PHONE)
        assert sideways(browser) == 0, "the township's page scrolls sideways on a phone"
        row = browser.find_element(By.CSS_SELECTOR, "#versions tr[data-version='1']")
        for css in ("td.status", "td.errors", "td.file"):
            part = row.find_element(By.CSS_SELECTOR, css)
            right = browser.execute_script(
                "return arguments[0].getBoundingClientRect().right;", part
            )
            assert part.is_displayed() and right <= width, (css, part.text, right, width)
        assert cell(row, "status") == "有错误"
        # The county office's round page on the same phone.
        s.go("/login")
        browser.find_element(By.CSS_SELECTOR, "#login-form input[name=password]").send_keys(
            ws.ADMIN_PASSWORD
        )
        s.submit(browser.find_element(By.ID, "login-form"))
        s.wait(lambda d: d.current_url.rstrip("/").endswith("/admin"), "signed in, on /admin")
        s.go(f"/admin/rounds/{rid}")
        s.no_traceback()
        s.shot("phone-round", PHONE)
        assert sideways(browser) == 0, "the round page scrolls sideways on a phone"
        assert cell(dashboard_row(browser, "910002"), "status") == "有错误"
        # The unit's page for the county: the error's row of cells is still a grid.
        dashboard_row(browser, "910002").find_element(By.CSS_SELECTOR, "td.code a").click()
        s.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "table.cells"), "the unit's page")
        s.shot("phone-admin-unit", PHONE)
        assert sideways(browser) == 0, "the unit's page scrolls sideways on a phone"
        grid = browser.find_element(By.CSS_SELECTOR, "table.cells tr")
        display = browser.execute_script("return getComputedStyle(arguments[0]).display", grid)
        assert display == "table-row", display
