"""Issue 16: a webinar code opened hours before its session does not say "open now" to the facilitator; the page
says when learners can use it (when check-in opens), and a learner trying it early is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.attendance.checkin_rules import Margins, code_window
from lms.attendance.models import CheckinCode
from lms.core.models import utcnow
from lms.extensions import db
from tests.factories.attendance import make_session, make_training

MARGINS = Margins(timedelta(minutes=30), timedelta(minutes=15), timedelta(minutes=15))
T = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_usable_part_of_a_code_is_inside_the_check_in_window():
    early = code_window(T - timedelta(hours=3), T - timedelta(hours=2, minutes=50), T, T + timedelta(hours=2), MARGINS)
    assert not early.ever_usable and early.state_at(T - timedelta(hours=3)) == "closed"
    long = code_window(T - timedelta(hours=1), T + timedelta(hours=1), T, T + timedelta(hours=2), MARGINS)
    assert long.usable_from == T - timedelta(minutes=30) and long.usable_until == T + timedelta(hours=1)
    assert long.state_at(T - timedelta(minutes=45)) == "not_yet"
    assert long.state_at(T) == "usable"
    assert long.state_at(T + timedelta(hours=1)) == "closed"


def test_a_code_made_before_check_in_opens_says_when_it_becomes_usable(client, auth, app_ctx):
    training = make_training(learners=1)
    session = make_session(training.cohort, mode="daring", starts_at=utcnow() + timedelta(hours=2))
    auth.login(training.facilitator.email)
    created = client.post(f"/attendance/sessions/{session.id}/codes", data={"label": "awal", "minutes": 240})
    assert created.status_code == 302
    page = client.get(f"/attendance/sessions/{session.id}/codes").get_data(as_text=True)
    assert 'data-usable="not_yet"' in page and 'data-testid="usable-from"' in page
    assert "open now" not in page and "sedang dibuka" not in page.lower()
    code = db.session.execute(select(CheckinCode).where(CheckinCode.session_id == session.id)).scalar_one()
    assert code.is_open(utcnow())  # the code itself is open; the session is what is not
    auth.logout()

    auth.login(training.learners[0].email)
    tried = client.post(f"/attendance/checkin/{session.id}", data={"code": code.code})
    assert tried.status_code >= 400  # refused, as the facilitator's page said
    from lms.attendance.models import AttendanceMark

    assert db.session.execute(select(AttendanceMark)).first() is None
