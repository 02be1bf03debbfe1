"""Small charts drawn on the server as SVG geometry (no script): horizontal bars with an optional highlighted part."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    part: int
    """The highlighted part of the bar (e.g. the workers short of SKP), drawn over it."""
    y: float
    width: float
    part_width: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(
    rows: list[tuple[str, int, int]], *, width: int = 640, label_width: int = 200, bar_height: int = 22, gap: int = 8
) -> BarChart:
    """Bars for (label, value, part) rows, scaled so the largest value fills the space right of the labels (and
    room for its number)."""
    room = width - label_width - 60
    largest = max((value for _label, value, _part in rows), default=0) or 1
    bars = [
        Bar(
            label,
            value,
            min(part, value),
            gap + index * (bar_height + gap),
            room * value / largest,
            room * min(part, value) / largest,
        )
        for index, (label, value, part) in enumerate(rows)
    ]
    return BarChart(bars, width, gap + len(rows) * (bar_height + gap), label_width, bar_height)
