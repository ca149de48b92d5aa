"""The summary page's charts as inline SVG: no JavaScript, no image files, Chinese labels.

`perfxl.web.summary.build_summary` returns the chart data of the summary workbook (the 图表,
执行率图表 or 等级分布 sheet, and the units' rows they plot); here each chart becomes one
``<svg>`` element. Every bar and point carries its value in ``data-value`` exactly as the
workbook's chart data holds it, so a test (or a curious reviewer) can compare the two.

Units get one horizontal bar each (long Chinese names read best on the left); the county's
cumulative plan against 序时进度 is a line chart over the four checkpoints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

COLORS = ("#5B9BD5", "#C00000", "#548235", "#FFC000", "#7030A0", "#ED7D31")
LEVEL_COLORS = ("#548235", "#5B9BD5", "#FFC000", "#C00000")  # 优, 良, 中, 差 as the workbook
LINE_COLOR = "#C00000"
FONT = "'Noto Sans CJK SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif"
WIDTH = 760
ROW = 24  # one unit's row in a bar chart
LABEL_WIDTH = 210  # the unit names' column
MAX_LABEL = 16  # characters of a unit name shown (the whole name in a tooltip)


def chart_svg(summary: dict[str, Any]) -> str:
    """Every chart of a summary (``summary["charts"]``) as inline SVG, one after another;
    an empty string when there is none."""
    return "\n".join(one_chart(c) for c in summary.get("charts") or [])


def one_chart(chart: dict[str, Any]) -> str:
    """One chart spec (``kind`` bar, stacked or line) as an ``<svg>`` element."""
    kind = chart.get("kind")
    if kind == "line":
        return _line(chart)
    return _bars(chart, stacked=kind == "stacked")


def number(v: float, unit: str = "") -> str:
    """A value as the chart labels it: two decimals (counts and scores without noise)."""
    if unit == "个":
        return f"{int(v)}"
    return f"{v:,.2f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label={quoteattr(title)} font-family={quoteattr(FONT)} font-size="12">'
    )
    return "".join(
        [
            head,
            f"<title>{escape(title)}</title>",
            f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="15" '
            f'font-weight="bold">{escape(title)}</text>',
            *body,
            "</svg>",
        ]
    )


def _nice_max(values: Sequence[float], fixed: float | None) -> float:
    """The axis maximum: the chart's own (100 for percentages) unless a value exceeds it,
    else a round number above the largest value."""
    top = max([0.0, *values])
    if fixed is not None and top <= fixed:
        return float(fixed)
    if top <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(top))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= top:
            return float(step * exp)
    return float(10 * exp)


def _floats(values: Sequence[Any]) -> list[float]:
    return [
        float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0 for v in values
    ]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _legend(items: list[tuple[str, str, str]], y: int, width: int) -> list[str]:
    """Legend entries (name, color, style) centred on one row at ``y``; style ``bar`` (a
    filled box), ``line`` (a solid line with a point) or ``dashed`` (a dashed line, with a
    point when ``dashed-point``), as the series is drawn."""
    widths = [30 + 13 * len(name) + 18 for name, _, _ in items]  # CJK text ~13 px a character
    x = max(10, int(width / 2 - sum(widths) / 2))
    out = []
    for (name, color, style), w in zip(items, widths, strict=True):
        if style == "bar":
            out.append(
                f'<rect x="{x}" y="{y - 10}" width="24" height="10" fill="{color}" '
                'class="legend-bar"/>'
            )
        else:
            dash = ' stroke-dasharray="5,3"' if style.startswith("dashed") else ""
            out.append(
                f'<line x1="{x}" y1="{y - 5}" x2="{x + 24}" y2="{y - 5}" stroke="{color}" '
                f'stroke-width="2"{dash} class="legend-line"/>'
            )
            if style in ("line", "dashed-point"):
                out.append(f'<circle cx="{x + 12}" cy="{y - 5}" r="3" fill="{color}"/>')
        out.append(f'<text x="{x + 30}" y="{y}">{escape(name)}</text>')
        x += w
    return out


LABEL_GAP = 14  # px between a value label's baseline and the nearest other line


def _label_y(y: float, others: list[float], top: float, bottom: float) -> float:
    """Where a point's value label goes (its text baseline): above the point when the other
    series' lines pass below it, else below, and never within `LABEL_GAP` of another series'
    line at that x (a label drawn over the dashed 序时 line cannot be read)."""
    above, below = y - 8, y + 16  # text about 12 px high: its box is [base - 11, base + 2]

    def clear(base: float) -> bool:
        return all(not (base - 11 - 3 <= o <= base + 2 + 3) for o in others) and (
            top + 12 <= base <= bottom - 2
        )

    prefer_above = not others or all(o >= y for o in others) or min(others) > y
    order = [above, below] if prefer_above else [below, above]
    for base in order:
        if clear(base):
            return base
    # Both sides crowded: step away from the others until clear (bounded by the plot).
    step = -1 if prefer_above else 1
    base = order[0]
    for _ in range(60):
        base += step * 2
        if clear(base):
            return base
    return order[0]


def _bars(chart: dict[str, Any], *, stacked: bool) -> str:
    """Horizontal bars, one row per label; several series stack (``stacked``) or sit side
    by side; an optional ``line`` series is drawn as a dashed tick on each row."""
    labels = [str(x) for x in chart.get("labels") or []]
    series = chart.get("series") or []
    line = chart.get("line")
    unit = str(chart.get("unit") or "")
    title = str(chart.get("title") or "")
    values = [_floats(s.get("values") or []) for s in series]
    n = len(labels)
    if stacked:
        tops = [sum(v[i] for v in values if i < len(v)) for i in range(n)]
    else:
        tops = [x for v in values for x in v]
    if line:
        tops += _floats(line.get("values") or [])
    vmax = _nice_max(tops, chart.get("max"))
    per_row = 1 if stacked else max(1, len(series))
    bar_h = (ROW - 6) / per_row
    top, left, right = 36, LABEL_WIDTH, 90
    plot_w = WIDTH - left - right
    height = top + n * ROW + 60
    body: list[str] = []
    for k in range(5):  # grid lines and axis ticks
        x = left + plot_w * k / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + n * ROW}" stroke="#ddd"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{top + n * ROW + 14}" text-anchor="middle" fill="#555">'
            f"{escape(number(vmax * k / 4, unit))}</text>"
        )
    colors = LEVEL_COLORS if stacked and len(series) == len(LEVEL_COLORS) else COLORS
    for i, label in enumerate(labels):
        y = top + i * ROW + 3
        body.append(
            f'<text x="{left - 6}" y="{y + ROW / 2 + 1:.1f}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
        x = float(left)
        for j, s in enumerate(series):
            v = values[j][i] if i < len(values[j]) else 0.0
            w = plot_w * max(v, 0.0) / vmax
            by = y if stacked else y + j * bar_h
            name = str(s.get("name") or "")
            body.append(
                f'<rect x="{x:.1f}" y="{by:.1f}" width="{w:.1f}" height="{bar_h:.1f}" '
                f'fill="{colors[j % len(colors)]}" data-series={quoteattr(name)} '
                f'data-label={quoteattr(label)} data-value="{v!r}">'
                f"<title>{escape(label)} {escape(name)}：{escape(number(v, unit))}</title></rect>"
            )
            if stacked:
                x += w
            else:
                body.append(
                    f'<text x="{x + w + 4:.1f}" y="{by + bar_h / 2 + 4:.1f}" fill="#333">'
                    f"{escape(number(v, unit))}</text>"
                )
        if stacked:
            total = sum(values[j][i] for j in range(len(series)) if i < len(values[j]))
            body.append(
                f'<text x="{x + 4:.1f}" y="{y + ROW / 2 + 1:.1f}" fill="#333">'
                f"{escape(number(total, unit))}</text>"
            )
        if line:
            lv = _floats(line.get("values") or [])
            if i < len(lv):
                lx = left + plot_w * max(lv[i], 0.0) / vmax
                body.append(
                    f'<line x1="{lx:.1f}" y1="{y - 2}" x2="{lx:.1f}" y2="{y + ROW - 4}" '
                    f'stroke="{LINE_COLOR}" stroke-width="2" stroke-dasharray="4,2" '
                    f"data-series={quoteattr(str(line.get('name') or ''))} "
                    f'data-label={quoteattr(label)} data-value="{lv[i]!r}"/>'
                )
    legend = [
        (str(s.get("name") or ""), colors[j % len(colors)], "bar") for j, s in enumerate(series)
    ]
    if line:
        legend.append((str(line.get("name") or ""), LINE_COLOR, "dashed"))
    body += _legend(legend, top + n * ROW + 40, WIDTH)
    return _svg(WIDTH, height, title, body)


def _line(chart: dict[str, Any]) -> str:
    """A line per series over the labels (the checkpoints), values labelled."""
    labels = [str(x) for x in chart.get("labels") or []]
    series = chart.get("series") or []
    unit = str(chart.get("unit") or "")
    title = str(chart.get("title") or "")
    values = [_floats(s.get("values") or []) for s in series]
    vmax = _nice_max([x for v in values for x in v], chart.get("max"))
    top, left, right, plot_h = 40, 60, 30, 220
    plot_w = WIDTH - left - right
    height = top + plot_h + 70
    n = max(len(labels), 1)
    body: list[str] = []
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{escape(number(vmax * k / 4, unit))}</text>"
        )

    def px(i: int) -> float:
        return left + plot_w * (i + 0.5) / n

    for i, label in enumerate(labels):
        body.append(
            f'<text x="{px(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    palette = (COLORS[0], LINE_COLOR, *COLORS[2:])
    points = [
        [
            (px(i), top + plot_h - plot_h * max(v, 0.0) / vmax)
            for i, v in enumerate(values[j][: len(labels)])
        ]
        for j in range(len(series))
    ]
    labels_drawn: list[str] = []
    for j, s in enumerate(series):
        color = palette[j % len(palette)]
        dash = "" if j == 0 else ' stroke-dasharray="6,4"'
        pts = points[j]
        if pts:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(
                f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"{dash}/>'
            )
        name = str(s.get("name") or "")
        for i, (x, y) in enumerate(pts):
            v = values[j][i]
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}" '
                f"data-series={quoteattr(name)} data-label={quoteattr(labels[i])} "
                f'data-value="{v!r}"><title>{escape(labels[i])} {escape(name)}：'
                f"{escape(number(v, unit))}</title></circle>"
            )
            if j == 0:  # the first series' values; the others (序时进度) are plain checkpoints
                others = [p[i][1] for k, p in enumerate(points) if k != j and i < len(p)]
                ly = _label_y(y, others, top, top + plot_h + 14)
                # A white outline keeps the digits readable where a grid line passes.
                labels_drawn.append(
                    f'<text x="{x:.1f}" y="{ly:.1f}" text-anchor="middle" fill="#333" '
                    f'class="value-label" stroke="#fff" stroke-width="3" paint-order="stroke">'
                    f"{escape(number(v, unit))}</text>"
                )
    body += labels_drawn  # over every line
    legend = [
        (str(s.get("name") or ""), palette[j % len(palette)], "line" if j == 0 else "dashed-point")
        for j, s in enumerate(series)
    ]
    body += _legend(legend, top + plot_h + 50, WIDTH)
    return _svg(WIDTH, height, title, body)
