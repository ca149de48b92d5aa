"""consolidate reports a file's problems as validate does under the same config: a rule the
config switches off is not reported, a severity it changes is the one listed (reading's own
problems included: 西郭城镇's amount typed as text, read.amount_text)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import EXAMPLES

from perfxl.consolidate import columns as K
from perfxl.consolidate.combine import Consolidation
from perfxl.services import gather, validate_files

BOOK = EXAMPLES / "county" / "910003-西郭城镇.xlsx"


def _problems(tables: Consolidation) -> set[tuple[str, str, str | None, str | None]]:
    return {(p.rule, p.severity, p.sheet, p.cell) for p in tables.problems if p.source_file}


def _run(tmp_path: Path, config: str) -> tuple[set[tuple], set[tuple]]:
    from perfxl.consolidate.run import Options

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy2(BOOK, inbox / BOOK.name)
    cfg = tmp_path / "county.toml"
    cfg.write_text(config, encoding="utf-8")
    tables, _ = gather([inbox], Options(jobs=1, config=cfg, cache=None))
    from perfxl.config import load_config

    batch = validate_files([inbox / BOOK.name], load_config(cfg))
    validated = {
        (p.rule, K.SEVERITY_ZH[p.severity], p.sheet, p.cell) for p in batch.reports[0].problems
    }
    return _problems(tables), validated


def test_a_reading_rule_switched_off_is_not_reported(tmp_path: Path) -> None:
    consolidated, validated = _run(tmp_path, '[rules]\ndisabled = ["read.amount_text"]\n')
    assert not any(rule == "read.amount_text" for rule, *_ in consolidated)
    assert {p for p in consolidated if p[0].startswith("read.")} == {
        p for p in validated if p[0].startswith("read.")
    }
    assert any(rule == "read.amount_unreadable" for rule, *_ in consolidated)


def test_a_reading_rule_keeps_the_configured_severity(tmp_path: Path) -> None:
    consolidated, validated = _run(tmp_path, '[rules.severity]\n"read.amount_text" = "warning"\n')
    listed = {sev for rule, sev, *_ in consolidated if rule == "read.amount_text"}
    assert listed == {K.SEVERITY_ZH["warning"]}
    assert {p for p in consolidated if p[0].startswith("read.")} == {
        p for p in validated if p[0].startswith("read.")
    }
