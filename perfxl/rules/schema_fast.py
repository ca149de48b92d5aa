"""A plain-Python stand-in for the JSON Schema that only ever says "valid" when it is.

jsonschema takes about 15 ms to find no error in a 20-project workbook; `FastCheck` takes
well under 1 ms. It accepts only data it can prove the schema accepts (with the county's code
patterns); anything else goes to jsonschema (`perfxl.rules.schema_rules`), so the findings are
exactly jsonschema's. It is written for one version of the schema: when the packaged schema
changes, `fast_check_for` returns None (jsonschema does all the work) until this module is
brought in line and `FAST_SCHEMA_FINGERPRINT` updated. ``tests/test_consolidate_speed.py``
mutates documents to prove it never passes what jsonschema refuses; the figures that justify
it are in docs/consolidation.md (``benchmarks/bench_schema_check.py``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

# The schema `FastCheck` was written for, without titles and descriptions (see `fingerprint`).
# When the packaged schema changes, the fast check switches itself off (jsonschema does all the
# work) until it is brought in line and this fingerprint updated.
FAST_SCHEMA_FINGERPRINT = "084f4ed2"


def fingerprint(schema: Any) -> str:
    """CRC-32 of the schema's structure (titles, descriptions and comments left out), in hex.

    A guard against an edit the fast check was not brought in line with, not against forgery:
    zlib's CRC tells any such edit apart, where sha256 would make every `perfxl validate` load
    OpenSSL (``hashlib``, about 5 ms) for nothing else."""
    import json
    import zlib

    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in _PROSE}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    text = json.dumps(strip(schema), sort_keys=True, ensure_ascii=False)
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


_PROSE = frozenset({"title", "description", "$comment"})
_ROOT_KEYS = ("schema_version", "unit", "year", "money_unit", "framework", "overall", "projects")
_AREA_KEYS = ("title", "description", "targets", "indicators")
_PROJECT_KEYS = (
    "code",
    "name",
    "budget",
    "fiscal_funds",
    "other_funds",
    "purpose",
    "plan",
    "goals",
    "indicators",
)
_INDICATOR_KEYS = ("level1", "level2", "level3", "description", "target", "basis")
_PROJECT_KEY_SET = frozenset(_PROJECT_KEYS)  # compared with a dict's keys in C
_INDICATOR_KEY_SET = frozenset(_INDICATOR_KEYS)
_PAIRS_KNOWN = 4096  # (level1, level2) answers remembered per framework, then forgotten
_PAIR_LEN = 100  # longer (level1, level2) texts are not remembered: the memory stays small


class FastCheck:
    """A conservative stand-in for the schema: ``valid(data)`` is True only for data the
    schema accepts (with the configured code patterns); False means "ask jsonschema".

    It checks the same constraints in plain Python, and is stricter where that is simpler
    (a float year, a NaN amount, a bool anywhere a number is allowed go to jsonschema).
    """

    def __init__(self, schema: dict[str, Any], project_code: str, unit_code: str) -> None:
        import re

        self.project_code = re.compile(project_code)
        self.unit_code = re.compile(unit_code)
        self.pairs = {
            fw: [
                (
                    re.compile(branch["properties"]["level1"]["pattern"]),
                    re.compile(branch["properties"]["level2"]["pattern"]),
                )
                for branch in schema["$defs"][f"pairs_{fw}"]["anyOf"]
                if "pattern" in branch["properties"].get("level1", {})
            ]
            for fw in ("2015", "2021")
        }
        year = schema["properties"]["year"]
        self.years = (year["minimum"], year["maximum"])
        self._pairs_known: dict[int, dict[tuple[str, str], bool]] = {}

    def valid(self, d: Any) -> bool:
        """True when the schema would find no error in ``d``."""
        try:
            return self._valid(d)
        except (KeyError, TypeError, ValueError, AttributeError):
            return False

    def vouches_for(self, project: Any, pairs: list[tuple[Any, Any]]) -> bool:
        """True when the schema would find no error in this project, its indicator pairs
        checked against ``pairs`` (one of ``self.pairs``)."""
        try:
            return self._project(project, pairs)
        except (KeyError, TypeError, ValueError, AttributeError):
            return False

    def _valid(self, d: Any) -> bool:
        if type(d) is not dict or any(k not in d for k in _ROOT_KEYS):
            return False
        if "stage" in d or "month" in d:  # the later stages: not checked here
            return False
        unit, fw = d["unit"], d["framework"]
        year = d["year"]
        if not (
            d["schema_version"] == "1"
            and type(d["schema_version"]) is str
            and type(unit) is dict
            and _text1(unit["code"])
            and self.unit_code.search(unit["code"])
            and _text1(unit["name"])
            and type(year) is int
            and self.years[0] <= year <= self.years[1]
            and type(d["money_unit"]) is str
            and d["money_unit"] == "万元"
            and type(fw) is str
            and fw in self.pairs
            and self._overall(d["overall"])
            and type(d["projects"]) is list
        ):
            return False
        pairs = self.pairs[fw]
        return all(self._project(p, pairs) for p in d["projects"])

    @staticmethod
    def _overall(o: Any) -> bool:
        if type(o) is not dict or not _text0(o["summary"]):
            return False
        areas, measures = o["areas"], o["measures"]
        if type(areas) is not list or type(measures) is not list:
            return False
        for a in areas:
            if type(a) is not dict or not all(_text0(a[k]) for k in _AREA_KEYS):
                return False
        return all(type(m) is dict and _text0(m["title"]) and _text0(m["text"]) for m in measures)

    def _project(self, p: Any, pairs: list[tuple[Any, Any]]) -> bool:
        if type(p) is not dict or "monitoring" in p or "evaluation" in p:  # ask jsonschema
            return False
        plan, goals, inds = p["plan"], p["goals"], p["indicators"]
        if not (
            p.keys() >= _PROJECT_KEY_SET
            and _text1(p["code"])
            and self.project_code.search(p["code"])
            and _text1(p["name"])
            and _amount(p["budget"])
            and _opt_amount(p["fiscal_funds"])
            and _opt_amount(p["other_funds"])
            and _text0(p["purpose"])
            and type(plan) is dict
            and _opt_amount(plan["mar"])
            and _opt_amount(plan["jun"])
            and _opt_amount(plan["oct"])
            and _amount(plan["dec"])  # a targets document's rule; a later stage's allows null
            and type(goals) is list
            and all(type(g) is str for g in goals)
            and type(inds) is list
            and inds
        ):
            return False
        for ind in inds:
            if type(ind) is not dict or not ind.keys() >= _INDICATOR_KEY_SET:
                return False
            l1, l2, target = ind["level1"], ind["level2"], ind["target"]
            if not (
                _text1(l1)
                and _text1(l2)
                and _text1(ind["level3"])
                and _text0(ind["description"])
                and _text0(ind["basis"])
                and (type(target) is str or _finite(target))
                and self._pair(pairs, l1, l2)
            ):
                return False
        return True

    def _pair(self, pairs: list[tuple[Any, Any]], l1: str, l2: str) -> bool:
        """Whether (一级, 二级) matches one of the framework's pairs (each asked once: a
        workbook repeats a handful of pairs over all its indicators)."""
        if len(l1) + len(l2) > _PAIR_LEN:  # not a level name: asked, not remembered
            return any(p1.search(l1) and p2.search(l2) for p1, p2 in pairs)
        known = self._pairs_known.setdefault(id(pairs), {})
        ok = known.get((l1, l2))
        if ok is None:
            if len(known) >= _PAIRS_KNOWN:
                known.clear()
            ok = known[(l1, l2)] = any(p1.search(l1) and p2.search(l2) for p1, p2 in pairs)
        return ok


def _text0(v: Any) -> bool:
    return v is None or type(v) is str


def _text1(v: Any) -> bool:
    return type(v) is str and len(v) > 0


def _finite(v: Any) -> bool:
    import math

    return (type(v) is int) or (type(v) is float and math.isfinite(v))


def _amount(v: Any) -> bool:
    if type(v) is int:
        return 0 <= v <= _MAX_AMOUNT
    if type(v) is not float or not 0 <= v <= _MAX_AMOUNT:  # NaN and inf fail too
        return False
    return _cents(v)


_MAX_AMOUNT = 9999999999999.99  # the schema's ``maximum`` of an amount (`perfxl.numbers`)


@lru_cache(maxsize=4096)  # amounts repeat (a project's budget is its 12月 plan, ...)
def _cents(v: float) -> bool:
    """At most two decimals, as the schema's ``x-decimals`` counts them."""
    exponent = Decimal(repr(v)).as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -2


def _opt_amount(v: Any) -> bool:
    return v is None or _amount(v)


@cache
def fast_check_for(project_code: str, unit_code: str) -> FastCheck | None:
    """The fast check for these code patterns; None when the schema is not the one it knows."""
    from perfxl.schema import load_schema

    schema = load_schema()
    if fingerprint(schema) != FAST_SCHEMA_FINGERPRINT:
        return None
    return FastCheck(schema, project_code, unit_code)
