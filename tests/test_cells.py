"""The one A1 parser: addresses as people and formulas write them, and as worksheet XML does."""

from __future__ import annotations

import pytest

from perfxl.cells import a1, parse_a1, parse_range, shift


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("B7", (7, 2)),
        ("$B$7", (7, 2)),
        ("b7", (7, 2)),
        (" $b7 ", (7, 2)),
        ("XFD1048576", (1_048_576, 16_384)),
    ],
)
def test_parse_a1_reads_what_people_write(ref: str, expected: tuple[int, int]) -> None:
    assert parse_a1(ref) == expected


@pytest.mark.parametrize("bad", ["", "B", "7", "B7:C8", "A0", "XFE1", "A1048577", "ABCD1", "B 7"])
def test_parse_a1_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_a1(bad)


@pytest.mark.parametrize("lenient_only", ["$B$7", "b7", " B7"])
def test_strict_takes_only_what_worksheet_xml_writes(lenient_only: str) -> None:
    assert parse_a1(lenient_only) == (7, 2)
    with pytest.raises(ValueError):
        parse_a1(lenient_only, strict=True)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("B3:C4", (3, 2, 4, 3)), ("C4:B3", (3, 2, 4, 3)), ("$b$3", (3, 2, 3, 2))],
)
def test_parse_range(ref: str, expected: tuple[int, int, int, int]) -> None:
    assert parse_range(ref) == expected


def test_written_back_and_shifted() -> None:
    assert a1(*parse_a1("AA10")) == "AA10"
    assert shift("B7", rows=2, cols=-1) == "A9"
