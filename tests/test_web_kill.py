"""Issue 16 acceptance: killing the server mid-upload loses nothing and leaves no half-file.

``perfxl serve`` runs as a real subprocess. A client sends the head and the first megabytes of
a large upload, then stalls; the test waits until the server has written part of it into
``DATA/tmp/*.part`` (the handshake: the part file exists and has bytes) and SIGKILLs the server
there. After a restart: every earlier version is intact (its blob re-hashed, its download the
same bytes), the stalled upload left no version and no blob, the part file is cleaned away,
the database passes SQLite's integrity check, and numbering continues. A version whose check
was under way when the server was killed is checked again at the restart. A clean stop
(SIGTERM) and restart keeps the password, the round, the links, the versions and results;
a first start without a password prints a one-time setup link, and only that once. The
demo step (tools/demo.d/60-web.sh) starts, uploads and stops without hanging.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import web_fixtures as wf
import web_server as ws
from conftest import ROOT

MIB = 1024 * 1024


def wait_for_part(data: Path, min_bytes: int, timeout: float = 60.0) -> Path:
    """Poll (with a deadline) until a ``tmp/*.part`` of at least ``min_bytes`` exists."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: a short wait between polls, not a synchronisation
    while time.monotonic() < deadline:
        pause.wait(0.05)
        for part in (data / "tmp").glob("*.part"):
            try:
                if part.stat().st_size >= min_bytes:
                    return part
            except FileNotFoundError:
                continue
    raise AssertionError(f"no part file of {min_bytes} bytes in {data / 'tmp'}")


def blob_files(data: Path) -> dict[str, bytes]:
    """Every file under ``DATA/blobs`` by name, with its bytes."""
    return {p.name: p.read_bytes() for p in (data / "blobs").rglob("*") if p.is_file()}


def setup_round(server: ws.Server, tmp_path: Path, n: int = 2) -> tuple[int, dict[str, str]]:
    units = wf.town_units(n)
    units_csv = wf.write_units_csv(tmp_path / "units.csv", units)
    with ws.client(server) as admin:
        ws.login(admin)
        round_id = ws.create_round(admin, units_csv, config_text=wf.ROUND_CONFIG)
        return round_id, ws.unit_links(admin, round_id)


def test_sigkill_during_an_upload_loses_no_earlier_version(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    units = wf.town_units(2)
    a, b = units
    books = tmp_path / "books"
    a1 = wf.township_book(books, 0, a, (wf.ERROR,))
    b1 = wf.township_book(books, 1, b)
    server = ws.start(data, log)
    try:
        round_id, links = setup_round(server, tmp_path)
        with ws.client(server) as c:
            assert ws.version_number(ws.upload(c, links[a.code], a1)) == 1
            assert ws.version_number(ws.upload(c, links[b.code], b1)) == 1
            assert ws.wait_checked(c, links[a.code], 1)["status"] == "done"
            assert ws.wait_checked(c, links[b.code], 1)["status"] == "done"
            # A 20 MiB upload stalls after 3 MiB; the server is killed while it writes it.
            stalled = ws.StalledUpload(server, c, links[a.code], size=20 * MIB, sent=3 * MIB)
            part = wait_for_part(data, 1 * MIB)
            semaphores = server.semaphores()  # the check pool's queues
            assert semaphores and all(p.exists() for p in semaphores)
            assert server.kill() < 0
            stalled.close()
            # Nothing of the killed server is left in /dev/shm: its resource tracker ended by
            # itself and unlinked them (a harness killing the whole group at once leaked them).
            assert not [p for p in semaphores if p.exists()], semaphores
    finally:
        if server.proc.poll() is None:
            server.kill()

    # Killed mid-upload: the part is left in tmp/, nothing of it anywhere else.
    assert part.exists()
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (a1, b1)}
    stored = blob_files(data)
    assert set(stored) == digests, sorted(stored)
    assert all(hashlib.sha256(v).hexdigest() == k for k, v in stored.items())
    with sqlite3.connect(data / "perfxl.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    with ws.serve(data, log) as server:
        assert not list((data / "tmp").glob("*.part")), "tmp/ not cleaned at start"
        with ws.client(server) as c:
            # Every earlier version intact, and served as uploaded.
            for unit, book in ((a, a1), (b, b1)):
                r = c.get(f"/u/{links[unit.code]}/v/1/file")
                assert r.status_code == 200 and r.content == book.read_bytes(), unit.code
                assert c.get(f"/u/{links[unit.code]}/v/2").status_code == 404
            status = ws.wait_checked(c, links[a.code], 1)
            assert status["status"] == "done" and status.get("errors") == 1, status
            # Numbering goes on from the versions kept.
            a2 = wf.township_book(books, 0, a)
            assert ws.version_number(ws.upload(c, links[a.code], a2)) == 2
            # Killed while version 2 may still be checking: checked again at the restart.
            assert server.kill() < 0

    with ws.serve(data, log) as server, ws.client(server) as c:
        status = ws.wait_checked(c, links[a.code], 2)
        assert status["status"] == "done", status
        assert status.get("errors") == 0 and status.get("warnings") == 0, status

    from perfxl.web.blobs import BlobStore
    from perfxl.web.store import Store

    store = Store.for_data(data)
    try:
        versions = store.all_versions(round_id)
        assert sorted((u.code, v.number) for u, v in versions) == [
            (a.code, 1),
            (a.code, 2),
            (b.code, 1),
        ]
        assert not store.pending()
        blobs = BlobStore(data)
        assert all(blobs.verify(v.sha256) for _, v in versions)
    finally:
        store.close()
    assert set(blob_files(data)) == {v.sha256 for _, v in versions}
    with sqlite3.connect(data / "perfxl.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_check_workers_end_with_a_killed_server(tmp_path: Path) -> None:
    """SIGKILL of the server alone (no SIGTERM, no clean-up by the harness): its check workers
    and every other process it started notice and exit by themselves."""
    data, log = tmp_path / "data", tmp_path / "serve.log"
    a, _b = wf.town_units(2)
    book = wf.township_book(tmp_path / "books", 0, a, (wf.ERROR,))
    server = ws.start(data, log)
    try:
        _round_id, links = setup_round(server, tmp_path)
        with ws.client(server) as c:
            assert ws.version_number(ws.upload(c, links[a.code], book)) == 1
            assert ws.wait_checked(c, links[a.code], 1)["status"] == "done"
        workers = server.group()
        assert workers, "the server checked a file without any worker process"
        assert server.kill_alone() < 0
        deadline = time.monotonic() + 60.0
        pause = threading.Event()  # never set: a short wait between polls
        while server.group() and time.monotonic() < deadline:
            pause.wait(0.1)
        left = server.group()
        assert not left, f"processes of the killed server still run: {left} (were {workers})"
    finally:
        server.kill()  # the harness's clean-up, only after the assertion above


def test_a_restart_keeps_everything(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    a, b = wf.town_units(2)
    book = wf.township_book(tmp_path / "books", 0, a, (wf.ERROR, wf.WARNING))
    with ws.serve(data, log) as server:
        round_id, links = setup_round(server, tmp_path)
        with ws.client(server) as c:
            assert ws.version_number(ws.upload(c, links[a.code], book)) == 1
            before = ws.wait_checked(c, links[a.code], 1)
            result_page = c.get(f"/u/{links[a.code]}/v/1").text
        with ws.client(server) as admin:
            ws.login(admin)
            dashboard = ws.dashboard(admin, round_id)
        assert server.stop() == 0, "SIGTERM is a clean stop"
        assert not server.leftovers, "the check workers outlived the server's clean stop"
    assert "Traceback" not in log.read_text(encoding="utf-8")
    assert "perfxl 网页服务已停止" in log.read_text(encoding="utf-8")

    # No PERFXL_ADMIN_PASSWORD this time: the password set at the first start is kept.
    with ws.serve(data, log, password=None) as server:
        assert "setup?token=" not in server.stderr_text()
        with ws.client(server) as admin:
            ws.login(admin)
            assert ws.unit_links(admin, round_id) == links
            again = ws.dashboard(admin, round_id)
        assert again == dashboard
        with ws.client(server) as c:
            assert ws.wait_checked(c, links[a.code], 1) == before
            page = c.get(f"/u/{links[a.code]}/v/1").text
            assert wf.ERROR_CELL in page and wf.WARNING_CELL in page
            problems = [r.texts for r in ws.rows(page, "problems", "data-rule")]
            assert len(problems) == 2
            assert problems == [r.texts for r in ws.rows(result_page, "problems", "data-rule")]
            assert c.get(f"/u/{links[a.code]}/v/1/file").content == book.read_bytes()
            other = c.get(f"/u/{links[b.code]}")
            assert other.status_code == 200 and book.name not in other.text


def test_first_start_without_a_password_prints_a_one_time_setup_link(tmp_path: Path) -> None:
    """No PERFXL_ADMIN_PASSWORD and no terminal: the server prints a setup link; it sets the
    password once; after a restart no link is printed and the password still signs in."""
    data, log = tmp_path / "data", tmp_path / "serve.log"
    password = "新的管理员口令-2024"
    with ws.serve(data, log, password=None) as server:
        found = server.wait_line(r"(http://\S+/setup\?token=([A-Za-z0-9_-]+))")
        link, token = found.group(1), found.group(2)
        assert link.startswith(server.base)
        with ws.client(server) as c:
            assert c.get("/setup?token=wrong").status_code == 403
            page = c.get(f"/setup?token={token}")
            assert page.status_code == 200, page.text
            form = ws.form_with(page.text, "password_again")
            r = c.post(
                ws.resolve("/setup", form.action),
                data={**form.fields, "password": password, "password_again": password},
            )
            assert r.status_code == 303 and c.get("/admin").status_code == 200
        with ws.client(server) as c:
            assert c.get(f"/setup?token={token}").status_code in (403, 404)  # used up
            ws.login(c, password)
    with ws.serve(data, log, password=None) as server:
        assert "setup?token=" not in server.stderr_text()
        with ws.client(server) as c:
            ws.login(c, password)


def test_the_demo_step_starts_uploads_and_stops(tmp_path: Path) -> None:
    """``tools/demo.d/60-web.sh`` (run by ``make demo``): starts ``perfxl serve --demo``,
    uploads 王虎寨镇's workbook through its link, prints the result, stops the server."""
    out = tmp_path / "演示 out"
    out.mkdir()
    env = {**os.environ, "OUT": str(out), "BIN": str(Path(sys.executable).parent)}
    run = subprocess.run(
        ["bash", str(ROOT / "tools" / "demo.d" / "60-web.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "检查结果：有错误（错误 2 个" in run.stderr, run.stderr
    assert "网页服务已停止" in run.stderr, run.stderr
    page = (out / "web-demo-result.html").read_text(encoding="utf-8")
    assert 'id="problems"' in page and "amount.funds_sum" in page
    assert "perfxl 网页服务已停止" in (out / "web-demo.log").read_text(encoding="utf-8")
