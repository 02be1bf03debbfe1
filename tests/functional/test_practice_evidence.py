"""A post-training evaluation answered at work (by the alumnus, then by the supervisor) shows on the competency
record page and in GET /api/v1/me/record as evidence of practice, once per response and without SKP."""

from datetime import timedelta

from sqlalchemy import func, select

from lms.core.models import utcnow
from lms.courses.models import Cohort
from lms.extensions import db
from lms.instruments import services
from lms.instruments.events import post_training_answered
from lms.instruments.items import InstrumentPurpose
from lms.records.models import PracticeEvidence, SkpEntry
from tests.conftest import api_token
from tests.factories.instruments import make_attended_training

SELF = {"penerapan": 3, "sesuai-standar": 3, "percaya-diri": 2, "berbagi": 2, "perubahan": 1}


def test_post_training_answers_become_practice_evidence_on_the_record(app_ctx, client, auth):
    training, _session = make_attended_training(learners=1)
    learner = training.learners[0]
    cohort = db.session.get(Cohort, training.cohort.id)
    cohort.starts_on, cohort.ends_on = utcnow().date() - timedelta(days=100), utcnow().date() - timedelta(days=95)
    db.session.commit()
    [asked] = [a for a in services.pending_for(learner, utcnow()) if a.purpose == InstrumentPurpose.POST_TRAINING]
    key = str(asked.key)
    entries_before = db.session.execute(select(func.count()).select_from(SkpEntry)).scalar_one()

    auth.login(learner.email)
    assert "practice-evidence" not in client.get("/my/record").get_data(as_text=True)
    form = {f"item-{k}": v for k, v in SELF.items()}
    assert client.post(f"/evaluations/{key}", data=form).status_code == 302
    client.post(f"/evaluations/{key}", data=form)  # a second send records nothing more
    invitation = services.invite_supervisor(learner, key, "dr. Sri", None, utcnow())
    db.session.commit()
    assert client.post(f"/pt/{services.token_for(invitation)}", data=form).status_code == 200

    page = client.get("/my/record").get_data(as_text=True)
    section = page[page.index('id="practice-evidence"') :]
    title = training.cohort.version.title
    assert section.count(title) == 2
    assert "evaluasi diri" in section and "dinilai atasan" in section

    token = api_token(client, learner.email)
    body = client.get("/api/v1/me/record", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert sorted(p["respondent"] for p in body["practice"]) == ["learner", "supervisor"]
    assert {p["course_title"] for p in body["practice"]} == {title}
    assert body["practice"][0]["answered_on"] == utcnow().date().isoformat()
    assert db.session.execute(select(func.count()).select_from(PracticeEvidence)).scalar_one() == 2
    evidence = db.session.execute(select(PracticeEvidence)).scalars().first()
    post_training_answered.send(  # the event delivered again: still one line per response
        response_id=evidence.response_id, enrolment_id=asked.enrolment.id,
        user_id=learner.id, respondent="learner", answered_at=utcnow(),
    )  # fmt: skip
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(SkpEntry)).scalar_one() == entries_before
