"""Benchmark: a worker's rendering of a submission's 指标明细 and 校验问题 rows as sheet XML
(`perfxl.consolidate.writer.RowsXml.render`: shown paths, row heights, rows to XML, deflate),
this checkout against a baseline commit, interleaved in one process.

The rows of the N bench workbooks (`bench_consolidate.folder_for`) are extracted once (not
timed). Then, ``--repeat`` times, alternately for the baseline and for this checkout, every
submission is rendered in turn as a worker renders them (its memos kept from file to file,
fresh for each pass): the CPU time per workbook (``time.process_time``) of the whole render
and of its stages measured apart (paths: `Paths.rows`, which this checkout's render no
longer calls: its memos fix each file name once; heights: `row_height` on every row, or on
a submission's columns at once where it can; rows: `render_rows` without heights; deflate:
`deflated` of that XML). Since session 4 the whole render also makes and renders the unit's
汇总 rows (`combine.own_summary`), which the stages leave out: against a baseline before that,
"render (whole)" grows by their cost (about 0.4 ms), which the main process no longer spends
(the last line: its render of the 汇总 rows, base and this; only units whose counts a
cross-file problem changes are still rendered there). The baseline's
modules are loaded from ``git show BASE:...`` under other names. Prints medians, the ratio
and whether the two give the same bytes (XML and compressed).

Usage:
    .venv/bin/python benchmarks/bench_render.py [--files 100] [--repeat 5] [--base 52580ef]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import types
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

MODULES = ("perfxl/consolidate/summary_xml.py", "perfxl/consolidate/writer.py")


def baseline(commit: str) -> tuple[types.ModuleType, types.ModuleType]:
    """summary_xml and writer as they were at ``commit`` (importing each other, not ours)."""
    out = []
    for rel in MODULES:
        src = subprocess.run(
            ["git", "show", f"{commit}:{rel}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        src = src.replace("perfxl.consolidate.summary_xml", "_base_summary_xml")
        name = "_base_" + Path(rel).stem
        mod = types.ModuleType(name)
        mod.__file__ = str(ROOT / rel)
        sys.modules[name] = mod
        exec(compile(src, f"{commit}:{rel}", "exec"), mod.__dict__)
        out.append(mod)
    return out[0], out[1]


def current() -> tuple[types.ModuleType, types.ModuleType]:
    from perfxl.consolidate import summary_xml, writer

    return summary_xml, writer


def submissions(n: int) -> list[Any]:
    from bench_consolidate import folder_for

    from perfxl.consolidate.extract import extract_file

    subs = []
    for f in sorted(folder_for(n).glob("*.xlsx")):
        subs.extend(s for s in extract_file(str(f)).submissions if s.stage == "targets")
    return subs


def stages(sx: types.ModuleType, wr: types.ModuleType, subs: list[Any], inputs: tuple[str, ...]):
    """One pass per stage over every submission: CPU seconds per stage."""
    from perfxl.consolidate import columns as K

    styles = wr.style_map()
    paths = wr.Paths(inputs)
    tables = ((K.INDICATORS, "indicators"), (K.PROBLEMS, "problems"))
    out: dict[str, float] = {}

    t = time.process_time()
    shown = [[list(paths.rows(tb, getattr(s, attr))) for tb, attr in tables] for s in subs]
    out["paths"] = time.process_time() - t

    heights = [wr.row_height(tb) for tb, _ in tables]
    by_columns = [[list(zip(*rs, strict=True)) for rs in rows] for rows in shown]
    t = time.process_time()
    for rows, cols in zip(shown, by_columns, strict=True):
        for h, rs, cs in zip(heights, rows, cols, strict=True):
            if hasattr(h, "columns"):  # this checkout: a submission's rows at once
                h.columns(cs)
            else:
                for r in rs:
                    h(r)
    out["heights"] = time.process_time() - t

    memos = [sx.new_memo() for _ in tables]
    xml: list[list[str]] = []
    t = time.process_time()
    for rows in shown:
        for (tb, _), memo, rs in zip(tables, memos, rows, strict=True):
            xml.append(list(sx.render_rows(rs, styles[tb.sheet], None, None, memo)))
    out["rows"] = time.process_time() - t

    t = time.process_time()
    for x in xml:
        sx.deflated(x)
    out["deflate"] = time.process_time() - t
    return out


def whole(wr: types.ModuleType, subs: list[Any], inputs: tuple[str, ...]) -> tuple[float, list]:
    """`RowsXml.render` of every submission, memos fresh: CPU seconds and the results."""
    wr._MEMOS.clear()
    rx = wr.RowsXml(inputs, wr.style_map())
    t = time.process_time()
    got = [rx.render(s) for s in subs]
    return time.process_time() - t, got


def summary_rows(n: int) -> tuple[tuple[str, ...], list[Any]]:
    """The inputs and the 汇总 rows of the N bench workbooks (read in this process)."""
    from bench_consolidate import folder_for

    from perfxl.consolidate.run import Options, gather

    inputs = (str(folder_for(n)),)
    c, _ = gather(list(inputs), Options(jobs=1))
    return inputs, list(c.summary)


def summary_render(
    sx: types.ModuleType, wr: types.ModuleType, rows: list[Any], inputs: tuple[str, ...]
) -> tuple[float, bytes]:
    """The main process's render of the 汇总 rows (as `writer.write_summary` hands them to
    `summary_xml.insert_rows`): CPU seconds and the XML (UTF-8)."""
    from perfxl.consolidate import columns as K

    styles = wr.style_map()[K.SUMMARY.sheet]
    paths = wr.Paths(inputs)
    t = time.process_time()
    extra: dict[str, Any]
    if "fixes" in sx.SheetRows.__dataclass_fields__:  # file names fixed in the memos
        fixes = paths.fixes(K.SUMMARY)
        height = wr.row_height(K.SUMMARY, fixes)
        extra = {"height": height, "pieces": _summary_pieces(wr, rows), "fixes": fixes}
    else:
        pieces = wr._pieces(paths, K.SUMMARY, rows, None)
        extra = {"height": wr.row_height(K.SUMMARY), "pieces": pieces}
    spec = sx.SheetRows(part="", rows=[], first_row=2, styles=styles, kind_column=0, **extra)
    got = [x if type(x) is bytes else x.encode("utf-8") for x in sx._pieces(spec)]
    secs = time.process_time() - t
    return secs, b"".join(got)


def _summary_pieces(wr: types.ModuleType, rows: list[Any]) -> Any:
    """``writer.table_pieces`` of every 汇总 row, whichever signature this commit's writer has
    (since continuation sheets it takes the rows' range: the whole table here)."""
    import inspect

    pieces = getattr(wr, "table_pieces", None) or wr._pieces  # renamed from _pieces
    if len(inspect.signature(pieces).parameters) == 4:
        return pieces(rows, None, 0, len(rows))
    return pieces(rows, None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--base", default="52580ef")
    args = ap.parse_args()

    from bench_consolidate import folder_for, load

    inputs = (str(folder_for(args.files)),)
    subs = submissions(args.files)
    nrows = sum(len(s.indicators) + len(s.problems) for s in subs)
    n = len(subs)
    print(f"{n} submissions, {nrows / n:.0f} rows each; {load()}")
    sides: dict[str, tuple[types.ModuleType, types.ModuleType]] = {
        "base": baseline(args.base),
        "this": current(),
    }
    times: dict[str, dict[str, list[float]]] = {k: {} for k in sides}
    results: dict[str, list] = {}
    for _ in range(args.repeat):
        for side, (sx, wr) in sides.items():
            secs, results[side] = whole(wr, subs, inputs)
            times[side].setdefault("render (whole)", []).append(secs)
            for k, v in stages(sx, wr, subs, inputs).items():
                times[side].setdefault(k, []).append(v)
    ms: Callable[[list[float]], float] = lambda xs: statistics.median(xs) * 1000 / n  # noqa: E731
    print(f"CPU ms per workbook, medians of {args.repeat} ({load()}):")
    print(f"  {'stage':16} {'base':>8} {'this':>8} {'this/base':>10}")
    for k in times["this"]:
        b, t = ms(times["base"][k]), ms(times["this"][k])
        print(f"  {k:16} {b:8.3f} {t:8.3f} {t / b:10.2f}")

    def raw(r: Any) -> list[bytes]:
        if isinstance(r, tuple):  # `RowsXml.render` gives (the XML, the 汇总 rows) since
            r = r[0]  # session 12; the base copy may be older
        return [x[1].data for x in (r.indicators, r.problems) if x is not None]

    def xml_of(r: Any) -> list[bytes]:  # the same XML whichever deflater made it (raw
        # deflate ending on a sync flush, no final block: inflated by a stream object)
        return [zlib.decompressobj(-15).decompress(d) for d in raw(r)]

    pairs = list(zip(results["base"], results["this"], strict=True))
    same = all(raw(a) == raw(b) for a, b in pairs)
    same_xml = all(xml_of(a) == xml_of(b) for a, b in pairs)
    size_b = sum(len(d) for r in results["base"] for d in raw(r)) / n
    size_t = sum(len(d) for r in results["this"] for d in raw(r)) / n
    print(
        f"XML identical to base: {same_xml}; compressed bytes identical: {same} (python-isal "
        f"deflates where installed); per workbook {size_b:.0f} -> {size_t:.0f} bytes"
    )

    # The main process: 汇总 (a row per project, subtotals, the total)
    inputs, rows = summary_rows(args.files)
    secs: dict[str, list[float]] = {k: [] for k in sides}
    xml: dict[str, bytes] = {}
    for _ in range(args.repeat):
        for side, (sx, wr) in sides.items():
            s, xml[side] = summary_render(sx, wr, rows, inputs)
            secs[side].append(s)
    b, t = (statistics.median(secs[k]) * 1000 / args.files for k in ("base", "this"))
    print(
        f"汇总 ({len(rows)} rows): main-process render, CPU ms per workbook: base {b:.3f}, "
        f"this {t:.3f}, this/base {t / b:.2f}; XML identical: {xml['base'] == xml['this']} "
        f"({load()})"
    )
    os.environ.pop("_", None)


if __name__ == "__main__":
    main()
