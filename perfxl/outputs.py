"""What the commands write: never one of their inputs; and what Ctrl-C leaves behind.

Every command calls :func:`refuse_inputs` with its outputs and inputs before it reads or
writes anything. An output that is one of the inputs (the same file, however it is named:
``os.path.samefile``, so links and a different spelling of the path count) is refused, unless
the command has a documented in-place mode that keeps a backup (``compute --in-place``,
``validate --in-place``, ``fill --into`` without ``-o``), which does not go through here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from perfxl.errors import WriteError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
INTERRUPTED_MESSAGE = "已中断（Ctrl-C）：未写出不完整的文件，临时文件已删除。"


class OutputIsInputError(WriteError):
    """An output path names one of the command's own input files."""


def refuse_inputs(
    outputs: Iterable[Path | None],
    inputs: Iterable[str | Path | None],
    *,
    hint: str = "",
    replaceable: Callable[[Path], bool] | None = None,
) -> None:
    """Refuse to write any of ``outputs`` over one of ``inputs``.

    Args:
        outputs: the files the command will write (None: not written).
        inputs: the files and folders it reads; a folder stands for the workbooks found in it
            (as ``consolidate``, ``validate`` and ``publish`` find them).
        hint: said after the refusal (how to do what the user meant, say ``--in-place``).
        replaceable: for a file found inside an input folder (not named itself), True when it
            may be overwritten all the same: consolidate's own earlier summary, which it does
            not read back.

    Raises:
        OutputIsInputError: naming the output and the input it is.
    """
    outs = [Path(o) for o in outputs if o is not None]
    if not outs:
        return
    named: list[Path] = []
    folders: list[Path] = []
    for item in inputs:
        if item is None or str(item) == "-":  # "-": standard input
            continue
        p = Path(item)
        (folders if p.is_dir() else named).append(p)
    for out in outs:
        clash = next((p for p in named if same_file(out, p)), None)
        if clash is None and out.is_file() and _found_in_folders(out, folders):
            clash = next(f for f in folders if _inside(out, f))
            if replaceable is not None and replaceable(out):
                clash = None
        if clash is not None:
            raise OutputIsInputError(
                f"输出文件就是输入文件 {clash}，写出会覆盖（毁掉）它。请换一个输出文件名"
                + (f"；{hint}" if hint else "。"),
                path=str(out),
            )


class OutputExistsError(WriteError):
    """An output names a file that is already there, and the command was not told to
    overwrite it (``template``, ``fill``)."""


OVERWRITE_OPTION = "--overwrite"


def refuse_existing(outputs: Iterable[Path | None], overwrite: bool, *, hint: str = "") -> None:
    """Refuse to replace a file already at one of ``outputs`` unless ``overwrite``: a
    township's filled workbook is not to be lost to a new blank one without a word. With
    ``overwrite``, the write keeps it as ``BOOK.bak.xlsx`` (`safeio.backup_replaced`).

    Args:
        outputs: the files the command will write (None: not written).
        overwrite: the user gave ``--overwrite``.
        hint: what else the user may have meant, said after the refusal.

    Raises:
        OutputExistsError: naming the file, the way out and the backup ``--overwrite`` keeps.
    """
    from perfxl.write.patch.safeio import backup_path

    if overwrite:
        return
    for out in outputs:
        if out is not None and os.path.lexists(out):
            raise OutputExistsError(
                "文件已存在，未覆盖，未写出任何文件。请换一个输出文件名；"
                f"确要覆盖请加上 {OVERWRITE_OPTION}（会先把原文件备份为 {backup_path(out).name}）。"
                + hint,
                path=str(out),
            )


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are one file: by inode where both exist, else by full path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _found_in_folders(out: Path, folders: list[Path]) -> bool:
    """True when a command searching ``folders`` for workbooks finds ``out`` among them."""
    from perfxl.inputs import SUFFIXES

    if out.suffix.lower() not in SUFFIXES or out.name.startswith(("~$", ".")):
        return False
    return any(_inside(out, f) for f in folders)


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` lies somewhere below ``folder`` (links resolved)."""
    return Path(os.path.realpath(folder)) in Path(os.path.realpath(path)).parents


_CORE_AT_MOST = 64 * 1024  # bytes of docProps/core.xml read at most


def is_summary_file(path: Path) -> bool:
    """True for a summary written by ``perfxl consolidate`` (its document properties say so):
    a targets, monitoring or self-evaluation summary."""
    import zipfile

    from perfxl.consolidate.columns import MONITOR_MARKER, SUMMARY_MARKER
    from perfxl.consolidate.eval_columns import EVAL_MARKER

    try:
        with zipfile.ZipFile(path) as z:
            if z.getinfo("docProps/core.xml").file_size > _CORE_AT_MOST:
                return False  # not ours (ours is a few hundred bytes): never inflate much
            with z.open("docProps/core.xml") as fh:
                core = fh.read(_CORE_AT_MOST).decode("utf-8", "replace")
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return any(m in core for m in (SUMMARY_MARKER, MONITOR_MARKER, EVAL_MARKER))


_done: list[int] = []  # the exit code of a command whose work is complete (`finishing`)
_written: list[Path] = []  # the first outputs complete before the whole work is (`wrote`)
_written_count = [0]  # how many (a process that never resets, a server, keeps only a few)


@contextmanager
def finishing(code: int) -> Iterator[None]:
    """A command's work is complete (every output written) with exit code ``code``: the
    closing report is printed inside the block with Ctrl-C held off (on the main thread), and
    a Ctrl-C that still lands before the process ends exits with ``code`` rather than 130 —
    nothing was interrupted. `reset_finished` forgets it (each command run starts afresh)."""
    _done[:] = [code]
    with _ctrl_c_ignored():
        yield


@contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ctrl-C ignored inside the block, the handler put back after it (on the main thread
    only: elsewhere, a test runner's thread, there is nothing to hold off)."""
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        old = None
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)


def reset_finished() -> None:
    """No command's work is complete yet (`finishing`), no output written yet (`wrote`)."""
    _done.clear()
    _written.clear()
    _written_count[0] = 0


def wrote(path: Path) -> None:
    """``path``, one of several outputs of the command, is written whole: a Ctrl-C before
    the others are says that it was (consolidate's summary, then each ``--tables`` file: the
    reviewer must not take the folder for all old or all new)."""
    if len(_written) < _WRITTEN_SHOWN:
        _written.append(Path(path))
    _written_count[0] += 1


def interrupted_message() -> str:
    """What Ctrl-C says: nothing half-written, and the outputs already written whole."""
    if not _written:
        return INTERRUPTED_MESSAGE
    shown = "、".join(map(str, _written))
    more = f" 等 {_written_count[0]} 个" if _written_count[0] > len(_written) else ""
    return (
        f"{INTERRUPTED_MESSAGE}中断前已完整写出：{shown}{more}；"
        "其余输出未写出（原有的同名文件未动，是上次的结果）。请重新运行以写出全部输出。"
    )


_WRITTEN_SHOWN = 6


def stop_interrupted() -> None:
    """After Ctrl-C: remove every temp file still there, say so, exit 130.

    A second Ctrl-C during the clean-up is ignored. A Ctrl-C after the command's work was
    complete (`finishing`) exits with the command's own code, without the message.
    """
    from perfxl.write.patch.safeio import discard_temps

    if _done:
        sys.stdout.flush()
        sys.exit(_done[0])

    with _ctrl_c_ignored():
        discard_temps()
        print(f"\n{interrupted_message()}", file=sys.stderr, flush=True)
        sys.stdout.flush()
    # A process pool's manager thread is joined at exit; a worker killed mid-send can leave
    # it waiting for ever. Everything that matters is done: end without joining it.
    if any(type(t).__name__ == "_ExecutorManagerThread" for t in threading.enumerate()):
        os._exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_INTERRUPTED)


class OutputSuffixError(WriteError):
    """An output's extension contradicts what the command writes (``fill data.json out.json``)."""


def check_suffix(path: Path | None, allowed: Iterable[str], what: str) -> None:
    """Refuse an output whose extension is not one of ``allowed`` (case ignored).

    Args:
        path: the output the user named (None: the command writes none).
        allowed: the extensions that fit, the usual one first (``(".xlsx",)``).
        what: what the command writes, in Chinese (``工作簿``, ``Word 文档``).

    Raises:
        OutputSuffixError: naming the file, the extension wanted and a name that fits.
    """
    if path is None:
        return
    want = [s.lower() for s in allowed]
    got = Path(path).suffix.lower()
    if got in want:
        return
    shown = f"“{Path(path).suffix}”" if got else "为空"
    fits = Path(path).with_suffix(want[0]).name if Path(path).name else f"*{want[0]}"
    raise OutputSuffixError(
        f"输出文件的扩展名{shown}不对：这里写出的是{what}，扩展名应为 {' 或 '.join(want)}。"
        f"请改用 {fits} 这样的文件名。",
        path=str(path),
    )
