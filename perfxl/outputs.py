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
from dataclasses import dataclass
from pathlib import Path

from perfxl.errors import OutputExistsError, WriteError

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


OVERWRITE_OPTION = "--overwrite"


@dataclass(frozen=True)
class Refusal:
    """How the refusal to replace an existing file (`refuse_existing`) is worded where the
    user meets it: the command line, the Python API, a ribbon button.

    Attributes:
        maker: what would have written a file replaced without asking (``本命令此前``).
        way_out: what to do instead; ``{backup}`` stands for the backup an overwrite keeps.
    """

    maker: str
    way_out: str


BY_COMMAND = Refusal(
    "本命令此前",
    f"请换一个输出文件名；确要覆盖请加上 {OVERWRITE_OPTION}（会先把原文件备份为 {{backup}}）。",
)
BY_API = Refusal(
    "perfxl 此前以同样方式",
    "请换一个文件名；确要覆盖请传入 overwrite=True（会先把原文件备份为 {backup}）。",
)

# Kinds of output named here (other kinds are the commands' names: compute, template, …).
# SUMMARY, TABLES and ADDIN are recognised by their content, the others by the stamp
# (`perfxl.write.patch.stamp`).
SUMMARY = "summary"  # consolidate -o: the summary marker in its document properties
TABLES = "tables"  # consolidate --tables: a table's own header row (CSV) or columns (Parquet)
DATA = "data"  # export -o, import -o X.json (stamped, as the workbooks are)
ADDIN = "addin"  # addin build: an .xlam holding perfxl's ribbon
ADDIN_XLSM = "addin-xlsm"  # addin build --xlsm: the workbook units fill (stamped)
NEW_MONITORING = "new-monitoring"  # new monitoring, the ribbon's 新建监控表
NEW_EVALUATION = "new-evaluation"  # new evaluation, the ribbon's 新建自评表
_NOT_STAMPED = frozenset({SUMMARY, ADDIN})
# Office packages and JSON data carry the stamp; any other output is recognised by content.
STAMPED_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xlam", ".docx", ".json"})


def own_output(path: Path, kind: str) -> bool:
    """Whether ``path`` is recognisably an earlier output of ``kind`` that perfxl made, which
    the same command may replace without asking.

    A workbook, Word document or JSON data file: stamped ``kind`` and unchanged since (a
    clerk who typed into it and saved, a hand edit of the JSON, or a perfxl write into it in
    place makes it theirs). A county summary: its marker (re-running consolidate to the same
    summary is the county's normal cycle). A ``--tables`` file: one of perfxl's tables, by its
    header. A published PDF: perfxl named as its author.
    """
    if kind == SUMMARY:
        return is_summary_file(path)
    suffix = path.suffix.lower()
    if kind == TABLES:
        return _perfxl_table(path)
    if suffix == ".pdf":
        return _published_pdf(path)
    if kind == ADDIN:
        return suffix == ".xlam" and _perfxl_addin(path)
    if _stamped(path, kind):
        from perfxl.write.patch.stamp import stamped_kind

        return stamped_kind(path) == kind
    return False


def _stamped(path: Path, kind: str) -> bool:
    """Whether ``kind``'s output at ``path`` carries the stamp (an Office package, JSON)."""
    return path.suffix.lower() in STAMPED_SUFFIXES and kind not in _NOT_STAMPED


def _starts_with(path: Path, head: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(head) + 3).removeprefix(b"\xef\xbb\xbf").startswith(head)
    except OSError:
        return False


def _perfxl_table(path: Path) -> bool:
    """A ``--tables`` file: its name and header (CSV) or columns (Parquet) are a table's."""
    from perfxl.consolidate.tables import table_keys

    keys = table_keys().get(path.stem)
    if keys is None:
        return False
    if path.suffix.lower() == ".csv":
        return _starts_with(path, (",".join(keys) + "\r\n").encode())
    try:
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names) == list(keys)
    except Exception:  # no pyarrow, not a Parquet file: not recognisably ours
        return False


def _perfxl_addin(path: Path) -> bool:
    """An add-in ``addin build`` made: its ribbon is perfxl's (nobody types into an add-in)."""
    import zipfile

    from perfxl.excel.addin import macro_sources

    try:
        with zipfile.ZipFile(path) as z:
            if z.getinfo("customUI/customUI.xml").file_size > _CORE_AT_MOST:
                return False
            ui = z.read("customUI/customUI.xml")
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return ui == macro_sources()[1]


def _published_pdf(path: Path) -> bool:
    """A PDF ``publish --pdf`` made: LibreOffice keeps the document's author, perfxl."""
    try:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfparser import PDFParser
        from pdfminer.utils import decode_text

        with open(path, "rb") as fh:
            info = PDFDocument(PDFParser(fh)).info
            author = info[0].get("Author") if info else None
    except Exception:  # pdfminer raises many kinds on a damaged file: not ours
        return False
    if isinstance(author, bytes):  # UTF-16 with its BOM, else PDFDocEncoding
        author = decode_text(author)
    return author == PUBLISH_AUTHOR


PUBLISH_AUTHOR = "perfxl"  # the author of a published document (publish.document)


def refuse_existing(
    outputs: Iterable[Path | None],
    overwrite: bool,
    *,
    kind: str,
    hint: str = "",
    words: Refusal = BY_COMMAND,
) -> None:
    """Refuse to replace a file already at one of ``outputs`` unless it is an earlier output of
    ``kind`` (`own_output`) or ``overwrite``: a township's workbook is not to be lost to a
    command's output without a word. With ``overwrite``, the write keeps it as
    ``BOOK.bak.xlsx`` (`safeio.backup_replaced`; `replacing` arranges both).

    Args:
        outputs: the files the command will write (None: not written).
        overwrite: the user gave ``--overwrite`` (``overwrite=True`` to the API).
        kind: what the command writes (``compute``, `SUMMARY`, …; see `own_output`).
        hint: what else the user may have meant, said after the refusal.
        words: how the refusal is worded where the user meets it (`BY_COMMAND`, `BY_API`, a
            ribbon button's).

    Raises:
        OutputExistsError: naming the file, the way out and the backup an overwrite keeps.
    """
    if overwrite:
        return
    for out in outputs:
        if out is None or not os.path.lexists(out):
            continue
        # Imported only here: a command writing nothing (validate without --annotate) need
        # not load the writing machinery (tempfile, shutil and the compressors with it).
        from perfxl.write.patch.safeio import backup_path, stamping

        if stamping(Path(out)) == kind or own_output(Path(out), kind):  # decided around us, or ours
            continue
        raise OutputExistsError(
            f"文件已存在，且不是{words.maker}写出、此后未改动的文件，未覆盖，未写出任何文件。"
            + words.way_out.format(backup=backup_path(Path(out)).name)
            + hint,
            path=str(out),
        )


@contextmanager
def replacing(
    outputs: Iterable[Path | None],
    kind: str,
    overwrite: bool,
    *,
    hint: str = "",
    words: Refusal = BY_COMMAND,
) -> Iterator[None]:
    """The one rule for a command's outputs, around its work: an existing file is refused
    (`refuse_existing`, worded by ``words``) before anything is done; inside the block, a
    file replaced with ``overwrite`` is kept as its backup, and each workbook, document or
    JSON data file written is stamped as ``kind`` (so that the next run may replace it)."""
    from perfxl.write.patch.safeio import backup_replaced, stamped_as

    outs = [Path(o) for o in outputs if o is not None]
    refuse_existing(outs, overwrite, kind=kind, hint=hint, words=words)
    stamped = [o for o in outs if _stamped(o, kind)]
    with backup_replaced(*(outs if overwrite else ())), stamped_as(kind, *stamped):
        yield


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
