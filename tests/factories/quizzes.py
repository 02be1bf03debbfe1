"""Builders for quiz tests: questions of every type, a published course with a cohort, an enrolled learner, a quiz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lms.accounts.models import Organization, Role, User
from lms.courses import services as course_services
from lms.courses.models import Cohort, CourseVersion
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Question, Quiz, QuizKind
from lms.quizzes.spec import Choice, NumericAnswer, QuestionKind, QuestionSpec
from tests.factories import make_course_spec, make_organization, make_user

D = Decimal


def single_spec(n: int = 1, **changes) -> QuestionSpec:
    """Right answer: the option "Benar n" (index 1 in the spec)."""
    fields = dict(
        kind=QuestionKind.SINGLE,
        text=f"Pertanyaan pilihan tunggal {n}?",
        choices=(
            Choice(f"Salah {n}", D(0), "Kurang tepat."),
            Choice(f"Benar {n}", D(1), "Tepat sekali."),
            Choice(f"Keliru {n}", D(0)),
        ),
        general_feedback="Baca lagi modul 2.",
    )
    fields.update(changes)
    return QuestionSpec(**fields)


def multiple_spec(**changes) -> QuestionSpec:
    fields = dict(
        kind=QuestionKind.MULTIPLE,
        text="Pilih dua jawaban yang benar.",
        choices=(Choice("A", D("0.5")), Choice("B", D("0.5")), Choice("C", D("-0.5")), Choice("D", D("-0.5"))),
    )
    fields.update(changes)
    return QuestionSpec(**fields)


def true_false_spec(**changes) -> QuestionSpec:
    fields = dict(kind=QuestionKind.TRUE_FALSE, text="Sarung tangan menggantikan cuci tangan.", correct=False)
    fields.update(changes)
    return QuestionSpec(**fields)


def short_spec(**changes) -> QuestionSpec:
    fields = dict(kind=QuestionKind.SHORT, text="Singkatan alat pelindung diri?", choices=(Choice("APD", D(1)),))
    fields.update(changes)
    return QuestionSpec(**fields)


def numerical_spec(**changes) -> QuestionSpec:
    fields = dict(
        kind=QuestionKind.NUMERICAL,
        text="Konsentrasi klorin (%)?",
        numeric=(NumericAnswer(D("0.5"), D("0.05")),),
    )
    fields.update(changes)
    return QuestionSpec(**fields)


def every_type() -> list[QuestionSpec]:
    return [single_spec(), multiple_spec(), true_false_spec(), short_spec(), numerical_spec()]


@dataclass
class QuizSetup:
    organization: Organization
    admin: User
    learner: User
    version: CourseVersion
    cohort: Cohort
    quiz: Quiz
    questions: list[Question]


def make_course(
    code: str = "PPI-DASAR", organization: Organization | None = None
) -> tuple[Organization, User, CourseVersion]:
    organization = organization or make_organization(code.lower()[:20] if code != "PPI-DASAR" else "ppni", name="PPNI")
    admin = make_user(role=Role.ORG_ADMIN, organization=organization)
    version = course_services.import_course(
        make_course_spec(code=code, organization=organization.slug), publish=True
    ).version
    db.session.commit()
    return organization, admin, version


def make_cohort(admin: User, version: CourseVersion, name: str = "Angkatan 1") -> Cohort:
    today = date.today()
    cohort = course_services.create_cohort(
        admin, version, name=name, mode="daring", place=None, starts_on=today, ends_on=today + timedelta(days=30)
    )
    db.session.commit()
    return cohort


def enrol(user: User, cohort: Cohort):
    from lms.core.models import utcnow

    enrolment = course_services.enrol(user, cohort, utcnow())
    db.session.commit()
    return enrolment


def make_quiz_setup(
    specs: list[QuestionSpec] | None = None,
    *,
    kind: QuizKind = QuizKind.POST_TEST,
    code: str = "PPI-DASAR",
    organization: Organization | None = None,
    **settings,
) -> QuizSetup:
    """A published course with a cohort, an enrolled learner and a quiz of `kind` holding `specs` (every type by
    default), neither shuffled nor timed unless `settings` say so."""
    organization, admin, version = make_course(code, organization)
    cohort = make_cohort(admin, version)
    learner = make_user(full_name="Rina Wulandari")
    enrol(learner, cohort)
    questions = [services.add_question(admin, version.course, spec) for spec in (specs or every_type())]
    defaults = dict(title="Post-test" if kind == QuizKind.POST_TEST else "Pre-test", shuffle_questions=False,
                    shuffle_options=False, attempts_allowed=2)  # fmt: skip
    defaults.update(settings)
    quiz = services.save_quiz(admin, version, kind, **defaults)
    services.add_to_quiz(admin, quiz, questions)
    db.session.commit()
    return QuizSetup(organization, admin, learner, version, cohort, quiz, questions)
