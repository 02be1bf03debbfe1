"""Attendance through pages and API: room QR, webinar codes, personal-QR scans, hand marking, fraud rules, reports."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.attendance import services
from lms.attendance.checkin_rules import QrExpired
from lms.attendance.models import AttendanceMark, CheckinCode, RefusedCheckin
from lms.core.audit import AuditEntry
from lms.core.errors import PermissionDenied
from lms.core.models import utcnow
from lms.courses.models import Enrolment
from lms.extensions import db
from tests.conftest import api_token
from tests.csv_files import csv_in
from tests.factories import make_user
from tests.factories.attendance import make_session, make_training


@pytest.fixture
def training(app_ctx):
    return make_training(learners=3)


def marks_in(session_id: int) -> list[AttendanceMark]:
    db.session.expire_all()
    return list(db.session.execute(select(AttendanceMark).where(AttendanceMark.session_id == session_id)).scalars())


def refusals_in(session_id: int) -> list[RefusedCheckin]:
    return list(db.session.execute(select(RefusedCheckin).where(RefusedCheckin.session_id == session_id)).scalars())


def bearer(client, user) -> dict:
    return {"Authorization": f"Bearer {api_token(client, user.email)}"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


# --- room QR ------------------------------------------------------------------------------------------------------


def test_room_qr_scanned_logged_out_goes_through_login_and_checks_in(client, training):
    session = make_session(training.cohort)
    learner = training.learners[0]
    qr = services.rotating_qr_text(session, utcnow())
    assert qr.startswith(f"http://localhost/attendance/checkin/{session.id}?t=")

    landing = client.get(path_of(qr))
    assert landing.status_code == 302
    login_url = landing.headers["Location"]
    assert urlsplit(login_url).path == "/login"
    next_url = parse_qs(urlsplit(login_url).query)["next"][0]
    assert next_url.startswith(f"/attendance/checkin/{session.id}?g=")

    # The login page keeps `next` and sends the learner back to the check-in page.
    logged_in = client.post(login_url, data={"email": learner.email, "password": "rahasia-sekali-123"})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == next_url
    page = client.get(next_url)
    assert page.status_code == 200
    assert b'data-testid="confirm-checkin"' in page.data
    assert "lentera_device" in page.headers.get("Set-Cookie", "")
    grant = parse_qs(urlsplit(next_url).query)["g"][0]

    confirmed = client.post(f"/attendance/checkin/{session.id}", data={"grant": grant})
    assert confirmed.status_code == 302
    [mark] = marks_in(session.id)
    assert (mark.user_id, mark.status, mark.method) == (learner.id, "hadir", "rotating_qr")
    assert mark.device_id  # the cookie set by the check-in page

    again = client.post(f"/attendance/checkin/{session.id}", data={"grant": grant})
    assert again.status_code == 302 and len(marks_in(session.id)) == 1
    shown = client.get(f"/attendance/checkin/{session.id}")
    assert b'data-testid="checked-in" data-status="hadir"' in shown.data


def test_room_qr_replayed_after_its_window_is_refused_and_kept(client, auth, training):
    session = make_session(training.cohort)
    learner = training.learners[0]
    auth.login(learner.email)
    old = services.rotating_qr_text(session, utcnow() - timedelta(seconds=45))
    response = client.get(path_of(old))
    assert response.status_code == 422
    assert b'data-testid="checkin-error"' in response.data
    assert marks_in(session.id) == []
    [refusal] = refusals_in(session.id)
    assert (refusal.user_id, refusal.reason, refusal.method) == (learner.id, "qr_expired", "rotating_qr")


def test_room_qr_of_another_session_is_refused_by_the_api(client, training):
    here, there = make_session(training.cohort, title="Hari 1"), make_session(training.cohort, title="Hari 2")
    learner = training.learners[0]
    headers = bearer(client, learner)
    foreign = services.rotating_qr_text(there, utcnow())
    response = client.post(f"/api/v1/sessions/{here.id}/checkin", json={"qr": foreign}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "qr_other_session"
    assert [r.reason for r in refusals_in(here.id)] == ["qr_other_session"]
    ok = client.post(
        f"/api/v1/sessions/{here.id}/checkin", json={"qr": services.rotating_qr_text(here, utcnow())}, headers=headers
    )
    assert ok.status_code == 200 and ok.get_json()["recorded"] is True
    assert ok.get_json()["mark"]["status"] == "hadir"


def test_check_in_outside_the_session_window_is_refused(client, training):
    later = make_session(training.cohort, starts_at=utcnow() + timedelta(hours=2))
    past = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=5), hours=1)
    headers = bearer(client, training.learners[0])
    for session, code in ((later, "checkin_not_open"), (past, "checkin_closed")):
        qr = services.rotating_qr_text(session, utcnow())
        response = client.post(f"/api/v1/sessions/{session.id}/checkin", json={"qr": qr}, headers=headers)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == code
        assert marks_in(session.id) == []


def test_late_check_in_is_terlambat(client, training):
    session = make_session(training.cohort, starts_at=utcnow() - timedelta(minutes=40))
    headers = bearer(client, training.learners[0])
    qr = services.rotating_qr_text(session, utcnow())
    response = client.post(f"/api/v1/sessions/{session.id}/checkin", json={"qr": qr}, headers=headers)
    assert response.get_json()["mark"]["status"] == "terlambat"


def test_learner_outside_the_cohort_cannot_check_in(client, training):
    session = make_session(training.cohort)
    outsider = make_user()
    headers = bearer(client, outsider)
    qr = services.rotating_qr_text(session, utcnow())
    assert client.post(f"/api/v1/sessions/{session.id}/checkin", json={"qr": qr}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/sessions/{session.id}", headers=headers).status_code == 404
    assert marks_in(session.id) == []


# --- webinar codes ------------------------------------------------------------------------------------------------


def test_webinar_code_created_by_facilitator_and_entered_once(client, auth, training):
    session = make_session(training.cohort, mode="daring")
    auth.login(training.facilitator.email)
    created = client.post(f"/attendance/sessions/{session.id}/codes", data={"label": "awal", "minutes": 10})
    assert created.status_code == 302
    code = db.session.execute(select(CheckinCode).where(CheckinCode.session_id == session.id)).scalar_one()
    assert len(code.code) == 6 and code.closes_at - code.opens_at == timedelta(minutes=10)
    listed = client.get(f"/api/v1/sessions/{session.id}/checkin-code").get_json()
    assert [c["code"] for c in listed["codes"]] == [code.code]
    assert listed["rotating_qr"].startswith(f"http://localhost/attendance/checkin/{session.id}?t=")
    auth.logout()

    learner = training.learners[0]
    auth.login(learner.email)
    typed = code.code.lower()[:3] + " " + code.code.lower()[3:]
    response = client.post(f"/attendance/checkin/{session.id}", data={"code": typed})
    assert response.status_code == 302
    assert client.post(f"/attendance/checkin/{session.id}", data={"code": code.code}).status_code == 302
    [mark] = marks_in(session.id)
    assert (mark.user_id, mark.status, mark.method) == (learner.id, "hadir", "webinar_code")

    wrong = client.post(f"/attendance/checkin/{session.id}", data={"code": "ZZZZZZ"})
    assert wrong.status_code == 422 and [r.reason for r in refusals_in(session.id)] == ["code_invalid"]


def test_codes_from_another_session_or_after_their_window_are_refused(client, training):
    here, there = make_session(training.cohort, mode="daring"), make_session(training.cohort, mode="daring")
    now = utcnow()
    foreign = services.create_code(training.facilitator, there, now, minutes=10)
    expired = services.create_code(training.facilitator, here, now - timedelta(minutes=20), minutes=10)
    db.session.commit()
    headers = bearer(client, training.learners[0])
    for code, reason in ((foreign.code, "code_other_session"), (expired.code, "code_not_open")):
        response = client.post(f"/api/v1/sessions/{here.id}/checkin", json={"code": code}, headers=headers)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == reason
    assert marks_in(here.id) == []
    assert sorted(r.reason for r in refusals_in(here.id)) == ["code_not_open", "code_other_session"]


def test_presence_counts_the_codes_entered(client, training):
    session = make_session(training.cohort, mode="daring")
    now = utcnow()
    start = services.create_code(training.facilitator, session, now, minutes=10, label="awal")
    db.session.commit()
    full, partial = training.learners[0], training.learners[1]
    full_headers, partial_headers = bearer(client, full), bearer(client, partial)
    for headers in (full_headers, partial_headers):
        client.post(f"/api/v1/sessions/{session.id}/checkin", json={"code": start.code}, headers=headers)
    assert {m.user_id: m.status for m in marks_in(session.id)} == {full.id: "hadir", partial.id: "hadir"}

    middle = services.create_code(training.facilitator, session, now, minutes=10, label="tengah")
    end = services.create_code(training.facilitator, session, now, minutes=10, label="akhir")
    db.session.commit()
    # Three codes now: one of three is fewer than half.
    assert {m.user_id: m.status for m in marks_in(session.id)} == {full.id: "alfa", partial.id: "alfa"}
    for code in (middle, end):
        client.post(f"/api/v1/sessions/{session.id}/checkin", json={"code": code.code}, headers=full_headers)
    client.post(f"/api/v1/sessions/{session.id}/checkin", json={"code": middle.code}, headers=partial_headers)
    assert {m.user_id: m.status for m in marks_in(session.id)} == {full.id: "hadir", partial.id: "terlambat"}


# --- personal QR scans and offline sync ----------------------------------------------------------------------------


def test_offline_scans_sent_twice_record_once(client, auth, training):
    session = make_session(training.cohort)
    first, second = training.learners[0], training.learners[1]
    scanned_at = (utcnow() - timedelta(minutes=2)).isoformat()
    batch = {
        "marks": [
            {"scan_id": "scan-1", "qr": services.personal_qr_text(first), "scanned_at": scanned_at},
            {"scan_id": "scan-2", "qr": services.personal_qr_text(second), "scanned_at": scanned_at},
            {"scan_id": "scan-3", "qr": "LNTP-1-0123456789ABCDEF0123"},
        ]
    }
    headers = bearer(client, training.facilitator)
    one = client.post(f"/api/v1/sessions/{session.id}/marks", json=batch, headers=headers)
    assert one.status_code == 200
    assert [r["result"] for r in one.get_json()["results"]] == ["recorded", "recorded", "refused"]
    two = client.post(f"/api/v1/sessions/{session.id}/marks", json=batch, headers=headers)
    assert [r["result"] for r in two.get_json()["results"]] == ["already", "already", "refused"]
    marks = marks_in(session.id)
    assert sorted(m.user_id for m in marks) == sorted([first.id, second.id])
    assert {m.method for m in marks} == {"personal_qr"} and {m.scan_id for m in marks} == {"scan-1", "scan-2"}
    assert db.session.execute(select(func.count(AttendanceMark.id))).scalar_one() == 2
    assert [r.reason for r in refusals_in(session.id)] == ["qr_invalid", "qr_invalid"]


def test_scanner_page_without_camera_checks_in_by_typed_text(client, auth, training):
    session = make_session(training.cohort)
    auth.login(training.facilitator.email)
    page = client.get(f"/attendance/sessions/{session.id}/scanner")
    assert page.status_code == 200 and b"jsqr-1.4.0/jsQR.min.js" in page.data
    token = services.personal_qr_text(training.learners[2])
    assert client.post(f"/attendance/sessions/{session.id}/scan", data={"qr": token}).status_code == 302
    assert [m.user_id for m in marks_in(session.id)] == [training.learners[2].id]


def test_personal_qr_page_shows_only_a_signed_id(client, auth, training):
    learner = training.learners[0]
    auth.login(learner.email)
    page = client.get("/my/checkin-qr")
    token = services.personal_qr_text(learner)
    assert page.status_code == 200 and token.encode() in page.data
    assert learner.email not in token and token.startswith(f"LNTP-{learner.id}-")
    svg = client.get("/my/checkin-qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<?xml")


# --- by hand, and nobody marks anyone else --------------------------------------------------------------------------


def test_hand_marking_many_at_once_is_audited(client, auth, training):
    session = make_session(training.cohort)
    a, b, c = training.learners
    auth.login(training.facilitator.email)
    form = {f"status-{a.id}": "hadir", f"status-{b.id}": "sakit", f"status-{c.id}": ""}
    assert client.post(f"/attendance/sessions/{session.id}/roster", data=form).status_code == 302
    assert {m.user_id: m.status for m in marks_in(session.id)} == {a.id: "hadir", b.id: "sakit"}
    client.post(f"/attendance/sessions/{session.id}/roster", data={**form, f"status-{b.id}": "izin"})
    audits = db.session.execute(select(AuditEntry).where(AuditEntry.action == "attendance.mark")).scalars().all()
    assert [(e.details["user_id"], e.details["before"], e.details["after"]) for e in audits] == [
        (a.id, None, "hadir"),
        (b.id, None, "sakit"),
        (b.id, "sakit", "izin"),
    ]
    assert all(e.actor_id == training.facilitator.id for e in audits)


def test_a_learner_cannot_mark_anyone(client, auth, training):
    session = make_session(training.cohort)
    learner, other = training.learners[0], training.learners[1]
    headers = bearer(client, learner)
    sneaky = {"marks": [{"user_id": other.id, "status": "hadir"}, {"user_id": learner.id, "status": "hadir"}]}
    assert client.post(f"/api/v1/sessions/{session.id}/marks", json=sneaky, headers=headers).status_code == 404
    scan = {"marks": [{"qr": services.personal_qr_text(other)}]}
    assert client.post(f"/api/v1/sessions/{session.id}/marks", json=scan, headers=headers).status_code == 404
    assert client.get(f"/api/v1/sessions/{session.id}/checkin-code", headers=headers).status_code == 404
    # The learner's own check-in marks only the learner, whatever else is sent.
    qr = services.rotating_qr_text(session, utcnow())
    own = client.post(f"/api/v1/sessions/{session.id}/checkin", json={"qr": qr, "user_id": other.id}, headers=headers)
    assert own.status_code == 422  # unknown fields are rejected outright

    auth.login(learner.email)
    for path in ("roster", "scanner", "present", "codes", "edit", ""):
        assert client.get(f"/attendance/sessions/{session.id}/{path}".rstrip("/")).status_code == 404
    roster = client.post(f"/attendance/sessions/{session.id}/roster", data={f"status-{other.id}": "hadir"})
    assert roster.status_code == 404
    scan_page = client.post(f"/attendance/sessions/{session.id}/scan", data={"qr": services.personal_qr_text(other)})
    assert scan_page.status_code == 404
    assert marks_in(session.id) == []


def test_facilitator_not_listed_on_the_cohort_cannot_run_it(client, auth, training):
    session = make_session(training.cohort)
    outsider = make_user(role=Role.FACILITATOR, organization=training.organization)
    auth.login(outsider.email)
    assert client.get(f"/attendance/sessions/{session.id}").status_code == 404
    assert client.get(f"/attendance/cohorts/{training.cohort.id}").status_code == 404


def test_tenant_isolation(client, auth, training):
    session = make_session(training.cohort)
    other = make_training(slug="ibi", code="ANC-DASAR", learners=1)
    auth.login(other.admin.email)
    for path in (
        f"/attendance/sessions/{session.id}",
        f"/attendance/sessions/{session.id}/present",
        f"/attendance/sessions/{session.id}/present.svg",
        f"/attendance/sessions/{session.id}/report.csv",
        f"/attendance/cohorts/{training.cohort.id}",
        f"/attendance/cohorts/{training.cohort.id}/report.csv",
        f"/api/v1/sessions/{session.id}",
        f"/api/v1/sessions/{session.id}/checkin-code",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/organizations/{training.organization.id}/attendance/weights").status_code == 403
    mine = client.get("/attendance")
    assert mine.status_code == 200
    assert f'data-cohort-id="{other.cohort.id}"'.encode() in mine.data
    assert f'data-cohort-id="{training.cohort.id}"'.encode() not in mine.data


# --- fraud flags and geofence --------------------------------------------------------------------------------------


def test_one_device_checking_in_two_accounts_is_flagged(client, auth, training):
    session = make_session(training.cohort)
    qr = services.rotating_qr_text(session, utcnow())
    for learner in training.learners[:2]:
        headers = {**bearer(client, learner), "X-Device-Id": "same-phone-123"}
        response = client.post(f"/api/v1/sessions/{session.id}/checkin", json={"qr": qr}, headers=headers)
        assert response.status_code == 200
    headers = {**bearer(client, training.learners[2]), "X-Device-Id": "own-phone-456"}
    client.post(f"/api/v1/sessions/{session.id}/checkin", json={"qr": qr}, headers=headers)
    report = services.session_report(training.facilitator, session)
    assert report.flagged_user_ids == {training.learners[0].id, training.learners[1].id}
    auth.login(training.facilitator.email)
    page = client.get(f"/attendance/sessions/{session.id}")
    assert b'data-testid="shared-devices"' in page.data


def test_geofence_needs_a_position_near_the_room(client, training):
    session = make_session(training.cohort, latitude=3.0, longitude=117.0, radius_m=100)
    learner = training.learners[0]
    headers = bearer(client, learner)
    qr = services.rotating_qr_text(session, utcnow())
    url = f"/api/v1/sessions/{session.id}/checkin"
    missing = client.post(url, json={"qr": qr}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "position_needed"
    far = client.post(url, json={"qr": qr, "latitude": 3.01, "longitude": 117.0}, headers=headers)
    assert far.get_json()["error"]["code"] == "outside_geofence"
    near = client.post(url, json={"qr": qr, "latitude": 3.0003, "longitude": 117.0, "accuracy": 20}, headers=headers)
    assert near.status_code == 200
    assert sorted(r.reason for r in refusals_in(session.id)) == ["outside_geofence", "position_needed"]


# --- the share, the requirement, reports ---------------------------------------------------------------------------


def ended(cohort, **fields):
    """A session that ran yesterday (only ended sessions count toward the share)."""
    return make_session(cohort, starts_at=utcnow() - timedelta(days=1), **fields)


def test_attendance_requirement_on_the_enrolment_api_and_page(client, auth, training):
    sessions = [ended(training.cohort, jpl=jpl, title=f"Sesi {jpl}") for jpl in (2, 3, 5)]
    learner = training.learners[0]
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == learner.id)).scalar_one()
    headers = bearer(client, learner)

    def attendance():
        body = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=headers).get_json()
        return next(r for r in body["requirements"] if r["key"] == "attendance")

    assert attendance()["met"] is False
    detail = attendance()["detail"]
    assert "0%" in detail and "95%" in detail
    for session in sessions[:2]:
        services.mark_attendance(training.facilitator, session, learner, "hadir", utcnow())
    db.session.commit()
    assert "50%" in attendance()["detail"] and attendance()["met"] is False
    services.mark_attendance(training.facilitator, sessions[2], learner, "terlambat", utcnow())
    db.session.commit()
    assert attendance()["met"] is True and "100%" in attendance()["detail"]

    own = client.get(f"/api/v1/enrolments/{enrolment.id}/attendance", headers=headers).get_json()
    assert own["share_percent"] == 100 and [s["status"] for s in own["sessions"]] == ["hadir", "hadir", "terlambat"]
    auth.login(learner.email)
    page = client.get(f"/my/attendance/{enrolment.id}")
    assert b'data-percent="100" data-met="true"' in page.data
    other_enrolment = db.session.execute(
        select(Enrolment).where(Enrolment.user_id == training.learners[1].id)
    ).scalar_one()
    assert client.get(f"/my/attendance/{other_enrolment.id}").status_code == 404
    assert client.get(f"/api/v1/enrolments/{other_enrolment.id}/attendance", headers=headers).status_code == 404


def test_org_weights_change_the_share(client, auth, training):
    session = ended(training.cohort, jpl=4)
    learner = training.learners[0]
    services.mark_attendance(training.facilitator, session, learner, "terlambat", utcnow())
    db.session.commit()
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == learner.id)).scalar_one()
    assert services.learner_record(enrolment).percent == 100
    auth.login(training.admin.email)
    url = f"/organizations/{training.organization.id}/attendance/weights"
    assert client.get(url).status_code == 200
    weights = {"hadir": "1", "terlambat": "0.75", "izin": "0", "sakit": "0.5", "alfa": "0"}
    assert client.post(url, data=weights).status_code == 302
    assert services.learner_record(enrolment).percent == 75
    assert client.post(url, data={**weights, "hadir": "2"}).status_code == 422


_NAME = {"id": "Nama", "en": "Name"}


def local_minute(moment) -> str:
    """A UTC moment as the CSV writes it for a reader in WIB."""
    return moment.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d %H:%M")


def session_mark(session, user):
    return db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id, AttendanceMark.user_id == user.id)
    ).scalar_one()


def test_reports_and_csv(client, auth, training):
    session = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=2, minutes=5))
    a, b, _ = training.learners
    a.full_name = '=HYPERLINK("http://evil")'
    db.session.commit()
    services.mark_attendance(training.facilitator, session, a, "hadir", utcnow())
    db.session.commit()
    headers = bearer(client, b)
    client.post(f"/api/v1/sessions/{session.id}/checkin", json={"code": "NOPE22"}, headers=headers)  # still open
    auth.login(training.facilitator.email)
    page = client.get(f"/attendance/sessions/{session.id}")
    assert f'data-user-id="{a.id}" data-status="hadir"'.encode() in page.data
    assert f'data-user-id="{b.id}" data-status="none"'.encode() in page.data
    assert b'data-reason="code_invalid"' in page.data
    marked_at = local_minute(session_mark(session, a).marked_at)
    rows = {r[1]: r for r in csv_in(client, f"/attendance/sessions/{session.id}/report.csv", "id")}
    assert rows["E-mail"] == ["Nama", "E-mail", "Status", "Cara", "Waktu dicatat (WIB)", "Perangkat dipakai bersama"]
    assert rows[a.email] == ['\'=HYPERLINK("http://evil")', a.email, "Hadir", "Manual", marked_at, "Tidak"]
    assert rows[b.email][2:] == ["", "", "", "Tidak"]  # not marked: empty, never "None"
    rows = {r[1]: r for r in csv_in(client, f"/attendance/sessions/{session.id}/report.csv", "en")}
    assert rows["E-mail"] == ["Name", "E-mail", "Status", "How", "Marked at (WIB)", "Shared device"]
    assert rows[a.email][2:] == ["Hadir (present)", "By hand", marked_at, "No"]
    day = local_minute(session.starts_at)[:10]
    for locale, last in (("id", "Kehadiran (persen)"), ("en", "Attendance (percent)")):
        rows = {r[1]: r for r in csv_in(client, f"/attendance/cohorts/{training.cohort.id}/report.csv", locale)}
        assert rows["E-mail"] == [_NAME[locale], "E-mail", f"{day} {session.title} (2 JPL)", last]
        hadir = {"id": "Hadir", "en": "Hadir (present)"}[locale]
        assert rows[a.email] == ['\'=HYPERLINK("http://evil")', a.email, hadir, "100"]
    report = client.get(f"/attendance/cohorts/{training.cohort.id}/report")
    assert f'data-user-id="{a.id}" data-met="true"'.encode() in report.data
    assert f'data-user-id="{b.id}" data-met="false"'.encode() in report.data
    api = client.get(f"/api/v1/sessions/{session.id}").get_json()
    assert api["counts"]["hadir"] == 1 and api["counts"]["participants"] == 3 and api["counts"]["refused"] == 1


def test_sessions_created_and_edited_through_the_pages(client, auth, training):
    auth.login(training.admin.email)
    url = f"/attendance/cohorts/{training.cohort.id}/sessions/new"
    assert client.get(url).status_code == 200
    form = {
        "title": "Hari 1: Kebijakan",
        "starts_at": "2026-03-02T08:00",
        "ends_at": "2026-03-02T11:00",
        "jpl": "4",
        "mode": "luring",
        "place": "Aula Dinkes",
        "facilitators": [str(training.facilitator.id)],
    }
    assert client.post(url, data={**form, "ends_at": "2026-03-02T07:00"}).status_code == 422
    assert client.post(url, data={**form, "latitude": "3.0"}).status_code == 422  # a geofence needs all three
    created = client.post(url, data=form)
    assert created.status_code == 302
    [session] = services.sessions_of(training.cohort.id)
    assert session.starts_at.isoformat() == "2026-03-02T01:00:00+00:00"  # 08:00 WIB
    assert [u.id for u in session.facilitators] == [training.facilitator.id]
    edited = client.post(
        f"/attendance/sessions/{session.id}/edit",
        data={**form, "jpl": "3", "radius_m": "50", "latitude": "3.1", "longitude": "117.2"},
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert session.jpl == 3 and session.has_geofence


def test_present_screen_and_its_qr(client, auth, training):
    session = make_session(training.cohort)
    auth.login(training.facilitator.email)
    page = client.get(f"/attendance/sessions/{session.id}/present")
    assert page.status_code == 200
    assert b'http-equiv="refresh" content="15"' in page.data and b"js/present.js" in page.data
    svg = client.get(f"/attendance/sessions/{session.id}/present.svg")
    assert svg.mimetype == "image/svg+xml" and svg.headers["Cache-Control"] == "no-store"


def test_openapi_lists_the_attendance_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/checkin-code",
        "/api/v1/sessions/{session_id}/checkin",
        "/api/v1/sessions/{session_id}/marks",
        "/api/v1/me/attendance",
    ):
        assert path in paths, path


def test_check_in_methods_are_a_registry_with_verify(training):
    session = make_session(training.cohort)
    now = utcnow()
    rotating = services.CHECKIN_METHODS["rotating_qr"]
    rotating.verify(session, {"qr": services.rotating_qr_text(session, now)}, now)
    with pytest.raises(QrExpired):
        rotating.verify(session, {"qr": services.rotating_qr_text(session, now)}, now + timedelta(seconds=31))
    personal = services.CHECKIN_METHODS["personal_qr"].verify(
        session, {"qr": services.personal_qr_text(training.learners[0])}, now
    )
    assert personal.user_id == training.learners[0].id
    assert set(services.CHECKIN_METHODS) == {"rotating_qr", "personal_qr", "webinar_code", "manual"}
    with pytest.raises(PermissionDenied):
        services.mark_attendance(training.learners[0], session, training.learners[1], "hadir", now)


def test_demo_is_idempotent(app_ctx):
    from lms.accounts.demo import load_demo_accounts
    from lms.attendance.demo import load_demo
    from lms.attendance.models import AttendanceSession
    from lms.courses.demo import load_demo_courses

    load_demo_accounts()
    load_demo_courses()
    first = load_demo()
    db.session.commit()
    second = load_demo()
    db.session.commit()
    assert first == second and "3 sessions" in first[0]
    assert db.session.execute(select(func.count(AttendanceSession.id))).scalar_one() == 3
    assert db.session.execute(select(func.count(AttendanceMark.id))).scalar_one() == 2


def test_a_session_counts_once_ended_and_closing_it_tells_the_certificate_rules(client, auth, training, monkeypatch):
    from lms.courses import requirements

    told = []
    monkeypatch.setattr(requirements, "_LISTENERS", [lambda enrolment: told.append(enrolment.user_id)])
    session = make_session(training.cohort, mode="daring")
    learner = training.learners[0]
    code = services.create_code(training.facilitator, session, utcnow(), minutes=10)
    db.session.commit()
    headers = bearer(client, learner)
    client.post(f"/api/v1/sessions/{session.id}/checkin", json={"code": code.code}, headers=headers)
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == learner.id)).scalar_one()
    # Checked in, but the session is running: nothing is final and nobody is told yet.
    assert services.learner_record(enrolment).percent == 0 and told == []
    with pytest.raises(services.SessionNotEnded):
        services.close_session(training.facilitator, session, utcnow())
    later = session.ends_at + timedelta(minutes=1)
    assert services.learner_record(enrolment, now=later).percent == 100

    session.ends_at = utcnow() - timedelta(minutes=1)  # the webinar is over
    db.session.commit()
    auth.login(training.facilitator.email)
    assert b"/close" in client.get(f"/attendance/sessions/{session.id}").data
    assert client.post(f"/attendance/sessions/{session.id}/close").status_code == 302
    assert sorted(told) == sorted(u.id for u in training.learners)
    assert client.post(f"/attendance/sessions/{session.id}/close").status_code == 302  # again: nothing more
    assert len(told) == len(training.learners)
    assert b'data-testid="closed"' in client.get(f"/attendance/sessions/{session.id}").data


def test_close_ended_command(runner, training):
    done = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=5), hours=1)
    running = make_session(training.cohort)
    result = runner.invoke(args=["attendance", "close-ended"])
    assert result.exit_code == 0, result.output
    assert f"{done.id}: " in result.output and f"{running.id}: " not in result.output
    db.session.expire_all()
    assert done.closed_at is not None and running.closed_at is None
    assert "Closed 0" in runner.invoke(args=["attendance", "close-ended"]).output
