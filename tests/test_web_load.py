"""Issue 16 acceptance: 50 townships upload at the same moment, and every upload is kept.

A bounded load test on loopback: ``perfxl serve`` runs as a real subprocess; 50 distinct
township workbooks (`tests/web_fixtures.py`: of every five units one has an error, one a
warning, one both, two are clean) are uploaded by 50 threads released together by a barrier,
each with its own HTTP client (its own session cookie and CSRF token, as 50 browsers would).
Then: every version is in the database and on disk under its sha256 (re-hashed), and the
round's dashboard shows for every unit the same errors, warnings and status as a
`perfxl consolidate` over the same 50 files (the round's export) with the same config.
The test runs twice: on the default SQLite store and with ``--db`` on PostgreSQL.

Also over the real server (uvicorn's streaming, not the test client): uploads over the size
limit are refused as they arrive, leaving nothing behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import web_fixtures as wf
import web_server as ws
from conftest import ROOT
from pg import pg_cluster, pg_url  # noqa: F401  (fixtures)

N_UNITS = 50


def exported(c: httpx2.Client, round_id: int, out: Path) -> dict[str, Path]:
    """The round's export zip, unpacked into ``out`` after checking its SHA256SUMS: each
    member path -> its file."""
    r = c.get(f"/admin/rounds/{round_id}/export.zip")
    assert r.status_code == 200, r.text[:2000]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        z.extractall(out)
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    files = {}
    for line in sums:
        digest, name = line.split(maxsplit=1)
        name = name.lstrip("*")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
        files[name] = out / name
    return files


def consolidate(folder: Path, units_csv: Path, config: Path, out: Path) -> dict[str, dict]:
    """`perfxl consolidate` over ``folder`` (the CLI, as the county would run it): per unit
    code, the row of its ``units`` table (errors, warnings…)."""
    out.mkdir(parents=True)
    tables = out / "tables"
    run = subprocess.run(
        [
            *ws.perfxl_command(),
            "consolidate",
            str(folder),
            "-o",
            str(out / "汇总.xlsx"),
            "--expected",
            str(units_csv),
            "--config",
            str(config),
            "--tables",
            str(tables),
            "--format",
            "json",
            "-j",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode in (0, 1), run.stderr
    report = json.loads(run.stdout)
    assert report["missing_units"] == [] and report["unusable_files"] == [], report
    assert not report["superseded_files"], report

    with (tables / "units.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["row_kind"] == "单位"]
    return {r["unit_code"]: r for r in rows}


def status_of(errors: int, warnings: int) -> tuple[str, str]:
    """The dashboard's status (kind, label) of a submitted unit, from its counts."""
    if errors:
        return "errors", "有错误"
    return ("warnings", "仅有提醒") if warnings else ("clean", "无问题")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_fifty_simultaneous_uploads_are_all_kept(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    # SQLite in the data folder (the default), or `--db` a PostgreSQL database of the
    # throwaway cluster (tests/pg.py; skipped with its reason where no server binaries exist).
    db_url: str | None = request.getfixturevalue("pg_url") if database == "postgresql" else None
    units = wf.town_units(N_UNITS)
    units_csv = wf.write_units_csv(tmp_path / "units.csv", units)
    config = tmp_path / "县级配置.toml"
    config.write_text(wf.ROUND_CONFIG, encoding="utf-8")
    books = [
        wf.township_book(tmp_path / "books", i, u, wf.faults_of(i)) for i, u in enumerate(units)
    ]
    digests = {
        u.code: hashlib.sha256(b.read_bytes()).hexdigest()
        for u, b in zip(units, books, strict=True)
    }
    assert len(set(digests.values())) == N_UNITS  # 50 distinct workbooks

    data = tmp_path / "data"
    args = ("--workers", "2", *(("--db", db_url) if db_url else ()))
    with ws.serve(data, tmp_path / "serve.log", args=args) as server:
        with ws.client(server) as admin:
            ws.login(admin)
            round_id = ws.create_round(admin, units_csv, config_text=wf.ROUND_CONFIG)
            links = ws.unit_links(admin, round_id)
        assert sorted(links) == sorted(u.code for u in units)

        # Each thread opens its unit's page first (its own session and CSRF token), then all
        # 50 post their file at once.
        barrier = threading.Barrier(N_UNITS)
        answers: dict[str, tuple[int, str]] = {}
        failures: list[str] = []
        lock = threading.Lock()

        def township(unit: wf.TownUnit, book: Path) -> None:
            token = links[unit.code]
            try:
                with ws.client(server) as c:
                    page = c.get(f"/u/{token}")
                    form = ws.form_with(page.text, "file")
                    action = ws.resolve(f"/u/{token}", form.action)
                    body = book.read_bytes()
                    barrier.wait(timeout=120)
                    r = c.post(
                        action,
                        data=form.fields,
                        files={"file": (book.name, body, "application/octet-stream")},
                    )
                    with lock:
                        answers[unit.code] = (r.status_code, r.headers.get("location", ""))
            except Exception as exc:  # reported below with the unit, not lost in a thread
                with lock:
                    failures.append(f"{unit.code}: {exc!r}")
                barrier.abort()

        threads = [
            threading.Thread(target=township, args=(u, b))
            for u, b in zip(units, books, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not failures, failures
        assert len(answers) == N_UNITS
        bad = {code: a for code, a in answers.items() if a[0] != 303}
        assert not bad, (bad, server.stderr_text()[-3000:])
        assert all(loc.rstrip("/").endswith("/v/1") for _, loc in answers.values()), answers

        # Every check finishes.
        with ws.client(server) as c:
            results = {u.code: ws.wait_checked(c, links[u.code], 1) for u in units}
        assert all(r.get("status") == "done" for r in results.values()), results

        # The dashboard, as the admin sees it.
        with ws.client(server) as admin:
            ws.login(admin)
            board = ws.dashboard(admin, round_id)
            counts = ws.dashboard_counts(admin, round_id)
            files = exported(admin, round_id, tmp_path / "导出")
        assert server.proc.poll() is None  # still serving

    # Every version is in the database and on disk under its sha256.
    from perfxl.web.blobs import BlobStore
    from perfxl.web.store import Store

    store = Store.for_data(data, db_url)
    try:
        stored = {u.code: (u, v) for u, v in store.all_versions(round_id)}
        assert sorted(stored) == sorted(digests)
        blobs = BlobStore(data)
        for code, (_unit, version) in stored.items():
            assert version.number == 1 and version.sha256 == digests[code], (code, version)
            assert blobs.verify(version.sha256), code
            assert blobs.path(version.sha256).read_bytes() == books[int(code) - 910001].read_bytes()
            assert version.status == "done"
    finally:
        store.close()
    assert not list((data / "tmp").glob("*.part"))

    # The export holds exactly the 50 uploads; `perfxl consolidate` over it gives the
    # dashboard's counts.
    workbooks = sorted(f for f in files.values() if f.suffix == ".xlsx")
    assert sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in workbooks) == sorted(
        digests.values()
    )
    found = agrees_with_consolidate(
        board, counts, tmp_path / "导出", units_csv, config, tmp_path / "consolidate"
    )
    assert sorted(board) == sorted(digests)
    for i, unit in enumerate(units):  # and both say what the fixtures planted
        faults = wf.faults_of(i)
        assert found[unit.code] == (int(wf.ERROR in faults), int(wf.WARNING in faults)), i
    assert counts == {
        "checking": 0,
        "failed": 0,
        "missing": 0,
        "errors": 20,
        "warnings": 10,
        "clean": 20,
    }


def agrees_with_consolidate(
    board: dict[str, ws.Row],
    counts: dict[str, int],
    folder: Path,
    units_csv: Path,
    config: Path,
    out: Path,
) -> dict[str, tuple[int, int]]:
    """Assert that the dashboard (its rows and head counts) says for every unit what
    `perfxl consolidate` over ``folder`` says: errors, warnings, status. Returns consolidate's
    (errors, warnings) per unit code."""
    expected = consolidate(folder, units_csv, config, out)
    found: dict[str, tuple[int, int]] = {}
    kinds = dict.fromkeys(("checking", "failed", "missing", "errors", "warnings", "clean"), 0)
    for code, row in board.items():
        if code not in expected:
            kinds["missing"] += 1
            continue
        want = expected[code]
        errors, warnings = int(want["errors"]), int(want["warnings"])
        shown = (int(row.cells["errors"]), int(row.cells["warnings"]))
        assert shown == (errors, warnings), (code, row.texts, "consolidate:", errors, warnings)
        kind, label = status_of(errors, warnings)
        assert row.attrs["data-status"] == kind and label in row.cells["status"], (code, row)
        kinds[kind] += 1
        found[code] = (errors, warnings)
    assert counts == kinds, (counts, kinds)
    return found


def test_the_dashboard_counts_problems_between_units_as_consolidate_does(tmp_path: Path) -> None:
    """Two units' workbooks share a 项目编码 (each clean alone): `perfxl consolidate` gives both
    a consolidate.duplicate_code error, so the dashboard must show both 有错误 as well."""
    units = wf.town_units(3)
    units_csv = wf.write_units_csv(tmp_path / "units.csv", units)
    config = tmp_path / "县级配置.toml"
    config.write_text(wf.ROUND_CONFIG, encoding="utf-8")
    plan: list[tuple[str, ...]] = [(), (wf.DUPLICATE,), ()]
    assert wf.DUPLICATE_OF == 0
    books = [wf.township_book(tmp_path / "books", i, u, plan[i]) for i, u in enumerate(units)]
    with ws.serve(tmp_path / "data", tmp_path / "serve.log") as server, ws.client(server) as c:
        ws.login(c)
        round_id = ws.create_round(c, units_csv, config_text=wf.ROUND_CONFIG)
        links = ws.unit_links(c, round_id)
        for unit, book in zip(units, books, strict=True):
            assert ws.version_number(ws.upload(c, links[unit.code], book)) == 1
            assert ws.wait_checked(c, links[unit.code], 1)["status"] == "done"
        board, counts = ws.dashboard(c, round_id), ws.dashboard_counts(c, round_id)
        exported(c, round_id, tmp_path / "导出")
    found = agrees_with_consolidate(
        board, counts, tmp_path / "导出", units_csv, config, tmp_path / "consolidate"
    )
    assert found == {units[0].code: (1, 0), units[1].code: (1, 0), units[2].code: (0, 0)}


def test_oversize_uploads_are_refused_over_the_real_server(tmp_path: Path) -> None:
    """``--max-upload-mb 1``: a 3 MiB upload is refused with 413 and a Chinese page, whether
    its size is declared (Content-Length) or only found as the bytes arrive (chunked); no part
    file and no blob is left, and the server goes on serving."""
    unit = wf.town_units(1)[0]
    units_csv = wf.write_units_csv(tmp_path / "units.csv", [unit])
    big = tmp_path / "大文件.xlsx"
    big.write_bytes(b"PK\x03\x04" + bytes(range(256)) * (3 * 4096))
    data = tmp_path / "data"
    with (
        ws.serve(data, tmp_path / "serve.log", args=("--max-upload-mb", "1")) as server,
        ws.client(server) as c,
    ):
        ws.login(c)
        round_id = ws.create_round(c, units_csv)
        token = ws.unit_links(c, round_id)[unit.code]
        form = ws.form_with(c.get(f"/u/{token}").text, "file")
        action = ws.resolve(f"/u/{token}", form.action)

        declared = c.post(action, data=form.fields, files={"file": (big.name, big.read_bytes())})

        boundary = "perfxl-e2e-chunked"

        def body() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
                f"{form.fields['csrf']}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{big.name}"\r\n\r\n'
            ).encode()
            content = big.read_bytes()
            for i in range(0, len(content), 64 * 1024):
                yield content[i : i + 64 * 1024]
            yield f"\r\n--{boundary}--\r\n".encode()

        chunked = c.post(
            action,
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        for r in (declared, chunked):
            assert r.status_code == 413, r.status_code
            assert "Traceback" not in r.text and re.search("[\u4e00-\u9fff]", r.text)
        assert not list((data / "tmp").glob("*.part"))
        assert not [p for p in (data / "blobs").rglob("*") if p.is_file()]
        page = c.get(f"/u/{token}")
        assert page.status_code == 200 and big.name not in page.text
        assert ws.dashboard(c, round_id)[unit.code].attrs["data-status"] == "missing"
