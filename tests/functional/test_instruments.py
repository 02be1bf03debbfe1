"""Instruments end to end through the API and pages: evaluations asked and answered once, checklist scores synced
once, the certificate requirement, the facilitator's five-response floor, authoring versions, the course report."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.core.models import utcnow
from lms.courses.requirements import requirements_for
from lms.extensions import db
from lms.instruments import services
from lms.instruments.files import InstrumentSpec
from lms.instruments.items import InstrumentPurpose
from lms.instruments.models import InstrumentAnswer, InstrumentResponse
from tests.conftest import api_token
from tests.csv_files import csv_in
from tests.factories import make_user
from tests.factories.instruments import ALL_CORRECT, MISSED_CRITICAL, add_checklist, make_attended_training
from tests.statements import counted_statements


def _bearer(client, user):
    return {"Authorization": f"Bearer {api_token(client, user.email)}"}


def _likert_answers(instrument, value=4):
    return {item.id: value for item in instrument.items if item.kind == "likert"}


def _fill(instrument, value=4, comment=""):
    """A complete answer: every scale item at `value` (yes for yes/no), and `comment` in the text items."""
    answers = {}
    for item in instrument.items:
        if item.kind == "likert":
            answers[item.id] = value
        elif item.kind == "yes_no":
            answers[item.id] = 1
        elif item.kind == "text" and comment:
            answers[item.id] = comment
    return answers


def _responses() -> int:
    return db.session.execute(select(func.count()).select_from(InstrumentResponse)).scalar_one()


def test_learner_is_asked_to_rate_the_sessions_facilitator_and_answers_once(app_ctx, client):
    training, session = make_attended_training(learners=1)
    learner = training.learners[0]
    headers = _bearer(client, learner)

    asked = client.get("/api/v1/me/evaluations", headers=headers).get_json()
    (evaluation,) = [a for a in asked if a["purpose"] == "facilitator_evaluation"]
    assert evaluation["facilitator"]["id"] == training.facilitator.id and evaluation["session_id"] == session.id
    instrument = evaluation["instrument"]
    assert instrument["key"] == "evaluasi-fasilitator" and instrument["items"][0]["choices"][0]["value"] == 1
    answers = {item["id"]: 4 for item in instrument["items"] if item["type"] == "likert"}
    url = evaluation["submit_url"]

    outside = client.post(url, json={"answers": {**answers, "tujuan": 9}}, headers=headers)
    assert outside.status_code == 422 and "di luar skala" in outside.get_json()["error"]["message"]
    foreign = client.post(url, json={"answers": {**answers, "kedalaman": 2}}, headers=headers)
    assert foreign.status_code == 422 and "bukan butir versi" in foreign.get_json()["error"]["message"]
    missing = client.post(url, json={"answers": {"tujuan": 4}}, headers=headers)
    assert missing.status_code == 422
    assert _responses() == 0

    first = client.post(url, json={"instrument_id": instrument["id"], "answers": answers}, headers=headers)
    assert first.status_code == 201 and first.get_json()["recorded"] is True
    again = client.post(url, json={"answers": {**answers, "tujuan": 1}}, headers=headers)
    assert again.status_code == 201 and again.get_json() == {"id": first.get_json()["id"], "recorded": False}
    assert _responses() == 1
    kept = db.session.execute(select(InstrumentAnswer.value).where(InstrumentAnswer.item_id == "tujuan")).scalar_one()
    assert kept == 4  # the first answer is kept
    assert not [
        a for a in client.get("/api/v1/me/evaluations", headers=headers).get_json() if a["id"] == evaluation["id"]
    ]


def test_an_answer_to_an_older_instrument_version_is_refused(app_ctx, client):
    training, _session = make_attended_training(learners=2)
    first, second = training.learners
    [asked] = [
        a for a in services.pending_for(first, utcnow()) if a.purpose == InstrumentPurpose.FACILITATOR_EVALUATION
    ]
    old = asked.instrument
    services.submit(first, str(asked.key), _likert_answers(old), utcnow())
    db.session.commit()
    # The organization edits the (now frozen) instrument: a new version with one item fewer.
    spec = InstrumentSpec(old.key, old.title, InstrumentPurpose(old.purpose), tuple(old.items[:-2]))
    spec_yaml = spec.to_yaml()
    new = services.save_text(training.admin, training.organization.id, spec_yaml)
    db.session.commit()
    assert new.version == 2 and old.version == 1 and len(old.items) == 9

    [asked_second] = [
        a for a in services.pending_for(second, utcnow()) if a.purpose == InstrumentPurpose.FACILITATOR_EVALUATION
    ]
    headers = _bearer(client, second)
    url = f"/api/v1/evaluations/{asked_second.key}/responses"
    stale = client.post(url, json={"instrument_id": old.id, "answers": _likert_answers(old)}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "instrument_version_changed"
    removed_item = client.post(url, json={"answers": _likert_answers(old)}, headers=headers)
    assert removed_item.status_code == 422  # an item of version 1 that version 2 no longer has
    assert (
        client.post(url, json={"instrument_id": new.id, "answers": _likert_answers(new)}, headers=headers).status_code
        == 201
    )


def test_evaluations_of_other_people_or_not_yet_open_are_not_found(app_ctx, client):
    training, session = make_attended_training(learners=2)
    first, second = training.learners
    [asked] = [
        a for a in services.pending_for(first, utcnow()) if a.purpose == InstrumentPurpose.FACILITATOR_EVALUATION
    ]
    response = client.post(
        f"/api/v1/evaluations/{asked.key}/responses", json={"answers": {}}, headers=_bearer(client, second)
    )
    assert response.status_code == 404
    enrolment_id = asked.key.enrolment_id
    response = client.post(
        f"/api/v1/evaluations/e{enrolment_id}-post/responses", json={"answers": {}}, headers=_bearer(client, first)
    )
    assert response.status_code == 404  # the post-training evaluation opens months after the end


def test_facilitator_sees_nothing_until_five_responses_then_only_aggregates(app_ctx, client, auth):
    training, _session = make_attended_training(learners=5)
    for index, learner in enumerate(training.learners):
        [asked] = [
            a for a in services.pending_for(learner, utcnow()) if a.purpose == InstrumentPurpose.FACILITATOR_EVALUATION
        ]
        answers = {**_likert_answers(asked.instrument, 5 if index else 2), "saran": f"Saran rahasia {index}"}
        services.submit(learner, str(asked.key), answers, utcnow())
        db.session.commit()
        auth.login(training.facilitator.email)
        page = client.get("/evaluations/about-me").get_data(as_text=True)
        api = client.get("/api/v1/me/facilitator-evaluations").get_json()
        auth.logout()
        if index < 4:
            assert "data-too-few" in page and "data-aggregate" not in page
            assert api[0]["visible"] is False and api[0]["distributions"] == []
        else:
            assert "data-aggregate" in page and "5 jawaban" in page
            assert api[0]["visible"] is True and api[0]["responses"] == 5
        assert "Saran rahasia" not in page and "Peserta" not in page  # never a comment or a name


def test_checklist_scores_sync_once_and_passing_becomes_a_certificate_requirement(app_ctx, client):
    training, _session = make_attended_training(learners=2)
    instrument = add_checklist(training, required=True)
    first, second = training.learners
    enrolment = training.cohort.enrolments[0]
    assert {r.key: r.met for r in requirements_for(enrolment)}["checklist:rjp-uji"] is False
    scored_at = (utcnow() - timedelta(minutes=30)).isoformat()
    batch = {
        "scores": [
            {"client_id": "phone-1", "instrument_id": instrument.id, "learner_id": first.id, "answers": MISSED_CRITICAL,
             "remarks": "Kompresi kurang dalam", "scored_at": scored_at},
            {"client_id": "phone-2", "instrument_id": instrument.id, "learner_id": second.id, "answers": ALL_CORRECT},
            {"client_id": "phone-3", "instrument_id": instrument.id, "learner_id": second.id, "answers": {"aman": 3}},
        ]
    }  # fmt: skip
    url = f"/api/v1/cohorts/{training.cohort.id}/checklist-scores"
    headers = _bearer(client, training.facilitator)
    results = client.post(url, json=batch, headers=headers).get_json()["results"]
    assert [(r["result"], r["passed"]) for r in results] == [("recorded", False), ("recorded", True), ("refused", None)]
    again = client.post(url, json=batch, headers=headers).get_json()["results"]
    assert [r["result"] for r in again] == ["already", "already", "refused"]
    assert _responses() == 2
    stored = db.session.execute(
        select(InstrumentResponse).where(InstrumentResponse.dedupe_key == "cl-phone-1")
    ).scalar_one()
    assert abs((stored.answered_at - utcnow()).total_seconds() - -1800) < 60  # the scoring time is kept

    db.session.expire_all()
    assert {r.key: r.met for r in requirements_for(enrolment)}["checklist:rjp-uji"] is False
    repeat = {"client_id": "phone-4", "instrument_id": instrument.id, "learner_id": first.id, "answers": ALL_CORRECT}
    assert client.post(url, json={"scores": [repeat]}, headers=headers).get_json()["results"][0]["passed"] is True
    db.session.expire_all()
    assert {r.key: r.met for r in requirements_for(enrolment)}["checklist:rjp-uji"] is True

    mine = client.get("/api/v1/me/checklist-results", headers=_bearer(client, first)).get_json()
    assert [(r["passed"], r["remarks"]) for r in mine] == [(True, ""), (False, "Kompresi kurang dalam")]
    # A learner cannot score, and another organization's facilitator does not see the cohort.
    assert client.post(url, json={"scores": [repeat]}, headers=_bearer(client, second)).status_code == 404


def test_scoring_page_without_javascript_records_once(app_ctx, client, auth):
    training, _session = make_attended_training(learners=1)
    instrument = add_checklist(training)
    auth.login(training.facilitator.email)
    url = f"/instruments/cohorts/{training.cohort.id}/checklists/{instrument.id}"
    assert "RJP uji" in client.get(url).get_data(as_text=True)
    form = {
        "learner_id": training.learners[0].id,
        "client_id": "form-1",
        **{f"item-{k}": v for k, v in ALL_CORRECT.items()},
    }
    assert client.post(url, data=form).status_code == 302
    assert client.post(url, data=form).status_code == 302
    assert _responses() == 1
    bad = client.post(url, data={**form, "client_id": "form-2", "item-aman": "7"}, follow_redirects=True)
    assert "di luar skala" in bad.get_data(as_text=True) and _responses() == 1


def test_required_evaluations_hold_the_certificate_until_done(app_ctx):
    training, _session = make_attended_training(learners=1)
    course = training.cohort.version.course
    services.update_settings(training.admin, course, checklist_keys=[], require_checklists=False,
                             require_evaluations=True, post_training_months=3)  # fmt: skip
    db.session.commit()
    learner, enrolment = training.learners[0], training.cohort.enrolments[0]
    assert {r.key: r.met for r in requirements_for(enrolment)}["evaluations"] is False
    for asked in services.pending_for(learner, utcnow()):  # the facilitator and, all sessions ended, the organizer
        services.submit(learner, str(asked.key), _fill(asked.instrument), utcnow())
    db.session.commit()
    assert {r.key: r.met for r in requirements_for(enrolment)}["evaluations"] is True


def test_instrument_edit_in_the_browser_reports_lines_and_versions_once_answered(app_ctx, client, auth):
    training, _session = make_attended_training(learners=1)
    instrument = add_checklist(training)
    auth.login(training.admin.email)
    url = f"/instruments/{instrument.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "rjp-uji" in page
    bad = "key: rjp-uji\ntitle: RJP\npurpose: checklist\nitems:\n  - {id: a, type: bogus, text: A}\n"
    response = client.post(url, data={"text": bad})
    assert "5: jenis butir &#39;bogus&#39; tidak dikenal" in response.get_data(as_text=True)
    typed = client.post(url, data={"text": bad.replace("bogus", "<b>tebal</b>")}).get_data(as_text=True)
    assert "<b>tebal</b>" not in typed.split("</textarea>")[1] and "&lt;b&gt;tebal" in typed  # what was typed, escaped
    db.session.expire_all()
    assert services.latest_version(training.organization.id, "rjp-uji").version == 1
    good = "key: rjp-uji\ntitle: RJP baru\npurpose: checklist\nitems:\n  - {id: a, type: step, text: A}\n"
    assert client.post(url, data={"text": good}).status_code == 302
    db.session.expire_all()
    assert services.latest_version(training.organization.id, "rjp-uji").version == 1  # not answered: edited in place
    current = services.latest_version(training.organization.id, "rjp-uji")
    services.score_learner(
        training.facilitator, training.cohort, current, training.learners[0].id, {"a": 2}, client_id="x"
    )
    db.session.commit()
    assert client.post(url, data={"text": good.replace("RJP baru", "RJP v2")}).status_code == 302
    db.session.expire_all()
    assert services.latest_version(training.organization.id, "rjp-uji").version == 2


def test_instruments_import_refuses_a_bad_folder_with_file_lines_and_writes_nothing(app_ctx, runner, tmp_path):
    training, _session = make_attended_training(learners=1)
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "good.yaml").write_text(
        "key: baik\ntitle: Baik\npurpose: checklist\nitems:\n  - {id: a, type: step, text: A}\n"
    )
    (folder / "bad.yaml").write_text(
        "key: buruk\ntitle: Buruk\npurpose: checklist\nitems:\n  - {id: a, type: likert, text: A}\n"
    )
    code = training.cohort.version.course.code
    result = runner.invoke(args=["instruments", "import", str(tmp_path), "--course", code])
    assert result.exit_code == 1 and "bad.yaml:5:" in result.output and "scale" in result.output
    assert services.latest_version(training.organization.id, "baik") is None
    (folder / "bad.yaml").unlink()
    result = runner.invoke(args=["instruments", "import", str(tmp_path), "--course", code])
    assert result.exit_code == 0 and "baik v1: saved" in result.output
    assert services.settings_for(training.cohort.version.course).checklist_keys == ["baik"]


def test_course_report_reads_a_fixed_number_of_queries_and_exports_csv(app_ctx, client, auth):
    training, _session = make_attended_training(learners=2)
    add_checklist(training)

    def queries_for_report() -> int:
        with counted_statements() as statements:
            services.course_report(training.cohort.version.course, utcnow().date(), with_learning=False)
        return len(statements)

    db.session.expire_all()
    before = queries_for_report()
    for learner in training.learners:
        for asked in services.pending_for(learner, utcnow()):
            services.submit(learner, str(asked.key), _fill(asked.instrument, comment="Lebih banyak praktik"), utcnow())
    db.session.commit()
    db.session.expire_all()
    assert queries_for_report() <= before + 2  # the users and instruments read once they exist, not per response

    auth.login(training.admin.email)
    course_id = training.cohort.version.course.id
    page = client.get(f"/instruments/courses/{course_id}/report").get_data(as_text=True)
    assert "<svg" in page and "Lebih banyak praktik" in page and training.facilitator.full_name in page
    facilitator = training.facilitator.full_name
    for locale, header, purpose, role in (
        ("id", ["Instrumen", "Responden", "Fasilitator", "Angkatan", "Butir", "Nilai", "Jumlah"],
         "Evaluasi fasilitator", "Peserta"),
        ("en", ["Instrument", "Respondent", "Facilitator", "Cohort", "Item", "Value", "Count"],
         "Facilitator evaluation", "Learner"),
    ):  # fmt: skip
        rows = csv_in(client, f"/instruments/courses/{course_id}/report.csv", locale)
        assert rows[0] == header
        rated = [r for r in rows[1:] if r[0] == purpose and r[2] == facilitator]
        assert rated and {r[1] for r in rated} == {role} and {r[3] for r in rated} == {training.cohort.name}
        assert sum(int(r[6]) for r in rated if r[4] == rated[0][4]) == 2  # both learners answered each item
    report = client.get(f"/api/v1/courses/{course_id}/evaluation-report").get_json()
    assert report["responses"]["facilitator_evaluation"] == 2 and report["facilitators"][0]["responses"] == 2
    outsider = make_user()
    auth.logout()
    auth.login(outsider.email)
    assert client.get(f"/instruments/courses/{course_id}/report").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/me/evaluations", "/api/v1/evaluations/{evaluation_id}/responses",
                                  "/api/v1/cohorts/{cohort_id}/checklist-scores", "/api/v1/me/facilitator-evaluations",
                                  "/api/v1/courses/{course_id}/evaluation-report"])  # fmt: skip
def test_endpoints_are_in_the_openapi_document(client, path):
    assert path in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_a_recorded_score_and_a_post_training_answer_are_announced_once(app_ctx):
    from lms.instruments.events import checklist_scored, evaluation_submitted

    training, _session = make_attended_training(learners=1)
    instrument = add_checklist(training)
    learner = training.learners[0]
    heard = []

    def listen(**payload):
        heard.append(payload)

    checklist_scored.connect(listen)
    evaluation_submitted.connect(listen)
    try:
        for _ in range(2):  # sent twice
            services.score_learner(
                training.facilitator, training.cohort, instrument, learner.id, ALL_CORRECT, client_id="twice"
            )
            [asked] = [a for a in services.pending_for(learner, utcnow()) + services.answered_by(learner, utcnow())
                       if a.purpose == InstrumentPurpose.FACILITATOR_EVALUATION]  # fmt: skip
            services.submit(learner, str(asked.key), _fill(asked.instrument), utcnow())
    finally:
        checklist_scored.disconnect(listen)
        evaluation_submitted.disconnect(listen)
    assert [sorted(p) for p in heard] == [
        ["checklist_key", "enrolment_id", "passed", "response_id", "scored_at", "user_id"],
        ["enrolment_id", "facilitator_id", "purpose", "response_id"],
    ]
    assert heard[0]["passed"] is True and heard[1]["facilitator_id"] == training.facilitator.id
