"""Per-field constraints: the packaged JSON Schema (Draft 2020-12) run over the model's data.

Each schema error becomes a finding at the error's JSON pointer; validation maps the pointer
to the sheet and cell through the reader's locations (the one layout declaration).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from perfxl import constants as C
from perfxl.framework import FRAMEWORKS, canonical
from perfxl.model import json_kind
from perfxl.numbers import MAX_AMOUNT
from perfxl.rules.base import Context, Finding
from perfxl.rules.catalogue import RuleId, ids_of
from perfxl.rules.schema_fast import FastCheck, fast_check_for

if TYPE_CHECKING:
    from perfxl.config import Config

EMITS: frozenset[RuleId] = ids_of("schema.", "indicator.pair")

LABELS: dict[str, str] = {
    "schema_version": C.L_SCHEMA_VERSION,
    "year": C.L_YEAR,
    "money_unit": C.L_MONEY_UNIT,
    "framework": C.L_FRAMEWORK,
    "unit/code": C.L_UNIT_CODE,
    "unit/name": C.L_UNIT_NAME,
    "code": C.L_CODE,
    "name": C.L_NAME,
    "budget": C.L_BUDGET,
    "fiscal_funds": "财政资金",
    "other_funds": C.L_OTHER,
    "purpose": "资金用途",
    "plan/mar": C.L_CHECKPOINTS[0],
    "plan/jun": C.L_CHECKPOINTS[1],
    "plan/oct": C.L_CHECKPOINTS[2],
    "plan/dec": C.L_CHECKPOINTS[3],
    "goals": C.L_GOALS,
    "indicators": "绩效指标（至少一行）",
    "level1": C.L_LEVEL1,
    "level2": C.L_LEVEL2,
    "level3": C.L_LEVEL3,
    "description": C.L_DESCRIPTION,
    "target": C.L_TARGET,
    "basis": C.L_BASIS,
}
# Fields of part one and whole parts, named by parent and key (``areas/title``): the same key
# means another field elsewhere (``indicators`` of an area is text, of a project a table).
PART_LABELS: dict[str, str] = {
    "overall/summary": "总体绩效目标",
    "areas/title": C.AREA_HEADERS[1],
    "areas/description": C.AREA_HEADERS[2],
    "areas/targets": C.AREA_HEADERS[3],
    "areas/indicators": C.AREA_HEADERS[4],
    "measures/title": C.MEASURE_HEADERS[1],
    "measures/text": C.MEASURE_HEADERS[2],
    "/unit": "预算单位",
    "/overall": "部门整体绩效目标",
    "overall/areas": "分项绩效目标",
    "overall/measures": "工作保障措施",
    "/projects": "项目绩效目标表",
    "plan": "资金支出计划",
}
_TYPE_ZH = {
    "number": "数字",
    "integer": "整数",
    "string": "文本",
    "object": "对象",
    "array": "列表",
    "null": "空",
}
CODE_SHAPES = {
    "code": "21 位：6 位区划码、2 位年度、字母 P、11 位数字、1 位数字或大写字母",
    "unit/code": "6 位数字",
}


def label_of(pointer: str) -> str:
    """The Chinese label of the field a pointer names (the pointer itself when unknown)."""
    parts = pointer.strip("/").split("/")
    if pointer in ("", "/"):
        return "数据"
    if len(parts) >= 3 and parts[-2].isdigit() and f"{parts[-3]}/{parts[-1]}" in PART_LABELS:
        return PART_LABELS[f"{parts[-3]}/{parts[-1]}"]
    for key in ("/".join(parts[-2:]), "/" + "/".join(parts), parts[-1]):
        if key in PART_LABELS and not key[-1].isdigit():
            return PART_LABELS[key]
    for n in (2, 1):
        key = "/".join(parts[-n:])
        if key in LABELS and not (n == 1 and parts[-1].isdigit()):
            return LABELS[key]
    if len(parts) >= 2 and parts[-2] == "goals":
        return C.L_GOALS
    if len(parts) >= 2 and parts[-1].isdigit() and parts[-2] in _ITEMS:
        return _ITEMS[parts[-2]].format(n=int(parts[-1]) + 1)
    return pointer


_ITEMS = {
    "projects": "第 {n} 个项目表",
    "indicators": "第 {n} 行绩效指标",
    "areas": "第 {n} 个分项绩效目标",
    "measures": "第 {n} 项工作保障措施",
}
# Keywords the schema may use beyond those with their own rule: what they mean, in Chinese.
_OTHER_ZH = {
    "additionalProperties": "含有数据规范之外的字段",
    "maxLength": "超过 {v} 个字符",
    "maxItems": "超过 {v} 项",
    "uniqueItems": "有重复的项",
    "multipleOf": "应为 {v} 的整数倍",
    "format": "格式应为 {v}",
    "not": "取值不允许",
    "anyOf": "不符合任何一种允许的写法",
    "oneOf": "不符合允许的写法",
    "dependentRequired": "缺少相关联的字段",
}
_RANGE_ZH = {
    "minimum": "应不小于 {v}",
    "maximum": "应不大于 {v}",
    "exclusiveMinimum": "应大于 {v}",
    "exclusiveMaximum": "应小于 {v}",
}


def _decimals(validator: Any, places: int, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    """``x-decimals``: at most ``places`` decimals, in decimal arithmetic (8.39 passes)."""
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, bool) or not isinstance(instance, int | float):
        return
    d = Decimal(repr(instance)) if isinstance(instance, float) else Decimal(instance)
    exponent = d.as_tuple().exponent
    if d.is_finite() and isinstance(exponent, int) and exponent < -places:
        yield ValidationError(f"{instance!r} has more than {places} decimals")


@cache
def validator_for(project_code: str, unit_code: str) -> Any:
    """The schema validator, with the county's code shapes (cached per shape)."""
    from jsonschema import Draft202012Validator, validators

    from perfxl.schema import load_schema

    schema = load_schema()
    schema["$defs"]["project"]["properties"]["code"]["pattern"] = project_code
    schema["properties"]["unit"]["properties"]["code"]["pattern"] = unit_code
    cls = validators.extend(Draft202012Validator, {"x-decimals": _decimals})
    return cls(schema)


def check(ctx: Context) -> Iterator[Finding]:
    """Every schema error over the data, as findings.

    Most workbooks have no schema error at all, and jsonschema takes tens of milliseconds to
    say so for a 20-project workbook. A plain-Python check that accepts only data it can prove
    valid (`perfxl.rules.schema_fast`) answers first; anything it cannot vouch for goes through jsonschema,
    so the findings are exactly jsonschema's.
    """
    data = dict(ctx.data)
    if data.get("framework") is None:
        data["framework"] = ctx.framework  # the county default, not an error of the workbook
    yield from findings(data, ctx.config, ctx.framework)


def findings(data: Any, config: Config, framework: str) -> Iterator[Finding]:
    """Every schema error over JSON data (a workbook's, or a data file before filling).

    Args:
        data: the data in the JSON contract's shape (anything: the schema says what is wrong).
        config: the county settings (code patterns).
        framework: the framework the indicator pairs are checked against.
    """
    fast = fast_check_for(config.project_code, config.unit_code)
    if fast is not None and fast.valid(data):
        return
    v = validator_for(config.project_code, config.unit_code)
    errors = _errors(v, fast, data) if fast is not None else ((e, "") for e in v.iter_errors(data))
    for err, base in errors:
        yield from error_findings(err, config, framework, base)


def _errors(v: Any, fast: FastCheck, data: Any) -> Iterator[tuple[Any, str]]:
    """jsonschema's errors over the data, in jsonschema's order, with the pointer each error's
    path is relative to; jsonschema runs only where the fast check cannot vouch.

    A workbook with one wrong cell fails the fast check as a whole, and jsonschema walking
    every project takes tens of milliseconds. The schema's root applies to the projects in
    two kinds of places only (each ``if``/``then``/``else`` under ``allOf``: the framework's
    indicator pairs, 12月底 by stage; and ``items`` under ``projects``, its last property), so
    the errors are the same as jsonschema's over the whole document, in the same order: the
    root's own keywords (``type``, ``required``) over the document without its projects, then
    each condition's errors project by project, then the other properties' errors, then each
    project's own errors; a project the fast check vouches for has none of them.
    """
    projects = data.get("projects") if type(data) is dict else None
    parts = _parts(v) if type(projects) is list else None
    if parts is None or projects is None:
        yield from ((e, "") for e in v.iter_errors(data))
        return
    shell = [(e, "") for e in v.iter_errors({**data, "projects": []})]
    yield from (item for item in shell if item[0].relative_schema_path[0] in _ROOT_FIRST)
    pairs = fast.pairs["2021" if parts.branches[0].condition.is_valid(data) else "2015"]
    doubtful = [i for i, p in enumerate(projects) if not fast.vouches_for(p, pairs)]
    for branch in parts.branches:
        items = branch.items(data)
        for i in doubtful if items is not None else ():
            yield from ((e, f"/projects/{i}") for e in items.iter_errors(projects[i]))
    yield from (item for item in shell if item[0].relative_schema_path[0] not in _ROOT_FIRST)
    for i in doubtful:
        yield from ((e, f"/projects/{i}") for e in parts.project.iter_errors(projects[i]))


# The root keywords jsonschema checks before ``allOf`` (the schema's key order).
_ROOT_FIRST = frozenset({"type", "required"})


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class _Branch:
    """One ``if``/``then``/``else`` of the root's ``allOf``, as it applies to each project.

    Attributes:
        condition: the ``if``, over the whole document.
        then_items: what ``then`` asks of each project (None: nothing).
        else_items: what ``else`` asks of each project (None: nothing).
    """

    condition: Any
    then_items: Any
    else_items: Any

    def items(self, data: Any) -> Any:
        """What the branch the document takes asks of each project (None: nothing)."""
        return self.then_items if self.condition.is_valid(data) else self.else_items


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class _Parts:
    """Validators for the parts of the schema that apply to one project (`_errors`).

    Attributes:
        branches: the root's conditions in ``allOf`` order; the first is the framework's
            (its ``then`` the 2021 pairs, its ``else`` the 2015 pairs).
        project: ``projects/items`` (the project schema, by reference).
    """

    branches: tuple[_Branch, ...]
    project: Any


_PARTS: dict[int, tuple[Any, _Parts | None]] = {}
# What an ``allOf`` condition of the root may hold besides its prose.
_CONDITION_KEYS = frozenset({"if", "then", "else"})
_PROSE_KEYS = frozenset({"title", "description", "$comment"})


def _parts(v: Any) -> _Parts | None:
    """The part validators of a validator (made once: it is cached per code shape); None
    when the root's ``allOf`` is not made of conditions on the projects alone (then jsonschema
    walks the whole document)."""
    known = _PARTS.get(id(v))
    if known is not None and known[0] is v:
        return known[1]
    branches = [_branch(v, cond) for cond in v.schema.get("allOf", ())]
    parts = (
        _Parts(
            branches=tuple(b for b in branches if b is not None),
            project=v.evolve(schema=v.schema["properties"]["projects"]["items"]),
        )
        if branches and None not in branches
        else None
    )
    _PARTS[id(v)] = (v, parts)
    return parts


def _branch(v: Any, cond: Any) -> _Branch | None:
    """A root condition as a `_Branch`; None when it is not one whose ``then`` and ``else``
    ask something of each project and nothing else."""
    if not isinstance(cond, dict) or "if" not in cond or set(cond) - _PROSE_KEYS - _CONDITION_KEYS:
        return None
    items: dict[str, Any] = {"then": None, "else": None}
    for key in items.keys() & cond.keys():
        sub = cond[key]
        props = (
            sub.get("properties") if isinstance(sub, dict) and set(sub) == {"properties"} else None
        )
        projects = props.get("projects") if isinstance(props, dict) and len(props) == 1 else None
        if not isinstance(projects, dict) or set(projects) != {"items"}:
            return None
        items[key] = v.evolve(schema=projects["items"])
    return _Branch(v.evolve(schema=cond["if"]), items["then"], items["else"])


def field_messages(pointer: str, value: Any) -> list[str]:
    """What validation would say about ``value`` in the field at ``pointer`` (empty: fine).

    The value is checked against that field's constraints in the packaged schema (``/unit/code``
    against its pattern, ``/year`` against its bounds) and worded by the same rules, so that a
    command option (``template --unit-code``) is refused exactly as a workbook cell would be.
    """
    from jsonschema import Draft202012Validator, validators

    from perfxl.config import default_config
    from perfxl.rules.catalogue import make
    from perfxl.schema import load_schema

    sub = load_schema()
    for part in pointer.strip("/").split("/"):
        sub = sub["properties"][part]
    cfg = default_config()
    cls = validators.extend(Draft202012Validator, {"x-decimals": _decimals})
    out = []
    for err in cls(sub).iter_errors(value):
        for f in error_findings(err, cfg, cfg.framework, base=pointer):
            out.append(make(f.rule, **({"value": f.value} | dict(f.fields))).message)
    return out


def error_findings(err: Any, config: Config, framework: str, base: str = "") -> Iterator[Finding]:
    """The findings one jsonschema error stands for (its sub-errors' under ``allOf``; none
    for ``if``), at its path below ``base`` (the pointer of the part validated)."""
    path = [str(p) for p in err.absolute_path]
    pointer = base + "".join(f"/{p}" for p in path) if base else "/" + "/".join(path)
    kw, inst = err.validator, err.instance
    if kw == "if":
        return
    if kw == "allOf":
        for sub in err.context or ():
            yield from error_findings(sub, config, framework, base)
        return
    if kw == "anyOf" and isinstance(err.schema, dict) and err.schema.get("x-rule"):
        yield _pair(pointer, inst, framework)
        return
    if kw == "required":
        for k in _required_missing(err):
            p = f"{pointer.rstrip('/')}/{k}"
            yield Finding("schema.required", p, None, {"label": label_of(p)})
        return
    label = label_of(pointer)
    small = inst if inst is None or isinstance(inst, str | int | float | bool) else None
    fields: dict[str, Any] = {"label": label}
    if (kw == "type" and inst is None) or kw == "minLength" or kw == "minItems":
        yield Finding("schema.required", pointer, small, fields)
    elif kw == "type":
        want = (
            err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        )
        expected = "或".join(_TYPE_ZH.get(str(t), str(t)) for t in want if t != "null")
        if small is None:  # a list or an object: no cell holds it (told by its kind)
            detail = f"应为{expected}，实际为{json_kind(inst)}，一个单元格只能填写一个值"
            yield Finding("schema.other", pointer, None, fields | {"detail": detail})
        else:
            yield Finding("schema.type", pointer, small, fields | {"expected": expected})
    elif kw == "minimum" and err.validator_value == 0:
        yield Finding("schema.negative", pointer, small, fields)
    elif kw == "x-decimals":
        yield Finding("schema.decimals", pointer, small, fields)
    elif kw == "pattern":
        key = "unit/code" if pointer == "/unit/code" else "code"
        shape = CODE_SHAPES[key] if _default_shape(config, key) else f"符合 {err.validator_value}"
        yield Finding("schema.code_shape", pointer, small, fields | {"shape": shape})
    elif kw in ("enum", "const"):
        allowed = err.validator_value if kw == "enum" else [err.validator_value]
        yield _choice(pointer, inst, [a for a in allowed if a is not None], fields)
    elif kw in _RANGE_ZH:
        detail = _RANGE_ZH[kw].format(v=err.validator_value)
        if kw == "maximum" and Decimal(repr(err.validator_value)) == MAX_AMOUNT:
            detail += (
                " 万元：Excel 只保存 15 位有效数字，更大的金额会丢失尾数，请核对是否以万元为单位"
            )
        yield Finding("schema.range", pointer, small, fields | {"detail": detail})
    else:
        zh = _OTHER_ZH.get(kw, "不符合数据规范").format(v=err.validator_value)
        detail = f"{zh}（{err.message}）"  # jsonschema's English kept for the specifics
        yield Finding("schema.other", pointer, small, fields | {"detail": detail})


def _choice(pointer: str, inst: Any, allowed: list[Any], fields: dict[str, Any]) -> Finding:
    """A value outside a list of choices (``enum``, ``const``).

    The choices are texts (指标体系 "2015"): a number or a list there is told as of the wrong
    kind, with the choices, since saying that 2015 is not one of 2015、2021 contradicts itself.
    """
    shown = "、".join(map(str, allowed))
    small = inst if inst is None or isinstance(inst, str | int | float | bool) else None
    if inst is None or isinstance(inst, str) or not all(isinstance(a, str) for a in allowed):
        return Finding("schema.enum", pointer, small, fields | {"allowed": shown})
    if isinstance(inst, list | dict):
        actual, fix = json_kind(inst), "一个单元格只能填写一个值"
    else:
        kind = "逻辑值" if isinstance(inst, bool) else json_kind(inst)
        actual = f"{kind} {json.dumps(inst)}"
        quoted = json.dumps(str(inst), ensure_ascii=False)
        fix = f"应写作带英文双引号的文本 {quoted}" if str(inst) in allowed else "请从中选择"
    detail = f"应为文本（可选：{shown}），实际为{actual}，{fix}"
    return Finding("schema.other", pointer, small, fields | {"detail": detail})


def _required_missing(err: Any) -> list[str]:
    """The field a ``required`` error is about.

    jsonschema gives one error per missing field, each naming it only in its message, while
    the keyword's value lists every required field: taking all those missing from each error
    said each one once per missing sibling (a data file without four top-level fields had
    预算年度 four times). A message in another form (another jsonschema) falls back to every
    missing field: said more than once, never left out.
    """
    inst = err.instance
    missing = [k for k in err.validator_value if not isinstance(inst, dict) or k not in inst]
    named = [k for k in missing if err.message == f"{k!r} is a required property"]
    return named or missing


def _default_shape(config: Config, key: str) -> bool:
    from perfxl.config import Config

    default = Config()
    if key == "code":
        return config.project_code == default.project_code
    return config.unit_code == default.unit_code


def _pair(pointer: str, ind: Any, framework: str) -> Finding:
    fw = framework if framework in FRAMEWORKS else "2015"
    l1 = ind.get("level1") if isinstance(ind, dict) else None
    l2 = ind.get("level2") if isinstance(ind, dict) else None
    tree = FRAMEWORKS[fw]
    key = canonical(l1) if isinstance(l1, str) else None
    if key in tree:
        hint = f"“{key}”下可选 " + "、".join(tree[key])
    else:
        hint = "一级指标可选 " + "、".join(tree)
    return Finding(
        "indicator.pair",
        f"{pointer}/level2",
        f"{l1}/{l2}",
        {"level1": l1 or "", "level2": l2 or "", "framework": fw, "hint": hint},
    )
