"""Small charts drawn on the server as SVG geometry (no script): horizontal bars with an optional highlighted part."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


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


RANAH_CHART_WIDTH = 300
"""The width of a full bar in the record's ranah chart (its viewBox is 320 wide)."""


@dataclass(frozen=True)
class RanahBar:
    """One ranah's row in the record's chart: the earned SKP as a bar, the minimum as a mark across it, both
    scaled so the larger of the two (at least 1 SKP) fills the width."""

    standing: Any
    """The ranah's standing (lms.records.skp.RanahStanding): its name, earned, minimum and missing SKP."""
    y: int
    width: Decimal
    minimum_x: Decimal


def ranah_bars(standings: Any, *, top: int = 10, step: int = 40) -> list[RanahBar]:
    """The record's ranah chart rows, computed here rather than with Jinja's min, max and round filters (a dozen
    calls each), rounded to one decimal as the page prints them."""
    bars = []
    for index, standing in enumerate(standings):
        scale = max(standing.minimum, standing.earned, 1)
        bars.append(
            RanahBar(
                standing,
                top + step * index,
                round(RANAH_CHART_WIDTH * min(standing.earned, scale) / scale, 1),
                round(RANAH_CHART_WIDTH * standing.minimum / scale, 1),
            )
        )
    return bars
