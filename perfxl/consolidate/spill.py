"""Rows spilled to disk: a consolidation of many workbooks holds only what combining needs.

Each submission's 指标明细 and 校验问题 rows (most of a consolidation's memory: about 0.35 MB
per 20-project workbook) go, as soon as the parent receives them, into one temporary file
as a compressed pickle per list; the submission keeps a `Spilled` handle (offset, size,
count). Combining needs only their counts (`Chain` sums them); the summary writer and the
tables read them back one submission at a time, in the same order as the lists they
replace, so the summary is the same. The temporary folder sits beside the output (a
hidden ``.perfxl-spill-*`` folder, removed when the run ends, fails or is stopped).
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from perfxl.consolidate.records import Extracted
    from perfxl.consolidate.summary_xml import Deflated

T = TypeVar("T")

PREFIX = ".perfxl-spill-"


class SpillStore:
    """An append-only temporary file of pickled row lists, in a hidden folder of its own.

    Args:
        beside: the folder to create it in (the output's: same disk, and the user can see
            where space went); None for the system's temp folder.
    """

    def __init__(self, beside: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=beside))
        self._fh: Any = open(self.folder / "rows.bin", "w+b")  # noqa: SIM115 - closed in close()
        self._end = 0
        self._at = 0  # the file's position: appends need no seek (a seek flushes the buffer)
        self._dirty = False
        # How this run reads a file (`extract.extract_file` with its config and layout): the
        # rows a worker rendered and did not send are read again with it, should anything
        # read them (`Reread`); the last file read again, by name.
        self.reader: Callable[[str], Extracted] | None = None
        self.again: dict[str, Extracted] = {}

    def put(self, rows: list[T]) -> Spilled[T]:
        """``rows`` written at the end of the file; the handle that reads them back."""
        from perfxl.consolidate.summary_xml import deflater

        data = deflater().compress(pickle.dumps(_packed(rows), protocol=pickle.HIGHEST_PROTOCOL), 1)
        blob = self.put_bytes(bytes(data))
        return Spilled(self, blob.offset, blob.size, len(rows))

    def get(self, offset: int, size: int) -> list[Any]:
        """The rows written at ``offset`` (our own bytes, from this very run)."""
        return _unpacked(pickle.loads(zlib.decompress(self.get_bytes(offset, size))))

    def put_bytes(self, data: bytes) -> Blob:
        """``data`` written at the end of the file; the handle that reads it back."""
        fh = self._fh
        if self._at != self._end:  # a read moved it
            fh.seek(self._end)
        fh.write(data)
        offset, self._end = self._end, self._end + len(data)
        self._at = self._end
        self._dirty = True
        return Blob(self, offset, len(data))

    def get_bytes(self, offset: int, size: int) -> bytes:
        """The bytes written at ``offset``."""
        fh = self._fh
        if fh is None:
            raise RuntimeError("spilled data read after the run ended")
        if self._dirty:
            fh.flush()
            self._dirty = False
        fh.seek(offset)
        data: bytes = fh.read(size)
        self._at = offset + len(data)
        return data

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._end

    def close(self) -> None:
        """The file closed and the folder removed (idempotent)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> SpillStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _packed(rows: list[Any]) -> tuple[Any, ...]:
    """Rows as `SpillStore.put` pickles them: rows of one named-tuple class by columns (the
    class once, then plain tuples: several times faster both ways than named tuples pickled
    one by one), other rows as they are."""
    cls = type(rows[0]) if rows else None
    if cls is not None and getattr(cls, "_fields", None) and set(map(type, rows)) == {cls}:
        return (cls, list(zip(*rows, strict=True)))
    return (None, rows)


def _unpacked(packed: tuple[Any, ...]) -> list[Any]:
    """The rows `_packed` packed."""
    cls, data = packed
    if cls is None:
        rows: list[Any] = data
        return rows
    return list(map(partial(tuple.__new__, cls), zip(*data, strict=True)))


class Blob:
    """Bytes written to a `SpillStore` (a cache entry's compressed rows, `Decoded`; rendered
    XML, `SpilledXml`): read back on use."""

    __slots__ = ("offset", "size", "store")

    def __init__(self, store: SpillStore, offset: int, size: int) -> None:
        self.store = store
        self.offset = offset
        self.size = size

    def load(self) -> bytes:
        """The bytes, read back."""
        return self.store.get_bytes(self.offset, self.size)


class Spilled(Sequence[T]):
    """A list of rows written to a `SpillStore`: its length known, its rows read on use."""

    __slots__ = ("n", "offset", "size", "store", "xml")

    def __init__(self, store: SpillStore, offset: int, size: int, count: int) -> None:
        self.store = store
        self.offset = offset
        self.size = size
        self.n = count
        self.xml: SpilledXml | None = None  # the rows rendered by a worker, when they were

    def load(self) -> list[T]:
        """The rows, read back."""
        return self.store.get(self.offset, self.size) if self.n else []

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[T]:
        return iter(self.load())

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        return self.load()[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spilled | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Decoded(Spilled[T]):
    """A list of rows written to a `SpillStore` in another form (a cache entry's compressed
    rows, `perfxl.consolidate.cache.rows_of`): ``decode`` makes the rows of the bytes."""

    __slots__ = ("decode",)

    def __init__(self, blob: Blob, count: int, decode: Callable[[bytes], list[T]]) -> None:
        super().__init__(blob.store, blob.offset, blob.size, count)
        self.decode = decode

    def load(self) -> list[T]:
        """The rows, read back and decoded."""
        return self.decode(self.store.get_bytes(self.offset, self.size)) if self.n else []


class Reread(Spilled[T]):
    """Rows a worker rendered and did not send (`perfxl.consolidate.cache.packed`): the
    summary splices their XML; anything reading the rows themselves gets them from
    ``source``, which reads the file again (`perfxl.consolidate.cache.rows_again`)."""

    __slots__ = ("source",)

    def __init__(self, store: SpillStore, count: int, source: Callable[[], list[T]]) -> None:
        super().__init__(store, 0, 0, count)
        self.source = source

    def load(self) -> list[T]:
        """The rows, read from the file again."""
        return self.source() if self.n else []


class SpilledXml:
    """Rows rendered and compressed by a worker (`perfxl.consolidate.writer.RowsXml`),
    written to a `SpillStore`: the key they were rendered with, read back on use."""

    __slots__ = ("blob", "crc", "key", "size")

    def __init__(self, key: tuple[Any, ...], blob: Blob, crc: int, size: int) -> None:
        self.key = key
        self.blob = blob
        self.crc = crc
        self.size = size

    def load(self) -> Deflated:
        """The compressed XML, read back."""
        from perfxl.consolidate.summary_xml import Deflated

        return Deflated(self.blob.load(), self.crc, self.size)


class Chain(Sequence[T]):
    """Rows made of parts (lists or `Spilled`), iterated in order, read one part at a time:
    a long table of a consolidation whose rows were spilled."""

    def __init__(self, parts: Iterable[Sequence[T]] = ()) -> None:
        self.parts: list[Sequence[T]] = [p for p in parts if len(p)]
        self._len = sum(map(len, self.parts))

    def extend(self, rows: Sequence[T]) -> None:
        """``rows`` added at the end (a list or a `Spilled`)."""
        if len(rows):
            self.parts.append(rows)
            self._len += len(rows)

    def append(self, row: T) -> None:
        """One row added at the end."""
        self.extend([row])

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[T]:
        return chain.from_iterable(self.parts)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(i)
        for part in self.parts:
            if i < len(part):
                return part[i]
            i -= len(part)
        raise IndexError(i)  # pragma: no cover - the length was checked

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Chain | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def spill_rows(extracted: Extracted, store: SpillStore) -> Extracted:
    """Each submission's 指标明细 and 校验问题 rows moved to ``store`` (its ``spilled``
    handles and ``tally`` set, its lists emptied), with the XML a worker rendered of them
    when it was rendered under the submission's file name (`Spilled.xml`; its 汇总 rows'
    XML: ``summary_xml``, used when `combine` finds it stands, and the very 汇总 rows a
    worker made to render it when the run reads them besides: ``summary_rows``, spilled);
    ``extracted`` returned."""
    from perfxl.consolidate.combine import problem_counts

    for s in extracted.submissions:
        xml, s.xml = s.xml, None
        mine = xml is not None and xml.path == s.file.path  # else shown under another name
        made = s.summary_rows if isinstance(s.summary_rows, list) else None
        if made is not None:  # a worker's (`cache.Cache.keep`): spilled with their XML only
            s.summary_rows = None
        if mine and xml.summary is not None:
            key, d = xml.summary
            s.summary_xml = SpilledXml(key, store.put_bytes(d.data), d.crc, d.size)
            if made:
                s.summary_rows = store.put(made)
        if s.spilled is None:  # else spilled as it was loaded from the cache
            if not (s.indicators or s.problems):
                continue
            s.tally = problem_counts(s.problems)
            s.spilled = (store.put(s.indicators), store.put(s.problems))
            s.indicators, s.problems = [], []
        if mine:
            handles: tuple[Spilled[Any], ...] = s.spilled
            for handle, done in zip(handles, (xml.indicators, xml.problems), strict=True):
                if done is not None and len(handle):
                    key, d = done
                    handle.xml = SpilledXml(key, store.put_bytes(d.data), d.crc, d.size)
    return extracted
