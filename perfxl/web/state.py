"""What one running ``perfxl serve`` holds: the store, the blobs, the check pool, the pages.

The checks of uploaded versions run here as asyncio tasks that wait on the process pool and
then write the result in one transaction (`Store.finish_check`). Every database call from the
event loop goes through a worker thread (`db`), so a SQLite writer waiting on the lock never
blocks the other requests.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from perfxl.problems import SEVERITY_ZH
from perfxl.web import views
from perfxl.web.blobs import BlobStore
from perfxl.web.labels import STAGE_BOOK, STAGE_ZH
from perfxl.web.pool import BUG_MESSAGE, CheckPool, JobFailed
from perfxl.web.store import Round, Store, Unit, Version

log = logging.getLogger("perfxl.web")
T = TypeVar("T")
HERE = Path(__file__).parent
DOWNLOAD_PREFIX = "dl-"  # temp folders of generated downloads under DATA/tmp
CHECK_TIMEOUT = 600.0  # seconds a check may take, waiting in the queue included
LOGIN_TRIES, LOGIN_WINDOW = 10, 15 * 60  # wrong passwords from one address, seconds
LOGIN_CLIENTS = 10_000  # addresses whose wrong passwords are remembered at most


class LoginGuard:
    """Wrong admin passwords per client address, to refuse guessing.

    A client is locked out once it gave `LOGIN_TRIES` wrong passwords within `LOGIN_WINDOW`
    seconds. Memory stays bounded whoever knocks: only a client's latest `LOGIN_TRIES`
    failures are kept, a client that signs in correctly is never stored, and beyond
    `LOGIN_CLIENTS` addresses the ones whose failures have all aged out of the window are
    forgotten first, then the longest-quiet ones. Held in memory: a restart forgets them.

    Args:
        tries: wrong passwords that lock a client out.
        window: seconds they must fall within.
        clients: addresses remembered at most.
        clock: a monotonic clock in seconds (tests pass their own).
    """

    def __init__(
        self,
        tries: int = LOGIN_TRIES,
        window: float = LOGIN_WINDOW,
        clients: int = LOGIN_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tries, self.window, self.clients, self.clock = tries, window, clients, clock
        self._failures: dict[str, deque[float]] = {}  # oldest-quiet client first

    def locked(self, client: str) -> bool:
        """True when ``client`` is locked out now (no delay: the try is simply refused)."""
        times = self._failures.get(client)
        if times is None:
            return False
        if self.clock() - times[-1] >= self.window:
            del self._failures[client]  # every failure aged out
            return False
        return len(times) >= self.tries and self.clock() - times[0] < self.window

    def failed(self, client: str) -> None:
        """Count a wrong password from ``client``."""
        times = self._failures.pop(client, None)  # re-inserted last: the most recent
        if times is None:
            times = deque(maxlen=self.tries)
        times.append(self.clock())
        self._failures[client] = times
        if len(self._failures) > self.clients:
            self._forget()

    def clear(self) -> None:
        """Forget every failure."""
        self._failures.clear()

    def __len__(self) -> int:
        """Clients remembered."""
        return len(self._failures)

    def _forget(self) -> None:
        """Drop clients whose failures aged out, then the longest-quiet ones, down to 90 %
        of `clients` (so that the sweep runs once per many failures, not on each)."""
        now = self.clock()
        self._failures = {c: t for c, t in self._failures.items() if now - t[-1] < self.window}
        excess = len(self._failures) - self.clients * 9 // 10
        for client in list(self._failures)[: max(excess, 0)]:
            del self._failures[client]


def templates() -> Jinja2Templates:
    """The page templates, with the display filters of `perfxl.web.views`."""
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters["localtime"] = views.local_time
    t.env.filters["filesize"] = views.file_size
    t.env.filters["plain"] = _plain
    t.env.globals["STAGE_ZH"] = STAGE_ZH
    t.env.globals["STAGE_BOOK"] = STAGE_BOOK
    t.env.globals["SEVERITY_ZH"] = SEVERITY_ZH
    t.env.globals["status_of"] = views.status_of
    t.env.globals["is_late"] = views.is_late
    t.env.globals["sort_problems"] = views.sorted_problems
    t.env.globals["problem_view"] = views.problem_view
    t.env.globals["failure_message"] = views.failure_message
    return t


@pass_context
def _plain(ctx: Context, text: object) -> str:
    """Jinja filter: `views.plain`, for a township on the unit pages (``unit_page``)."""
    return views.plain(text, township=bool(ctx.get("unit_page")))


@dataclass
class Web:
    """The state of one server (``app.state.web``)."""

    data: Path
    store: Store
    blobs: BlobStore
    pool: CheckPool
    pages: Jinja2Templates
    max_upload: int
    setup_token: str | None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    logins: LoginGuard = field(default_factory=LoginGuard)

    async def db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (blocking) store call in a worker thread."""
        return await run_in_threadpool(func, *args, **kwargs)

    def needs_setup(self) -> bool:
        """True while no admin password is set."""
        from perfxl.web.auth import PASSWORD_SETTING

        return not self.store.setting(PASSWORD_SETTING)

    # -- checks ---------------------------------------------------------------------------

    def start_check(self, version: Version) -> None:
        """Check ``version`` in the background (the page polls its status)."""
        task = asyncio.get_running_loop().create_task(self._check(version))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def recheck_pending(self) -> int:
        """Check again every version left ``checking`` by a stop or a kill; how many."""
        pending = await self.db(self.store.pending)
        for v in pending:
            self.start_check(v)
        return len(pending)

    async def _check(self, version: Version) -> None:
        try:
            status, counts, result = await self._run_check(version)
        except Exception:  # the result must be stored whatever happened: log, mark failed
            log.exception("检查版本 %s 时出错", version.id)
            status, counts, result = "failed", (0, 0, 0), {"message": BUG_MESSAGE}
        try:
            await self.db(
                self.store.finish_check,
                version.id,
                status=status,
                errors=counts[0],
                warnings=counts[1],
                infos=counts[2],
                result=result,
            )
        except Exception:  # the store went away (shutdown): it stays "checking", re-checked
            log.exception("无法保存版本 %s 的检查结果", version.id)

    async def _run_check(
        self, version: Version
    ) -> tuple[str, tuple[int, int, int], dict[str, Any]]:
        unit = await self.db(self.store.unit, version.unit_id)
        rnd = None if unit is None else await self.db(self.store.round, unit.round_id)
        if unit is None or rnd is None:
            return "failed", (0, 0, 0), {"message": "该版本所属的单位或收集轮次不存在。"}
        previous = await self.db(self._previous_done, version)
        try:
            result: dict[str, Any] = await self.pool.run(
                "checks:check_submission",
                self.blobs.path(version.sha256),
                version.original_name,
                job_timeout=CHECK_TIMEOUT,
                stage=rnd.stage,
                unit_code=unit.code,
                unit_name=unit.name,
                year=rnd.year,
                config_text=rnd.config_text,
                previous=None if previous is None else self.blobs.path(previous.sha256),
            )
        except JobFailed as exc:
            return "failed", (0, 0, 0), {"message": str(exc)}
        except KeyError:
            return "failed", (0, 0, 0), {"message": "服务器上找不到这个版本的文件。"}
        status = "failed" if result.get("status") == "failed" else "done"
        counts = (
            int(result.get("errors", 0)),
            int(result.get("warnings", 0)),
            int(result.get("infos", 0)),
        )
        return status, counts, result

    def _previous_done(self, version: Version) -> Version | None:
        earlier = [
            v
            for v in self.store.versions(version.unit_id)
            if v.number < version.number and v.status == "done"
        ]
        return earlier[-1] if earlier else None

    async def drain(self) -> None:
        """Cancel the checks still running (shutdown: they stay ``checking``, re-checked at the
        next start)."""
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    # -- look-ups ---------------------------------------------------------------------------

    def unit_round(self, token: str) -> tuple[Unit, Round] | None:
        """The unit of an upload link and its round (None: no such link)."""
        unit = self.store.unit_by_token(token)
        if unit is None:
            return None
        rnd = self.store.round(unit.round_id)
        return None if rnd is None else (unit, rnd)

    def source_submission(self, rnd: Round, unit: Unit) -> Version | None:
        """The unit's latest checked submission in the round's source round (templates of
        monitoring and self-evaluation are made from it)."""
        if rnd.source_round_id is None:
            return None
        match = next(
            (u for u in self.store.units(rnd.source_round_id) if u.code == unit.code), None
        )
        if match is None:
            return None
        done = [v for v in self.store.versions(match.id) if v.status == "done"]
        return done[-1] if done else None

    # -- temp files for downloads -----------------------------------------------------------

    @contextmanager
    def scratch(self) -> Iterator[Path]:
        """A new empty folder under ``DATA/tmp`` (removed by the caller's cleanup or at the
        next start)."""
        folder = self.scratch_dir()
        try:
            yield folder
        except BaseException:
            remove_tree(folder)
            raise

    def scratch_dir(self) -> Path:
        """A new empty folder under ``DATA/tmp`` for a generated download."""
        folder = self.data / "tmp" / f"{DOWNLOAD_PREFIX}{secrets.token_hex(8)}"
        folder.mkdir(parents=True)
        return folder

    def clean_scratch(self) -> int:
        """Remove the download folders a stop or kill left behind; how many."""
        n = 0
        for folder in (self.data / "tmp").glob(f"{DOWNLOAD_PREFIX}*"):
            remove_tree(folder)
            n += 1
        return n


def remove_tree(folder: Path) -> None:
    """Remove a scratch folder (already gone is fine)."""
    shutil.rmtree(folder, ignore_errors=True)
