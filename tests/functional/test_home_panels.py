"""Issue 16: a home for each role that says what is next, from panels each feature registers (the core imports none)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lms.core.home import panels_for, register_home_panel
from lms.core.models import utcnow

DEMO_PASSWORD = "lentera-demo"


@pytest.fixture
def demo(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _panels(client, email: str) -> dict[str, str]:
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    page = client.get("/").get_data(as_text=True)
    client.post("/logout")
    return dict(re.findall(r'data-panel="([\w-]+)">(.*?)</section>', page, re.S))


def test_the_learner_sees_each_course_with_its_next_step_and_her_skp(client, demo):
    panels = _panels(client, "perawat@lentera.test")
    steps = re.findall(r'data-enrolment="\d+" data-step="([\w-]+)"', panels["next-steps"])
    assert steps, panels["next-steps"]
    assert "skp-standing" in panels and 'data-testid="home-skp-earned"' in panels["skp-standing"]
    assert "enrolment-requests" not in panels and "activity-reviews" not in panels


def test_the_learner_is_sent_to_todays_session_check_in(client, demo):
    panels = _panels(client, "perawat@lentera.test")
    assert re.search(r'href="/attendance/checkin/\d+"', panels["sessions-today"])


def test_the_facilitator_sees_the_sessions_to_run_today(client, demo):
    panels = _panels(client, "fasilitator@lentera.test")
    assert re.search(r'href="/attendance/sessions/\d+"', panels["sessions-to-run"])
    assert "next-steps" not in panels


def test_the_admin_sees_pending_work(client, demo):
    panels = _panels(client, "ppni@lentera.test")
    assert re.search(r'href="/organizations/\d+/activities"', panels["activity-reviews"])
    assert 'data-waiting="1"' in panels["activity-reviews"]


def test_panels_with_nothing_to_show_stay_out_and_order_holds(app_ctx):
    from tests.factories import make_user

    register_home_panel("test-empty", "core/home.html", lambda user, now: [], order=1)
    register_home_panel("test-first", "core/home.html", lambda user, now: ["x"], order=0)
    try:
        shown = [p.name for p in panels_for(make_user(), utcnow())]
        assert shown[0] == "test-first" and "test-empty" not in shown
    finally:
        from lms.core import home

        home._PANELS.pop("test-empty")
        home._PANELS.pop("test-first")


def test_the_core_imports_no_feature_for_its_home():
    for module in ("home.py", "views.py"):
        tree = ast.parse((Path(__file__).resolve().parents[2] / "lms" / "core" / module).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        allowed = ("lms.core", "flask", "__future__", "collections", "dataclasses", "datetime", "typing")
        assert all(name.startswith(allowed) for name in imported), imported


def test_the_supervisor_sees_the_region_at_a_glance(client, demo):
    panels = _panels(client, "dinkes@lentera.test")
    glance = panels["region-glance"]
    assert 'href="/supervision/coverage"' in glance
    facilities = int(re.search(r'data-figure="facilities">(\d+)', glance).group(1))
    short = int(re.search(r'data-figure="facilities-short">(\d+)', glance).group(1))
    assert facilities >= 1 and 0 <= short <= facilities
