"""Running a cohort at scale: enrolling many people (browser and API), deciding all selected, edit, close, cancel,
mark all present; every action scoped to the admin's own organization."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.accounts.models import MembershipStatus, Role, WorkerMembership
from lms.attendance.models import AttendanceMark, AttendanceStatus
from lms.core.audit import AuditEntry
from lms.core.errors import Conflict
from lms.core.models import utcnow
from lms.courses import services
from lms.courses.enrolment import EnrolmentClosed
from lms.courses.events import cohort_cancelled, cohort_changed, people_enrolled
from lms.courses.models import CohortCancelled, Enrolment, EnrolmentStatus
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_organization, make_user
from tests.factories.attendance import make_session, make_training
from tests.factories.courses import make_enrolment, make_open_cohort, make_published_course


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    admin = make_user("admin-ppni@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en")
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi, locale="en")
    version = make_published_course("PPI-DASAR", organization="ppni")
    cohort = make_open_cohort(admin, version, needs_approval=True)
    learners = [make_user(f"nakes{n}@example.test", full_name=f"Nakes {n:02d}", locale="en") for n in range(6)]
    return SimpleNamespace(ppni=ppni, ibi=ibi, admin=admin, ibi_admin=ibi_admin, cohort=cohort, learners=learners)


@pytest.fixture
def heard():
    """Payloads of the cohort events sent during the test."""
    caught = {"enrolled": [], "cancelled": [], "changed": []}
    listeners = {
        people_enrolled: lambda **p: caught["enrolled"].append(p),
        cohort_cancelled: lambda **p: caught["cancelled"].append(p),
        cohort_changed: lambda **p: caught["changed"].append(p),
    }
    for event, listener in listeners.items():
        event.connect(listener)
    yield caught
    for event, listener in listeners.items():
        event.disconnect(listener)


def _statuses(cohort) -> dict[int, str]:
    rows = db.session.execute(select(Enrolment.user_id, Enrolment.status).where(Enrolment.cohort_id == cohort.id))
    return dict(rows.all())


def test_enrolling_by_ids_and_emails_is_idempotent_and_reports_who_matched_nobody(world, heard):
    a, b, c = world.learners[:3]
    declined = make_enrolment(world.learners[3], world.cohort)
    services.decide_enrolment(world.admin, declined, approve=False, reason="Kuota")
    db.session.commit()

    result = services.enrol_people(
        world.admin,
        world.cohort,
        user_ids=[a.id, b.id, 999_999],
        emails=[" NAKES2@example.test", "nobody@example.test", world.learners[3].email],
        now=utcnow(),
    )
    db.session.commit()
    assert sorted(result.enrolled) == sorted([a.id, b.id, c.id, world.learners[3].id])
    assert result.unknown_user_ids == [999_999]
    assert result.unknown_emails == ["nobody@example.test"]
    assert set(_statuses(world.cohort).values()) == {EnrolmentStatus.ACTIVE}
    assert heard["enrolled"] == [
        {"cohort_id": world.cohort.id, "user_ids": result.enrolled, "by_user_id": world.admin.id}
    ]

    again = services.enrol_people(world.admin, world.cohort, user_ids=[a.id, b.id, c.id], now=utcnow())
    db.session.commit()
    assert again.enrolled == [] and sorted(again.already) == sorted([a.id, b.id, c.id])
    assert len(heard["enrolled"]) == 1
    audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "enrolment.bulk_add")).scalars().all()
    assert len(audit) == 1 and audit[0].details["count"] == 4


def test_too_few_seats_refuses_the_whole_list_and_writes_nothing(world):
    world.cohort.capacity = 2
    db.session.commit()
    with force_locale("en"), pytest.raises(Conflict, match="2 free seats and 3 people"):
        services.enrol_people(world.admin, world.cohort, user_ids=[u.id for u in world.learners[:3]], now=utcnow())
    db.session.rollback()
    assert _statuses(world.cohort) == {}


def test_an_admin_of_another_organization_cannot_enrol_people(world):
    from lms.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.enrol_people(world.ibi_admin, world.cohort, user_ids=[world.learners[0].id], now=utcnow())


def test_api_bulk_enrolment_answers_as_documented_and_only_to_the_cohorts_admin(world, client):
    token = api_token(client, world.admin.email)
    url = f"/api/v1/cohorts/{world.cohort.id}/enrolments"
    body = {"user_ids": [world.learners[0].id], "emails": [world.learners[1].email, "x@example.test"]}
    response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "enrolled": [world.learners[0].id, world.learners[1].id],
        "already": [],
        "unknown_user_ids": [],
        "unknown_emails": ["x@example.test"],
    }
    second = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"}).get_json()
    assert second["enrolled"] == [] and second["already"] == [world.learners[0].id, world.learners[1].id]

    assert client.post(url, json=body).status_code == 401
    other = api_token(client, world.ibi_admin.email)
    refused = client.post(url, json=body, headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    empty = client.post(url, json={}, headers={"Authorization": f"Bearer {token}"})
    assert empty.status_code == 422 and empty.get_json()["error"]["code"] == "invalid_input"


def test_the_browser_enrols_the_ticked_members_and_every_member_matching_a_filter(world, client, auth):
    now = utcnow()
    for n, learner in enumerate(world.learners):
        learner.profession_code = "bidan" if n % 2 else "perawat"
        db.session.add(
            WorkerMembership(user=learner, organization=world.ppni, status=MembershipStatus.CONFIRMED, requested_at=now)
        )
    db.session.commit()
    auth.login(world.admin.email)
    url = f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}/enrol"
    page = client.get(url, query_string={"profession": "bidan"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nakes 01" in html and "Nakes 00" not in html

    response = client.post(url, data={"user_id": [str(world.learners[0].id)]})
    assert response.status_code == 302
    response = client.post(url, data={"all_matching": "1", "profession": "bidan"})
    assert response.status_code == 302
    enrolled = set(_statuses(world.cohort))
    assert enrolled == {world.learners[0].id} | {u.id for n, u in enumerate(world.learners) if n % 2}


def test_person_search_finds_own_members_and_exact_emails_only(world, client, auth):
    stranger = make_user("stranger@example.test", full_name="Nakes Asing")
    db.session.add(
        WorkerMembership(
            user=world.learners[0], organization=world.ppni, status=MembershipStatus.CONFIRMED, requested_at=utcnow()
        )
    )
    db.session.commit()
    auth.login(world.admin.email)
    url = f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}/enrol"
    html = client.get(url, query_string={"q": "nakes"}).get_data(as_text=True)
    assert "Nakes 00" in html and "Nakes Asing" not in html and "Nakes 01" not in html
    html = client.get(url, query_string={"q": stranger.email}).get_data(as_text=True)
    assert "Nakes Asing" in html


def test_approve_and_decline_all_selected(world, client, auth):
    enrolments = [make_enrolment(u, world.cohort) for u in world.learners[:4]]
    assert {e.status for e in enrolments} == {EnrolmentStatus.PENDING}
    auth.login(world.admin.email)
    url = f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}/enrolments/decide-selected"
    page = client.get(f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert 'form="bulk-pending"' in page

    ids = [str(e.id) for e in enrolments[:2]]
    assert client.post(url, data={"enrolment_id": ids, "decision": "approve"}).status_code == 302
    no_reason = client.post(url, data={"enrolment_id": [str(enrolments[2].id)], "decision": "decline"})
    assert "Give a reason" in client.get(no_reason.location).get_data(as_text=True)
    ids = [str(e.id) for e in enrolments[2:]]
    client.post(url, data={"enrolment_id": ids, "decision": "decline", "reason": "Bukan sasaran"})
    statuses = _statuses(world.cohort)
    assert [statuses[u.id] for u in world.learners[:4]] == ["active", "active", "declined", "declined"]


def test_edit_close_and_cancel_a_cohort(world, client, auth, heard):
    learner = world.learners[0]
    make_enrolment(learner, world.cohort)
    auth.login(world.admin.email)
    base = f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}"
    form = client.get(f"{base}/edit").get_data(as_text=True)
    assert 'value="Angkatan 1"' in form
    new_start = date.today() + timedelta(days=14)
    response = client.post(
        f"{base}/edit",
        data={
            "name": "Angkatan 1 (diundur)",
            "mode": "luring",
            "place": "Aula Dinkes",
            "starts_on": new_start.isoformat(),
            "ends_on": (new_start + timedelta(days=3)).isoformat(),
            "needs_approval": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(world.cohort)
    assert world.cohort.name == "Angkatan 1 (diundur)" and world.cohort.starts_on == new_start
    assert set(heard["changed"][0]["changes"]) == {"starts_on", "ends_on", "place", "mode"}
    bad = client.post(
        f"{base}/edit",
        data={"name": "X", "mode": "daring", "starts_on": "2030-01-10", "ends_on": "2030-01-01"},
    )
    assert bad.status_code == 422 and "cannot end before it starts" in bad.get_data(as_text=True)

    assert client.post(f"{base}/close-enrolment").status_code == 302
    db.session.refresh(world.cohort)
    with pytest.raises(EnrolmentClosed):
        services.enrol(world.learners[1], world.cohort, datetime.now(UTC) + timedelta(seconds=1))
    db.session.rollback()

    assert client.post(f"{base}/cancel", data={"reason": ""}).status_code == 422
    assert client.post(f"{base}/cancel", data={"reason": "Narasumber berhalangan"}).status_code == 302
    assert heard["cancelled"] == [
        {"cohort_id": world.cohort.id, "user_ids": [learner.id], "reason": "Narasumber berhalangan"}
    ]
    page = client.get(base).get_data(as_text=True)
    assert "Narasumber berhalangan" in page and "close-enrolment" not in page
    db.session.refresh(world.cohort)
    with pytest.raises(CohortCancelled):
        services.enrol(world.learners[2], world.cohort, datetime.now(UTC))
    assert client.post(f"{base}/cancel", data={"reason": "lagi"}).status_code == 422


def test_another_organizations_admin_gets_403_on_every_cohort_page(world, client, auth):
    auth.login(world.ibi_admin.email)
    base = f"/organizations/{world.ppni.id}/cohorts/{world.cohort.id}"
    for path in ("/edit", "/enrol", "/cancel"):
        assert client.get(base + path).status_code == 403
    assert client.post(base + "/close-enrolment").status_code == 403
    # Through their own organization's URL the cohort does not exist.
    assert client.get(f"/organizations/{world.ibi.id}/cohorts/{world.cohort.id}/edit").status_code == 404
    db.session.refresh(world.cohort)
    assert world.cohort.enrol_closes_at is not None and not world.cohort.is_cancelled


def test_api_cohort_admin_endpoints(world, client):
    token = {"Authorization": f"Bearer {api_token(client, world.admin.email)}"}
    listed = client.get(f"/api/v1/organizations/{world.ppni.id}/cohorts", headers=token).get_json()
    assert [c["id"] for c in listed] == [world.cohort.id]
    changed = client.patch(f"/api/v1/cohorts/{world.cohort.id}", json={"capacity": 30}, headers=token)
    assert changed.status_code == 200 and changed.get_json()["capacity"] == 30
    pending = make_enrolment(world.learners[0], world.cohort)
    decided = client.post(
        f"/api/v1/cohorts/{world.cohort.id}/enrolments/decisions",
        json={"enrolment_ids": [pending.id], "decision": "approve"},
        headers=token,
    )
    assert decided.get_json() == {"decided": 1, "still_waiting": 0, "skipped": 0}
    listed = client.get(f"/api/v1/cohorts/{world.cohort.id}/enrolments?status=active", headers=token).get_json()
    assert [e["user_id"] for e in listed] == [world.learners[0].id]
    closed = client.post(f"/api/v1/cohorts/{world.cohort.id}/close-enrolment", headers=token).get_json()
    assert closed["closed"] is True
    cancelled = client.post(f"/api/v1/cohorts/{world.cohort.id}/cancel", json={"reason": "Banjir"}, headers=token)
    assert cancelled.status_code == 200 and cancelled.get_json()["cancel_reason"] == "Banjir"
    again = client.post(f"/api/v1/cohorts/{world.cohort.id}/cancel", json={"reason": "Banjir"}, headers=token)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_mark_all_present_marks_only_those_not_marked_yet(app_ctx, client, auth):
    training = make_training(learners=3)
    session = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=3))
    from lms.attendance import services as attendance

    attendance.mark_attendance(training.facilitator, session, training.learners[0], AttendanceStatus.SAKIT, utcnow())
    db.session.commit()
    auth.login(training.facilitator.email)
    roster = client.get(f"/attendance/sessions/{session.id}/roster").get_data(as_text=True)
    assert "mark-all-present" in roster
    response = client.post(f"/attendance/sessions/{session.id}/mark-all-present")
    assert response.status_code == 302
    marks = dict(
        db.session.execute(
            select(AttendanceMark.user_id, AttendanceMark.status).where(AttendanceMark.session_id == session.id)
        ).all()
    )
    assert marks == {
        training.learners[0].id: "sakit",
        training.learners[1].id: "hadir",
        training.learners[2].id: "hadir",
    }
    audited = db.session.execute(select(func.count()).where(AuditEntry.action == "attendance.mark")).scalar_one()
    assert audited == 3
