"""Kill a child process at the moment it chooses: the handshake of the SIGKILL tests.

The child runs until it reaches the moment to be killed, calls ``stall()`` (defined by
:data:`STALL`, prepended to the child's code): that writes ``ready`` to a pipe the parent
passed it and blocks reading its stdin, which the parent never answers. The parent blocks on
the pipe (no sleeping, no polling), SIGKILLs the child there and waits for it. A child that
ends without reaching its kill point closes the pipe and the test fails, saying so.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

READY_FD = "PERFXL_TEST_READY_FD"

STALL = rf"""
import os as _os


def stall(_fd=int(_os.environ["{READY_FD}"]), _write=_os.write, _read=_os.read):
    _write(_fd, b"ready")
    _read(0, 1)  # never answered: the parent kills this process here
    _os._exit(3)
"""


def kill_when_ready(
    args: Sequence[str], log: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> None:
    """Run ``args``, wait until it calls ``stall()``, SIGKILL it and reap it.

    Args:
        args: the command (Python code that prepends :data:`STALL`).
        log: where the child's stdout and stderr go (quoted when the handshake fails).
        env: the child's environment (default: this process's).
        timeout: how long the child may take to reach its kill point.
    """
    r, w = os.pipe()
    child_env = {**(os.environ if env is None else env), READY_FD: str(w)}
    with log.open("wb") as out:
        child = subprocess.Popen(
            list(args),
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=out,
            pass_fds=(w,),
            env=child_env,
        )
    os.close(w)
    try:
        readable, _, _ = select.select([r], [], [], timeout)
        assert readable, f"the child never reached its kill point:\n{log.read_text()}"
        said = os.read(r, 5)
        assert said == b"ready", f"the child ended before its kill point:\n{log.read_text()}"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        os.close(r)
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdin is not None:
            child.stdin.close()
