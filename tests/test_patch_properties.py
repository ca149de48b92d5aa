"""Property tests: any set of writes reads back and leaves the rest of the sheet alone;
any set of annotations is idempotent and clears back to the original."""

from __future__ import annotations

from pathlib import Path

import patchfixtures as pf
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfxl.cells import a1, parse_a1
from perfxl.write.patch import Annotation, CellWrite, WorkbookPatch

P = pf.PROJECT
FORMULA_CELLS = {"B6", "A10", "B10", "C10", "D10", "B12", "C12"}

refs = st.builds(a1, st.integers(1, 60), st.integers(1, 12)).filter(
    lambda r: r not in FORMULA_CELLS
)
values = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
)
severities = st.sampled_from(["error", "warning", "info"])


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return pf.rich_workbook(tmp_path_factory.mktemp("rich")).read_bytes()


def _grid(data: bytes, folder: Path) -> list[list[object]]:
    path = folder / "g.xlsx"
    path.write_bytes(data)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(P).to_python(skip_empty_area=False)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(writes=st.dictionaries(refs, values, min_size=1, max_size=25))
def test_any_writes_read_back(rich: bytes, tmp_path: Path, writes: dict[str, object]) -> None:
    patch = WorkbookPatch(rich)
    patch.write_cells([CellWrite(P, ref, v) for ref, v in writes.items()])  # type: ignore[arg-type]
    data = patch.to_bytes()
    grid = _grid(data, tmp_path)
    for ref, v in writes.items():
        r, c = parse_a1(ref)
        got = grid[r - 1][c - 1]
        if isinstance(v, bool | str):
            assert got == v, ref
        else:
            assert got == float(v), ref  # type: ignore[arg-type]
    part = pf.sheet_part(rich, P)
    src = pf.parts(rich)[part]
    out = pf.parts(data)[part]
    assert pf.without_cells(src, set(writes)) == pf.without_cells(out, set(writes))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    anns=st.lists(
        st.tuples(
            st.sampled_from([P, "参数", "明细", "没有"]), refs, severities, st.text(max_size=30)
        ),
        max_size=15,
    )
)
def test_any_annotations_are_idempotent_and_clear_back(
    rich: bytes, anns: list[tuple[str, str, str, str]]
) -> None:
    annotations = [Annotation(s, r, sev, m) for s, r, sev, m in anns]  # type: ignore[arg-type]
    once = WorkbookPatch(rich)
    once.annotate(annotations)
    first = once.to_bytes()
    twice = WorkbookPatch(first)
    twice.annotate(annotations)
    assert twice.to_bytes() == first
    cleared = WorkbookPatch(first)
    cleared.clear_annotations()
    assert cleared.restore_skipped == []
    old, new = pf.parts(rich), pf.parts(cleared.to_bytes())
    assert sorted(old) == sorted(new)
    assert {n for n in old if old[n] != new[n]} <= {"xl/styles.xml"}
