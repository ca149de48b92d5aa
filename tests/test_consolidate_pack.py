"""The packed model a worker hands the parent (`changes.pack`) comes back as it was read."""

from __future__ import annotations

import pickle
import zlib
from pathlib import Path

import pytest

from perfxl.consolidate.changes import pack, unpack
from perfxl.read import read_workbook

ROOT = Path(__file__).resolve().parents[1]
BOOKS = [
    ROOT / "examples" / "county" / "910006-小吕寨镇-v2.xlsx",
    ROOT / "examples" / "suying-2023-monitoring.xlsx",
    ROOT / "examples" / "suying-2023-evaluation.xlsx",
]


@pytest.mark.parametrize("book", BOOKS, ids=lambda p: p.name)
def test_a_workbook_read_comes_back_whole(book: Path) -> None:
    res = read_workbook(book)
    assert len(res.locations) > 100
    targets, locations = unpack(pack(res.targets, res.locations))
    assert targets == res.targets
    assert list(locations.items()) == list(res.locations.items())  # the same order too


def test_the_cells_go_as_three_texts() -> None:
    res = read_workbook(BOOKS[0])
    _, cut = pickle.loads(zlib.decompress(pack(res.targets, res.locations)))
    assert isinstance(cut, tuple)
    assert [len(text.split("\x00")) for text in cut] == [len(res.locations)] * 3


@pytest.mark.parametrize(
    "odd",
    [
        {"/a": ("表\x00一", "B2"), "/b": ("表二", "C3")},  # a NUL would split wrongly
        {"/a": ("表一", None), "/b": ("表二", "C3")},  # not a text
        {},
    ],
    ids=["nul", "none", "empty"],
)
def test_cells_that_cannot_be_joined_go_as_they_are(odd: dict[str, tuple[str, str]]) -> None:
    res = read_workbook(BOOKS[0])
    targets, locations = unpack(pack(res.targets, odd))
    assert targets == res.targets
    assert list(locations.items()) == list(odd.items())


def test_without_python_isal_zlib_packs_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    res = read_workbook(BOOKS[0])
    fast = pack(res.targets, res.locations)
    monkeypatch.setitem(sys.modules, "isal", None)  # import isal: ImportError
    slow = pack(res.targets, res.locations)
    assert slow == zlib.compress(zlib.decompress(fast), 1)  # zlib's own stream of the same
    assert unpack(slow) == unpack(fast)
