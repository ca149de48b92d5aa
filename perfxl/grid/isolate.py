"""Run one function in a child process, so that a library aborting the process ends only the child.

A damaged .xls can make python-calamine ask for terabytes and abort (SIGABRT): that is no
exception, nothing in the process that called it survives. ``call`` runs the function in a
child (forked on Linux: a few milliseconds, the modules already imported; a new interpreter
elsewhere) and hands back its result or re-raises its exception, pickled through a pipe; a
child that dies without answering raises ``ChildDied``.

The child ignores Ctrl-C (the caller stops it: Ctrl-C reaches the caller as usual and the
child is killed), dies with its parent (a consolidation worker ended by ``_stop``), and sends
what the library prints on stderr (a Rust panic's English text, a backtrace) to /dev/null.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

_in_child = False  # set in the child: a nested call runs in place, no second fork


class ChildDied(Exception):
    """The child ended without an answer.

    Attributes:
        exitcode: its exit code; negative: the signal that ended it (``-6``: SIGABRT).
    """

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"child process ended with exit code {exitcode}")
        self.exitcode = exitcode


def call(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a child process: its result, or its exception raised again here.

    ``fn``, ``args`` and the result must be picklable (``fn`` by its module and name). Already
    in such a child, ``fn`` runs in place.

    Raises:
        ChildDied: the child ended without an answer (an abort, a crash, killed).
        KeyboardInterrupt: Ctrl-C while waiting; the child is killed first.
    """
    if _in_child:
        return fn(*args)
    if sys.platform == "linux" and threading.active_count() == 1:
        data, exitcode = _forked(fn, args)
    else:  # forking copies no lock another thread holds only when there is none; else spawn
        data, exitcode = _spawned(fn, args)
    if not data:
        raise ChildDied(exitcode)
    kind, value = pickle.loads(data)
    if kind == "raise":
        raise value
    result: T = value
    return result


def _forked(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bytes, int]:
    """Run in a forked child (a few milliseconds: the modules are already imported); the
    pickled answer and the exit code (negative: the signal)."""
    _prctl()  # loaded here, so the child finds it ready
    read_end, write_end = os.pipe()
    parent = os.getpid()
    # Ctrl-C held back over the fork: a KeyboardInterrupt raised in an at-fork hook (logging
    # registers one) is printed and dropped, and the parent would read on as if none came.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    pid = os.fork()
    if pid == 0:  # the child: whatever happens, it ends here without running the parent's exit
        code = 1
        try:
            os.close(read_end)
            _enter_child(parent)
            with os.fdopen(write_end, "wb") as out:
                out.write(_answer(fn, args))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C held back arrives now
        with os.fdopen(read_end, "rb") as answer:
            data = answer.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:  # Ctrl-C while waiting: the child goes too
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    return data, os.waitstatus_to_exitcode(status)


def _spawned(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bytes, int]:
    """Run in a new interpreter (Windows, macOS, a threaded host such as Excel's); slower."""
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-c", "from perfxl.grid.isolate import _spawned_main; _spawned_main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        data, _ = proc.communicate(pickle.dumps((fn, args)))
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return data, proc.returncode


def _spawned_main() -> None:
    """The spawned child: the call from stdin, the answer on stdout (and nothing else there)."""
    out = os.fdopen(os.dup(1), "wb")
    _enter_child(os.getppid())
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    fn, args = pickle.loads(sys.stdin.buffer.read())
    with out:
        out.write(_answer(fn, args))


def _answer(fn: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    try:
        answer: tuple[str, Any] = ("return", fn(*args))
    except BaseException as exc:  # everything goes back to the caller, which decides
        answer = ("raise", exc)
    try:
        return pickle.dumps(answer)
    except Exception as exc:  # an unpicklable exception: its words are kept
        words = f"{type(answer[1]).__name__}: {answer[1]}; {exc}"
        return pickle.dumps(("raise", RuntimeError(words)))


def _enter_child(parent: int) -> None:
    global _in_child
    _in_child = True
    gc.disable()  # short-lived: a collection would walk (and copy) every inherited object
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # then let it in (held back over the fork)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent)
    _quiet_stderr()


def _die_with_parent(parent: int) -> None:
    """On Linux the kernel kills the child when its parent dies (PR_SET_PDEATHSIG), so a
    worker ended by Ctrl-C handling leaves no reader behind."""
    prctl = _prctl()
    if prctl is None:
        return
    prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


@lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    """Linux's ``prctl`` from the C library (None elsewhere, or when it cannot be found)."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        fn: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return fn


def _quiet_stderr() -> None:
    """The child's stderr to /dev/null: the library's English panic text and backtrace are
    not for the user (the caller words the refusal in Chinese). A fault handler inherited from
    the parent (``python -X faulthandler``, pytest) writes elsewhere: it is switched off."""
    faulthandler.disable()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    os.dup2(devnull, 2)
    os.close(devnull)


__all__ = ["ChildDied", "call"]
