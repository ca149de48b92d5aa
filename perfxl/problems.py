"""The problem record: one finding at one place, comparable in tests and printable as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, TypeVar

from mypy_extensions import mypyc_attr

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Problem:
    """One finding.

    Attributes:
        rule: stable rule id from the catalogue, e.g. ``plan.decreasing``.
        severity: ``error``, ``warning`` or ``info``.
        message: the Chinese message: where, what is wrong, how to fix it.
        file: the workbook (or data file) path as given.
        sheet: the sheet name, when the problem sits in a workbook.
        cell: the cell in A1 notation, when known.
        pointer: JSON pointer into the exported data, e.g. ``/projects/3/plan/jun``.
        value: the offending value as read (JSON-compatible).
        project_code: the project's code, when the problem belongs to a project.
    """

    rule: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    pointer: str | None = None
    value: Any = None
    project_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record; key order follows the published report format."""
        d = asdict(self)
        keys = ("file", "sheet", "cell", "project_code", "pointer", "rule", "severity", "value")
        out = {k: d[k] for k in keys}
        out["message"] = self.message
        return out

    def sort_key(self) -> tuple[Any, ...]:
        """Order by file, then the order of appearance is kept by the caller."""
        return (self.file or "", SEVERITY_ORDER[self.severity])


_new = object.__new__
_set = object.__setattr__
_Frozen = TypeVar("_Frozen")


def frozen_record(cls: type[_Frozen], fields: dict[str, Any]) -> _Frozen:
    """A frozen dataclass's record with its fields set at once, twice as fast as its
    ``__init__``, which sets each field through ``object.__setattr__``: for the records
    validation builds hundreds of per workbook (`new_problem`, `perfxl.rules.base.new_finding`).

    Args:
        cls: a frozen dataclass without ``__post_init__`` or slots.
        fields: every field of ``cls``, by name, in the class's order (the record is then the
            same in every way as the one ``__init__`` makes: fields, equality, hash, pickling).
    """
    record = _new(cls)
    _set(record, "__dict__", fields)
    return record


def new_problem(
    rule: str,
    severity: Severity,
    message: str,
    file: str | None,
    sheet: str | None,
    cell: str | None,
    pointer: str | None,
    value: Any,
    project_code: str | None,
) -> Problem:
    """``Problem(...)`` with every field given, made by `frozen_record`."""
    return frozen_record(
        Problem,
        {
            "rule": rule,
            "severity": severity,
            "message": message,
            "file": file,
            "sheet": sheet,
            "cell": cell,
            "pointer": pointer,
            "value": value,
            "project_code": project_code,
        },
    )
