"""Tests never cache in the user's own folder, not even from fixtures that run before each
test's own cache folder is set (module scope)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from perfxl.consolidate.cache import ENV, default_dir


@pytest.fixture(scope="module")
def folder_seen_by_module_fixture() -> Path:
    """Where a consolidation run by a module-scoped fixture would cache."""
    return default_dir()


def test_module_fixtures_cache_outside_the_users_folder(
    folder_seen_by_module_fixture: Path,
) -> None:
    home = Path(os.path.expanduser("~")).resolve()
    assert not folder_seen_by_module_fixture.resolve().is_relative_to(home / ".cache")
    temp = Path(tempfile.gettempdir()).resolve()
    assert folder_seen_by_module_fixture.resolve().is_relative_to(temp)
    assert Path(os.environ[ENV]).resolve().is_relative_to(temp)  # each test's own, as before
