"""perfxl.web.store and perfxl.web.blobs: every Store test on SQLite and on PostgreSQL.

The PostgreSQL cases start a throwaway cluster (tests/pg.py); they skip, saying why, where no
PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import sqlite3
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

import pg
import pytest
from handshake import STALL, kill_when_ready
from pg import pg_cluster, pg_url  # noqa: F401  (fixtures, found by name)
from sqlalchemy.exc import IntegrityError

from perfxl.web.blobs import BlobStore
from perfxl.web.store import Store, StoreError, Unit, Version, normalise_url

# A path that climbs out of a folder, as a hostile upload names it.
CLIMB = "/".join(["..", "..", "etc", "passwd"])

ROOT = Path(__file__).resolve().parents[1]
SHA_A = hashlib.sha256(b"a").hexdigest()
SHA_B = hashlib.sha256(b"b").hexdigest()
T = TypeVar("T")
UNITS = [("910001", "巨鹿镇"), ("910002", "王虎寨镇"), ("910003", None)]


def _all_at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run each call on its own thread, all released together (a barrier); their results in
    the order they finished. Fails the test when any call raised."""
    barrier = threading.Barrier(len(calls))
    results: list[T] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], T]) -> None:
        try:
            barrier.wait()
            got = call()
        except BaseException as exc:  # reported below, in the test's thread
            with lock:
                failures.append(exc)
        else:
            with lock:
                results.append(got)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    return results


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        data = tmp_path / "data"
        data.mkdir()
        return f"sqlite:///{data / 'perfxl.db'}"
    value: str = request.getfixturevalue("pg_url")
    return value


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    s = Store(url)
    s.create_all()
    try:
        yield s
    finally:
        s.close()


def new_round(store: Store, units: list[tuple[str, str | None]] = UNITS) -> list[Unit]:
    r = store.create_round(
        title="2023年预算绩效目标", year=2023, stage="targets", deadline=None,
        units=units, config_text=None,
    )  # fmt: skip
    return store.units(r.id)


def add(store: Store, unit_id: int, sha: str = SHA_A, name: str = "巨鹿镇.xlsx") -> Version:
    return store.add_version(unit_id, sha256=sha, size=1, original_name=name, ext="xlsx")


# -- store: schema, settings -------------------------------------------------------------------


def test_create_all_is_idempotent_and_settings_persist(url: str) -> None:
    with Store(url) as s:
        s.create_all()
        s.create_all()
        assert s.setting("admin_password") is None
        s.set_setting("admin_password", "scrypt$1")
        s.set_setting("admin_password", "scrypt$2")  # replaced, not duplicated
        key = s.secret_key()
        assert len(key) == 64 and int(key, 16) >= 0
        assert s.secret_key() == key
    with Store(url) as again:
        again.create_all()
        assert again.setting("admin_password") == "scrypt$2"
        assert again.secret_key() == key


def test_create_all_from_many_starts_at_once(url: str) -> None:
    stores = [Store(url) for _ in range(6)]
    _all_at_once([s.create_all for s in stores])  # none fails
    assert len(new_round(stores[0])) == 3
    for s in stores:
        s.close()


def test_many_stores_starting_together_on_fresh_sqlite_files(tmp_path: Path) -> None:
    """Switching a new SQLite file to WAL is not covered by the busy timeout: six stores
    starting together on a fresh file failed about once in twenty ("database is locked"
    from the connect hook). Forty fresh files, none may fail."""
    for i in range(40):
        folder = tmp_path / f"d{i}"
        folder.mkdir()
        stores = [Store(f"sqlite:///{folder}/perfxl.db") for _ in range(6)]
        try:
            _all_at_once([s.create_all for s in stores])  # fails the test when any raised
        finally:
            for s in stores:
                s.close()


def test_secret_key_is_made_once_under_concurrency(url: str) -> None:
    with Store(url) as first:
        first.create_all()
    stores = [Store(url) for _ in range(8)]
    keys = _all_at_once([s.secret_key for s in stores])
    for s in stores:
        s.close()
    assert len(keys) == 8 and len(set(keys)) == 1


# -- store: rounds and units -------------------------------------------------------------------


def test_rounds_and_units(store: Store) -> None:
    china = timezone(timedelta(hours=8))
    first = store.create_round(
        title="2023年预算绩效目标", year=2023, stage="targets",
        deadline=datetime(2023, 3, 31, 18, 0, tzinfo=china),
        units=UNITS, config_text='[project]\nname = "x"\n',
    )  # fmt: skip
    assert first.deadline == datetime(2023, 3, 31, 10, 0, tzinfo=UTC)
    assert first.deadline is not None and first.deadline.tzinfo == UTC
    assert first.created_at.tzinfo == UTC
    assert abs(datetime.now(UTC) - first.created_at) < timedelta(hours=1)
    assert first.config_text == '[project]\nname = "x"\n'
    second = store.create_round(
        title="2023年绩效运行监控", year=2023, stage="monitoring",
        deadline=datetime(2023, 8, 15, 12, 0), units=UNITS[:2], config_text=None,
        source_round_id=first.id,
    )  # fmt: skip
    # A naive deadline is the server's local time.
    assert second.deadline == datetime(2023, 8, 15, 12, 0).astimezone(UTC)
    assert second.source_round_id == first.id
    assert store.rounds() == [second, first]  # newest first
    assert store.round(first.id) == first
    assert store.round(999_999) is None

    units = store.units(first.id)
    assert [(u.code, u.name) for u in units] == UNITS
    assert all(u.round_id == first.id for u in units)
    tokens = [u.token for u in units + store.units(second.id)]
    assert len(set(tokens)) == 5 and all(len(t) >= 32 for t in tokens)
    for u in units:
        assert store.unit_by_token(u.token) == u
        assert store.unit(u.id) == u
    assert store.unit_by_token("no-such-token") is None
    assert store.unit_by_token("") is None
    assert store.unit_by_token("x" * 10_000) is None
    assert store.unit(999_999) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stage": "budget"}, "未知的阶段"),
        ({"units": []}, "单位名单为空"),
        ({"units": [("910001", "甲"), ("910001", "乙")]}, "单位编码重复：910001"),
        ({"units": [(" ", "甲")]}, "空的单位编码"),
        ({"source_round_id": 424242}, "来源收集轮次不存在"),
    ],
    ids=["stage", "no-units", "duplicate-code", "blank-code", "no-source"],
)
def test_create_round_refuses_bad_input_and_stores_nothing(
    store: Store, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "title": "t", "year": 2023, "stage": "targets", "deadline": None,
        "units": UNITS, "config_text": None,
    }  # fmt: skip
    args.update(kwargs)
    with pytest.raises(StoreError, match=message):
        store.create_round(**args)  # type: ignore[arg-type]
    assert store.rounds() == []


# -- store: versions ---------------------------------------------------------------------------


def test_versions_lifecycle(store: Store) -> None:
    a, b, c = new_round(store)
    v1 = add(store, a.id, SHA_A, "巨鹿镇 第一版.xlsx")
    assert (v1.unit_id, v1.number, v1.status, v1.result, v1.checked_at) == (
        a.id, 1, "checking", None, None
    )  # fmt: skip
    assert (v1.sha256, v1.size, v1.original_name, v1.ext) == (
        SHA_A,
        1,
        "巨鹿镇 第一版.xlsx",
        "xlsx",
    )
    assert v1.uploaded_at.tzinfo == UTC
    v2 = add(store, a.id, SHA_B)
    w1 = add(store, b.id, SHA_B)
    assert (v2.number, w1.number) == (2, 1)
    assert store.pending() == [v1, v2, w1]

    result = {"status": "done", "problems": [{"message": "预算数为空", "cell": "D7"}], "n": 1.5}
    store.finish_check(v1.id, status="done", errors=2, warnings=1, infos=0, result=result)
    store.finish_check(w1.id, status="failed", errors=0, warnings=0, infos=0, result={"m": "失败"})
    done = store.version(a.id, 1)
    assert done is not None
    assert (done.status, done.errors, done.warnings, done.infos) == ("done", 2, 1, 0)
    assert done.result == result
    assert done.checked_at is not None and done.checked_at >= done.uploaded_at
    assert store.pending() == [v2]

    assert [v.number for v in store.versions(a.id)] == [1, 2]
    assert store.versions(c.id) == []
    assert store.version(a.id, 2) == v2
    assert store.version(a.id, 3) is None
    assert store.version(b.id, 2) is None  # unit b has no version 2, though unit a has
    assert store.version_by_id(v2.id) == v2
    assert store.version_by_id(999_999) is None

    latest = store.latest(a.round_id)
    assert set(latest) == {a.id, b.id}
    assert latest[a.id] == v2
    assert latest[b.id].status == "failed"
    pairs = store.all_versions(a.round_id)
    assert [(u.code, v.number) for u, v in pairs] == [("910001", 1), ("910001", 2), ("910002", 1)]
    assert pairs[0][0] == a and pairs[0][1] == done


def test_versions_of_one_round_stay_in_it(store: Store) -> None:
    (a, _, _) = new_round(store)
    (x, _, _) = new_round(store)
    add(store, a.id)
    add(store, x.id)
    assert set(store.latest(a.round_id)) == {a.id}
    assert [u.id for u, _ in store.all_versions(x.round_id)] == [x.id]
    assert store.latest(999_999) == {}


def test_bad_version_requests(store: Store) -> None:
    (a, _, _) = new_round(store)
    with pytest.raises(StoreError, match="单位不存在"):
        add(store, 999_999)
    with pytest.raises(StoreError, match="文件摘要格式错误"):
        add(store, a.id, sha=CLIMB)
    with pytest.raises(StoreError, match="文件摘要格式错误"):
        add(store, a.id, sha=SHA_A.upper())
    v = add(store, a.id)
    with pytest.raises(StoreError, match="未知的检查状态"):
        store.finish_check(v.id, status="checking", errors=0, warnings=0, infos=0, result={})
    with pytest.raises(StoreError, match="版本不存在"):
        store.finish_check(999_999, status="done", errors=0, warnings=0, infos=0, result={})
    assert [x.number for x in store.versions(a.id)] == [1]  # nothing half-written


def test_concurrent_adds_get_unique_numbers(store: Store) -> None:
    """20 threads on one unit and 50 threads on 50 other units, all released at once."""
    units = new_round(store, [(f"9{i:05d}", f"乡镇{i}") for i in range(51)])
    crowded, singles = units[0], units[1:]
    jobs = [crowded.id] * 20 + [u.id for u in singles]
    got = _all_at_once([functools.partial(add, store, unit_id) for unit_id in jobs])
    assert sorted(v.number for v in got if v.unit_id == crowded.id) == list(range(1, 21))
    assert sorted(v.unit_id for v in got if v.unit_id != crowded.id) == [u.id for u in singles]
    assert all(v.number == 1 for v in got if v.unit_id != crowded.id)
    stored = store.all_versions(crowded.round_id)
    assert len(stored) == 70 and {v.id for _, v in stored} == {v.id for v in got}
    assert [v.number for v in store.versions(crowded.id)] == list(range(1, 21))


def _add_in_process(url: str, unit_id: int, count: int, barrier: object) -> None:
    """Child process: its own Store, ``count`` versions of one unit."""
    with Store(url) as s:
        barrier.wait()  # type: ignore[attr-defined]
        for _ in range(count):
            add(s, unit_id)


def test_concurrent_processes_get_unique_numbers(store: Store) -> None:
    (a, _, _) = new_round(store)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [
        ctx.Process(target=_add_in_process, args=(store.url, a.id, 10, barrier)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert [v.number for v in store.versions(a.id)] == list(range(1, 41))


def test_restart_keeps_everything(url: str) -> None:
    with Store(url) as first:
        first.create_all()
        key = first.secret_key()
        a, b, _ = new_round(first)
        v1 = add(first, a.id)
        first.finish_check(v1.id, status="done", errors=1, warnings=0, infos=3, result={"k": "值"})
        add(first, b.id)
        before = (
            first.rounds(), first.units(a.round_id), first.all_versions(a.round_id),
            first.pending(), first.latest(a.round_id),
        )  # fmt: skip
    with Store(url) as second:
        second.create_all()
        after = (
            second.rounds(), second.units(a.round_id), second.all_versions(a.round_id),
            second.pending(), second.latest(a.round_id),
        )  # fmt: skip
        assert after == before
        assert second.secret_key() == key
        assert add(second, a.id).number == 2  # numbering goes on


def test_for_data_uses_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "新建 数据"
    with Store.for_data(data) as s:
        s.create_all()
        new_round(s)
        assert s.backend == "sqlite"
    db = data / "perfxl.db"
    assert db.is_file()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT count(*) FROM units").fetchone()[0] == 3
    with Store.for_data(tmp_path / "unused", url=f"sqlite:///{db}") as again:
        assert len(again.rounds()) == 1
    assert not (tmp_path / "unused").exists()


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    with Store.for_data(tmp_path) as s:
        s.create_all()
        with s._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # Foreign keys are enforced: a version of a unit that does not exist is refused.
        with pytest.raises(IntegrityError, match="FOREIGN KEY"), s._engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO versions (unit_id, number, sha256, size, original_name, ext,"
                " uploaded_at, status, errors, warnings, infos)"
                " VALUES (777, 1, 'x', 1, 'a', 'xlsx', '2023-01-01', 'checking', 0, 0, 0)"
            )


def test_urls() -> None:
    assert normalise_url("postgresql://u@localhost/perfxl") == (
        "postgresql+psycopg://u@localhost/perfxl"
    )
    assert normalise_url("postgres://u:pw@h:5433/db").startswith("postgresql+psycopg://u:pw@h:5433")
    assert normalise_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    with pytest.raises(StoreError, match="不支持的数据库：mysql"):
        Store("mysql://u@h/db")
    with pytest.raises(StoreError, match="数据库地址无法识别") as caught:
        Store("not a url with password secret")
    assert "sqlite:///" in caught.value.message
    with pytest.raises(StoreError, match="必须是一个文件"):
        Store("sqlite://")
    with pytest.raises(StoreError, match="必须是一个文件"):
        Store("sqlite:///:memory:")


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"无法打开数据库 sqlite:///.*missing") as caught:
        Store(f"sqlite:///{tmp_path / 'missing' / 'perfxl.db'}").create_all()
    assert "unable to open database file" in caught.value.message
    # A closed loopback port; the password never appears in the message.
    with pytest.raises(StoreError, match="无法打开数据库 postgresql") as caught:
        Store("postgresql://perfxl:s3cret@127.0.0.1:1/perfxl").create_all()
    assert "s3cret" not in caught.value.message and "***" in caught.value.message


def test_pg_fixture_skips_with_its_reason_where_no_server_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pg, "pg_bindir", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL server binaries not found"):
        pg.start_cluster()


# -- blobs -------------------------------------------------------------------------------------


def put(blobs: BlobStore, content: bytes) -> tuple[str, int]:
    part, fh = blobs.part_file()
    with fh:
        fh.write(content)
    return blobs.commit(part)


def test_blob_commit_addresses_by_content_and_dedupes(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    content = b"PK\x03\x04 workbook bytes " * 1000
    sha, size = put(blobs, content)
    assert (sha, size) == (hashlib.sha256(content).hexdigest(), len(content))
    stored = blobs.path(sha)
    assert stored == tmp_path / "blobs" / sha[:2] / sha
    assert stored.read_bytes() == content
    mtime = stored.stat().st_mtime_ns
    assert put(blobs, content) == (sha, size)  # the same content again
    assert blobs.path(sha).stat().st_mtime_ns == mtime  # kept, not rewritten
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [stored]
    assert list((tmp_path / "tmp").iterdir()) == []
    assert blobs.verify(sha)
    # A stored blob damaged on disk is repaired by the next upload of the same content.
    stored.write_bytes(b"damaged")
    assert not blobs.verify(sha)
    assert put(blobs, content) == (sha, size)
    assert blobs.verify(sha)
    other, _ = put(blobs, b"")
    assert other == hashlib.sha256(b"").hexdigest() and blobs.path(other).stat().st_size == 0


def test_blob_same_content_from_many_threads(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    parts = []
    for _ in range(16):
        part, fh = blobs.part_file()
        with fh:
            fh.write(b"same" * 10_000)
        parts.append(part)
    results = _all_at_once([functools.partial(blobs.commit, part) for part in parts])
    assert len(results) == 16 and len(set(results)) == 1
    assert blobs.verify(results[0][0])
    assert len([p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]) == 1
    assert list((tmp_path / "tmp").iterdir()) == []


def test_blob_paths_and_verify(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    sha, _ = put(blobs, b"original")
    for bad in ("", CLIMB, sha.upper(), sha[:-1], sha + "0", "g" * 64):
        with pytest.raises(KeyError):
            blobs.path(bad)
        assert not blobs.verify(bad)
    with pytest.raises(KeyError):
        blobs.path(SHA_A)  # well-formed, not stored
    blobs.path(sha).write_bytes(b"tampered")
    assert not blobs.verify(sha)


def test_blob_discard(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    part, fh = blobs.part_file()
    assert part.parent == tmp_path / "tmp" and part.name.startswith("upload-")
    assert part.suffix == ".part"
    with fh:
        fh.write(b"refused upload")
    blobs.discard(part)
    assert not part.exists()
    blobs.discard(part)  # twice is fine
    elsewhere = tmp_path / "keep.part"
    elsewhere.write_bytes(b"x")
    with pytest.raises(ValueError, match="not an upload part"):
        blobs.discard(elsewhere)
    with pytest.raises(ValueError, match="not an upload part"):
        blobs.commit(elsewhere)
    assert elsewhere.exists()
    assert list((tmp_path / "blobs").rglob("*")) == []


@pytest.mark.parametrize("mask", [0o027, 0o002, 0o077])
def test_blob_mode_follows_umask(tmp_path: Path, mask: int) -> None:
    blobs = BlobStore(tmp_path)
    old = os.umask(mask)
    try:
        sha, _ = put(blobs, f"content for umask {mask:o}".encode())
    finally:
        os.umask(old)
    assert stat.S_IMODE(blobs.path(sha).stat().st_mode) == 0o666 & ~mask


def test_clean_tmp_leaves_an_upload_in_progress(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    part, fh = blobs.part_file()
    fh.write(b"still arriving")
    fh.flush()
    stale = tmp_path / "tmp" / "upload-old.part"
    stale.write_bytes(b"left by a dead server")
    unrelated = tmp_path / "tmp" / "annotated.xlsx"
    unrelated.write_bytes(b"not an upload")
    assert blobs.clean_tmp() == 1
    assert part.exists() and not stale.exists() and unrelated.exists()
    with pytest.raises(ValueError, match="still open for writing"):
        blobs.commit(part)  # its last bytes may still be in the writer's buffer
    assert part.exists()
    fh.close()
    sha, _ = blobs.commit(part)
    assert blobs.path(sha).read_bytes() == b"still arriving"


KILLED_WRITER = (
    STALL
    + r"""
import os, sys
from pathlib import Path
from perfxl.web import blobs as b
store = b.BlobStore(Path(sys.argv[1]))
phase = sys.argv[2]
part, fh = store.part_file()
fh.write(b"first half of a large workbook " * 4096)
fh.flush()
if phase == "upload":
    stall()
fh.write(b"second half " * 4096)
fh.close()
real_replace = os.replace
def replace(src, dst):
    stall()  # killed after hashing and fsync, before the rename
b.os.replace = replace
store.commit(part)
"""
)


@pytest.mark.parametrize("phase", ["upload", "commit"])
def test_killed_write_leaves_only_a_part_file(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, phase: str
) -> None:
    root = tmp_path / "data"
    blobs = BlobStore(root)
    kept, _ = put(blobs, b"an earlier version")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = tmp_path_factory.mktemp("child") / "child.log"
    kill_when_ready([sys.executable, "-c", KILLED_WRITER, str(root), phase], log, env)
    parts = list((root / "tmp").iterdir())
    assert len(parts) == 1 and parts[0].suffix == ".part" and parts[0].stat().st_size > 0
    assert [p.name for p in (root / "blobs").rglob("*") if p.is_file()] == [kept]
    assert blobs.verify(kept)
    assert BlobStore(root).clean_tmp() == 1  # the next start
    assert list((root / "tmp").iterdir()) == []
    assert blobs.verify(kept)


KILLED_ADD = (
    STALL
    + r"""
import sys
import sqlalchemy as sa
from perfxl.web.store import Store
store = Store(sys.argv[1])
# The only transaction of this process is the add below: stop it just before its COMMIT.
sa.event.listen(store._engine, "commit", lambda conn: stall())
store.add_version(int(sys.argv[2]), sha256="0" * 64, size=9, original_name="x.xlsx", ext="xlsx")
"""
)


def test_killed_add_version_leaves_no_trace(
    store: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (a, _, _) = new_round(store)
    first = add(store, a.id)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = tmp_path_factory.mktemp("child") / "child.log"
    kill_when_ready([sys.executable, "-c", KILLED_ADD, store.url, str(a.id)], log, env)
    assert store.versions(a.id) == [first]
    assert store.pending() == [first]
    # The dead writer's lock is gone: the next upload gets the next number at once.
    assert add(store, a.id).number == 2
    with Store(store.url) as again:
        assert [v.number for v in again.versions(a.id)] == [1, 2]
