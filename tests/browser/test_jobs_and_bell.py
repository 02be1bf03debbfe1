"""Through a real browser: the cohort's certificates are issued by a job whose progress bar polls the API and
reloads the page when the job is over; the learner's bell counts her notifications and "mark all read" clears it."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.extensions import db
from lms.jobs.models import JobRun
from tests.browser.conftest import translated
from tests.browser.test_study_flow import log_in
from tests.factories import make_user
from tests.factories.certificates import complete_lessons, enrol, make_certificate_world

LOCALE = "id"


def test_progress_bar_follows_a_running_job_and_the_bell_counts(page: Page, live_server: str, app: Flask):
    with app.app_context():
        world = make_certificate_world(certificate_needs_approval=True)
        learner = make_user("rina@example.test", full_name="Rina")
        complete_lessons(learner, enrol(learner, world.cohort))
        # A job another worker is running: the page shows its bar and polls.
        running = JobRun(kind="certificates.issue_cohort", subject=f"cohort:{world.cohort.id}",
                         started_by_id=world.admin.id, state="running", total=4, done=1)  # fmt: skip
        db.session.add(running)
        db.session.commit()
        ids = (world.organization.id, world.cohort.id, running.id)
        admin_email = world.admin.email

    def t(message: str, locale: str = LOCALE) -> str:
        return translated(app, locale, message)

    log_in(page, app, admin_email)
    page.goto(f"/organizations/{ids[0]}/cohorts/{ids[1]}/certificates")
    bar = page.locator(f"[data-job-run='{ids[2]}'] progress")
    expect(bar).to_have_attribute("value", "25")
    with app.app_context():
        run = db.session.get(JobRun, ids[2])
        run.done = 3
        db.session.commit()
    expect(bar).to_have_js_property("value", 75)  # moved by the script, no reload
    with app.app_context():
        run = db.session.get(JobRun, ids[2])
        run.state, run.done, run.outcome = "finished", 4, {"issued": 4, "not_eligible": 0}
        db.session.commit()
    # Over: the script reloads; a finished run shows only when asked for (?job=), so the bar is gone.
    expect(page.locator("[data-job-run]")).to_have_count(0)

    # The admin issues for real: a job (immediate here) and the page it returns to says what it did.
    # (The admin reads English: make_certificate_world gives her locale "en".)
    page.get_by_role("button", name=t("Approve and issue all eligible", "en")).click()
    expect(page.get_by_test_id("job-outcome")).to_have_text(
        t("%(issued)d certificates issued; %(left)d not eligible yet.", "en") % {"issued": 1, "left": 0}
    )
    with app.app_context():
        assert db.session.execute(select(JobRun).order_by(JobRun.id.desc())).scalars().first().state == "finished"

    # The learner's bell: one notification (her certificate), gone after "mark all read".
    page.context.clear_cookies()
    log_in(page, app, "rina@example.test")
    bell = page.get_by_test_id("bell")
    expect(bell.locator("[data-unread]")).to_have_text("1")
    bell.click()
    expect(page.locator("[data-kind='certificate_issued']")).to_be_visible()
    page.get_by_role("button", name=t("Mark all read")).click()
    expect(page.get_by_test_id("bell").locator("[data-unread]")).to_have_count(0)
