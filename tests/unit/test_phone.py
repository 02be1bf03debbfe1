"""WhatsApp numbers as people type them, stored in E.164."""

from __future__ import annotations

import pytest

from lms.accounts.identity import PhoneInvalid, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 789", "+628123456789"),
        ("62 812 3456 7890", "+6281234567890"),
        ("+62 (812) 3456.7890", "+6281234567890"),
        ("0062 812 3456 7890", "+6281234567890"),
        ("+60 12 345 6789", "+60123456789"),  # a Malaysian number keeps its country
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_numbers_are_stored_in_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["0812-34", "0812345678901234", "021 555 1234", "+62 21 555 1234", "08l2 3456 7890", "nomor saya", "++62812345678"],
)
def test_anything_else_is_refused(typed):
    with pytest.raises(PhoneInvalid):
        normalize_phone(typed)
