"""A throwaway PostgreSQL cluster for the storage tests (Debian's server binaries).

``pg_cluster`` (session fixture) runs ``initdb`` into a fresh temp folder and starts the server
with ``pg_ctl``: a unix socket in that folder and TCP on a free loopback port, trust
authentication, fsync off (a test cluster need not survive a power cut). When the tests run
as root the server runs as the ``postgres`` OS user (``initdb`` refuses root) through
``runuser -u postgres --``, so the folder is made in ``/tmp`` (not under pytest's 0700 temp
root, which that user could not enter) and chowned to it. The server is stopped and the
folder removed at the end of the session.

``pg_url`` (function fixture) creates a new database per test and gives its SQLAlchemy URL.

Where no PostgreSQL binaries (or no psycopg) exist the fixtures skip with the reason; CI
installs the ``postgresql`` package so it runs them.

Not as root, ``initdb`` and ``pg_ctl`` run as the test's own user, in a folder it owns; that
path was run (tests/test_web_store.py, the PostgreSQL case of tests/test_web_load.py, the
socket URL) as ``nobody`` from a root shell, with a Python that user can reach (the venv's
interpreter lives under ``/root``)::

    runuser -u nobody -- env HOME=/tmp/h PYTHONDONTWRITEBYTECODE=1 \
        PYTHONPATH=.venv/lib/python3.11/site-packages:. \
        /usr/bin/python3.11 -m pytest -p no:cacheprovider tests/test_web_store.py

Use: ``from pg import pg_cluster, pg_url`` in a test module (``# noqa: F401``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "postgres"
_ids = itertools.count(1)


def pg_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with initdb and pg_ctl, else one on PATH."""
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found and (found[-1] / "pg_ctl").is_file():
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@dataclass
class PgCluster:
    """A running test cluster."""

    bindir: Path
    folder: Path
    port: int
    as_user: list[str]  # the command prefix that runs as the cluster's owner

    @property
    def socket_dir(self) -> Path:
        return self.folder / "sock"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` over TCP on loopback."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` over the unix socket."""
        return f"postgresql+psycopg://{PG_USER}@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"perfxl_test_{os.getpid()}_{next(_ids)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=PG_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name built above: digits and _
        return self.url(name)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a server binary as the cluster's owner; raise with its output on failure."""
        cmd = [*self.as_user, str(self.bindir / args[0]), *args[1:]]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{tail}"
            )
        return done

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


def start_cluster() -> PgCluster:
    """initdb + pg_ctl start; the caller stops it (``stop``) and removes ``folder``.

    Raises:
        pytest.skip.Exception: no PostgreSQL binaries, no psycopg, or (as root) no
            ``postgres`` user.
    """
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian package postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(PG_USER)
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root and runuser (util-linux) is missing")
        as_user = [runuser, "-u", PG_USER, "--"]
    folder = Path(tempfile.mkdtemp(prefix="perfxl-pg-"))
    (folder / "sock").mkdir()
    if owner is not None:
        for p in (folder, folder / "sock"):
            os.chown(p, owner.pw_uid, owner.pw_gid)
    # The socket folder must be reachable by the test's own (root or not) client.
    os.chmod(folder, 0o755)
    os.chmod(folder / "sock", 0o777)
    cluster = PgCluster(bindir=bindir, folder=folder, port=0, as_user=as_user)
    try:
        cluster.run(
            "initdb",
            "-D",
            str(folder / "data"),
            "-U",
            PG_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        for attempt in range(5):
            cluster.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {folder / 'sock'} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=300"
            )
            try:
                cluster.run(
                    "pg_ctl",
                    "-D",
                    str(folder / "data"),
                    "-l",
                    str(folder / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                )
                break
            except RuntimeError:
                # Most likely the port was taken between choosing and binding it.
                if attempt == 4:
                    raise
    except BaseException:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL server for the whole session (skips when none can be started)."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """The URL of a new, empty database on the session's cluster."""
    return pg_cluster.create_database()
