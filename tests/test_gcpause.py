"""Reading a workbook holds off the cyclic garbage collector (perfxl.gcpause): it is back on
afterwards, and what reading builds holds no reference cycle (so the pause loses nothing)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfxl.consolidate.extract import extract_file
from perfxl.gcpause import paused_gc, without_gc
from perfxl.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]
BOOKS = [
    ROOT / "examples" / "suying-2023.xlsx",
    ROOT / "examples" / "suying-2023-monitoring.xlsx",
    ROOT / "examples" / "suying-2023-evaluation.xlsx",
]


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_after(collector_on: None) -> None:
    seen: list[bool] = []

    @without_gc
    def work(x: int) -> int:
        seen.append(gc.isenabled())
        return x + 1

    assert work(1) == 2 and seen == [False] and gc.isenabled()
    with pytest.raises(ZeroDivisionError), paused_gc():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled()  # back on after an exception too


def test_a_collector_switched_off_stays_off(collector_on: None) -> None:
    gc.disable()
    with paused_gc():
        with paused_gc():  # nested: the inner one leaves it to the outer
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()


@pytest.mark.parametrize("book", BOOKS, ids=lambda p: p.name)
def test_reading_a_workbook_leaves_no_cycle(book: Path, collector_on: None) -> None:
    extract_file(str(book))  # imports and caches warm
    validate_file(book)
    gc.collect()
    gc.disable()
    try:
        found = extract_file(str(book))
        report = validate_file(book)
        assert found.submissions and report.read is not None
        del found, report
        assert gc.collect() == 0  # nothing only the collector could have freed
    finally:
        gc.enable()
    assert gc.isenabled()
