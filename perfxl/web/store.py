"""Rounds, units, versions and settings of ``perfxl serve``, in SQLite or PostgreSQL.

SQLAlchemy Core over two backends:

* SQLite (the default, ``DATA/perfxl.db``): WAL journal, ``busy_timeout``, foreign keys on,
  ``synchronous=FULL``. pysqlite's own transaction handling is switched off and every
  transaction starts with our ``BEGIN``; a write starts with ``BEGIN IMMEDIATE``, which takes
  the database's write lock at once, so two writers (threads or processes) queue on the busy
  timeout instead of failing half-way through an upgrade from a read lock.
* PostgreSQL (``--db postgresql+psycopg://…``; ``postgresql://`` means the same): a new
  version locks its unit's row (``SELECT … FOR UPDATE``) before reading the highest number.

Either way the number of a new version is the unit's highest number + 1 inside one write
transaction, and a unique constraint on (unit, number) backs that up.

Everything returned is a frozen dataclass (:class:`Round`, :class:`Unit`, :class:`Version`),
never a live row. Times are stored in UTC and returned as aware UTC datetimes; a naive datetime
given to the store (a deadline typed into a form) is taken as the server's local time (the
rule of :meth:`datetime.astimezone`), so ``round.deadline.astimezone()`` shows it back as typed.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.types import TypeDecorator

from perfxl.errors import PerfxlError

STAGES = ("targets", "monitoring", "evaluation")
CHECKING = "checking"
FINISHED = ("done", "failed")
SQLITE_FILE = "perfxl.db"
SCHEMA_VERSION = "1"
# How long a SQLite writer waits for another one's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 60_000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe's alphabet
_SECRET_KEY = "secret_key"
_DDL_LOCK = 0x7065_7266_786C  # "perfxl": the advisory lock held while creating tables


class StoreError(PerfxlError):
    """The database cannot be used: an unsupported address, or a request the store refuses."""


@dataclass(frozen=True)
class Round:
    """A collection round: one stage of one year, for a list of expected units."""

    id: int
    title: str
    year: int
    stage: str
    deadline: datetime | None
    config_text: str | None
    source_round_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Unit:
    """An expected unit of a round and the secret token of its upload link."""

    id: int
    round_id: int
    code: str
    name: str | None
    token: str


@dataclass(frozen=True)
class Version:
    """One uploaded workbook of a unit (``number`` counts from 1) and its check result."""

    id: int
    unit_id: int
    number: int
    sha256: str
    size: int
    original_name: str
    ext: str
    uploaded_at: datetime
    status: str
    errors: int
    warnings: int
    infos: int
    result: dict[str, Any] | None = field(hash=False)
    checked_at: datetime | None


_R = TypeVar("_R", Round, Unit, Version)


def _to_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is the server's local time."""
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime.

    Both backends then store the same thing (SQLite has no time zones) and compare correctly.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Aware or local → naive UTC."""
        return None if value is None else _to_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Naive UTC → aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

settings_table = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

rounds_table = sa.Table(
    "rounds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("deadline", UTCDateTime, nullable=True),
    sa.Column("config_text", sa.Text, nullable=True),
    sa.Column(
        "source_round_id",
        sa.Integer,
        sa.ForeignKey("rounds.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

units_table = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "round_id",
        sa.Integer,
        sa.ForeignKey("rounds.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.UniqueConstraint("round_id", "code", name="uq_units_round_code"),
)

versions_table = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "unit_id",
        sa.Integer,
        sa.ForeignKey("units.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("original_name", sa.Text, nullable=False),
    sa.Column("ext", sa.String(16), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("errors", sa.Integer, nullable=False, default=0),
    sa.Column("warnings", sa.Integer, nullable=False, default=0),
    sa.Column("infos", sa.Integer, nullable=False, default=0),
    sa.Column("result", sa.Text, nullable=True),  # JSON text: the same on both backends
    sa.Column("checked_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("unit_id", "number", name="uq_versions_unit_number"),
    sa.Index("ix_versions_status", "status"),
)


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL to use: ``postgresql://`` gets the psycopg (3) driver.

    Raises:
        StoreError: not a SQLite or PostgreSQL address.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"数据库地址无法识别：{_hide_password(url)}。"
            "请使用 sqlite:///路径/perfxl.db 或 postgresql+psycopg://用户@主机/数据库。"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"不支持的数据库：{parsed.get_backend_name()}。只支持 SQLite 和 PostgreSQL。"
        )
    return parsed.render_as_string(hide_password=False)


def _hide_password(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages)."""
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def _install_sqlite_pragmas(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and our own BEGIN / BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would otherwise open transactions lazily (and never BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _journal_wal(cur)
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("perfxl_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _journal_wal(cur: Any) -> None:
    """Switch the database to the WAL journal. Switching a new file takes a lock SQLite does
    not wait for (the busy timeout is not applied): a second connection switching the same
    file at that moment fails at once with "database is locked" (six stores starting
    together on a fresh file: about one start in twenty). So the switch is tried again, a
    few milliseconds apart, for as long as the busy timeout; once one connection has switched
    the file, the others find it WAL already."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _now() -> datetime:
    return datetime.now(UTC)


def _record(cls: type[_R], table: sa.Table, row: Any, **computed: Any) -> _R:
    """The ``table`` part of ``row`` as ``cls``, whose fields are named after the columns
    (``computed``: the fields not stored as they are)."""
    m = row._mapping
    stored = {f.name: m[table.c[f.name]] for f in fields(cls) if f.name not in computed}
    return cls(**stored, **computed)


def _round(row: Any) -> Round:
    return _record(Round, rounds_table, row)


def _unit(row: Any) -> Unit:
    return _record(Unit, units_table, row)


def _version(row: Any) -> Version:
    text = row._mapping[versions_table.c.result]
    return _record(Version, versions_table, row, result=None if text is None else json.loads(text))


class Store:
    """The database of a ``perfxl serve`` instance; safe to share between threads.

    Several processes may open the same database too (numbers stay unique).
    """

    def __init__(self, url: str) -> None:
        """Open (lazily: no connection yet) the database at ``url``.

        Args:
            url: ``sqlite:///…/perfxl.db`` or ``postgresql+psycopg://…``.

        Raises:
            StoreError: an address that is not SQLite or PostgreSQL.
        """
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.backend = parsed.get_backend_name()
        options: dict[str, Any] = {"pool_size": 10, "max_overflow": 60, "pool_timeout": 120}
        if self.backend == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or database.startswith("file:"):
                raise StoreError("SQLite 数据库必须是一个文件（sqlite:///路径/perfxl.db）。")
            options["connect_args"] = {
                "check_same_thread": False,  # the pool hands connections between threads
                "timeout": BUSY_TIMEOUT_MS / 1000,
            }
        else:
            options["pool_pre_ping"] = True  # the server may have restarted in between
        try:
            self._engine = sa.create_engine(self.url, **options)
        except ImportError as exc:  # the driver: psycopg is part of the web extra
            raise StoreError(
                "连接 PostgreSQL 需要安装 psycopg：pip install 'psycopg[binary]'。"
            ) from exc
        if self.backend == "sqlite":
            _install_sqlite_pragmas(self._engine)

    @classmethod
    def for_data(cls, data: Path, url: str | None = None) -> Store:
        """The store of the data folder ``data``: ``url`` if given, else ``data/perfxl.db``."""
        if url:
            return cls(url)
        data.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{(data / SQLITE_FILE).resolve()}")

    def close(self) -> None:
        """Close every pooled connection (the store opens new ones if used again)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (SQLite: ``BEGIN IMMEDIATE``); committed when the block ends."""
        with self._engine.connect() as conn:
            conn.execution_options(perfxl_write=True)
            with conn.begin():
                yield conn

    def create_all(self) -> None:
        """Create the tables that do not exist yet (safe to call on every start).

        Being the first call of a start, it also tells a database that cannot be reached.

        Raises:
            StoreError: the database cannot be opened or reached (the reason, in Chinese
                words around the driver's own).
        """
        try:
            with self._write() as conn:
                if self.backend == "postgresql":
                    # Two servers starting at once would both see no table and both create it.
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK})
                metadata.create_all(conn, checkfirst=True)
                self._insert_missing(conn, "schema_version", SCHEMA_VERSION)
        except (OperationalError, InterfaceError) as exc:
            shown = make_url(self.url).render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"无法打开数据库 {shown}：{reason}") from exc

    # -- settings -----------------------------------------------------------------------

    def _upsert(self) -> Any:
        """An INSERT of a setting that can say ON CONFLICT (both dialects have one)."""
        if self.backend == "postgresql":
            return postgresql.insert(settings_table)
        return sqlite.insert(settings_table)

    def _insert_missing(self, conn: Connection, key: str, value: str) -> None:
        """Insert the setting unless it exists (another process may insert it at once)."""
        stmt = self._upsert().values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))

    def setting(self, key: str) -> str | None:
        """The setting ``key``, or None when unset."""
        with self._read() as conn:
            value: str | None = conn.execute(
                sa.select(settings_table.c.value).where(settings_table.c.key == key)
            ).scalar_one_or_none()
        return value

    def set_setting(self, key: str, value: str) -> None:
        """Set (insert or replace) the setting ``key``."""
        stmt = self._upsert().values(key=key, value=value)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value})
        with self._write() as conn:
            conn.execute(stmt)

    def secret_key(self) -> str:
        """The key that signs session cookies: made once, then the same across restarts."""
        with self._write() as conn:
            self._insert_missing(conn, _SECRET_KEY, secrets.token_hex(32))
            key: str = conn.execute(
                sa.select(settings_table.c.value).where(settings_table.c.key == _SECRET_KEY)
            ).scalar_one()
        return key

    # -- rounds & units -----------------------------------------------------------------

    def create_round(
        self,
        *,
        title: str,
        year: int,
        stage: str,
        deadline: datetime | None,
        units: list[tuple[str, str | None]],
        config_text: str | None,
        source_round_id: int | None = None,
    ) -> Round:
        """Open a round with its expected units (one transaction; a new token per unit).

        Args:
            title: shown on the pages.
            year: the budget year.
            stage: ``targets`` / ``monitoring`` / ``evaluation``.
            deadline: when uploads are due (naive = server local time), or None.
            units: (unit code, unit name or None) in the order the list gave them.
            config_text: the round's perfxl configuration (TOML text), or None.
            source_round_id: the round whose submissions seed this one's templates.

        Raises:
            StoreError: unknown stage, no units, a unit code twice, or an unknown source round.
        """
        if stage not in STAGES:
            raise StoreError(f"未知的阶段：{stage}（应为 targets、monitoring 或 evaluation）。")
        codes = [code for code, _name in units]
        if not codes:
            raise StoreError("单位名单为空：至少需要一个单位。")
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise StoreError(f"单位名单中单位编码重复：{'、'.join(twice)}。")
        if any(not str(c).strip() for c in codes):
            raise StoreError("单位名单中有空的单位编码。")
        with self._write() as conn:
            if source_round_id is not None and (
                conn.execute(
                    sa.select(rounds_table.c.id).where(rounds_table.c.id == source_round_id)
                ).first()
                is None
            ):
                raise StoreError(f"来源收集轮次不存在：{source_round_id}。")
            round_id = conn.execute(
                sa.insert(rounds_table)
                .values(
                    title=title,
                    year=year,
                    stage=stage,
                    deadline=deadline,
                    config_text=config_text,
                    source_round_id=source_round_id,
                    created_at=_now(),
                )
                .returning(rounds_table.c.id)
            ).scalar_one()
            conn.execute(
                sa.insert(units_table),
                [
                    {
                        "round_id": round_id,
                        "code": code,
                        "name": name,
                        "token": secrets.token_urlsafe(24),
                    }
                    for code, name in units
                ],
            )
            row = conn.execute(sa.select(rounds_table).where(rounds_table.c.id == round_id)).one()
        return _round(row)

    def rounds(self) -> list[Round]:
        """Every round, newest first."""
        with self._read() as conn:
            rows = conn.execute(sa.select(rounds_table).order_by(rounds_table.c.id.desc()))
            return [_round(r) for r in rows]

    def round(self, round_id: int) -> Round | None:
        """The round ``round_id``, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(rounds_table).where(rounds_table.c.id == round_id)).first()
        return None if row is None else _round(row)

    def units(self, round_id: int) -> list[Unit]:
        """The expected units of a round, in the order the unit list gave them."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(units_table)
                .where(units_table.c.round_id == round_id)
                .order_by(units_table.c.id)
            )
            return [_unit(r) for r in rows]

    def unit_by_token(self, token: str) -> Unit | None:
        """The unit whose upload link carries ``token``, or None."""
        if not _TOKEN.fullmatch(token):  # PostgreSQL refuses a NUL; no token has one
            return None
        with self._read() as conn:
            row = conn.execute(sa.select(units_table).where(units_table.c.token == token)).first()
        return None if row is None else _unit(row)

    def unit(self, unit_id: int) -> Unit | None:
        """The unit ``unit_id``, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(units_table).where(units_table.c.id == unit_id)).first()
        return None if row is None else _unit(row)

    # -- versions -----------------------------------------------------------------------

    def add_version(
        self, unit_id: int, *, sha256: str, size: int, original_name: str, ext: str
    ) -> Version:
        """Record a new upload of ``unit_id`` as its next version, status ``checking``.

        The number is the unit's highest + 1, allocated inside one write transaction that
        holds the unit's lock (SQLite: the database write lock; PostgreSQL: the unit row), so
        concurrent uploads of one unit get 1, 2, 3… with no gap and no repeat.

        Raises:
            StoreError: no such unit, or a malformed sha256 / size.
        """
        if not _SHA256.fullmatch(sha256):
            raise StoreError(f"文件摘要格式错误：{sha256!r}。")
        if size < 0:
            raise StoreError(f"文件大小错误：{size}。")
        with self._write() as conn:
            lock = sa.select(units_table.c.id).where(units_table.c.id == unit_id)
            if self.backend == "postgresql":
                lock = lock.with_for_update()
            if conn.execute(lock).first() is None:
                raise StoreError(f"单位不存在：{unit_id}。")
            last = conn.execute(
                sa.select(sa.func.max(versions_table.c.number)).where(
                    versions_table.c.unit_id == unit_id
                )
            ).scalar_one()
            version_id = conn.execute(
                sa.insert(versions_table)
                .values(
                    unit_id=unit_id,
                    number=(last or 0) + 1,
                    sha256=sha256,
                    size=size,
                    original_name=original_name,
                    ext=ext,
                    uploaded_at=_now(),
                    status=CHECKING,
                    errors=0,
                    warnings=0,
                    infos=0,
                    result=None,
                    checked_at=None,
                )
                .returning(versions_table.c.id)
            ).scalar_one()
            row = conn.execute(
                sa.select(versions_table).where(versions_table.c.id == version_id)
            ).one()
        return _version(row)

    def finish_check(
        self,
        version_id: int,
        *,
        status: str,
        errors: int,
        warnings: int,
        infos: int,
        result: dict[str, Any],
    ) -> None:
        """Store the check result of a version (``done``, or ``failed`` with a message).

        Raises:
            StoreError: an unknown status, or no such version.
        """
        if status not in FINISHED:
            raise StoreError(f"未知的检查状态：{status}（应为 done 或 failed）。")
        text = json.dumps(result, ensure_ascii=False)
        with self._write() as conn:
            done = conn.execute(
                sa.update(versions_table)
                .where(versions_table.c.id == version_id)
                .values(
                    status=status,
                    errors=errors,
                    warnings=warnings,
                    infos=infos,
                    result=text,
                    checked_at=_now(),
                )
            )
            if done.rowcount != 1:
                raise StoreError(f"版本不存在：{version_id}。")

    def versions(self, unit_id: int) -> list[Version]:
        """Every version of a unit, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(versions_table)
                .where(versions_table.c.unit_id == unit_id)
                .order_by(versions_table.c.number)
            )
            return [_version(r) for r in rows]

    def version(self, unit_id: int, number: int) -> Version | None:
        """Version ``number`` of the unit ``unit_id`` (never another unit's), or None."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(versions_table).where(
                    versions_table.c.unit_id == unit_id, versions_table.c.number == number
                )
            ).first()
        return None if row is None else _version(row)

    def version_by_id(self, version_id: int) -> Version | None:
        """The version with database id ``version_id`` (admin routes), or None."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(versions_table).where(versions_table.c.id == version_id)
            ).first()
        return None if row is None else _version(row)

    def latest(self, round_id: int) -> dict[int, Version]:
        """unit id → that unit's latest version, for the units of a round that uploaded."""
        top = (
            sa.select(
                versions_table.c.unit_id,
                sa.func.max(versions_table.c.number).label("number"),
            )
            .join(units_table, units_table.c.id == versions_table.c.unit_id)
            .where(units_table.c.round_id == round_id)
            .group_by(versions_table.c.unit_id)
            .subquery()
        )
        query = sa.select(versions_table).join(
            top,
            sa.and_(
                versions_table.c.unit_id == top.c.unit_id,
                versions_table.c.number == top.c.number,
            ),
        )
        with self._read() as conn:
            return {v.unit_id: v for v in map(_version, conn.execute(query))}

    def pending(self) -> list[Version]:
        """Every version still ``checking`` (after a restart they are checked again)."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(versions_table)
                .where(versions_table.c.status == CHECKING)
                .order_by(versions_table.c.id)
            )
            return [_version(r) for r in rows]

    def all_versions(self, round_id: int) -> list[tuple[Unit, Version]]:
        """Every version of a round with its unit: units in list order, versions oldest first."""
        query = (
            sa.select(units_table, versions_table)
            .join(versions_table, versions_table.c.unit_id == units_table.c.id)
            .where(units_table.c.round_id == round_id)
            .order_by(units_table.c.id, versions_table.c.number)
        )
        with self._read() as conn:
            return [(_unit(r), _version(r)) for r in conn.execute(query)]
