"""The post-training evaluation: opens N months after the cohort's end; the supervisor's signed link needs no
account, serves one purpose, takes one submission; and `lms demo` shows every part of the instruments feature."""

from datetime import timedelta

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from lms.accounts.services import find_user_by_email
from lms.core.models import utcnow
from lms.courses.models import Cohort
from lms.extensions import db
from lms.instruments import services
from lms.instruments.items import InstrumentPurpose
from lms.instruments.models import InstrumentResponse, SupervisorInvitation
from tests.factories.instruments import make_attended_training


def _ended_months_ago(training, days: int) -> None:
    cohort = db.session.get(Cohort, training.cohort.id)
    cohort.starts_on = utcnow().date() - timedelta(days=days + 5)
    cohort.ends_on = utcnow().date() - timedelta(days=days)
    db.session.commit()


def _post(learner):
    return [a for a in services.pending_for(learner, utcnow()) if a.purpose == InstrumentPurpose.POST_TRAINING]


SELF = {"penerapan": 3, "sesuai-standar": 3, "percaya-diri": 2, "berbagi": 2, "perubahan": 1}


def test_post_training_opens_after_the_set_months_and_the_supervisor_answers_once_without_an_account(
    app_ctx, client, auth
):
    training, _session = make_attended_training(learners=1)
    learner = training.learners[0]
    _ended_months_ago(training, 60)
    assert _post(learner) == []  # default 3 months: not yet
    _ended_months_ago(training, 95)
    [asked] = _post(learner)
    key = str(asked.key)

    auth.login(learner.email)
    page = client.get(f"/evaluations/{key}")
    assert page.status_code == 200 and "atasan langsung" in page.get_data(as_text=True).lower()
    form = {f"item-{k}": v for k, v in SELF.items()}
    assert client.post(f"/evaluations/{key}", data=form).status_code == 302
    client.post(f"/evaluations/{key}/supervisor", data={"supervisor_name": "dr. Sri", "supervisor_email": ""})
    invitation = db.session.execute(select(SupervisorInvitation)).scalar_one()
    token = services.token_for(invitation)
    # The page shows the same link (its signature carries the second it was made, so compare the signed payload).
    assert f"/pt/{token.split('.')[0]}." in client.get(f"/evaluations/{key}").get_data(as_text=True)
    auth.logout()

    link = f"/pt/{token}"
    page = client.get(link)
    assert page.status_code == 200 and learner.full_name in page.get_data(as_text=True)
    refused = client.post(link, data={"item-penerapan": "9"})
    assert "di luar skala" in refused.get_data(as_text=True)
    done = client.post(link, data={f"item-{k}": v for k, v in SELF.items()})
    assert done.status_code == 200 and "data-supervisor-done" in done.get_data(as_text=True)
    for second_use in (client.get(link), client.post(link, data={f"item-{k}": v for k, v in SELF.items()})):
        assert second_use.status_code == 409 and "sudah dikirim melalui tautan" in second_use.get_data(as_text=True)
    roles = db.session.execute(
        select(InstrumentResponse.respondent_role, func.count()).group_by(InstrumentResponse.respondent_role)
    ).all()
    assert sorted(roles) == [("learner", 1), ("supervisor", 1)]

    report = services.course_report(training.cohort.version.course, utcnow().date(), with_learning=False)
    (row,) = report.post_training
    assert (row.due, row.self_responses, row.supervisor_responses, row.response_rate) == (1, 1, 1, 100)


def test_a_forged_replaced_or_other_purpose_link_is_refused(app_ctx, client, auth, app):
    training, _session = make_attended_training(learners=1)
    learner = training.learners[0]
    _ended_months_ago(training, 95)
    key = str(_post(learner)[0].key)
    invitation = services.invite_supervisor(learner, key, "dr. Sri", None, utcnow())
    db.session.commit()
    old_token = services.token_for(invitation)
    services.invite_supervisor(learner, key, "dr. Budi", None, utcnow())  # a new invitation replaces the old link
    db.session.commit()
    assert client.get(f"/pt/{old_token}").status_code == 404
    other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"i": invitation.id, "n": invitation.nonce}
    )
    assert client.get(f"/pt/{other_purpose}").status_code == 404
    assert client.get("/pt/not-a-token").status_code == 404
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/pt/{services.token_for(invitation)}").status_code == 409


def test_demo_shows_every_part_of_instruments(app_ctx, runner):
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    nurse = find_user_by_email("perawat@lentera.test")
    results = services.learner_results(nurse)
    assert [r.passed for r in results] == [True, False] and results[0].instrument.key == "rjp-dewasa"
    pending = {(a.purpose, a.enrolment.cohort.version.course.code) for a in services.pending_for(nurse, utcnow())}
    assert (InstrumentPurpose.FACILITATOR_EVALUATION, "PPI-DASAR") in pending
    assert (InstrumentPurpose.ORGANIZER_EVALUATION, "PPI-DASAR") in pending
    answered = {a.purpose for a in services.answered_by(nurse, utcnow())}
    assert InstrumentPurpose.POST_TRAINING in answered
    supervisor = db.session.execute(
        select(func.count()).where(InstrumentResponse.respondent_role == "supervisor")
    ).scalar_one()
    assert supervisor == 1
