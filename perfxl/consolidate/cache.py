"""What a worker reads from one workbook, kept on disk by the file's content (re-consolidation).

A county consolidates again every time a township sends a new version: the workbooks that did
not change give the same records, so each one's `Extracted` is stored under a key made of

* the SHA-256 of the workbook's bytes, and
* a *salt*: the entry format, perfxl's version, a fingerprint of perfxl's own code and data
  files (a changed rule or reader misses even when the version number did not move), the
  versions of the reading libraries, the Python version (pickle), the layout the workbooks are
  read with and the bytes of the validation config file (the shipped defaults are among
  perfxl's data files).

Nothing that depends on the file's name or time is taken from an entry: the records are made
with a placeholder for the file's name (`PLACEHOLDER`), every text holding it is pickled as
its pieces (a persistent id) and joined with the name of this run when loaded, and the
modification time is read again. An entry carries the SHA-256 of its body; one
that is truncated, corrupt or of another format is ignored (and replaced), never trusted.
The body holds two zlib-compressed pickles: the records without their 指标明细 and 校验问题
rows (with the problems counted and each project's percentages and the unit's totals,
`combine.Sums`; their other lists of rows by columns), then those rows, each list by columns
(`_columns`: the texts holding the placeholder found per column by a byte search and named
from the columns when loaded; a spilled run's hit writes them to the spill as they are,
unpickled only if read back); then, when the run rendered them, the rows' sheet XML
(`writer.SubmissionXml`: 指标明细, 校验问题 and the unit's 汇总 rows, about 20 KB compressed
for 20 projects), which names the file: a later run splices it into its summary only when
its own name, input folder and styles are the same, else a worker renders the entry's
records again and stores them so (`rendered_again`: the workbook is not read again). About
50 KB for 20 projects in all.
Entries are written atomically (temp file beside them, rename) with the user's umask, without
an fsync: an entry is only ever a copy of what the workbook gives again, and one that a power
cut leaves empty or torn fails its SHA-256 and is rebuilt (the fsync cost ~1 ms per workbook).

The cache folder is ``--cache-dir``, else ``$PERFXL_CACHE_DIR/consolidate``, else the user's
cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``, ``%LOCALAPPDATA%`` on Windows,
``~/Library/Caches`` on macOS) + ``perfxl/consolidate``. Only the user's own processes are
meant to write there: an entry is a pickle. A folder that cannot be made or written (a
read-only disk, a file in the way) is tried once as the run begins: the run goes on without
a cache and its notes say so, naming the folder (`unusable`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.records import Extracted, FileRecord
from perfxl.errors import os_reason

if TYPE_CHECKING:
    from perfxl.consolidate.spill import SpillStore
    from perfxl.consolidate.writer import RowsXml

FORMAT = 9  # bump when what an entry holds changes shape (9: no packed models)
MAGIC = b"PXLC\x00\x07\r\n"  # 8 bytes; the line ends catch a text-mode copy
DIGEST = 32  # bytes of the body's SHA-256 after the magic
_LENGTH = struct.Struct("<Q")  # the body: the records without their long rows, then those
# rows (each compressed, after its length), then the pickled rendered rows
# (`writer.SubmissionXml` per submission; absent when none)
# Stands for the workbook's name in a stored entry (never a real path: NUL cannot be in one).
PLACEHOLDER = "\x00perfxl-cached-file\x00"
# Statuses whose records are the workbook's own (a summary lists other files; an unreadable
# file's reason may name it and may be passing, such as a permission denied).
CACHED = frozenset({K.USED, K.NOT_PERFXL, K.MONITORING_SKIPPED, K.EVALUATION_SKIPPED})
ENV = "PERFXL_CACHE_DIR"
TEMP_PREFIX = ".entry-"
STALE = 3600.0  # seconds: an entry is written in milliseconds
LIBRARIES = ("python-calamine", "jsonschema", "openpyxl", "defusedxml", "olefile")


def default_dir() -> Path:
    """Where the entries go when no ``--cache-dir`` is given (see the module's docstring)."""
    root = os.environ.get(ENV)
    if root:
        return Path(root).expanduser() / "consolidate"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "perfxl" / "Cache" / "consolidate"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "perfxl" / "consolidate"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "perfxl" / "consolidate"


def unusable(folder: Path) -> str | None:
    """Why no entry could be written in ``folder`` (made when missing: a file made and
    removed there), in Chinese for the user, naming it; None when it can be used. A run
    goes on without a cache then: the user is told once what it costs, rather than every
    worker failing silently on every entry."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return _no_cache(folder, "无法创建", "同名文件已存在，不是文件夹")
    except OSError as exc:
        return _no_cache(folder, "无法创建", _os_reason(exc))
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
    except OSError as exc:
        return _no_cache(folder, "无法写入", _os_reason(exc, written=True))
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


def _no_cache(folder: Path, what: str, why: str) -> str:
    return f"缓存文件夹 {folder} {what}（{why}）：本次不使用缓存，重新汇总会较慢。"


def _os_reason(exc: OSError, written: bool = False) -> str:
    """An `OSError` in a few Chinese words (the system's own words when unknown);
    ``written``: raised making a file in the folder (not the folder itself)."""
    if isinstance(exc, PermissionError):
        return "没有写入权限"
    if isinstance(exc, NotADirectoryError):
        return "路径中有一项是文件，不是文件夹"
    if isinstance(exc, FileNotFoundError):
        return "不能在其中建立文件" if written else "路径不存在"
    return os_reason(exc, writing=True)  # the errno's reason, as every write says it


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over perfxl's own source and data files (names and bytes), once per process:
    a result made by other code is never reused, released or not."""
    import perfxl

    root = Path(perfxl.__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\x00")
            h.update(p.read_bytes())
    return h.hexdigest()


def _libraries() -> str:
    from importlib import metadata

    out = []
    for name in LIBRARIES:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return ";".join(out)


def salt_for(config: str | None, layout: Any) -> str:
    """Everything besides the workbook's bytes that decides what reading it gives.

    Raises:
        OSError: the config file cannot be read (the run refuses it before this anyway).
    """
    import perfxl

    h = hashlib.sha256()
    for part in (
        f"format={FORMAT}",
        f"perfxl={perfxl.__version__}",
        f"code={code_fingerprint()}",
        _libraries(),
        f"python={sys.version_info[0]}.{sys.version_info[1]}",
        f"layout={layout!r}",
    ):
        h.update(part.encode("utf-8") + b"\x00")
    h.update(b"config=" + (Path(config).read_bytes() if config else b"-"))
    return h.hexdigest()


def file_digest(path: str, data: bytes | None = None) -> str:
    """The SHA-256 of a file's bytes (as `FileRecord.sha256` holds it); ``data``: those
    bytes, when the caller read them already (`perfxl.safety.read_whole`: not read again).

    Raises:
        OSError: the file cannot be read.
    """
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass(frozen=True)
class Cache:
    """A cache folder and the salt of this run (plain strings: handed to worker processes)."""

    folder: str
    salt: str

    @classmethod
    def open(cls, folder: Path, config: str | None, layout: Any) -> Cache:
        """The cache in ``folder`` for a run with ``config`` (a file, or None) and ``layout``;
        temp files that a killed run left there (older than `STALE` seconds) are removed."""
        _sweep(folder)
        return cls(str(folder), salt_for(config, layout))

    def entry(self, digest: str) -> Path:
        """The entry of a workbook whose bytes have the SHA-256 ``digest``."""
        key = hashlib.sha256(f"{self.salt}:{digest}".encode("ascii")).hexdigest()
        return Path(self.folder) / key[:2] / f"{key}.pxc"

    def holds(self, digest: str) -> bool:
        """Whether there is an entry for bytes of SHA-256 ``digest`` (sound or not: `load`)."""
        return self.entry(digest).is_file()

    def load(self, path: str, digest: str, store: SpillStore | None = None) -> Extracted | None:
        """What reading ``path`` (bytes of SHA-256 ``digest``) gave before, with this run's
        name and modification time; None when there is no sound entry (a corrupt one is
        removed). With ``store`` (a spilled run), the 指标明细 and 校验问题 rows are not
        unpickled: their compressed bytes go to ``store`` as they are, and the submissions
        get their ``spilled`` handles and ``tally`` straight away."""
        entry = self.entry(digest)
        try:
            blob = entry.read_bytes()
        except OSError:
            return None
        found = _decode(blob, path, store)
        if found is None or not _sound(found, path, digest):
            with contextlib.suppress(OSError):
                entry.unlink()
            return None
        try:
            found.files[0].mtime = os.stat(path).st_mtime
        except OSError:
            return None
        return found

    def reload(self, path: str) -> Extracted | None:
        """The records of ``path``'s entry as `keep` takes them (named with `PLACEHOLDER`,
        without rendered rows, the file's time read again); None when there is no sound
        entry for its bytes."""
        try:
            digest = file_digest(path)
            blob = self.entry(digest).read_bytes()
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        found = _decode(blob, PLACEHOLDER)
        if found is None or not _sound(found, PLACEHOLDER, digest):
            return None
        found.files[0].mtime = mtime
        for s in found.submissions:
            s.xml = None
        return found

    def keep(
        self,
        extracted: Extracted,
        path: str,
        rows_xml: RowsXml | None = None,
        rows: bool = False,
    ) -> Extracted | Packed:
        """Store ``extracted`` (read from ``path`` with `PLACEHOLDER` as its name) when it is
        a workbook's own record (a cache that cannot be written is passed over silently);
        returns it with ``path`` as its name, or as the stored bytes (`Packed`: what a worker
        hands to the parent, cheaper than pickling the records a second time).

        With ``rows_xml``, its submissions' rows are rendered under ``path``
        (`extract.render_xml`) and the XML is stored with the records: a later run uses it
        only when rendered under that run's name, input folder and styles. ``rows``: the run
        reads the 汇总 rows besides (tables): those made to render them go to the parent
        with the result (`Submission.summary_rows`, `Packed.summaries`), never into the
        entry, so that the parent does not make them a second time."""
        from perfxl.consolidate.extract import render_xml

        if not storable(extracted):
            found = named(extracted, path)
            if rows_xml is not None:
                made = render_xml(found, rows_xml)
                if rows:
                    _with_summaries(found, made)
            return found
        render = rows_xml is not None and bool(extracted.submissions)
        records, raw_rows = _dumps(extracted, named_as=path if render else None)
        # the long rows as the entry holds them: a spilled run's parent keeps them so
        packed_rows = _compress(raw_rows)
        xml: list[Any] | None = None
        summaries: list[list[Any]] | None = None
        if rows_xml is not None and render:
            # the payload is made: named now (the long rows by `_dumps`, from their columns)
            made = render_xml(named(extracted, path, long=False), rows_xml)
            xml = [s.xml for s in extracted.submissions]
            summaries = made if rows and any(made) else None
        name = path.encode("utf-8", "surrogateescape")
        if name not in records and name not in raw_rows:  # else a text was made from the real
            # name (not the placeholder): not reusable under another name
            body = b"".join(  # each a fifth of the size, in under a millisecond
                _LENGTH.pack(len(z)) + z for z in (_compress(records), packed_rows)
            )
            body += pickle.dumps(xml, protocol=pickle.HIGHEST_PROTOCOL) if xml else b""
            blob = MAGIC + hashlib.sha256(body).digest() + body
            with contextlib.suppress(OSError):
                _write(self.entry(extracted.files[0].sha256), blob)
        return Packed(records, packed_rows, path, xml, summaries)


def rendered_again(
    path: str,
    config: str | None = None,
    expand: bool = True,
    layout: Any = None,
    cache: Cache | None = None,
    rows_xml: RowsXml | None = None,
    rows: bool = True,
) -> Extracted | Packed:
    """`extract.extract_cached` of a file whose entry holds rows rendered under another name,
    input folder or working directory (a moved folder, another working directory): the
    entry's records rendered as this run shows them and stored so (`Cache.reload`, then
    `Cache.keep`: a few milliseconds, against reading and checking the workbook again); the
    file is read afresh when its entry is gone or unsound."""
    from perfxl.consolidate.extract import extract_cached

    if cache is not None and rows_xml is not None:
        found = cache.reload(path)
        if found is not None:
            return cache.keep(found, path, rows_xml, rows)
    return extract_cached(path, config, expand, layout, cache, rows_xml, rows)


def rendered_again_batch(
    items: list[tuple[str, bool]],
    config: str | None = None,
    layout: Any = None,
    cache: Cache | None = None,
    rows_xml: RowsXml | None = None,
    rows: bool = True,
) -> list[Extracted | Packed]:
    """`rendered_again` over a chunk of (path, expand_summary), in a worker."""
    return [rendered_again(p, config, e, layout, cache, rows_xml, rows) for p, e in items]


@dataclass(frozen=True)
class Packed:
    """One file's records as an entry's payload (the long rows compressed, as stored), and the
    file's name."""

    records: bytes  # the records without their long rows (`_dumps`)
    rows: bytes  # the long rows, compressed as the entry holds them
    path: str
    xml: list[Any] | None = None  # per submission, its rows' XML (`writer.SubmissionXml`)
    # per submission, the 汇总 rows made to render its XML, when the run reads them besides
    # (tables; never in the entry: `Cache.keep`)
    summaries: list[list[Any]] | None = None

    def unpack(self) -> Extracted:
        """The records, named ``path``."""
        found = _records(self.records, self.path)
        _put_rows(found, pickle.loads(zlib.decompress(self.rows)), self.path)
        return _with_summaries(_with_xml(found, self.xml), self.summaries)

    def spill(self, store: SpillStore) -> Extracted:
        """The records, named ``path``, their long rows written to ``store`` as they are
        (not unpickled: a spilled run's parent handles them as a cache hit's, `Cache.load`)."""
        found = _records(self.records, self.path)
        _spilled(found, self.rows, self.path, store)
        return _with_summaries(_with_xml(found, self.xml), self.summaries)


def _with_xml(found: Extracted, xml: list[Any] | None) -> Extracted:
    """``found`` with each submission's rendered rows (when there are as many)."""
    if xml is not None and len(xml) == len(found.submissions):
        for s, x in zip(found.submissions, xml, strict=True):
            s.xml = x
    return found


def _with_summaries(found: Extracted, made: list[list[Any]] | None) -> Extracted:
    """``found`` with each submission's 汇总 rows made to render it (`Packed.summaries`),
    as a list `spill.spill_rows` spills beside their XML (when there are as many)."""
    if made is not None and len(made) == len(found.submissions):
        for s, rows in zip(found.submissions, made, strict=True):
            if rows:
                s.summary_rows = rows
    return found


def unpacked(found: Extracted | Packed, store: SpillStore | None = None) -> Extracted:
    """The records of a worker's result, whichever form it came in (with ``store``, a
    spilled run's: the long rows of a `Packed` go to it without being unpickled)."""
    if not isinstance(found, Packed):
        return found
    return found.unpack() if store is None else found.spill(store)


def storable(extracted: Extracted) -> bool:
    """One workbook's own record, of a status whose reading does not depend on its name."""
    if len(extracted.files) != 1 or extracted.changes:
        return False
    f = extracted.files[0]
    return f.status in CACHED and f.via is None and bool(f.sha256) and f.path == PLACEHOLDER


class _Pickler(pickle.Pickler):
    """Every text holding `PLACEHOLDER` pickled as its pieces around it (a persistent id), so
    that loading puts the file's name in without walking the rows."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.pieces: dict[str, tuple[str, ...]] = {}  # one id object per text: memoised

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is str and PLACEHOLDER in obj:
            pid = self.pieces.get(obj)
            if pid is None:
                pid = self.pieces[obj] = tuple(obj.split(PLACEHOLDER))
            return pid
        return None


class _Unpickler(pickle.Unpickler):
    """Loads what `_Pickler` wrote with ``path`` where the placeholder was."""

    def __init__(self, data: bytes, path: str) -> None:
        super().__init__(io.BytesIO(data))
        self.path = path
        self.made: dict[tuple[str, ...], str] = {}  # one object per text, as it was pickled

    def persistent_load(self, pid: Any) -> Any:
        try:
            return self.made[pid]
        except (KeyError, TypeError):
            if type(pid) is not tuple or not all(type(p) is str for p in pid):
                raise pickle.UnpicklingError("not a perfxl cache entry") from None
            text = self.made[pid] = self.path.join(pid)
            return text


def packed(extracted: Extracted, path: str, rows: bool = True) -> Packed:
    """A worker's result (named ``path``, not stored) as a spilled run's parent takes it
    cheapest: the records pickled, the long rows pickled and compressed, to go to the spill
    as they are (`Packed.spill`), and the rows' rendered XML apart.

    ``rows`` False: a submission whose rows were all rendered under its own name is sent
    without them (only their counts and ``tally``): the summary splices the XML, and the
    rows are read from the file again only if something reads them (`rows_again`). Pickling
    and compressing them cost about 1.2 ms per 20-project workbook, for rows never read."""
    subs = extracted.submissions
    xml = [s.xml for s in subs] if any(s.xml is not None for s in subs) else None
    for s in subs:
        s.xml = None
    drop = frozenset() if rows or xml is None else _rendered_whole(subs, xml)
    records, raw = _dumps(extracted, plain=True, drop=drop)
    return Packed(records, _compress(raw), path, xml)


def _rendered_whole(subs: list[Any], xml: list[Any]) -> frozenset[int]:
    """The submissions (by index) whose every non-empty long list was rendered, under the
    submission's own name (as `spill.spill_rows` takes the XML)."""
    out = set()
    for i, (s, x) in enumerate(zip(subs, xml, strict=True)):
        if x is None or x.path != s.file.path:
            continue
        if (x.indicators is not None or not s.indicators) and (
            x.problems is not None or not s.problems
        ):
            out.add(i)
    return frozenset(out)


def _dumps(
    extracted: Extracted,
    plain: bool = False,
    drop: frozenset[int] = frozenset(),
    named_as: str | None = None,
) -> tuple[bytes, bytes]:
    """Two pickles: the records with the submissions' 指标明细 and 校验问题 rows left out
    (their problems counted: ``tally``, and with each list's length and whether it was
    dropped), and those rows by columns (`_columns`; None for a submission in ``drop``: not
    sent, `packed`). A spilled run unpickles only the first (`Cache.load`). ``plain``: no
    text of the records holds `PLACEHOLDER` (pickled without looking at each object:
    several times faster). ``named_as``: the submissions' long rows are given back with
    that name in place of `PLACEHOLDER` (made from their columns: `_named`)."""
    from perfxl.consolidate.combine import problem_counts

    subs = extracted.submissions
    rows = [(s.indicators, s.problems) for s in subs]
    counts = [(len(i), len(p), n in drop) for n, (i, p) in enumerate(rows)]
    short = [{k: getattr(s, k) for k in SHORT if getattr(s, k)} for s in subs]
    for s, lists in zip(subs, short, strict=True):
        if s.tally is None:  # else counted from these very problems (`combine.own_summary`)
            s.tally = problem_counts(s.problems)
        s.indicators, s.problems = [], []
        for k, v in lists.items():  # by columns too: far fewer objects for `_Pickler`
            setattr(s, k, _columns(v))
    packs: list[tuple[Columns, Columns] | None] = [
        None if n in drop else (_columns(i), _columns(p)) for n, (i, p) in enumerate(rows)
    ]
    try:
        return (_plain if plain else _pickled)((extracted, counts)), _plain(packs)
    finally:
        for s, (ind, prob), pack, lists in zip(subs, rows, packs, short, strict=True):
            s.indicators, s.problems = ind, prob
            s.tally = None
            for k, v in lists.items():
                setattr(s, k, v)
            if named_as is not None and pack is not None:
                s.indicators = _named(pack[0], ind, named_as)
                s.problems = _named(pack[1], prob, named_as)


# The other lists of rows of a submission, kept with its records (read by every run) by
# columns (`_columns`).
SHORT = ("projects", "monitor", "rectify", "scores", "short")
# A list of long rows as an entry keeps it: () when empty; ("c", class, count, columns,
# columns holding the placeholder) for rows of one named-tuple class (each column pickled
# alone: plain pickles of texts and numbers, several times faster to make and to load than
# named tuples pickled one by one, and the placeholder found by a byte search); else
# ("p", the rows pickled with `_Pickler`).
Columns = tuple[Any, ...]
_PLACEHOLDER_BYTES = PLACEHOLDER.encode("utf-8")


def _columns(rows: list[Any]) -> Columns:
    """``rows`` as an entry keeps them (see `Columns`)."""
    if not rows:
        return ()
    cls = type(rows[0])
    fields = getattr(cls, "_fields", None)
    if (
        not isinstance(fields, tuple)
        or not issubclass(cls, tuple)
        or any(type(r) is not cls for r in rows)
    ):
        return ("p", _pickled(rows))
    blobs = [_plain(c) for c in zip(*rows, strict=True)]
    marked = tuple(j for j, b in enumerate(blobs) if _PLACEHOLDER_BYTES in b)
    return ("c", cls, len(rows), blobs, marked)


def _named(pack: Columns, rows: list[Any], path: str) -> list[Any]:
    """``rows`` (packed as ``pack``, `_columns`) with ``path`` in place of `PLACEHOLDER`:
    only the columns holding it are made again (the file's name and the link addresses)."""
    if not pack:
        return rows
    if pack[0] != "c":
        return [_rename_row(r, path) for r in rows]
    cls, marked = pack[1], pack[4]
    if not marked:
        return rows
    cols = list(zip(*rows, strict=True))
    for j in marked:
        cols[j] = _texts_named(cols[j], path)
    return list(map(partial(tuple.__new__, cls), zip(*cols, strict=True)))


def _texts_named(col: tuple[Any, ...], path: str) -> tuple[Any, ...]:
    """A column's texts with ``path`` for `PLACEHOLDER` (its other values as they are)."""
    return tuple([v.replace(PLACEHOLDER, path) if type(v) is str else v for v in col])


def _rows(pack: Any, path: str) -> list[Any]:
    """The rows `_columns` packed, with ``path`` for `PLACEHOLDER`.

    Raises:
        pickle.UnpicklingError: not what `_columns` makes.
    """
    if pack == ():
        return []
    if type(pack) is not tuple or not pack:
        raise pickle.UnpicklingError("not a perfxl cache entry")
    if pack[0] == "p" and len(pack) == 2 and type(pack[1]) is bytes:
        rows = _loads(pack[1], path)
        if type(rows) is not list:
            raise pickle.UnpicklingError("not a perfxl cache entry")
        return rows
    if pack[0] != "c" or len(pack) != 5:
        raise pickle.UnpicklingError("not a perfxl cache entry")
    _, cls, n, blobs, marked = pack
    if (
        not (isinstance(cls, type) and issubclass(cls, tuple))
        or len(blobs) != len(getattr(cls, "_fields", ()))
        or not all(type(b) is bytes for b in blobs)
    ):
        raise pickle.UnpicklingError("not a perfxl cache entry")
    cols = [pickle.loads(b) for b in blobs]
    if any(type(c) is not tuple or len(c) != n for c in cols):
        raise pickle.UnpicklingError("not a perfxl cache entry")
    for j in marked:
        cols[j] = _texts_named(cols[j], path)
    return list(map(partial(tuple.__new__, cls), zip(*cols, strict=True)))


def _pickled(obj: Any) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf).dump(obj)
    return buf.getvalue()


def _plain(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _compress(data: bytes) -> bytes:
    """``data`` in the zlib format, at level 1: by python-isal where installed (about a third
    of zlib's time), else by zlib; zlib reads either."""
    from perfxl.consolidate.summary_xml import deflater

    return bytes(deflater().compress(data, 1))


def _loads(payload: bytes, path: str) -> Any:
    return _Unpickler(payload, path).load()


def _records(payload: bytes, path: str) -> Extracted:
    """The first pickle of `_dumps`: the records, their long rows left out (their counts
    checked against the submissions)."""
    found, counts = _loads(payload, path)
    if not isinstance(found, Extracted) or len(counts) != len(found.submissions):
        raise pickle.UnpicklingError("not a perfxl cache entry")
    for s, n in zip(found.submissions, counts, strict=True):
        s.counts = n  # type: ignore[attr-defined]  # read by `_decode`, then dropped
        for k in SHORT:
            v = getattr(s, k)
            if type(v) is tuple:  # packed by `_dumps`
                setattr(s, k, _rows(v, path))
    return found


def _put_rows(found: Extracted, rows: Any, path: str) -> None:
    """The second pickle of `_dumps` given back to the submissions it was taken from (rows
    a worker did not send, `packed`, are read from the file again: never in a cache entry,
    and only a spilled run's workers leave them out)."""
    if not isinstance(rows, list) or len(rows) != len(found.submissions):
        raise pickle.UnpicklingError("not a perfxl cache entry")
    for s, got in zip(found.submissions, rows, strict=True):
        if got is None:
            raise pickle.UnpicklingError("rows left out: only a spilled run takes them")
        if type(got) is not tuple or len(got) != 2:
            raise pickle.UnpicklingError("not a perfxl cache entry")
        s.indicators, s.problems = (_rows(g, path) for g in got)
        s.tally = None
        vars(s).pop("counts", None)


def rows_of(data: bytes, path: str, index: int, which: int) -> list[Any]:
    """One list of long rows (``which``: 0 指标明细, 1 校验问题) of the ``index``-th
    submission, from an entry's compressed rows (`Cache.load` with a store)."""
    return _rows(pickle.loads(zlib.decompress(data))[index][which], path)


def rows_again(store: SpillStore, path: str, digest: str, index: int, which: int) -> list[Any]:
    """One list of long rows (``which``: 0 指标明细, 1 校验问题) of the ``index``-th
    submission of ``path``, which a worker rendered and did not send (`packed`): the file
    read again (`read_again`).

    Raises:
        DataError: the file changed since it was read (its rows would not be the ones
            counted and rendered).
    """
    sub = read_again(store, path, digest, index)
    rows: list[Any] = (sub.indicators, sub.problems)[which]
    return rows


def read_again(store: SpillStore, path: str, digest: str, index: int) -> Any:
    """The ``index``-th submission of ``path`` (bytes of SHA-256 ``digest`` when the run read
    it), read again in this process (`SpillStore.reader`; the last file read is kept: a
    summary given as input lists many submissions): rows a worker rendered and did not send
    (`packed`), or 汇总 rows the run did not make (`combine.combine`), wanted after all.

    Raises:
        DataError: the file changed since it was read (its rows would not be the ones
            counted and rendered).
    """
    from perfxl.errors import DataError

    again = store.again.get(path)
    if again is None:
        if store.reader is None:
            raise RuntimeError("rows left out by a worker, and no way to read them again")
        again = store.reader(path)
        store.again.clear()
        store.again[path] = again
    subs = again.submissions
    same = bool(again.files) and again.files[0].sha256 == digest and index < len(subs)
    if not same:
        raise DataError(f"汇总过程中文件被改动，请重新汇总：{path}", path=path)
    return subs[index]


def _decode(blob: bytes, path: str, store: SpillStore | None = None) -> Extracted | None:
    """The entry's records named ``path`` (with their rendered rows, when stored), or None
    when the bytes are not a whole, intact entry. With ``store``, the long rows are left
    compressed, written to ``store`` and read back from there on use (`Cache.load`)."""
    head = len(MAGIC) + DIGEST
    if len(blob) <= head + 2 * _LENGTH.size or not blob.startswith(MAGIC):
        return None
    body = memoryview(blob)[head:]
    if hashlib.sha256(body).digest() != blob[len(MAGIC) : head]:
        return None
    parts: list[memoryview] = []
    at = 0
    for _ in range(2):
        if at + _LENGTH.size > len(body):
            return None
        (size,) = _LENGTH.unpack_from(body, at)
        at += _LENGTH.size
        parts.append(body[at : at + size])
        at += size
    try:  # checked bytes this cache wrote
        found = _records(zlib.decompress(parts[0]), path)
        if store is None:
            _put_rows(found, pickle.loads(zlib.decompress(parts[1])), path)
        rest = body[at:]
        xml = pickle.loads(rest) if len(rest) else None
    except Exception:  # any failure to unpickle (a class gone, bad bytes) is a miss
        return None
    if not (xml is None or isinstance(xml, list)):
        return None
    if store is not None:
        _spilled(found, bytes(parts[1]), path, store)
    return _with_xml(found, xml)


def _spilled(found: Extracted, rows: bytes, path: str, store: SpillStore) -> None:
    """The submissions' long rows left in ``rows`` (an entry's compressed rows), written to
    ``store`` once: each list a handle that reads them back on use (`spill.Decoded`)."""
    from perfxl.consolidate.spill import Decoded, Reread

    blob = None
    digest = found.files[0].sha256 if found.files else ""
    for i, s in enumerate(found.submissions):
        n_ind, n_prob, dropped = vars(s).pop("counts")
        if not (n_ind or n_prob):
            s.tally = None  # nothing to spill (as `spill.spill_rows` leaves it)
            continue
        if dropped:  # rendered and not sent: read again only if something reads them
            s.spilled = (
                Reread(store, n_ind, partial(rows_again, store, path, digest, i, 0)),
                Reread(store, n_prob, partial(rows_again, store, path, digest, i, 1)),
            )
            continue
        if blob is None:
            blob = store.put_bytes(rows)
        s.spilled = (
            Decoded(blob, n_ind, partial(rows_of, path=path, index=i, which=0)),
            Decoded(blob, n_prob, partial(rows_of, path=path, index=i, which=1)),
        )


def _sound(found: Extracted, path: str, digest: str) -> bool:
    """A workbook's own record, named ``path``, of the bytes with SHA-256 ``digest``."""
    if len(found.files) != 1 or found.changes:
        return False
    f = found.files[0]
    return f.status in CACHED and f.via is None and f.sha256 == digest and f.path == path


def _write(target: Path, blob: bytes) -> None:
    """``blob`` to ``target`` atomically: a temp file in the cache folder (two levels up:
    where `_sweep` looks), rename; the user's umask. No fsync: see the module's docstring."""
    from perfxl.write.patch.safeio import output_mode

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.chmod(tmp, output_mode(target))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()  # gone when renamed; left by a failed write


def _sweep(folder: Path) -> None:
    """Remove the temp files a killed worker left in ``folder`` (a worker writing an entry
    when the run was stopped); one younger than `STALE` may be another run's, under way."""
    try:
        temps = list(folder.glob(f"{TEMP_PREFIX}*.tmp"))
    except OSError:
        return
    now = time.time()
    for tmp in temps:
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > STALE:
                tmp.unlink()


def named(extracted: Extracted, path: str, long: bool = True) -> Extracted:
    """``extracted`` with `PLACEHOLDER` replaced by ``path`` in every text (the records'
    names, the rows' 来源文件 and link addresses); ``long`` False: the 指标明细 and 校验问题
    rows left as they are (named already: `_dumps`)."""
    lists = ("projects", "indicators", "problems") if long else ("projects",)
    for f in extracted.files:
        _rename_record(f, path)
    for sub in extracted.submissions:
        _rename_record(sub.file, path)
        for name in (*lists, "monitor", "rectify", "scores", "short"):
            rows = getattr(sub, name)
            if rows:
                setattr(sub, name, [_rename_row(r, path) for r in rows])
    return extracted


def _rename_record(f: FileRecord, path: str) -> None:
    for name in ("path", "note", "via", "changes"):
        v = getattr(f, name)
        if isinstance(v, str) and PLACEHOLDER in v:
            setattr(f, name, v.replace(PLACEHOLDER, path))


def _rename_row(row: Any, path: str) -> Any:
    if not any(type(v) is str and PLACEHOLDER in v for v in row):
        return row
    return row._make(v.replace(PLACEHOLDER, path) if type(v) is str else v for v in row)
