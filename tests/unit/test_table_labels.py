"""Issue 16: every table in templates/ keeps its labels on a phone. A `stacked` table (one card per row below 480 px)
gives each body cell its column's label in `data-label`; a `matrix` keeps its header and scrolls sideways inside a
keyboard-focusable, named region; a key-value table leads every row with its header. Read from the template source,
so a new table cannot slip through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)


def _tables() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for table in TABLE.findall(path.read_text()):
            found.append((str(path.relative_to(TEMPLATES)), table))
    return found


def _classes(table: str) -> set[str]:
    opening = table[: table.index(">")]
    match = re.search(r'class="([^"]*)"', opening)
    return set(match.group(1).split()) if match else set()


def test_there_are_tables_to_check():
    assert len(_tables()) >= 25


@pytest.mark.parametrize(("template", "table"), _tables(), ids=lambda value: value if value.endswith(".html") else "")
def test_each_table_is_stacked_with_labels_or_a_scrolling_matrix(template, table):
    rows = re.findall(r"<tr\b[^>]*>\s*(<t[hd])", table)
    if "<thead" not in table and rows and all(first == "<th" for first in rows):
        return  # a key-value table: every row is led by its own header, which stays on screen
    kinds = _classes(table) & {"stacked", "matrix"}
    assert len(kinds) == 1, f"{template}: a table is either `stacked` (with data-label) or a `matrix`"
    if "stacked" in kinds:
        body = table[table.index("</thead>") :] if "</thead>" in table else table
        for cell in re.findall(r"<td\b[^>]*>", body):
            assert "data-label=" in cell or "colspan" in cell, f"{template}: {cell} has no data-label"
    else:
        source = (TEMPLATES / template).read_text()
        before = source[: source.index(table)]
        region = before[before.rindex("<div") :]
        assert 'class="table-scroll"' in region and 'tabindex="0"' in region, template
        assert 'role="region"' in region and "aria-label=" in region, template
