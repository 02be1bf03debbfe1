"""Each kind of CSV cell in the reader's notation: numbers (negative ones too) stay numbers, never a formula guard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import force_locale

from lms.core.csv_export import cell_text, notation_for, rounded
from lms.courses.models import EnrolmentStatus


def test_cells_in_both_notations(app):
    with app.test_request_context():
        for locale, expected in (
            ("id", ["", "Ya", "Aktif", "7", "-0,250", "2,5", "2026-12-04", "2026-12-04 08:30", "'=1+1"]),
            ("en", ["", "Yes", "Active", "7", "-0.250", "2.5", "2026-12-04", "2026-12-04 08:30", "'=1+1"]),
        ):
            with force_locale(locale):
                notation = notation_for(locale)
                cells = [None, True, EnrolmentStatus.ACTIVE, 7, rounded(-0.25, 3), Decimal("2.5"),
                         date(2026, 12, 4), datetime(2026, 12, 4, 1, 30, tzinfo=UTC), "=1+1"]  # fmt: skip
                assert [cell_text(c, notation) for c in cells] == expected  # 01:30 UTC is 08:30 WIB
    assert notation_for("id").delimiter == ";" and notation_for("en").delimiter == ","
