"""Benchmark: the schema step of validation, with and without the plain-Python `FastCheck`.

The documents are the consolidation benchmark's: its base township workbook (20 projects,
written by perfxl), read back and copied N times with the unit code, unit name and project
codes changed as `bench_consolidate.make_unit` does. For each N the script times, over the same
N documents (best of 3 runs):

  * fast:       ``schema_rules.check`` as shipped (`FastCheck` vouches, jsonschema not run);
  * jsonschema: ``schema_rules.check`` with the fast check off: the cached
                ``Draft202012Validator`` (built once, ``validator_for``) runs ``iter_errors``;
  * is_valid:   the cached jsonschema validator's ``is_valid`` alone (its cheapest answer);
  * fastjsonschema: a compiled validator of the same schema, when the package is importable
                (it ignores ``x-decimals`` and knows Draft 7 at most, so it could only be
                another pre-check, not a replacement);
  * rules:      everything else validation runs (``validate.check`` minus the schema step),
                to put the schema step in proportion;
  * one bad project: the same documents with one project's budget at 3 decimals (the fast
                check fails): ``schema_rules.check`` as shipped (jsonschema on the root without
                its projects and on the doubtful project only) against jsonschema over the
                whole document, the findings asserted identical.

Usage:
    .venv/bin/python benchmarks/bench_schema_check.py [N ...]     # default: 100 300
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_consolidate  # noqa: E402 - the consolidation benchmark's documents

from perfxl.config import Config  # noqa: E402
from perfxl.framework import DEFAULT_FRAMEWORK  # noqa: E402
from perfxl.read import read_workbook  # noqa: E402
from perfxl.rules import schema_rules  # noqa: E402
from perfxl.rules.base import Context  # noqa: E402
from perfxl.validate import check  # noqa: E402


def documents(n: int) -> list[tuple[Any, dict[str, Any]]]:
    """N (read result, data) pairs: the base workbook as units 0..N-1."""
    res = read_workbook(bench_consolidate.base_workbook())
    base = res.targets.to_dict()
    out = []
    for i in range(n):
        d = copy.deepcopy(base)
        d["unit"]["code"], d["unit"]["name"] = f"{200000 + i}", f"测试县第{i:04d}乡人民政府"
        for p in d["projects"]:
            p["code"] = p["code"].replace(bench_consolidate.BASE_PREFIX, f"13052923P{i:05d}")
        out.append((res, d))
    return out


def best(fn: Callable[[], object], runs: int = 3) -> float:
    """The fastest of ``runs`` runs, in seconds."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(n: int, cfg: Config, compiled: Callable[[Any], Any] | None) -> None:
    """Time the schema step over N documents and print the figures."""
    fw = cfg.framework or DEFAULT_FRAMEWORK
    full = schema_rules.validator_for(cfg.project_code, cfg.unit_code)
    docs = documents(n)
    ctxs = [Context(targets=r.targets, data=d, config=cfg, framework=fw) for r, d in docs]
    assert all(not list(schema_rules.check(c)) for c in ctxs)  # the fast path is taken

    def schema() -> None:
        for c in ctxs:
            list(schema_rules.check(c))

    fast = best(schema)
    shipped = schema_rules.fast_check_for
    schema_rules.fast_check_for = lambda *_: None  # type: ignore[assignment]
    try:
        slow = best(schema)
    finally:
        schema_rules.fast_check_for = shipped
    is_valid = best(lambda: [full.is_valid(d) for _, d in docs])
    fjs = best(lambda: [compiled(d) for _, d in docs]) if compiled else None
    whole = best(lambda: [check(r, cfg) for r, _ in docs], runs=1)
    rules = whole - fast

    def ms(s: float) -> str:
        return f"{s / n * 1000:6.2f} ms/doc ({s:6.2f} s)"

    print(f"N = {n} documents (20 projects each)")
    print(f"  fast check (shipped)     {ms(fast)}")
    print(f"  jsonschema, cached       {ms(slow)}   {slow / fast:5.1f}x the fast check")
    print(f"  jsonschema is_valid only {ms(is_valid)}")
    if fjs is not None:
        print(f"  fastjsonschema compiled  {ms(fjs)}   (no x-decimals: not a replacement)")
    else:
        print("  fastjsonschema           not installed")
    print(f"  rest of validation       {ms(rules)}")
    print(
        f"  schema share of validation: {fast / whole:.0%} with the fast check, "
        f"{slow / (rules + slow):.0%} without"
    )
    bad_ctxs = []
    for c in ctxs:
        d = copy.deepcopy(c.data)
        d["projects"][len(d["projects"]) // 2]["budget"] = 12.345
        bad_ctxs.append(Context(targets=c.targets, data=d, config=cfg, framework=fw))

    def whole_document(c: Context) -> list[Any]:
        data = {**c.data, "framework": c.data.get("framework") or c.framework}
        return [
            f
            for err in full.iter_errors(data)
            for f in schema_rules.error_findings(err, c.config, c.framework)
        ]

    assert all(list(schema_rules.check(c)) == whole_document(c) for c in bad_ctxs[:5])
    parts = best(lambda: [list(schema_rules.check(c)) for c in bad_ctxs])
    entire = best(lambda: [whole_document(c) for c in bad_ctxs])
    print(
        f"  one bad project: parts {ms(parts)}, whole document {ms(entire)}   "
        f"{entire / parts:5.1f}x"
    )


def main(ns: list[int]) -> None:
    compiled: Callable[[Any], Any] | None
    try:
        import fastjsonschema

        from perfxl.schema import load_schema

        compiled = fastjsonschema.compile(load_schema())
    except ImportError:  # not a dependency: install it beside the venv to compare
        compiled = None
    for n in ns:
        measure(n, Config(), compiled)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 300])
