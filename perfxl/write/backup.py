"""Backups of workbooks written in place: ``BOOK.bak.xlsx`` beside ``BOOK.xlsx``."""

from __future__ import annotations

import shutil
from pathlib import Path


def backup_path(path: Path) -> Path:
    """``dir/BOOK.xlsx`` -> ``dir/BOOK.bak.xlsx`` (overwritten by each in-place write)."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def backup_copy(path: Path) -> Path:
    """Copy ``path`` to its backup (metadata kept) and return the backup's path."""
    dst = backup_path(path)
    shutil.copy2(path, dst)
    return dst
