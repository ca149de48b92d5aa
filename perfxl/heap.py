"""glibc's malloc tuned for reading many workbooks, in processes perfxl runs itself only.

Reading a workbook from its package allocates a few large blocks (the package, about 400 KB
for 20 projects, and calamine's copy of it); freed at the end of each file, glibc returns them
to the system (its thresholds follow the largest block freed: about 1 MB) and the next file
faults the pages in again, some 280 page faults or 0.7 ms of system time a workbook, half what
the package saves. `keep` lets the heap keep up to 8 MB of freed memory instead.

That setting is process-wide and cannot be undone, so it is made only where perfxl owns the
process (`own`: the command line, the workers of a consolidation) and once that process reads
a second package (`opened_package`; one reading one has no need). A program that imports perfxl
(the Python API, the ribbon's host) keeps its allocator as it is.
"""

from __future__ import annotations

import os

_state = {"owned": False, "opened": 0}


def own() -> None:
    """This process is perfxl's own: it may tune the allocator (`opened_package`). Its count
    of packages starts again (a worker forked from a process that read some counts its own)."""
    _state["owned"], _state["opened"] = True, 0


def owned() -> bool:
    """Whether `own` was called in this process."""
    return bool(_state["owned"])


def opened_package() -> None:
    """A package was opened for reading: at the second, in a process perfxl owns, `keep`."""
    _state["opened"] += 1
    if _state["opened"] == 2 and _state["owned"]:
        keep()


def keep() -> None:
    """Let glibc's malloc keep up to 8 MB of freed memory (see the module's text). On Linux
    with glibc only (anywhere else, or when it fails, nothing changes but that time)."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 4 << 20)  # blocks below 4 MB from the heap
        libc.mallopt(_M_TRIM_THRESHOLD, 8 << 20)  # the heap's top kept up to 8 MB free
    except (OSError, ValueError, AttributeError):  # no confstr name, no libc: as it was
        return


_M_TRIM_THRESHOLD = -1  # mallopt(3) parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
