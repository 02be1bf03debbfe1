"""What every signed-in page pays before its own work: one statement for the user with her roles and the bell's
count; no new session cookie on a page that changes nothing; and the user is read afresh on every request."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_login import login_user

from lms.accounts.models import Membership, Role
from lms.courses.catalog_cache import catalog_cache
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.services import import_course
from lms.extensions import db
from lms.notifications.models import Notification
from lms.notifications.views import unread_notifications
from tests.factories import make_course_spec, make_organization, make_user
from tests.functional.test_record_statements import counted_statements
from tests.functional.test_verify_status_cache import wait_until


def _get(app, client, path: str) -> tuple[list[str], object]:
    client.get(path)  # a first request warms what loads once per process (translations, the catalog body)
    cache = catalog_cache()
    if cache.notices is not None:  # PostgreSQL: the cache starts over once it listens; warm it again then
        cache.notices.start()
        assert wait_until(lambda: cache.listening), "the catalog's listener did not start"
        client.get(path)
    with counted_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return statements, response


def _tables(statements: list[str]) -> list[str]:
    """Each statement by the table of its main FROM ("users", "notifications", ...; a subquery's comes first)."""
    return [re.findall(r"\sFROM\s+(\w+)", statement)[-1] for statement in statements]


@pytest.mark.parametrize("roles", [0, 3])
def test_a_signed_in_page_costs_one_statement_before_its_own_work(app, app_ctx, client, auth, roles):
    user = make_user("nakes@example.test")
    for n in range(roles):
        db.session.add(Membership(user=user, organization=make_organization(f"org-{roles}-{n}"), role=Role.MEMBER))
    db.session.add(Notification(user_id=user.id, kind="certificate_issued", params={}))
    db.session.commit()
    auth.login("nakes@example.test")

    statements, response = _get(app, client, "/verify")  # the manual check: no database work of its own

    assert _tables(statements) == ["users"], statements
    assert "FROM notifications" in statements[0]  # the bell's count, read with her
    assert 'data-unread="1"' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # nothing changed: the session cookie is not signed and sent again


def test_the_catalog_signed_in_reads_the_learners_state_in_one_statement(app, app_ctx, client, auth):
    """The body comes from the cache; the page renders several templates, but the bell is not counted again."""
    make_organization("ppni", name="PPNI")
    learner = make_user("nakes@example.test")
    for code in ("PPI-DASAR", "BHD-1", "LIMBAH-2"):
        version = import_course(make_course_spec(code), publish=True).version
        cohort = Cohort(version=version, name=f"Angkatan {code}", starts_on=date.today(), ends_on=date.today())
        db.session.add(Enrolment(user=learner, cohort=cohort, status=EnrolmentStatus.ACTIVE))
    db.session.commit()
    auth.login("nakes@example.test")

    statements, response = _get(app, client, "/courses")

    assert _tables(statements) == ["users", "enrolments"], statements
    assert response.get_data(as_text=True).count('data-state="enrolled"') == 3


def test_a_role_given_shows_in_the_menu_at_the_next_request(app, app_ctx, client, auth):
    """The user and her roles are read on every request, never kept between requests."""
    user = make_user("nakes@example.test")
    auth.login("nakes@example.test")
    assert "/attendance" not in client.get("/verify").get_data(as_text=True)
    db.session.add(Membership(user=user, organization=make_organization(), role=Role.FACILITATOR))
    db.session.commit()
    assert 'href="/attendance"' in client.get("/verify").get_data(as_text=True)


def test_a_deactivated_account_is_signed_out_at_the_next_request(app, app_ctx, client, auth):
    user = make_user("nakes@example.test")
    auth.login("nakes@example.test")
    assert client.get("/my/record").status_code == 200
    user.is_active_account = False
    db.session.commit()
    assert client.get("/my/record").status_code == 302


def test_a_json_request_with_the_session_cookie_does_not_count_the_bell(app, app_ctx, client, auth):
    make_user("nakes@example.test")
    auth.login("nakes@example.test")
    client.get("/api/v1/me")
    with counted_statements(app) as statements:
        assert client.get("/api/v1/me").status_code in (200, 401)
    assert not [s for s in statements if "notifications" in s], statements


def test_the_bell_right_after_logging_in_counts_for_itself(app, app_ctx):
    """A page rendered in the request that logs the user in (she was not loaded from the cookie) still shows it."""
    user = make_user("nakes@example.test")
    db.session.add(Notification(user_id=user.id, kind="certificate_issued", params={}))
    db.session.commit()
    with app.test_request_context("/"):
        login_user(user)
        assert unread_notifications() == 1
