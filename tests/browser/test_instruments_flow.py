"""Instruments in a phone browser (360x800): a facilitator scores two learners with the network off and the scores
arrive once; a missed critical step keeps the certificate back until a passing repeat; a learner evaluates two
facilitators, who see nothing until five responses exist; a supervisor answers through the link once."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.core.models import utcnow
from lms.courses.models import Cohort, Enrolment
from lms.courses.requirements import requirements_for
from lms.extensions import db
from lms.instruments import services
from lms.instruments.items import InstrumentPurpose
from lms.instruments.models import InstrumentResponse
from tests.browser.conftest import TIMEOUT_MS, translated
from tests.browser.test_checkin_flow import log_in
from tests.factories import make_user
from tests.factories.attendance import add_member
from tests.factories.instruments import ALL_CORRECT, MISSED_CRITICAL, add_checklist, make_attended_training

SMALL_PHONE = {"width": 360, "height": 800}


def _phone(browser: Browser, live_server: str) -> Page:
    context = browser.new_context(viewport=SMALL_PHONE, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def _responses(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(InstrumentResponse)).scalar_one()


def _checklist_met(app: Flask, enrolment_id: int) -> bool:
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        return {r.key: r.met for r in requirements_for(enrolment)}["checklist:rjp-uji"]


def _score(page: Page, app: Flask, learner_name: str, answers: dict) -> None:
    page.select_option("#learner_id", label=learner_name)
    for item_id, value in answers.items():
        page.check(f"input[name='item-{item_id}'][value='{value}']")
    page.get_by_role("button", name=translated(app, "id", "Save score")).click()


def test_facilitator_scores_offline_and_the_scores_arrive_once(browser: Browser, live_server: str, app: Flask):
    with app.app_context():
        training, _session = make_attended_training(learners=2)
        instrument = add_checklist(training, required=True)
        first, second = training.learners
        names = first.full_name, second.full_name
        enrolment_ids = [e.id for e in training.cohort.enrolments]
        url = f"/instruments/cohorts/{training.cohort.id}/checklists/{instrument.id}"
        facilitator_email = training.facilitator.email
    page = _phone(browser, live_server)
    page.goto("/login")
    log_in(page, app, facilitator_email)
    page.goto(url)
    pending = page.locator("[data-pending]")

    page.context.set_offline(True)
    _score(page, app, names[0], MISSED_CRITICAL)
    expect(pending).to_have_text("1")
    _score(page, app, names[1], ALL_CORRECT)
    expect(pending).to_have_text("2")
    page.wait_for_timeout(300)
    assert _responses(app) == 0
    kept = page.evaluate("Object.keys(localStorage).map(k => localStorage.getItem(k))[0]")

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(pending).to_have_text("0", timeout=TIMEOUT_MS)
    assert _responses(app) == 2
    # The phone never heard the answer (say the connection dropped): it sends the same scores again.
    page.evaluate("kept => localStorage.setItem(Object.keys(localStorage)[0], kept)", kept)
    page.reload()
    expect(pending).to_have_text("0", timeout=TIMEOUT_MS)
    expect(page.locator("[data-log] li").first).to_contain_text(translated(app, "id", "Already recorded"))
    assert _responses(app) == 2

    assert _checklist_met(app, enrolment_ids[0]) is False  # missed a critical step
    assert _checklist_met(app, enrolment_ids[1]) is True
    _score(page, app, names[0], ALL_CORRECT)  # the repeat, online
    expect(pending).to_have_text("0", timeout=TIMEOUT_MS)
    assert _responses(app) == 3
    assert _checklist_met(app, enrolment_ids[0]) is True
    page.context.close()


def test_learner_evaluates_two_facilitators_who_see_only_aggregates_of_five(
    browser: Browser, live_server: str, app: Flask
):
    with app.app_context():
        training, _session = make_attended_training(learners=5)
        second_facilitator = make_user(full_name="Fasilitator Kedua")
        add_member(second_facilitator, training.organization, Role.FACILITATOR)
        cohort = db.session.get(Cohort, training.cohort.id)
        cohort.facilitators.append(second_facilitator)
        db.session.commit()
        learner_email = training.learners[0].email
        others = [learner.id for learner in training.learners[1:]]
        facilitator_email = training.facilitator.email

    learner_page = _phone(browser, live_server)
    learner_page.goto("/login")
    log_in(learner_page, app, learner_email)
    learner_page.goto("/evaluations")
    links = learner_page.locator(
        "[data-pending-evaluations] a", has_text=translated(app, "id", "Facilitator evaluation")
    )
    expect(links).to_have_count(2)
    for _ in range(2):
        learner_page.locator(
            "[data-pending-evaluations] a", has_text=translated(app, "id", "Facilitator evaluation")
        ).first.click()
        for radio in learner_page.locator("input[type=radio][value='4']").all():
            radio.check()
        learner_page.get_by_role("button", name=translated(app, "id", "Send")).click()
        expect(learner_page.locator(".flash-success")).to_be_visible()
    expect(links).to_have_count(0)
    learner_page.context.close()
    assert _responses(app) == 2

    facilitator_page = _phone(browser, live_server)
    facilitator_page.goto("/login")
    log_in(facilitator_page, app, facilitator_email)
    facilitator_page.goto("/evaluations/about-me")
    expect(facilitator_page.locator("[data-too-few]")).to_be_visible()
    expect(facilitator_page.locator("[data-aggregate]")).to_have_count(0)

    with app.app_context():
        for user_id in others:
            learner = db.session.get(type(training.facilitator), user_id)
            for asked in services.pending_for(learner, utcnow()):
                if asked.purpose == InstrumentPurpose.FACILITATOR_EVALUATION:
                    answers = {i.id: 5 for i in asked.instrument.items if i.kind == "likert"}
                    services.submit(learner, str(asked.key), answers, utcnow())
        db.session.commit()
    facilitator_page.reload()
    expect(facilitator_page.locator("[data-aggregate]")).to_contain_text("5")
    expect(facilitator_page.locator("svg.chart").first).to_be_visible()
    assert "Peserta" not in facilitator_page.content()  # no learner's name anywhere
    facilitator_page.context.close()


def test_supervisor_answers_through_the_link_once_without_an_account(browser: Browser, live_server: str, app: Flask):
    from datetime import timedelta

    with app.app_context():
        training, _session = make_attended_training(learners=1)
        cohort = db.session.get(Cohort, training.cohort.id)
        cohort.starts_on = utcnow().date() - timedelta(days=100)
        cohort.ends_on = utcnow().date() - timedelta(days=95)
        db.session.commit()
        learner = training.learners[0]
        [asked] = [a for a in services.pending_for(learner, utcnow()) if a.purpose == InstrumentPurpose.POST_TRAINING]
        invitation = services.invite_supervisor(learner, str(asked.key), "dr. Sri Wahyuni", None, utcnow())
        db.session.commit()
        link = f"/pt/{services.token_for(invitation)}"

    page = _phone(browser, live_server)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Evaluasi pasca pelatihan")
    for radio in page.locator("input[type=radio][value='3']").all():
        radio.check()
    page.check("input[name='item-perubahan'][value='1']")
    page.get_by_role("button", name=translated(app, "id", "Send")).click()
    expect(page.locator("[data-supervisor-done]")).to_be_visible()
    page.goto(link)
    expect(page.locator("[data-link-refused]")).to_be_visible()
    with app.app_context():
        roles = db.session.execute(select(InstrumentResponse.respondent_role)).scalars().all()
    assert roles == ["supervisor"]
    page.context.close()
