"""Safe output: temp file beside the target, fsync, atomic rename, one backup.

Scheme:

* The new bytes go to ``.BOOK.xlsx.perfxl-tmp-XXXXXXXX`` in the target's folder
  (hidden, and not ending in .xlsx, so nobody mistakes it for the workbook), are
  fsynced, then ``os.replace``d over the target and the folder is fsynced. A crash
  or a kill at any point leaves either the old file or the new one, never a mix.
* While writing, the temp file is locked (``flock``). A temp file left by a
  killed run is unlocked, and the next write to the same target removes it.
  (Windows: a temp file in use cannot be deleted, so the removal just fails.)
* Writing in place first saves the current file as ``<stem>.bak<suffix>``
  (``BOOK.bak.xlsx``, ``BOOK.bak.xlsm``) with the same atomic scheme; the backup
  is overwritten by each in-place write. A command told to overwrite a file it does not read
  (``template --overwrite``) keeps the same backup (:func:`backup_replaced`), made just
  before the rename, once the new file is complete: a run that fails earlier writes nothing.
* A target that Excel/WPS (``~$BOOK.xlsx``) or LibreOffice (``.~lock.BOOK.xlsx#``)
  has open is refused, as is a read-only one, and one whose temp file's name would be longer
  than the folder's file system allows.
* A write the OS refuses (read-only disk, disk full, no permission …) becomes
  :func:`write_refused`: a Chinese reason naming the target, never a bare ``OSError``.
* The file gets the mode a new file of the user's would get (``0o666 & ~umask``), or keeps
  the mode of the file it replaces; ``mkstemp``'s private 0600 never reaches the user.
* Every temp file in use is registered (:func:`new_temp`); after Ctrl-C,
  :func:`discard_temps` removes whatever a ``finally`` block could not.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from perfxl.errors import TargetNotWritableError, WorkbookLockedError, os_reason

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

TMP_MARK = ".perfxl-tmp-"
_TMP_RANDOM = 8  # the random letters mkstemp adds
_CHUNK = 1 << 20

NAME_TOO_LONG_ADVICE = (
    "perfxl 写入时会在文件名上加临时后缀（原地写入还有备份后缀 .bak），加上后超出了系统允许的长度。"
    "请改用较短的文件名（建议不超过 70 个汉字或 200 个字母）。"
)
_WRITE_ADVICE = {
    errno.EROFS: "请另存到可写的文件夹（U 盘请先关闭写保护）。",
    errno.ENOSPC: "请清理磁盘空间，或另存到其他磁盘。",
    errno.EDQUOT: "请清理磁盘空间，或另存到其他磁盘。",
    errno.ENAMETOOLONG: NAME_TOO_LONG_ADVICE,
    errno.EACCES: "请另存到有写入权限的文件夹。",
    errno.EPERM: "请另存到有写入权限的文件夹。",
}

# Temp files of writes under way in this process, and the targets they are for.
_LIVE: dict[Path, Path] = {}

# Targets whose replaced file is kept as its backup (`backup_replaced`), in this context.
_KEEP: ContextVar[frozenset[str]] = ContextVar("perfxl_backup_replaced", default=frozenset())
# Targets stamped with the kind of output they are (`stamped_as`), in this context.
_STAMP: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("perfxl_stamped_as", default=())


def _proc_umask() -> int | None:
    """The process's umask now, as /proc reports it (Linux); None where it cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return None


@functools.cache
def umask() -> int:
    """The process's umask, read once without changing it where the OS allows."""
    found = _proc_umask()
    if found is not None:
        return found
    # Elsewhere os.umask is the only way to read it; set it straight back.
    old = os.umask(0o022)
    os.umask(old)
    return old


def current_umask() -> int:
    """The process's umask now (a long-running server may be given another one); where /proc
    cannot tell, the one :func:`umask` read once (os.umask would change it for a moment)."""
    found = _proc_umask()
    return umask() if found is None else found


def output_mode(target: Path) -> int:
    """The mode for a file written to ``target``: the replaced file's, else ``0o666 & ~umask``."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~umask()


def write_refused(exc: OSError, target: Path) -> TargetNotWritableError:
    """The refusal for an OS error met while writing ``target`` (or its temp file): the
    reason mapped from ``errno`` and what to do, naming the file the user gave, not the temp
    file (whose name the user never chose)."""
    advice = _WRITE_ADVICE.get(exc.errno or 0, "请检查磁盘后重试，或另存到其他位置。")
    return TargetNotWritableError(
        f"无法写入：{os_reason(exc, writing=True)}。{advice}", path=str(target)
    )


def new_temp(target: Path) -> tuple[int, Path]:
    """Create a temp file beside ``target`` (named so that leftovers are recognised).

    Returns:
        The open descriptor and the path; :func:`done_with_temp` forgets it again.

    Raises:
        TargetNotWritableError: the OS refuses the file (:func:`write_refused`).
    """
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}{TMP_MARK}", dir=target.parent)
    except OSError as exc:
        raise write_refused(exc, target) from exc
    tmp = Path(name)
    _LIVE[tmp] = target
    return fd, tmp


def lock(fd: int) -> None:
    """Hold ``fd`` locked so that :func:`remove_stale` in another run leaves the file alone."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def done_with_temp(tmp: Path) -> None:
    """Remove ``tmp`` if it is still there (renamed or failed) and stop tracking it."""
    with contextlib.suppress(OSError):
        tmp.unlink()
    _LIVE.pop(tmp, None)


def discard_temps() -> list[Path]:
    """Remove every temp file this process has under way (after Ctrl-C); return them."""
    gone = []
    for tmp, target in list(_LIVE.items()):
        with contextlib.suppress(OSError):
            tmp.unlink()
            gone.append(tmp)
        _LIVE.pop(tmp, None)
        remove_stale(target)
    return gone


def backup_path(path: Path) -> Path:
    """``dir/BOOK.xlsx`` -> ``dir/BOOK.bak.xlsx``."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


@contextlib.contextmanager
def backup_replaced(*targets: Path | None) -> Iterator[None]:
    """Inside the block, a write that replaces one of ``targets`` keeps the file it replaces
    as ``BOOK.bak.xlsx`` first (:func:`keep_replaced`), as an in-place write does; for a
    command told to overwrite a file it does not read (``template --overwrite``). None in
    ``targets``: an output not written."""
    token = _KEEP.set(_KEEP.get() | {_key(t) for t in targets if t is not None})
    try:
        yield
    finally:
        _KEEP.reset(token)


@contextlib.contextmanager
def stamped_as(kind: str, *targets: Path | None) -> Iterator[None]:
    """Inside the block, a write of one of ``targets`` (an Office package, JSON data) carries
    the ``perfxl.output`` stamp saying that ``kind`` made it (`perfxl.write.patch.stamp`), so
    that the command may later replace it without asking (`perfxl.outputs.own_output`)."""
    token = _STAMP.set((*_STAMP.get(), *((_key(t), kind) for t in targets if t is not None)))
    try:
        yield
    finally:
        _STAMP.reset(token)


def stamping(target: Path) -> str | None:
    """The kind an enclosing :func:`stamped_as` stamps ``target`` as (None: none does). Only
    `perfxl.outputs.replacing` opens one, once it has decided that ``target`` may be written:
    a nested `replacing` of the same output and kind (the command around the API's
    `compute_workbook`) need not read the file again to decide it."""
    return dict(_STAMP.get()).get(_key(target))


def stamp_for(target: Path, data: bytes) -> bytes:
    """``data``, to be written to ``target``, stamped when :func:`stamped_as` asks for it."""
    kind = stamping(target)
    if kind is None:
        return data
    from perfxl.write.patch.stamp import stamp

    return stamp(data, kind, target)


def stamp_file(tmp: Path, target: Path) -> None:
    """The file ``tmp``, about to become ``target``, stamped when :func:`stamped_as` asks."""
    if stamping(target) is None:
        return
    data = tmp.read_bytes()
    tmp.write_bytes(stamp_for(target, data))


def _keeps(target: Path) -> bool:
    """Whether replacing ``target`` keeps a backup (:func:`backup_replaced`) and there is a
    file to keep."""
    return _key(target) in _KEEP.get() and os.path.isfile(target)


def keep_replaced(target: Path) -> Path | None:
    """Just before ``target`` is replaced: save it as its backup when :func:`backup_replaced`
    asks for one; the backup's path, or None."""
    if not _keeps(target):
        return None
    bak = backup_path(target)
    check_target(bak)
    with open(target, "rb") as fh:
        write_atomic(bak, fh.read())
    return bak


def lock_files(path: Path) -> list[Path]:
    """Owner files that show another application has ``path`` open."""
    return [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]


def _kind_of(path: Path) -> tuple[str, str]:
    """What the target is called in a message, and the programs that open it: a document
    (.docx, .pdf: the published text) or a workbook."""
    if path.suffix.lower() in (".docx", ".doc", ".pdf"):
        return "文档", "Word、WPS 或 LibreOffice"
    return "工作簿", "Excel、WPS 或 LibreOffice"


def check_target(path: Path) -> None:
    """Refuse a target that is open elsewhere, read-only, or in a missing folder.

    Raises:
        WorkbookLockedError: an owner file exists beside the target.
        TargetNotWritableError: read-only file or unusable folder.
    """
    for owner in lock_files(path):
        if _owner_exists(owner, path):
            what, apps = _kind_of(path)
            raise WorkbookLockedError(
                f"{what}正在被其他程序（{apps}）打开（存在锁定文件 {owner.name}）。"
                f"请先关闭{what}再运行；若程序已关闭，请删除该锁定文件。",
                path=str(path),
            )
    if not path.parent.is_dir():
        raise TargetNotWritableError("目标文件夹不存在。", path=str(path))
    check_name_length(path)
    if _keeps(path):  # its backup will be written too: refused now, not half-way
        check_target(backup_path(path))
    # The mode bits are checked too: root may write anything, but a file whose owner marked
    # it read-only (no write bit) is one the clerk meant to keep as it is.
    if path.exists() and (
        not os.access(path, os.W_OK) or not stat.S_IMODE(path.stat().st_mode) & 0o222
    ):
        raise TargetNotWritableError(
            "文件为只读，无法写入。请取消只读属性或另存到其他位置。", path=str(path)
        )


def _owner_exists(owner: Path, path: Path) -> bool:
    """Whether the owner file ``owner`` of ``path`` is there. A name too long to exist cannot
    have been made by Excel or LibreOffice either; another OS error refuses ``path``."""
    try:
        return owner.exists()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return False
        raise write_refused(exc, path) from exc


def _name_max(folder: Path) -> int | None:
    """The longest file name (bytes) ``folder``'s file system allows; None where unknown."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf on Windows
        return None


def check_name_length(path: Path) -> None:
    """Refuse ``path`` when the temp file written beside it would have too long a name, before
    any work is done (a county summary takes a while): the user's name fits, perfxl's
    ``.NAME.perfxl-tmp-XXXXXXXX`` does not.

    Raises:
        TargetNotWritableError: 文件名过长, with what to do.
    """
    limit = _name_max(path.parent)
    temp = f".{path.name}{TMP_MARK}{'x' * _TMP_RANDOM}"
    if limit is not None and len(os.fsencode(temp)) > limit:
        too_long = OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), temp)
        raise write_refused(too_long, path)


def stale_temp_files(path: Path) -> list[Path]:
    """Temp files of earlier writes to ``path`` (in use or not)."""
    return sorted(path.parent.glob(f".{path.name}{TMP_MARK}*"))


def remove_stale(path: Path) -> None:
    """Delete temp files that no running write holds (left by a killed run)."""
    for tmp in stale_temp_files(path):
        remove_unless_locked(tmp)


def remove_unless_locked(path: Path) -> bool:
    """Delete ``path`` unless a live write holds its lock; whether it was deleted."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a live write holds it
        try:
            path.unlink()
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    for i in range(0, len(view), _CHUNK):
        chunk = view[i : i + _CHUNK]
        while chunk:
            n = os.write(fd, chunk)
            chunk = chunk[n:]


def _fsync(fd: int) -> None:
    os.fsync(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` so that it is never half-written.

    Raises:
        WorkbookLockedError: the OS refuses the rename (the file is open elsewhere).
    """
    remove_stale(target)
    mode = output_mode(target)
    for attempt in range(3):
        fd, tmp = new_temp(target)
        try:
            lock(fd)
            _write_all(fd, data)
            _fsync(fd)
            os.chmod(tmp, mode)
            if os.name != "posix":
                os.close(fd)
                fd = -1
            keep_replaced(target)
            os.replace(tmp, target)
        except FileNotFoundError as exc:
            if attempt == 2:
                raise write_refused(exc, target) from exc
            continue  # another run's clean-up took the fresh temp file; try again
        except PermissionError as exc:
            raise WorkbookLockedError(
                f"无法替换文件（{os_reason(exc, writing=True)}），可能正被其他程序打开。",
                path=str(target),
            ) from exc
        except OSError as exc:  # disk full, read-only disk …
            raise write_refused(exc, target) from exc
        finally:
            if fd >= 0:
                os.close(fd)
            done_with_temp(tmp)
        break
    fsync_dir(target.parent)


def save(target: Path, data: bytes, *, previous: bytes | None, backup: bool) -> Path | None:
    """Write ``data`` to ``target``; with ``previous`` (in-place) keep it as the backup first.

    Returns:
        The backup's path, or None.
    """
    check_target(target)
    bak = None
    if backup and previous is not None:
        bak = backup_path(target)
        check_target(bak)
        write_atomic(bak, previous)
    write_atomic(target, stamp_for(target, data))
    return bak
