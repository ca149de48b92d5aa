"""zipraw.crc32_combine: the CRC-32 of two pieces joined, from theirs (python-isal's where
installed, else computed over zeros): both give zlib's CRC-32 of the joined bytes."""

from __future__ import annotations

import random
import zlib

import pytest

from perfxl.write.patch import zipraw


@pytest.mark.parametrize("isal", [True, False])
def test_crc32_combine_is_the_crc_of_the_joined_bytes(
    isal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if isal:
        pytest.importorskip("isal.isal_zlib")
    else:
        monkeypatch.setattr(zipraw, "_isal", lambda: None)
    rng = random.Random(17)
    for size_a, size_b in [(0, 0), (0, 5), (7, 0), (1, 1), (1000, 3), (65_536, 150_001)]:
        a, b = rng.randbytes(size_a), rng.randbytes(size_b)
        got = zipraw.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b))
        assert got == zlib.crc32(a + b)
        assert type(got) is int
