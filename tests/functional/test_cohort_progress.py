"""Who is behind in a cohort: lessons against the cohort's pace, open rules; only the cohort's facilitators and the
organization's admins see it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from lms.accounts.models import Role
from lms.attendance.services import expected_share, lessons_expected
from lms.courses.models import Cohort
from lms.extensions import db
from tests.conftest import Auth
from tests.factories import make_organization, make_user
from tests.factories.certificates import complete_lessons, enrol, make_cohort, make_published_version


def rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-learner="(\d+)" data-behind="(\w+)"', html))


def test_pace_is_the_share_of_the_cohorts_days():
    start, end = date(2026, 1, 1), date(2026, 1, 11)
    assert expected_share(start, end, date(2025, 12, 31)) == 0
    assert expected_share(start, end, date(2026, 1, 6)) == 0.5
    assert expected_share(start, end, date(2026, 1, 11)) == 1
    assert lessons_expected(3, 0.5) == 1 and lessons_expected(3, 0.99) == 2 and lessons_expected(3, 1.0) == 3


def test_facilitator_sees_who_is_behind_and_others_do_not(client, app_ctx):
    ppni = make_organization("ppni")
    version = make_published_version()
    cohort = make_cohort(version)  # started 3 days ago, ends in 3 days: half way
    facilitator = make_user("fasil@x.test", role=Role.FACILITATOR, organization=ppni)
    cohort.facilitators.append(facilitator)
    db.session.commit()
    other_facilitator = make_user("other@x.test", role=Role.FACILITATOR, organization=ppni)
    ahead, behind = make_user("ahead@x.test", full_name="Ahead"), make_user("late@x.test", full_name="Late")
    complete_lessons(ahead, enrol(ahead, cohort))
    enrol(behind, cohort)

    auth = Auth(client)
    auth.login(facilitator.email)
    page = client.get(f"/attendance/cohorts/{cohort.id}/progress")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert rows(html) == {str(behind.id): "yes", str(ahead.id): "no"}
    late_row = html.split(f'data-learner="{behind.id}"')[1].split("</tr>")[0]
    assert 'data-open="lessons"' in late_row
    ahead_row = html.split(f'data-learner="{ahead.id}"')[1].split("</tr>")[0]
    assert "data-open=" not in ahead_row
    # Those behind come first.
    assert html.index(f'data-learner="{behind.id}"') < html.index(f'data-learner="{ahead.id}"')
    auth.logout()

    for outsider in (other_facilitator, ahead):
        auth.login(outsider.email)
        assert client.get(f"/attendance/cohorts/{cohort.id}/progress").status_code == 404
        auth.logout()


def test_before_the_start_nobody_is_behind_and_after_the_end_anything_open_is(client, app_ctx):
    ppni = make_organization("ppni")
    admin = make_user("admin@x.test", role=Role.ORG_ADMIN, organization=ppni)
    version = make_published_version()
    learner = make_user("late@x.test")
    cohort = make_cohort(version, starts_on=date.today() + timedelta(days=2), ends_on=date.today() + timedelta(days=9))
    enrol(learner, cohort)
    Auth(client).login(admin.email)
    assert rows(client.get(f"/attendance/cohorts/{cohort.id}/progress").get_data(as_text=True)) == {
        str(learner.id): "no"
    }
    ended = db.session.get(Cohort, cohort.id)
    ended.starts_on, ended.ends_on = date.today() - timedelta(days=20), date.today() - timedelta(days=10)
    db.session.commit()
    assert rows(client.get(f"/attendance/cohorts/{cohort.id}/progress").get_data(as_text=True)) == {
        str(learner.id): "yes"
    }
