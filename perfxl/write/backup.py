"""Backups of workbooks written in place: ``BOOK.bak.xlsx`` beside ``BOOK.xlsx``."""

from __future__ import annotations

import shutil
from pathlib import Path

from perfxl.write.patch.safeio import backup_path

__all__ = ["backup_copy", "backup_path"]


def backup_copy(path: Path) -> Path:
    """Copy ``path`` to its backup (metadata kept) and return the backup's path."""
    dst = backup_path(path)
    shutil.copy2(path, dst)
    return dst
