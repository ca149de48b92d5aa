"""Uploaded files, kept under their sha256 and written atomically.

Layout under the data folder ``root``::

    root/blobs/ab/ab12…(64 hex)   one file per distinct content, never a name from the upload
    root/tmp/upload-XXXX.part     an upload being received (locked while its handle is open)

An upload streams into a ``.part`` file; :meth:`BlobStore.commit` fsyncs it, hashes it and
renames it into place (``os.replace``, then the folder is fsynced). A kill at any moment leaves
either a complete blob or a ``.part`` in ``tmp/``, which :meth:`BlobStore.clean_tmp` removes at
the next start; a blob is never half-written. Blobs get the mode of a new file of the user's
(``0o666 & ~umask``), not ``mkstemp``'s 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from perfxl.write.patch.safeio import current_umask, fsync_dir, remove_unless_locked

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

PART_PREFIX = "upload-"
PART_SUFFIX = ".part"
_CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _hash(fh: BinaryIO) -> tuple[str, int]:
    """sha256 hex and size of what is left to read in ``fh``."""
    digest = hashlib.sha256()
    size = 0
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class BlobStore:
    """Content-addressed files under ``root/blobs``; safe for threads and processes."""

    def __init__(self, root: Path) -> None:
        """Use (and create) ``root/blobs`` and ``root/tmp``."""
        self.root = root
        self.blobs = root / "blobs"
        self.tmp = root / "tmp"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def part_file(self) -> tuple[Path, BinaryIO]:
        """A new ``tmp/upload-<random>.part``, open for writing (the caller closes it).

        The file stays locked while the handle is open, so :meth:`clean_tmp` in another
        process leaves an upload under way alone.
        """
        fd, name = tempfile.mkstemp(prefix=PART_PREFIX, suffix=PART_SUFFIX, dir=self.tmp)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        return Path(name), os.fdopen(fd, "wb")

    def _own_part(self, part: Path) -> Path:
        """``part`` if it is one of this store's ``.part`` files, else ValueError."""
        if (
            part.parent.resolve() != self.tmp.resolve()
            or not part.name.startswith(PART_PREFIX)
            or not part.name.endswith(PART_SUFFIX)
        ):
            raise ValueError(f"not an upload part file of this store: {part}")
        return part

    def commit(self, part: Path) -> tuple[str, int]:
        """Move a finished (closed) ``.part`` into place under its sha256.

        The bytes are fsynced first; when the same content is already stored (and still
        hashes right) the part is simply removed and the stored blob kept; a stored blob that
        no longer matches its name is replaced by the new, good copy.

        Returns:
            (sha256 hex, size in bytes).

        Raises:
            ValueError: ``part`` is not one of this store's part files, or is still open for
                writing (its bytes may not all be there yet).
        """
        self._own_part(part)
        with open(part, "rb") as fh:
            if fcntl is not None:
                try:
                    # Shared: refused while the writer's handle is open; keeps clean_tmp off.
                    fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise ValueError(f"upload part still open for writing: {part}") from None
            sha, size = _hash(fh)
            os.fsync(fh.fileno())
            target = self._blob_path(sha)
            if self._holds(target, sha, size):
                part.unlink()
                return sha, size
            folder_new = not target.parent.is_dir()
            target.parent.mkdir(exist_ok=True)
            os.chmod(part, 0o666 & ~current_umask())
            os.replace(part, target)  # still locked: a rename keeps the open file
        fsync_dir(target.parent)
        if folder_new:
            fsync_dir(self.blobs)
        fsync_dir(self.tmp)
        return sha, size

    @staticmethod
    def _holds(target: Path, sha: str, size: int) -> bool:
        """Whether ``target`` is there with exactly the content ``sha`` of ``size`` bytes."""
        try:
            with open(target, "rb") as fh:
                return _hash(fh) == (sha, size)
        except FileNotFoundError:
            return False

    def discard(self, part: Path) -> None:
        """Remove a ``.part`` (a refused or aborted upload); gone already is fine."""
        with contextlib.suppress(FileNotFoundError):
            self._own_part(part).unlink()

    def _blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def path(self, sha256: str) -> Path:
        """The stored file of ``sha256``.

        Raises:
            KeyError: not stored, or not a sha256 (64 lowercase hex digits) at all.
        """
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise KeyError(sha256)
        target = self._blob_path(sha256)
        if not target.is_file():
            raise KeyError(sha256)
        return target

    def verify(self, sha256: str) -> bool:
        """Whether the stored file of ``sha256`` exists and still hashes to it."""
        try:
            target = self.path(sha256)
        except KeyError:
            return False
        with open(target, "rb") as fh:
            return _hash(fh)[0] == sha256

    def clean_tmp(self) -> int:
        """Remove ``.part`` files left by killed uploads; return how many were removed.

        Meant for start-up; a part whose upload is still under way (locked) is left alone.
        """
        parts = self.tmp.glob(f"{PART_PREFIX}*{PART_SUFFIX}")
        return sum(remove_unless_locked(part) for part in parts)
