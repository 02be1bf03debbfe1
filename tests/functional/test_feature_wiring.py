"""Registries and event listeners are wired explicitly by create_app, lowest floor first, whatever was imported."""

from __future__ import annotations

from sqlalchemy import select

from lms.certificates.events import certificate_status_changed, certificates_issued
from lms.courses import requirements
from lms.courses.events import enrolment_decided, version_drafted
from lms.courses.models import Enrolment
from lms.courses.requirements import requirements_for
from lms.extensions import db
from lms.notifications.listeners import (
    on_activity_reviewed,
    on_certificate_status_changed,
    on_certificates_issued,
    on_enrolment_decided,
)
from lms.quizzes import services
from lms.quizzes.models import QuizKind
from lms.quizzes.services.carry_over import carry_quizzes_over
from lms.records.events import activity_reviewed
from lms.records.services import credit_issued_certificates, reverse_credit_of_revoked
from tests.factories.quizzes import make_quiz_setup, single_spec


def test_an_enrolment_lists_every_feature_requirement_in_floor_order(app_ctx):
    setup = make_quiz_setup([single_spec(1)])
    services.save_quiz(setup.admin, setup.version, QuizKind.PRE_TEST, title="Pre-test")
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == setup.learner.id)).scalar_one()
    # An active enrolment without sessions or a certificate yet: lessons (courses), then the tests (quizzes).
    keys = [requirement.key for requirement in requirements_for(enrolment)]
    assert keys == ["lessons", "pre_test", "post_test"]


def test_each_provider_and_listener_is_registered_once(app, app_ctx):
    from lms import create_app

    create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"]})  # a second app
    providers = [provider.__name__ for _, provider in requirements._PROVIDERS]
    assert providers == [
        "enrolment_and_lesson_requirements",
        "quiz_requirements",
        "attendance_requirements",
        "checklist_requirements",
        "evaluation_requirements",
        "certificate_requirement",
    ]
    assert [listener.__name__ for listener in requirements._LISTENERS] == ["issue_when_eligible"]
    assert version_drafted.listeners == [carry_quizzes_over]
    # Lowest floor first: records credits the ledger, then notifications tell the holder.
    assert certificates_issued.listeners == [credit_issued_certificates, on_certificates_issued]
    assert certificate_status_changed.listeners == [reverse_credit_of_revoked, on_certificate_status_changed]
    assert enrolment_decided.listeners == [on_enrolment_decided]
    assert activity_reviewed.listeners == [on_activity_reviewed]
