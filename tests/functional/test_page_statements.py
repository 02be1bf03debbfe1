"""What every signed-in page pays before its own work: one statement for the user with her roles and the bell's
count; no new session cookie on a page that changes nothing; and the user is read afresh on every request."""

from __future__ import annotations

import re
import sys
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
from tests.functional.test_verify_status_cache import wait_until
from tests.statements import counted_statements, transaction_commands_sent


def _get(app, client, path: str) -> tuple[list[str], object]:
    client.get(path)  # a first request warms what loads once per process (translations, the catalog body)
    cache = catalog_cache()
    if cache.notices is not None:  # PostgreSQL: the cache starts over once it listens; warm it again then
        cache.notices.start()
        assert wait_until(lambda: cache.listening), "the catalog's listener did not start"
        client.get(path)
    with counted_statements() as statements:
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


def test_the_catalog_signed_in_reads_the_learners_state_with_her(app, app_ctx, client, auth):
    """The body comes from the cache; the page renders several templates, but the bell is not counted again, and the
    learner's course states come in the statement that loads her: one statement in all."""
    make_organization("ppni", name="PPNI")
    learner = make_user("nakes@example.test")
    for code in ("PPI-DASAR", "BHD-1", "LIMBAH-2"):
        version = import_course(make_course_spec(code), publish=True).version
        cohort = Cohort(version=version, name=f"Angkatan {code}", starts_on=date.today(), ends_on=date.today())
        db.session.add(Enrolment(user=learner, cohort=cohort, status=EnrolmentStatus.ACTIVE))
    db.session.commit()
    auth.login("nakes@example.test")

    statements, response = _get(app, client, "/courses")

    assert _tables(statements) == ["users"], statements  # her course states read with her (a page value)
    assert "FROM enrolments" in statements[0]
    assert response.get_data(as_text=True).count('data-state="enrolled"') == 3
    statements, _response = _get(app, client, "/verify")  # only the catalog reads them
    assert "FROM enrolments" not in statements[0]


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
    with counted_statements() as statements:
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


def test_the_signed_in_catalog_sends_no_begin_or_rollback(app, app_ctx, client, auth):
    """Its one read (the user, with her course states) runs outside the request's transaction: no round trips for
    BEGIN and ROLLBACK around it. PostgreSQL's (SQLite's reads are in a file)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("BEGIN and ROLLBACK are round trips on PostgreSQL only")
    make_user("nakes@example.test")
    auth.login("nakes@example.test")
    statements, _response = _get(app, client, "/courses")  # warm (the body cached)
    with transaction_commands_sent() as sent:
        statements, response = _get(app, client, "/courses")
    assert _tables(statements) == ["users"], statements
    assert sent == []
    client.post("/language", data={"locale": "en"})  # a page that writes still commits in its transaction
    assert "My courses" in client.get("/courses").get_data(as_text=True)


def _menu(client) -> str:
    """The page's menu, its logout form's token left out (signed anew for a session's first page)."""
    page = client.get("/verify").get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page[page.index("<nav") : page.index("</nav>")])


MENUS = {  # what each kind of user's menu has beyond a learner's, and what it has not
    "learner": ((), ('/attendance"', "/organizations", "/supervision", "/admin/users")),
    "facilitator": (('href="/attendance"',), ("/organizations", "/supervision", "/admin/users")),
    "org_admin": (('href="/attendance"', "/organizations", "/search"), ("/supervision", "/admin/users")),
    "supervisor": (("/supervision",), ('/attendance"', "/organizations", "/admin/users")),
    "platform_admin": (('href="/attendance"', "/organizations", "/supervision", "/admin/users"), ()),
}


def test_each_user_sees_the_menu_of_her_own_roles_and_language(app, app_ctx, auth, client):
    """The menu's links are kept per process (lms.core.menu): by language and roles, never one user's for another."""
    organization = make_organization()
    users = {
        "learner": make_user("learner@example.test"),
        "facilitator": make_user("fac@example.test", role=Role.FACILITATOR, organization=organization),
        "org_admin": make_user("admin@example.test", role=Role.ORG_ADMIN, organization=organization),
        "supervisor": make_user("sup@example.test", role=Role.SUPERVISOR, organization=organization),
        "platform_admin": make_user("root@example.test", is_platform_admin=True),
    }
    db.session.commit()
    first_menus = {}
    for _round in range(2):  # the second round is served from what the first one kept
        for kind, user in users.items():
            auth.login(user.email)
            menu = _menu(client)
            shown, hidden = MENUS[kind]
            assert "Pelatihan saya" in menu and 'href="/my/record"' in menu, kind
            assert all(link in menu for link in shown), (kind, menu)
            assert not any(link in menu for link in hidden), (kind, menu)
            assert first_menus.setdefault(kind, menu) == menu
            auth.logout()
    auth.login("learner@example.test")
    client.post("/language", data={"locale": "en"})
    english = _menu(client)
    assert "My courses" in english and "Pelatihan saya" not in english
    assert english.replace("My courses", "Pelatihan saya") != first_menus["learner"]  # every word in English


def test_a_known_session_cookie_still_expires_and_a_changed_one_is_refused(app, app_ctx, client, auth, monkeypatch):
    """The cookie's signature is checked once per process (lms.core.application): afterwards it is still refused
    once past the session's lifetime, and any other cookie (one character changed) is checked anew."""
    import time

    make_user("nakes@example.test")
    auth.login("nakes@example.test")
    assert client.get("/my/record").status_code == 200
    assert client.get("/my/record").status_code == 200  # known now
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    tampered = cookie.value[:-2] + ("A" if cookie.value[-2] != "A" else "B") + cookie.value[-1]
    client.set_cookie(cookie.key, tampered)
    assert client.get("/my/record").status_code == 302
    client.set_cookie(cookie.key, cookie.value)
    assert client.get("/my/record").status_code == 200
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr("lms.core.application.time.time", lambda: later)
    assert client.get("/my/record").status_code == 302


def test_the_pages_of_one_session_share_a_signed_form_token_that_is_accepted(app, app_ctx, client, auth):
    """The templates' token is signed once per session's token (lms.core.security.page_csrf_token); tokens have no
    time limit, so it is as good as a fresh one: a form posted with it passes the CSRF check."""
    make_user("nakes@example.test")
    auth.login("nakes@example.test")
    tokens = [
        re.search(r'name="csrf_token" value="([^"]+)"', client.get(p).get_data(as_text=True))[1]
        for p in ("/verify", "/courses", "/verify")
    ]
    assert tokens[1] == tokens[2]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/language", data={"locale": "en", "csrf_token": "forged"}).status_code == 400
        assert client.post("/language", data={"locale": "en", "csrf_token": tokens[2]}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _python_calls(client, path: str) -> int:
    """The Python function calls of one request through the test client (its own share included)."""
    calls = [0]

    def count(_frame, event, _arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        response = client.get(path)
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    return calls[0]


def test_a_signed_in_catalog_page_stays_within_its_calls_budget(app, app_ctx, client, auth):
    """What every signed-in page pays (the session cookie, the user, the layout's menu, form token and strings) is
    paid once per process where it is the same for everyone. Session 15 took it from 3,460 Python calls to 2,340 on
    SQLite (2,490 on PostgreSQL), test client included; the budget leaves room for a little, not for one of those
    costs coming back."""
    make_user("nakes@example.test")
    auth.login("nakes@example.test")
    for _warm in range(3):
        client.get("/courses")
    calls = _python_calls(client, "/courses")
    assert calls < 2_800, calls


def test_the_kept_links_follow_the_root_the_site_is_served_under(app, app_ctx, client, auth):
    """The menu's links and the layout's fixed links (lms.core.urls.page_url_for) are kept per root: a site served
    under a proxy's prefix gets its links with it, after pages without one were kept, and the other way round."""
    make_user("nakes@example.test")
    auth.login("nakes@example.test")
    for _round in range(2):
        plain = client.get("/verify").get_data(as_text=True)
        prefixed = client.get("/verify", environ_overrides={"SCRIPT_NAME": "/lentera"}).get_data(as_text=True)
        assert 'href="/static/css/lentera.css"' in plain and 'href="/my/record"' in plain
        assert 'href="/lentera/static/css/lentera.css"' in prefixed and 'href="/lentera/my/record"' in prefixed
        assert 'href="/lentera/courses"' in prefixed and 'href="/courses"' not in prefixed
