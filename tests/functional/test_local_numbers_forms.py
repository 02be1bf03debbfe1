"""Issue 16: number fields that take decimals read `2,5` as 2.5 on Indonesian pages, refuse what is not a number
with a message in the user's language, and show stored values in the user's notation."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from lms.accounts.models import Role
from lms.attendance import services as attendance
from lms.extensions import db
from lms.records.models import ExternalActivity
from tests.factories import make_organization, make_user
from tests.functional.test_records import activity_form


def _claims() -> list[Decimal]:
    return list(db.session.execute(select(ExternalActivity.skp_claimed)).scalars())


def test_indonesian_skp_claim_with_a_comma_is_two_and_a_half(client, auth, app_ctx):
    ppni = make_organization("ppni")
    nurse = make_user(locale="id")
    auth.login(nurse.email)
    form = client.get("/my/record/activities/new").get_data(as_text=True)
    assert re.search(r'<input [^>]*inputmode="decimal"[^>]*name="skp_claimed"[^>]*type="text"', form)
    response = client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id, skp_claimed="2,5"))
    assert response.status_code == 302
    assert _claims() == [Decimal("2.50")]  # never 25


def test_a_claim_that_is_no_number_is_refused_in_the_users_language(client, auth, app_ctx):
    ppni = make_organization("ppni")
    auth.login(make_user(locale="en").email)
    refused = client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id, skp_claimed="2,5"))
    assert refused.status_code == 422
    assert "is not a number. Write it like 2.5." in refused.get_data(as_text=True)
    auth.logout()
    auth.login(make_user(locale="id").email)
    refused = client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id, skp_claimed="dua"))
    assert refused.status_code == 422
    assert "bukan angka. Tulis seperti 2,5." in refused.get_data(as_text=True)
    assert 'value="dua"' in refused.get_data(as_text=True)  # kept for correction
    assert _claims() == []


def test_attendance_weights_take_a_comma_and_show_one(client, auth, app_ctx):
    ppni = make_organization("ppni")
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni, locale="id")
    auth.login(admin.email)
    url = f"/organizations/{ppni.id}/attendance/weights"
    weights = {"hadir": "1", "terlambat": "0,75", "izin": "0", "sakit": "0,5", "alfa": "0"}
    assert client.post(url, data=weights).status_code == 302
    assert attendance.weights_for(ppni.id)["terlambat"] == Decimal("0.75")
    assert 'value="0,75"' in client.get(url).get_data(as_text=True)


def test_today_is_the_viewers_date_not_the_utc_one(app, app_ctx):
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from flask_login import login_user, logout_user

    from lms.core.i18n import TimeZone, local_today

    nurse = make_user(timezone=TimeZone.WITA)
    half_past_midnight = datetime(2026, 12, 4, 0, 30, tzinfo=ZoneInfo("Asia/Makassar")).astimezone(UTC)
    assert half_past_midnight.date() == date(2026, 12, 3)  # the UTC date is still yesterday's
    with app.test_request_context():
        login_user(nurse)
        assert local_today(half_past_midnight) == date(2026, 12, 4)
        logout_user()  # nobody logged in: the platform's zone (WIB), 23:30 on the 3rd
        assert local_today(half_past_midnight) == date(2026, 12, 3)


def test_the_reviewing_organization_defaults_to_the_workers_own(client, auth, app_ctx):
    from lms.accounts.models import OrganizationKind

    make_organization("aaa", name="AAA Organisasi Lain", kind=OrganizationKind.PROFESSIONAL)
    ibi = make_organization("ibi", name="IBI", kind=OrganizationKind.PROFESSIONAL)
    midwife = make_user(role=Role.MEMBER, organization=ibi)
    auth.login(midwife.email)
    form = client.get("/my/record/activities/new").get_data(as_text=True)
    assert re.search(rf'<option selected value="{ibi.id}">IBI</option>', form)


def test_a_quiz_score_is_shown_in_the_learners_notation(client, auth, app_ctx):
    from tests.factories.quizzes import make_quiz_setup, single_spec
    from tests.functional.test_quiz_taking import attempt_id_from

    setup = make_quiz_setup([single_spec(1), single_spec(2), single_spec(3)])
    setup.learner.locale = "id"
    db.session.commit()
    auth.login(setup.learner.email)
    attempt_id = attempt_id_from(client.post(f"/quizzes/{setup.quiz.id}/attempts"))
    first = setup.questions[0]
    client.post(f"/attempts/{attempt_id}/answers?page=1", data={f"shown-{first.id}": "1", f"q-{first.id}": "1"})
    client.post(f"/attempts/{attempt_id}/submit")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-testid="score">33,33<' in result
