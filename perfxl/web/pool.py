"""Run the checks in worker processes, so that a reader crash cannot take the server down.

The server never imports the checks itself: a job names a function of one of the `MODULES`
of `perfxl.web` (``"checks:check_submission"``) and the worker imports it. The worker turns
perfxl's own errors into their Chinese message, and any other exception into a logged bug,
so that only plain data crosses the process boundary. A worker that dies (a segfault in a
reader, the OOM killer) breaks the whole executor: the job gets `WorkerCrashed` and the next
job starts a fresh executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

log = logging.getLogger("perfxl.web")

CRASH_MESSAGE = (
    "检查这个文件时读取程序意外退出（文件可能已损坏或结构异常）。"
    "请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传；如仍失败，请联系县财政局。"
)
TIMEOUT_MESSAGE = (
    "检查这个文件用时过长，已停止（文件可能过大或结构异常）。"
    "请删除无关的工作表后另存为 .xlsx 重新上传；如仍失败，请联系县财政局。"
)
BUG_MESSAGE = "检查这个文件时出现了程序内部错误，已记录在服务器日志中。请联系县财政局。"
MODULES = ("checks", "annotated", "blank", "summary", "staging", "charts", "export")


class JobFailed(Exception):
    """A job ended without a result; ``str(exc)`` is the Chinese message for the page."""


class WorkerCrashed(JobFailed):
    """The worker process died during the job."""


def _resolve(name: str) -> Callable[..., Any]:
    module, _, attr = name.partition(":")
    if module not in MODULES or not attr.isidentifier():
        raise ValueError(f"not a job: {name}")
    func: Callable[..., Any] = getattr(importlib.import_module(f"perfxl.web.{module}"), attr)
    return func


def _label(job: str | Callable[..., Any]) -> str:
    return job if isinstance(job, str) else getattr(job, "__name__", repr(job))


def run_job(
    job: str | Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str, Any]:
    """In the worker: ``("ok", value)``, ``("refused", message)`` for perfxl's own errors,
    ``("bug", traceback text)`` for anything else (never an exception to unpickle)."""
    from perfxl.errors import PerfxlError

    try:
        func = _resolve(job) if isinstance(job, str) else job
        return "ok", func(*args, **kwargs)
    except PerfxlError as exc:
        # The file is a temp or stored path the uploader never saw: the sheet and cell only.
        where = " › ".join(x for x in (exc.sheet, exc.cell) if x)
        return "refused", f"{where}: {exc.message}" if where else exc.message
    except Exception:  # anything else is a bug: its traceback goes to the server log only
        return "bug", traceback.format_exc()


def _worker_start(server_pid: int) -> None:
    """Worker start: Ctrl-C in the server's terminal is the server's to handle (a worker
    ignores it: no KeyboardInterrupt traceback from every worker); and the worker ends when
    the server does, even a server killed with SIGKILL that could not stop its pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != server_pid:  # the server died while this worker started
        os._exit(0)
    watcher = threading.Thread(
        target=_watch_server, args=(server_pid,), name="perfxl-server-watch", daemon=True
    )
    watcher.start()


def _watch_server(server_pid: int, interval: float = 0.5) -> None:
    """In a worker: exit at once when the server is gone (the worker is re-parented, so its
    parent pid changes). Portable, unlike Linux's PR_SET_PDEATHSIG, which also fires when
    merely the *thread* that started the worker ends."""
    stop = threading.Event()  # never set: the pause between two looks at the parent
    while os.getppid() == server_pid:
        stop.wait(interval)
    os._exit(0)  # no clean-up: the job in flight is re-run when the server restarts


_MANAGER_JOIN_S = 10.0  # at most this long for the pool's manager thread at the server's end


def _context() -> multiprocessing.context.BaseContext:
    # spawn: each worker is a direct child of the server (so it can watch the server's pid)
    # started from a clean interpreter (not a fork of the threaded server). A forkserver
    # would be a middle process that outlives a SIGKILLed server with its workers.
    return multiprocessing.get_context("spawn")


class CheckPool:
    """A process pool of ``workers`` processes, replaced when a worker dies."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=_context(),
                    initializer=_worker_start,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor, *, kill: bool = False) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        _stop(broken, kill=kill)

    async def run(
        self,
        job: str | Callable[..., Any],
        *args: Any,
        job_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run ``job`` in a worker and return its value.

        ``job`` names a function (``"checks:refuse_reason"``), or is a picklable module-level
        callable (tests). A job whose worker died is run once more in a fresh pool: a crash
        breaks every job in flight, not only the one that caused it; a job that crashes its
        worker again is given up. A job still unfinished after ``job_timeout`` seconds (queue
        time included) is given up too, and its worker stopped: the pool is replaced (the
        other jobs in flight are run again in the new one).

        Raises:
            JobFailed: perfxl refused the input (its message), the job hit a bug or ran out
                of time.
            WorkerCrashed: the worker died twice running this job.
        """
        for attempt in (1, 2):
            executor = self._current()
            try:
                future = executor.submit(run_job, job, args, kwargs)
                kind, value = await asyncio.wait_for(asyncio.wrap_future(future), job_timeout)
            except TimeoutError:
                log.error("检查超时（%s，%s 秒），已停止检查进程", _label(job), job_timeout)
                self._replace(executor, kill=True)
                raise JobFailed(TIMEOUT_MESSAGE) from None
            except BrokenProcessPool:
                log.error("检查进程意外退出（%s），已重新启动进程池", _label(job))
                self._replace(executor)
                if attempt == 2:
                    raise WorkerCrashed(CRASH_MESSAGE) from None
                continue
            break
        if kind == "ok":
            return value
        if kind == "refused":
            raise JobFailed(value)
        log.error("检查程序出错（%s）：\n%s", _label(job), value)
        raise JobFailed(BUG_MESSAGE)

    def shutdown(self) -> None:
        """Stop the workers (jobs still queued are cancelled)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        manager = getattr(executor, "_executor_manager_thread", None)
        _stop(executor, kill=True)
        # The server is ending: let the pool's manager thread finish (its workers are gone, so
        # it does at once). Left running, it closes its wake-up pipe while Python's exit hook
        # for process pools writes to it (a CPython race: "OSError: Bad file descriptor" and a
        # traceback in the server's log at exit).
        if manager is not None:
            manager.join(timeout=_MANAGER_JOIN_S)


def _stop(executor: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut ``executor`` down without waiting; ``kill``: terminate its workers too (a job
    that never ends would otherwise hold the server's exit)."""
    # concurrent.futures offers no public way to stop a running job before Python 3.14
    # (terminate_workers); its process table is the only handle on them.
    table: dict[Any, Any] = getattr(executor, "_processes", None) or {}
    processes = list(table.values()) if kill else []
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):  # already gone: nothing to stop
            process.terminate()
