"""The 校验问题 rows of a submission are `problem_row` of each problem (built inline)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from perfxl.consolidate.records import FileRecord
from perfxl.consolidate.rows import problem_row, submission
from perfxl.problems import Problem
from perfxl.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]


def test_problem_rows_are_problem_row_of_each_problem() -> None:
    report = validate_file(ROOT / "examples" / "suying-2023.xlsx")
    assert report.read is not None
    extra = [
        Problem("schema.type", "error", "m", "f", "1.项目", "C4", "/projects/1/budget", True),
        Problem("schema.type", "error", "m", "f", "It's", None, "/projects/0", dt.date(2023, 1, 2)),
        Problem("schema.type", "warning", "m", "f", None, None, "/projects/99/x", [1, 2]),
        Problem("schema.type", "info", "m", "f", "封面", "B2", None, 3.5, "P1"),
    ]
    problems = [*report.problems, *extra]
    record = FileRecord(path="县/乡.xlsx", status="采用")
    sub = submission(report.read, problems, record)
    t = report.read.targets
    codes = [p.code for p in t.projects]
    want = []
    for p in problems:
        index = (
            p.pointer.split("/")[2] if p.pointer and p.pointer.startswith("/projects/") else None
        )
        code = codes[int(index)] if index is not None and int(index) < len(codes) else None
        want.append(problem_row(p, record.unit_code, record.unit_name, code, record.path))
    assert sub.problems == want
    assert (
        sub.problems[-3].link == "县/乡.xlsx#'It''s'!A1" and sub.problems[-3].value == "2023-01-02"
    )
    assert sub.problems[-4].value == "True" and sub.problems[-4].project_code == codes[1]
    assert sub.problems[-2].link == "县/乡.xlsx" and sub.problems[-2].project_code is None
