"""`perfxl serve` as a real subprocess, for the end-to-end web tests.

:func:`serve` starts the server on a free loopback port with its own ``--data`` folder and
waits for the ready line it prints on stderr (``perfxl 网页服务已启动：http://HOST:PORT/``) —
the handshake: no sleeping, no polling of the port. A thread copies the server's stderr into
a log file (quoted when something fails) and signals the ready line as it passes.
:meth:`Server.stop` sends SIGTERM and waits; :meth:`Server.kill` sends SIGKILL.

Also here, the few HTTP steps every test repeats (with httpx2, against the real server): sign
the admin in, open a round from a UNITS.csv, read the units' upload links, upload a file.
Forms are read from the page itself (the hidden ``csrf`` field and whatever else the form
carries), so the tests submit what a browser would.
"""

from __future__ import annotations

import contextlib
import csv
import html.parser
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2

ADMIN_PASSWORD = "县财政局-测试口令-2023"
READY = "perfxl 网页服务已启动："
READY_RE = re.compile(r"perfxl 网页服务已启动：(http://[^\s/]+/)")
START_TIMEOUT = 90.0  # a cold start imports the web stack and spawns the check pool
# After a SIGKILL, how long what the server started may take to end by itself: its check
# workers notice within a second (`perfxl.web.pool._watch_server`), then multiprocessing's
# resource tracker unlinks the pool's semaphores (/dev/shm/sem.mp-*) and exits.
KILL_GRACE = 30.0
LINK_RE = re.compile(r"https?://[^\s\"'<>]+/u/([A-Za-z0-9_-]+)")


def perfxl_command() -> list[str]:
    """How to run the ``perfxl`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("perfxl")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from perfxl.cli import main; sys.exit(main())"]


@dataclass
class Server:
    """A running ``perfxl serve`` child process (``port``: the one it bound, once ready)."""

    proc: subprocess.Popen[bytes]
    data: Path
    port: int
    log: Path
    base: str = ""
    lines: list[str] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _ended: bool = False
    _reader: threading.Thread | None = None
    leftovers: bool = False

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base.rstrip("/") + path

    def stderr_text(self) -> str:
        """Everything the server printed on stderr so far."""
        with self._cond:
            return "".join(self.lines)

    def _read(self, stream: IO[bytes]) -> None:
        with self.log.open("ab") as out:
            for raw in iter(stream.readline, b""):
                out.write(raw)
                out.flush()
                line = raw.decode("utf-8", "replace")
                with self._cond:
                    self.lines.append(line)
                    m = READY_RE.search(line)
                    if m and not self.base:
                        self.base = m.group(1)
                        self.port = int(self.base.rstrip("/").rsplit(":", 1)[1])
                    self._cond.notify_all()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Block until the ready line is printed; fail with the log if the server ends first."""
        with self._cond:
            self._cond.wait_for(lambda: bool(self.base) or self._ended, timeout)
            if not self.base:
                self.kill()
                raise AssertionError(
                    f"perfxl serve did not become ready (exit {self.proc.poll()}):\n"
                    + "".join(self.lines)
                )

    def wait_line(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """Block until a stderr line matches ``pattern`` (a handshake on what the server says)."""
        rx = re.compile(pattern)
        found: list[re.Match[str]] = []

        def seen() -> bool:
            for line in self.lines:
                m = rx.search(line)
                if m:
                    found.append(m)
                    return True
            return self._ended

        with self._cond:
            self._cond.wait_for(seen, timeout)
        assert found, f"the server never printed /{pattern}/:\n{self.stderr_text()}"
        return found[0]

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the exit; SIGKILL (and fail) when it does not stop.

        Afterwards :attr:`leftovers` says whether processes of the server's group (its check
        workers) outlived it by more than a few seconds; they are then killed.
        """
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(
                    f"perfxl serve ignored SIGTERM for {timeout}s:\n{self.stderr_text()}"
                ) from None
        self.leftovers = self._end_group(grace=10.0)
        self._join()
        return self.proc.returncode

    def kill(self) -> int:
        """SIGKILL the server (no clean-up on its side) and reap it; then let its process
        group end by itself (`KILL_GRACE`) and SIGKILL what is still left of it.

        Not at once: the group holds multiprocessing's resource tracker, which unlinks the
        check pool's named semaphores once the workers are gone; killed with them, it left
        five ``/dev/shm/sem.mp-*`` files behind per kill (hundreds over the CI runs).
        """
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self.leftovers = self._end_group(grace=KILL_GRACE)
        self._join()
        return self.proc.returncode

    def semaphores(self) -> set[Path]:
        """The named semaphores (``/dev/shm/sem.*``) the server process has open (Linux).

        `/proc/PID/maps` lists each under the temp name glibc created it by (since deleted)
        with its inode; the file of that inode in /dev/shm is its name.
        """
        inodes = {
            int(fields[4])
            for line in Path(f"/proc/{self.proc.pid}/maps").read_text().splitlines()
            if len(fields := line.split(maxsplit=5)) == 6 and fields[5].startswith("/dev/shm/sem.")
        }
        found = set()
        for p in Path("/dev/shm").glob("sem.*"):
            with contextlib.suppress(FileNotFoundError):  # another process's, just unlinked
                if p.stat().st_ino in inodes:
                    found.add(p)
        return found

    def kill_alone(self) -> int:
        """SIGKILL the server process only and reap it, leaving its process group (the
        check workers it started) to end by itself: what a crash or the OOM killer does."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        return self.proc.returncode

    def group(self) -> list[int]:
        """The live (not zombie) processes of the server's process group, the server aside."""
        return [pid for pid in group_members(self.proc.pid) if pid != self.proc.pid]

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _end_group(self, grace: float) -> bool:
        """Wait up to ``grace`` seconds for the server's process group to be empty; SIGKILL
        the rest. Returns whether anything was left."""
        deadline = time.monotonic() + grace
        pause = threading.Event()
        while self._group_alive() and time.monotonic() < deadline:
            pause.wait(0.1)
        if not self._group_alive():
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return True

    def _join(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=30)


def group_members(pgid: int) -> list[int]:
    """Pids of the live processes in process group ``pgid`` (Linux ``/proc``; zombies waiting
    for a reaper are not running and are left out)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        # pid (comm) state ppid pgrp …; comm may hold spaces and parentheses
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found


def start(
    data: Path,
    log: Path,
    *,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    password: str | None = ADMIN_PASSWORD,
    port: int = 0,
) -> Server:
    """Start ``perfxl serve --data DATA`` on a free loopback port and wait until it is ready.

    Args:
        data: the server's data folder (made when missing).
        log: file that receives the server's stderr and stdout.
        args: more ``perfxl serve`` options (``--max-upload-mb 1``, ``--demo`` …).
        env: extra environment variables for the child.
        password: ``PERFXL_ADMIN_PASSWORD`` for the first start (None: not set).
        port: the port (default 0: the kernel picks a free one when the server binds, and
            the ready line says which — no window for another process to take it).
    """
    data.mkdir(parents=True, exist_ok=True)
    child_env = dict(os.environ)
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        child_env.pop(proxy, None)
    child_env.pop("PERFXL_ADMIN_PASSWORD", None)
    if password is not None:
        child_env["PERFXL_ADMIN_PASSWORD"] = password
    child_env["PYTHONUNBUFFERED"] = "1"
    child_env.update(env or {})
    cmd = [
        *perfxl_command(),
        "serve",
        "--data",
        str(data),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args,
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode("utf-8"))
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env,
        start_new_session=True,  # a Ctrl-C in the test's terminal does not reach it twice
    )
    server = Server(proc=proc, data=data, port=port, log=log)
    assert proc.stdout is not None
    server._reader = threading.Thread(target=server._read, args=(proc.stdout,), daemon=True)
    server._reader.start()
    server.wait_ready()
    return server


@contextmanager
def serve(data: Path, log: Path, **kwargs: Any) -> Iterator[Server]:
    """:func:`start`, then stop the server at the end (SIGTERM; SIGKILL when it hangs)."""
    server = start(data, log, **kwargs)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            try:
                server.stop()
            except AssertionError:
                server.kill()
                raise


def client(server: Server, **kwargs: Any) -> httpx2.Client:
    """An httpx2 client for ``server`` (no proxies from the environment, no redirects)."""
    kwargs.setdefault("timeout", 120.0)
    return httpx2.Client(base_url=server.base, trust_env=False, **kwargs)


# --- forms ---------------------------------------------------------------------------------


@dataclass
class Form:
    """One ``<form>`` of a page: its action, method and the inputs it would send as is."""

    action: str
    method: str
    enctype: str
    fields: dict[str, str]
    files: list[str]
    inputs: dict[str, str]  # name -> type (text, password, file, select, …)
    id: str | None = None


class _FormParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                Form(
                    action=a.get("action", ""),
                    method=a.get("method", "get").lower(),
                    enctype=a.get("enctype", ""),
                    fields={},
                    files=[],
                    inputs={},
                    id=a.get("id"),
                )
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            form.inputs[name] = kind
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset"):
                form.fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            form.inputs[name] = "textarea"
            form.fields[name] = ""
        elif tag == "select" and name:
            form.inputs[name] = "select"
            self._select, self._select_first, self._select_chosen = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_chosen = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select and self.forms:
            chosen = self._select_chosen if self._select_chosen is not None else self._select_first
            self.forms[-1].fields[self._select] = chosen or ""
            self._select = None


def forms(page: str) -> list[Form]:
    """Every form of an HTML page."""
    p = _FormParser()
    p.feed(page)
    return p.forms


def form_with(page: str, field_name: str) -> Form:
    """The page's form that has an input named ``field_name`` (fails with the page if none)."""
    for f in forms(page):
        if field_name in f.inputs:
            return f
    raise AssertionError(f"no form with a field {field_name!r} on the page:\n{page[:3000]}")


def resolve(base_path: str, action: str) -> str:
    """A form's action as a path (empty action: the page's own path)."""
    if not action:
        return base_path
    if action.startswith("http"):
        return "/" + action.split("/", 3)[3]
    return action


# --- the admin's and the units' steps --------------------------------------------------------


def login(c: httpx2.Client, password: str = ADMIN_PASSWORD) -> None:
    """Sign the admin in (reads the login form, fills its password field, posts it)."""
    page = c.get("/login")
    assert page.status_code == 200, page.text
    form = next((f for f in forms(page.text) if "password" in f.inputs.values()), None)
    assert form is not None, f"no password field on /login:\n{page.text[:2000]}"
    secret = next(n for n, t in form.inputs.items() if t == "password")
    r = c.post(resolve("/login", form.action), data={**form.fields, secret: password})
    assert r.status_code in (302, 303), f"login refused ({r.status_code}):\n{r.text[:2000]}"
    assert c.get("/admin").status_code == 200


def create_round(
    c: httpx2.Client,
    units_csv: Path,
    *,
    title: str = "2023年度绩效目标收集",
    year: int = 2023,
    stage: str = "targets",
    deadline: str = "",
    config_text: str | None = None,
) -> int:
    """Open a round through the admin's form; returns the round id (from the redirect)."""
    page = c.get("/admin/rounds/new")
    assert page.status_code == 200, page.text
    form = form_with(page.text, "units")
    fields = {**form.fields, "title": title, "year": str(year), "stage": stage}
    if deadline or "deadline" in fields:
        fields["deadline"] = deadline
    files: dict[str, tuple[str, bytes, str]] = {
        "units": (units_csv.name, units_csv.read_bytes(), "text/csv")
    }
    if config_text is not None:
        files["config"] = ("县级配置.toml", config_text.encode("utf-8"), "application/toml")
    r = c.post(resolve("/admin/rounds/new", form.action), data=fields, files=files)
    assert r.status_code in (302, 303), f"round refused ({r.status_code}):\n{r.text[:3000]}"
    m = re.search(r"/admin/rounds/(\d+)", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def unit_links(c: httpx2.Client, round_id: int) -> dict[str, str]:
    """单位编码 -> upload token, from the round's links.csv (any column layout with a /u/ link)."""
    r = c.get(f"/admin/rounds/{round_id}/links.csv")
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8-sig")
    out: dict[str, str] = {}
    for row in csv.reader(io.StringIO(text)):
        code = next((cell for cell in row if re.fullmatch(r"\d{6}", cell.strip())), None)
        link = next((LINK_RE.search(cell) for cell in row if LINK_RE.search(cell)), None)
        if code and link:
            out[code.strip()] = link.group(1)
    assert out, f"no unit links in links.csv:\n{text[:2000]}"
    return out


def upload(c: httpx2.Client, token: str, path: Path, name: str | None = None) -> httpx2.Response:
    """Upload ``path`` through the unit's form as a browser would (multipart field ``file``)."""
    page = c.get(f"/u/{token}")
    assert page.status_code == 200, page.text
    form = form_with(page.text, "file")
    return c.post(
        resolve(f"/u/{token}", form.action) or f"/u/{token}/upload",
        data=form.fields,
        files={"file": (name or path.name, path.read_bytes(), "application/octet-stream")},
    )


def version_number(response: httpx2.Response) -> int:
    """The version number an upload's redirect points to (``/u/TOKEN/v/N``)."""
    assert response.status_code == 303, f"upload answered {response.status_code}:\n{response.text}"
    m = re.search(r"/u/[^/]+/v/(\d+)", response.headers["location"])
    assert m, response.headers["location"]
    return int(m.group(1))


def wait_checked(c: httpx2.Client, token: str, number: int, timeout: float = 180.0) -> Any:
    """Block until the version's check is finished; returns its ``/status`` JSON.

    Polls the server's own status endpoint until the condition holds, with a deadline; the
    short pause between polls only keeps the loop from spinning (correctness never depends
    on it).
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        r = c.get(f"/u/{token}/v/{number}/status")
        assert r.status_code == 200, r.text
        status = r.json()
        if status.get("status") not in ("checking", "pending", "queued"):
            return status
        assert time.monotonic() < deadline, f"version {number} still checking: {status}"
        pause.wait(0.2)


# --- tables ---------------------------------------------------------------------------------


@dataclass
class Row:
    """A ``<tr>`` of an identified table: its attributes and its cells by CSS class."""

    attrs: dict[str, str]
    cells: dict[str, str]  # every class of a td/th -> its text (whitespace collapsed)
    texts: list[str]


class _RowParser(html.parser.HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table_id = table_id
        self.rows: list[Row] = []
        self._stack: list[bool] = []  # per open table: is it the one wanted
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":  # the table itself, or one of the list's tables (data-list)
            self._stack.append(self.table_id in (a.get("id"), a.get("data-list")))
        elif tag == "tr" and self._stack and self._stack[-1]:
            self._row = Row(attrs=a, cells={}, texts=[])
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._classes = [], a.get("class", "").split()
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._stack:
            self._stack.pop()
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell).split())
            self._row.texts.append(text)
            for cls in self._classes:
                self._row.cells[cls] = text
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows(page: str, table_id: str, attr: str | None = None) -> list[Row]:
    """The rows of ``<table id=table_id>``, or of every ``<table data-list=table_id>`` (a
    result's problems: errors, then each group) (only those with the attribute ``attr`` if given);
    fails with the page when the table is absent."""
    assert f'id="{table_id}"' in page, f"no table #{table_id} on the page:\n{page[:4000]}"
    p = _RowParser(table_id)
    p.feed(page)
    return [r for r in p.rows if attr is None or attr in r.attrs]


def dashboard(c: httpx2.Client, round_id: int) -> dict[str, Row]:
    """The round's dashboard rows by 单位编码 (``data-unit-code``)."""
    r = c.get(f"/admin/rounds/{round_id}")
    assert r.status_code == 200, r.text
    return {row.attrs["data-unit-code"]: row for row in rows(r.text, "dashboard", "data-unit-code")}


def dashboard_counts(c: httpx2.Client, round_id: int) -> dict[str, int]:
    """The dashboard's head counts: status kind -> units (``<span id="count-<kind>">``)."""
    r = c.get(f"/admin/rounds/{round_id}")
    assert r.status_code == 200, r.text
    found = re.findall(r'<span id="count-([a-z]+)">\s*(\d+)\s*</span>', r.text)
    assert found, f"no counts on the dashboard:\n{r.text[:3000]}"
    return {kind: int(n) for kind, n in found}


# --- a client that stalls mid-upload -----------------------------------------------------------


class StalledUpload:
    """An upload whose client sends the request head and the first ``sent`` bytes of a file
    of ``size`` bytes, then stops (the body declared in full by Content-Length) — a township
    on a slow line at the moment the server is killed.

    The form's fields (``csrf``) come first, as browsers send them; the cookie is the
    session's from ``c`` (which must have opened the unit's page).
    """

    def __init__(
        self, server: Server, c: httpx2.Client, token: str, *, size: int, sent: int
    ) -> None:
        page = c.get(f"/u/{token}")
        assert page.status_code == 200, page.text
        form = form_with(page.text, "file")
        action = resolve(f"/u/{token}", form.action)
        boundary = "----perfxl-e2e-" + os.urandom(8).hex()
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in form.fields.items()
        )
        head += (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + size + len(tail)
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        request = (
            f"POST {action} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {length}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ).encode()
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        # Bytes of a zip (PK…) so that nothing refuses the start of the file for its content.
        chunk = (b"PK\x03\x04" + os.urandom(60)) * 1024
        self.sock.sendall(request + head)
        remaining = sent
        while remaining > 0:
            piece = chunk[: min(len(chunk), remaining)]
            self.sock.sendall(piece)
            remaining -= len(piece)

    def close(self) -> None:
        """Drop the connection (after the server is gone)."""
        self.sock.close()
