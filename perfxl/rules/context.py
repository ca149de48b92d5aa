"""What every rule family gets (`Context`). A module of its own, Python in both builds: its
annotations name the config and the carried record, which the rules' compiled helpers
(`perfxl.rules.base`) would otherwise have to import when they load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from perfxl.model import Targets

if TYPE_CHECKING:
    from perfxl.carried import CarriedRecord
    from perfxl.config import Config


@dataclass(frozen=True)
class Context:
    """What every rule family gets.

    Attributes:
        targets: the model read from the workbook.
        data: its JSON form (``targets.to_dict()``), what pointers point into.
        config: the validation settings.
        framework: the framework the tables follow (the workbook's, else the config's).
        carried: what a monitoring workbook carried from the targets (its own record, or one
            made from the targets workbook given to ``validate --targets``); None when
            neither is known.
        project_sheets: the sheet each project was read from, in project order.
        as_text: pointer -> text typed, for the amounts the workbook holds as text that read
            as a number (`perfxl.compute.text_amounts`): a later stage's figures are computed
            from the cells as held (`perfxl.held`), as ``compute`` computes them.
        label_months: (sheet, cell, label, month) of the month each monitoring project
            sheet's labels show (`perfxl.read.ReadResult.label_months`).
    """

    targets: Targets
    data: dict[str, Any]
    config: Config
    framework: str
    carried: CarriedRecord | None = None
    project_sheets: tuple[str | None, ...] = ()
    as_text: Mapping[str, Any] = field(default_factory=dict)
    label_months: tuple[tuple[str, str, str, int], ...] = ()
