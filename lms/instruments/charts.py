"""Small server-rendered SVG charts (no front-end framework): a horizontal bar per point of a scale, and a trend
line across cohorts. Every text is escaped; the SVG carries a title for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 18
LABEL_WIDTH = 120
BAR_WIDTH = 160


def bar_chart(rows: Sequence[tuple[str, int]], title: str) -> Markup:
    """One bar per (label, count), widths relative to the largest count, the count written after each bar."""
    top = max((count for _, count in rows), default=0) or 1
    height = BAR_HEIGHT * len(rows) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for index, (label, count) in enumerate(rows):
        y = index * BAR_HEIGHT + 2
        bar = round(BAR_WIDTH * count / top)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" font-size="11">{escape(label[:22])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{bar}" height="{BAR_HEIGHT - 5}" fill="#2f6f8f"></rect>'
            f'<text x="{LABEL_WIDTH + bar + 4}" y="{y + 13}" font-size="11">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points: Sequence[tuple[str, float | None]], low: float, high: float, title: str) -> Markup:
    """A line through each cohort's mean (None leaves a gap), oldest cohort on the left."""
    width, height, pad = 320, 120, 24
    step = (width - 2 * pad) / max(len(points) - 1, 1)
    span = (high - low) or 1

    def y_of(value: float) -> float:
        return round(height - pad - (value - low) / span * (height - 2 * pad), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"></line>'
    ]
    line = []
    for index, (label, value) in enumerate(points):
        x = round(pad + index * step, 1)
        parts.append(f'<text x="{x}" y="{height - 6}" text-anchor="middle" font-size="9">{escape(label[:14])}</text>')
        if value is None:
            continue
        line.append(f"{x},{y_of(value)}")
        parts.append(f'<circle cx="{x}" cy="{y_of(value)}" r="3" fill="#2f6f8f"></circle>')
        parts.append(f'<text x="{x}" y="{y_of(value) - 6}" text-anchor="middle" font-size="10">{value:.2f}</text>')
    if len(line) > 1:
        parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#2f6f8f"></polyline>')
    parts.append("</svg>")
    return Markup("".join(parts))
