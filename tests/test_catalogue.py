"""The rule catalogue is one static declaration, and the modules that emit problems agree
with it: every declared id is emitted by exactly one module, every id a module emits is
declared."""

from __future__ import annotations

import ast
import importlib
import string
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from perfxl.rules.catalogue import CATALOGUE, RULE_IDS, RuleId, make
from perfxl.rules.families import FAMILIES

PACKAGE = Path(__file__).resolve().parent.parent / "perfxl"
# Every module that declares the ids it emits (`EMITS`): the rule families validation runs,
# and the reader, the data loader, compute, the percentage and score writers, consolidation.
EMITTERS: tuple[str, ...] = (
    *FAMILIES,
    "perfxl.read",
    "perfxl.io",
    "perfxl.compute",
    "perfxl.write.percentages",
    "perfxl.write.scores",
    "perfxl.consolidate.rules",
    "perfxl.importer.projects",
    "perfxl.importer.overall",
    "perfxl.importer.document",
)


def _emits() -> dict[str, frozenset[str]]:
    return {name: importlib.import_module(name).EMITS for name in EMITTERS}


def test_the_catalogue_declares_each_id_once_with_its_entry() -> None:
    ids = get_args(RuleId)
    assert len(ids) == len(set(ids)) == len(CATALOGUE)
    assert set(CATALOGUE) == set(ids) == RULE_IDS
    for rid, rule in CATALOGUE.items():
        assert rule.id == rid
        assert rule.severity in ("error", "warning", "info")
        assert rule.title and rule.template


def test_every_declared_id_is_emitted_by_exactly_one_module() -> None:
    owners: dict[str, list[str]] = {}
    for name, ids in _emits().items():
        assert ids, name
        for rid in ids:
            owners.setdefault(rid, []).append(name)
    assert {rid: names for rid, names in owners.items() if len(names) > 1} == {}
    assert set(owners) == set(CATALOGUE)


def _emitted_literals(tree: ast.AST) -> set[str]:
    """Rule ids written as the first argument of ``make(...)`` or ``Finding(...)``, or in a
    conditional expression given to it."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in ("make", "Finding"):
            continue
        for sub in ast.walk(node.args[0]):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                out.add(sub.value)
    return out


def test_every_id_a_module_emits_is_declared_by_an_emitting_module() -> None:
    emits = _emits()
    declared = frozenset().union(*emits.values())
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        used = _emitted_literals(ast.parse(path.read_text(encoding="utf-8")))
        assert used <= declared, (module, used - declared)
        if module in emits:  # a module that declares what it emits declares all of it
            assert used <= emits[module], (module, used - emits[module])


def test_the_catalogue_is_complete_without_importing_any_rule_family() -> None:
    code = (
        "import sys, perfxl.validate\n"
        "from perfxl.rules.catalogue import CATALOGUE, make\n"
        "assert not any(m in sys.modules for m in "
        "('perfxl.rules.amounts', 'perfxl.compute', 'perfxl.consolidate.rules'))\n"
        "print(len(CATALOGUE), make('file.unreadable', file='a.xlsx', detail='x', advice='').rule)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [str(len(RULE_IDS)), "file.unreadable"]


def test_make_refuses_an_undeclared_id() -> None:
    with pytest.raises(KeyError):
        make("no.such_rule")  # type: ignore[arg-type]


class _Money(string.Formatter):
    """The catalogue's formatting as it was first written: `string.Formatter` with ``万元``."""

    def format_field(self, value: object, format_spec: str) -> str:
        from perfxl.numbers import money

        return money(value) if format_spec == "万元" else super().format_field(value, format_spec)


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE))
def test_each_message_is_what_string_formatter_writes(rule_id: RuleId) -> None:
    """`make` formats a template compiled once; every rule's message (amounts, empty fields,
    braces kept) equals the plain `string.Formatter` rendering of the template."""
    from decimal import Decimal

    rule = CATALOGUE[rule_id]
    names = [n for _, n, _, _ in string.Formatter().parse(rule.template) if n]
    amounts = (Decimal("8.391"), 12, 0.5, Decimal("-3"), None)
    fields: dict[str, object] = {}
    for i, name in enumerate(names):
        fields[name] = amounts[i % len(amounts)] if i % 2 else f"文字{i}"
    fields["sheet"], fields["cell"] = "封面", "B3"
    want = _Money().vformat(
        rule.template, (), {k: "" if v is None else v for k, v in fields.items()}
    )
    p = make(rule_id, **fields)
    assert p.message == want
    assert (p.sheet, p.cell, p.rule) == ("封面", "B3", rule_id)
    assert p.severity == rule.severity


def test_ids_of_names_a_family_by_its_prefix_or_an_id_and_refuses_a_typo() -> None:
    from perfxl.rules.catalogue import ids_of

    schema = ids_of("schema.", "indicator.pair")
    assert "indicator.pair" in schema and "schema.required" in schema
    assert "indicator.misplaced" not in schema  # a whole id is that id, not a prefix
    assert all(r.startswith("schema.") for r in schema - {"indicator.pair"})
    for typo in ("evalution.", "schema", "schema.nope", "indicator"):
        with pytest.raises(KeyError):
            ids_of(typo)
