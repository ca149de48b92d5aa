"""A clone of the repository alone is enough: nothing the tests or tools need lies outside it.

The seed disclosure text (a published government document) ships in ``tests/data``; no test or
tool reaches for ``../shared`` beside the checkout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "suying-2023-performance-targets.txt"

# Ways a path can climb out of the checkout.
OUTSIDE = re.compile(
    r"""ROOT\.parent\b|parents\[[2-9]\]|["']\.\./|/work/shared|["']shared["']\s*/"""
)


def test_seed_text_ships_with_the_repository() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert "巨鹿县苏营镇人民政府本级" in text
    assert text.count("项目编码") == 19


@pytest.mark.parametrize("folder", ["tests", "tools", "benchmarks"])
def test_no_path_leaves_the_checkout(folder: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != Path(__file__).name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_seed_tests_pass_in_a_clone_with_no_shared_folder(tmp_path: Path) -> None:
    """Clone HEAD where no ``../shared`` exists and run the tests that compare with the seed."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to clone the repository")
    clone = tmp_path / "perfxl"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    assert not (clone.parent / "shared").exists()
    # Copy the working tree's versions of the seed tests, so uncommitted edits are what is run.
    for name in ("test_example_seed.py", "test_targets.py"):
        shutil.copy2(ROOT / "tests" / name, clone / "tests" / name)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_example_seed.py",
            "tests/test_targets.py",
            "-k",
            "seed",
        ],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\b\d+ passed\b", done.stdout)
    assert " failed" not in done.stdout
