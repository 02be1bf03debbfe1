"""Pure check-in rules with an injected clock: window, rotating QR, personal QR, codes, geofence, share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lms.attendance.checkin_rules import (
    CODE_ALPHABET,
    ROTATION_SECONDS,
    CheckinClosed,
    CheckinNotOpenYet,
    Margins,
    OutsideGeofence,
    PositionNeeded,
    QrExpired,
    QrInvalid,
    QrOtherSession,
    check_geofence,
    derive_key,
    distance_m,
    new_code,
    normalize_code,
    parse_rotating_qr,
    personal_token,
    rotating_qr_url,
    status_at,
    status_from_codes,
    time_step,
    user_id_from_personal_token,
    verify_rotating,
)
from lms.attendance.models import DEFAULT_STATUS_WEIGHTS, AttendanceStatus
from lms.attendance.share import attendance_share, share_percent

KEY = derive_key("test-secret", "rotating-qr")
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB
END = START + timedelta(hours=3)
MARGINS = Margins(timedelta(minutes=30), timedelta(minutes=15), timedelta(minutes=15))


# --- the window -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(minutes=-30), AttendanceStatus.HADIR),
        (timedelta(0), AttendanceStatus.HADIR),
        (timedelta(minutes=15), AttendanceStatus.HADIR),
        (timedelta(minutes=15, seconds=1), AttendanceStatus.TERLAMBAT),
        (timedelta(hours=3, minutes=15), AttendanceStatus.TERLAMBAT),
    ],
)
def test_window_gives_hadir_then_terlambat(offset, expected):
    assert status_at(START, END, START + offset, MARGINS) == expected


def test_window_refuses_too_early_and_too_late():
    with pytest.raises(CheckinNotOpenYet):
        status_at(START, END, START - timedelta(minutes=30, seconds=1), MARGINS)
    with pytest.raises(CheckinClosed):
        status_at(START, END, END + timedelta(minutes=15, seconds=1), MARGINS)


# --- rotating QR ----------------------------------------------------------------------------------------------------


def test_rotating_code_changes_every_step_and_accepts_current_and_previous():
    now = START
    first = parse_rotating_qr(rotating_qr_url("https://lentera.test", KEY, 7, now))
    assert first.session_id == 7 and first.step == time_step(now)
    later = now + timedelta(seconds=ROTATION_SECONDS)
    second = parse_rotating_qr(rotating_qr_url("https://lentera.test", KEY, 7, later))
    assert second.step == first.step + 1 and second.digest != first.digest
    verify_rotating(KEY, 7, first, now)  # current
    verify_rotating(KEY, 7, first, later)  # previous step still accepted
    with pytest.raises(QrExpired):
        verify_rotating(KEY, 7, first, now + timedelta(seconds=2 * ROTATION_SECONDS))  # replayed after its window
    with pytest.raises(QrExpired):
        verify_rotating(KEY, 7, second, now - timedelta(seconds=ROTATION_SECONDS))  # from the future


def test_rotating_code_of_another_session_is_refused_as_such():
    code = parse_rotating_qr(rotating_qr_url("https://lentera.test", KEY, 8, START))
    with pytest.raises(QrOtherSession):
        verify_rotating(KEY, 7, code, START)


def test_forged_or_mangled_rotating_codes_are_invalid():
    url = rotating_qr_url("https://lentera.test", KEY, 7, START)
    code = parse_rotating_qr(url)
    with pytest.raises(QrInvalid):  # the session number changed, the signature not
        verify_rotating(KEY, 8, type(code)(8, code.step, code.digest), START)
    with pytest.raises(QrInvalid):  # signed with another key
        verify_rotating(derive_key("other", "rotating-qr"), 7, code, START)
    for text in ("hello", "https://x/attendance/checkin/7", "https://x/attendance/checkin/7?t=abc&c=1", ""):
        with pytest.raises(QrInvalid):
            parse_rotating_qr(text)


def test_keys_are_separate_per_purpose():
    assert derive_key("s", "rotating-qr") != derive_key("s", "personal-qr")


# --- personal QR ----------------------------------------------------------------------------------------------------


def test_personal_token_round_trip_and_carries_no_personal_data():
    key = derive_key("test-secret", "personal-qr")
    token = personal_token(key, 42)
    assert token.startswith("LNTP-42-") and token == token.upper()
    assert user_id_from_personal_token(key, token) == 42
    assert user_id_from_personal_token(key, " " + token.lower() + " ") == 42
    forged = token.replace("LNTP-42-", "LNTP-43-")
    for text in (forged, personal_token(derive_key("other", "personal-qr"), 42), "LNTP-42", "anything"):
        with pytest.raises(QrInvalid):
            user_id_from_personal_token(key, text)


# --- webinar codes ------------------------------------------------------------------------------------------------


def test_codes_use_an_unambiguous_alphabet():
    codes = {new_code() for _ in range(200)}
    assert len(codes) > 190
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert normalize_code(" ab3-k9 x ") == "AB3K9X"


@pytest.mark.parametrize(
    ("entered", "total", "first", "expected"),
    [
        (3, 3, AttendanceStatus.HADIR, AttendanceStatus.HADIR),
        (3, 3, AttendanceStatus.TERLAMBAT, AttendanceStatus.TERLAMBAT),
        (2, 3, AttendanceStatus.HADIR, AttendanceStatus.TERLAMBAT),
        (2, 4, AttendanceStatus.HADIR, AttendanceStatus.TERLAMBAT),
        (1, 3, AttendanceStatus.HADIR, AttendanceStatus.ALFA),
        (1, 1, AttendanceStatus.HADIR, AttendanceStatus.HADIR),
    ],
)
def test_presence_from_codes(entered, total, first, expected):
    assert status_from_codes(entered, total, first) == expected


# --- geofence -------------------------------------------------------------------------------------------------------

AULA = (3.0, 117.0)  # near Tanjung Selor


def test_distance_is_haversine():
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(*AULA, *AULA) == 0


def test_geofence_needs_a_position_within_the_radius():
    check_geofence(AULA, 100, (3.0005, 117.0))  # about 56 m
    with pytest.raises(PositionNeeded):
        check_geofence(AULA, 100, None)
    with pytest.raises(OutsideGeofence):
        check_geofence(AULA, 100, (3.002, 117.0))  # about 222 m
    check_geofence(AULA, 100, (3.0015, 117.0), accuracy_m=80)  # 167 m, but the phone says ±80 m
    with pytest.raises(OutsideGeofence):
        check_geofence(AULA, 100, (3.01, 117.0), accuracy_m=5000)  # accuracy helps by 100 m at most


# --- attendance share ----------------------------------------------------------------------------------------------


@dataclass
class S:
    id: int
    jpl: int


@dataclass
class M:
    session_id: int
    status: str


SCHEDULE = [S(1, 4), S(2, 4), S(3, 2), S(4, 6), S(5, 4)]  # 20 JPL


def test_share_on_a_known_schedule_with_default_weights():
    marks = [M(1, "hadir"), M(2, "terlambat"), M(3, "izin"), M(4, "hadir")]  # session 5: no mark → alfa
    weights = {s.value: w for s, w in DEFAULT_STATUS_WEIGHTS.items()}
    share = attendance_share(SCHEDULE, marks, weights)
    assert share == Decimal(14) / Decimal(20)
    assert share_percent(share) == 70


def test_share_with_late_counting_three_quarters_and_foreign_marks_ignored():
    weights = {"hadir": Decimal(1), "terlambat": Decimal("0.75"), "izin": 0, "sakit": 0, "alfa": 0}
    marks = [M(1, "hadir"), M(2, "terlambat"), M(3, "hadir"), M(4, "hadir"), M(5, "sakit"), M(99, "hadir")]
    share = attendance_share(SCHEDULE, marks, weights)
    assert share == Decimal("15") / Decimal(20)  # 4 + 3 + 2 + 6 + 0


def test_share_edges():
    assert attendance_share([], [], {"hadir": 1}) == 0
    assert attendance_share(SCHEDULE, [M(s.id, "hadir") for s in SCHEDULE], {"hadir": 1}) == 1
    assert share_percent(Decimal("0.9499")) == 94  # never shown as the 95% it does not reach
