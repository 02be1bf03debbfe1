"""The record's ranah chart rows (lms.records.charts.ranah_bars) give the numbers the page printed when Jinja's
min, max and round filters computed them."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from jinja2 import Environment

from lms.records.charts import ranah_bars

JINJA_CHART = (
    "{% for r in rows %}{% set y = 10 + 40 * loop.index0 %}{% set scale = [r.minimum, r.earned, 1]|max %}"
    "{{ y }}|{{ (300 * [r.earned, scale]|min / scale)|round(1) }}|{{ (300 * r.minimum / scale)|round(1) }};"
    "{% endfor %}"
)
AMOUNTS = [Decimal("0"), Decimal("0.00"), Decimal("0.5"), Decimal("1"), Decimal("2.50"), Decimal("7"),
           Decimal("22.50"), Decimal("112.5"), Decimal("250.00"), Decimal("333.33")]  # fmt: skip


@pytest.mark.parametrize("minimum", AMOUNTS)
def test_rows_print_as_jinjas_filters_printed_them(minimum):
    rows = [SimpleNamespace(minimum=minimum, earned=earned) for earned in AMOUNTS]
    expected = Environment().from_string(JINJA_CHART).render(rows=rows)
    bars = ranah_bars(rows)
    assert "".join(f"{bar.y}|{bar.width}|{bar.minimum_x};" for bar in bars) == expected
    assert [bar.standing for bar in bars] == rows
