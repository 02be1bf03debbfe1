"""Certificate records: eligibility, automatic and approved issuance, numbering, frozen snapshots, life cycle, audit."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.certificates import services
from lms.certificates.models import Certificate, CertificateStatus, NumberSequence
from lms.certificates.token import verify_token
from lms.core.audit import AuditEntry
from lms.core.errors import InvalidInput, NotFound, PermissionDenied
from lms.courses import services as course_services
from lms.courses.requirements import progress_changed
from lms.extensions import db
from lms.records.models import SkpEntry
from tests.factories import make_course_spec, make_organization, make_user
from tests.factories.certificates import (
    complete_lessons,
    enrol,
    finished_learner,
    issue,
    make_certificate_world,
    make_cohort,
    make_learner,
)

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def _certificates() -> list[Certificate]:
    return list(db.session.execute(select(Certificate).order_by(Certificate.id)).scalars())


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


# --- eligibility and automatic issuance ----------------------------------------------------------------------------


def test_completing_the_last_lesson_issues_the_certificate(app_ctx):
    world = make_certificate_world()
    user = make_learner()
    enrolment = enrol(user, world.cohort)
    complete_lessons(user, enrolment, leave_open=1)
    assert _certificates() == []
    assert [r.key for r in services.missing_requirements(enrolment)] == ["lessons"]

    complete_lessons(user, enrolment)

    (certificate,) = _certificates()
    assert certificate.enrolment_id == enrolment.id and certificate.user_id == user.id
    assert certificate.status == CertificateStatus.VALID
    assert certificate.issued_by_id is None
    assert certificate.number == f"PPNI/PPI-DASAR/{datetime.now(UTC).year}/000001"
    assert certificate.snapshot["holder_name"] == user.full_name
    (entry,) = _audit("certificate.issue")
    assert entry.actor_id is None and entry.details["number"] == certificate.number
    assert entry.organization_id == world.organization.id


def test_the_issued_token_carries_the_printed_fields(app_ctx):
    from lms.certificates.keys import keyset

    world = make_certificate_world()
    user, _enrolment = finished_learner(world.cohort)
    (certificate,) = _certificates()
    claims = verify_token(certificate.token, keyset()).claims
    assert claims.certificate_id.hex() == certificate.public_id
    assert claims.number == certificate.number
    assert claims.holder_name == user.full_name
    assert claims.profession_code == 20  # perawat in lms/data/professions.yaml
    assert (claims.course_code, claims.course_version) == ("PPI-DASAR", world.version.number)
    assert claims.jpl == world.version.total_jpl
    assert claims.issued_at == certificate.issued_at
    assert claims.expires_at == certificate.expires_at
    # The course's validity (36 months) sets the expiry.
    assert certificate.expires_at.year == certificate.issued_at.year + 3


def test_no_validity_means_no_expiry(app_ctx):
    world = make_certificate_world(validity_months=0)
    finished_learner(world.cohort)
    (certificate,) = _certificates()
    assert certificate.expires_at is None and certificate.snapshot["expires_on"] is None


def test_progress_again_never_gives_a_second_certificate(app_ctx):
    world = make_certificate_world()
    _user, enrolment = finished_learner(world.cohort)
    progress_changed(enrolment)
    progress_changed(enrolment)
    db.session.commit()
    assert len(_certificates()) == 1
    with pytest.raises(services.AlreadyIssued):
        services.issue_certificate(world.admin, enrolment, NOW)


def test_lessons_switch_off_makes_an_active_enrolment_eligible_at_once(app_ctx):
    world = make_certificate_world(require_lessons=False)
    enrolment = enrol(make_learner(), world.cohort)
    assert services.is_eligible(enrolment)
    # Nothing was completed, so no listener ran: the cohort page offers it for issue.
    (row,) = services.cohort_certificates(world.admin, world.cohort)
    assert row.state == "eligible"


def test_lessons_switch_on_lists_what_is_missing(app_ctx):
    world = make_certificate_world()
    enrolment = enrol(make_learner(), world.cohort)
    assert not services.is_eligible(enrolment)
    with pytest.raises(services.NotEligible):
        services.issue_certificate(world.admin, enrolment, NOW)
    (row,) = services.cohort_certificates(world.admin, world.cohort)
    assert row.state == "in_progress" and [m.key for m in row.missing] == ["lessons"]


def test_an_enrolment_that_is_not_active_is_not_eligible(app_ctx):
    world = make_certificate_world(require_lessons=False)
    user = make_learner()
    enrolment = enrol(user, world.cohort)
    course_services.withdraw(user, enrolment)
    db.session.commit()
    assert not services.is_eligible(enrolment)
    with pytest.raises(services.NotEligible):
        services.issue_certificate(world.admin, enrolment, NOW)


# --- approval and bulk issuance -------------------------------------------------------------------------------------


def test_approval_courses_wait_for_the_organization(app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    _user, enrolment = finished_learner(world.cohort)
    assert _certificates() == []
    (row,) = services.cohort_certificates(world.admin, world.cohort)
    assert row.state == "awaiting_approval"

    certificate = issue(world.admin, enrolment)

    assert certificate.issued_by_id == world.admin.id
    (entry,) = _audit("certificate.issue")
    assert entry.actor_id == world.admin.id
    (row,) = services.cohort_certificates(world.admin, world.cohort)
    assert row.state == "issued" and row.certificate.id == certificate.id


def test_bulk_issuance_issues_every_eligible_learner_once(app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    finished = [finished_learner(world.cohort)[1] for _ in range(3)]
    enrol(make_learner(), world.cohort)  # still studying

    issued = services.issue_for_cohort(world.admin, world.cohort, NOW)
    db.session.commit()

    assert sorted(c.enrolment_id for c in issued) == sorted(e.id for e in finished)
    assert len({c.number for c in issued}) == 3
    assert len(_audit("certificate.issue")) == 3
    assert services.issue_for_cohort(world.admin, world.cohort, NOW) == []


def test_bulk_issuance_does_not_replace_a_revoked_certificate(app_ctx):
    world = make_certificate_world()
    _user, enrolment = finished_learner(world.cohort)
    (certificate,) = _certificates()
    services.revoke_certificate(world.admin, certificate, "Plagiarism in the final assignment.", NOW)
    db.session.commit()
    assert services.issue_for_cohort(world.admin, world.cohort, NOW) == []
    progress_changed(enrolment)
    assert len(_certificates()) == 1
    # An explicit decision by the admin may issue again.
    (row,) = services.cohort_certificates(world.admin, world.cohort)
    assert row.state == "revoked"  # shown as such, not as plainly eligible (issue 16)
    assert issue(world.admin, enrolment).number != certificate.number


def test_the_cli_issues_for_a_cohort(app_ctx, runner):
    world = make_certificate_world(certificate_needs_approval=True)
    finished_learner(world.cohort)
    finished_learner(world.cohort)
    result = runner.invoke(args=["certificates", "issue", "--cohort", str(world.cohort.id)])
    assert result.exit_code == 0, result.output
    assert len(_certificates()) == 2
    again = runner.invoke(args=["certificates", "issue", "--cohort", str(world.cohort.id)])
    assert again.exit_code == 0 and len(_certificates()) == 2
    missing = runner.invoke(args=["certificates", "issue", "--cohort", "999999"])
    assert missing.exit_code != 0


# --- numbering -----------------------------------------------------------------------------------------------------


def test_numbers_follow_the_pattern_and_are_never_reused(app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    services.update_settings(
        world.admin,
        world.organization,
        number_pattern="SERT/{COURSE}/{SEQ:03}",
        layout="klasik",
        primary_colour="#0B6E4F",
        accent_colour="#c8a24a",
    )
    db.session.commit()
    first = issue(world.admin, finished_learner(world.cohort)[1])
    services.revoke_certificate(world.admin, first, "Issued to the wrong person.", NOW)
    db.session.commit()
    second = issue(world.admin, finished_learner(world.cohort)[1])
    assert [first.number, second.number] == ["SERT/PPI-DASAR/001", "SERT/PPI-DASAR/002"]


def test_a_pattern_change_back_does_not_repeat_a_number(app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)

    def use(pattern):
        services.update_settings(
            world.admin, world.organization, number_pattern=pattern, layout="klasik",
            primary_colour="#000000", accent_colour="#ffffff",
        )  # fmt: skip
        db.session.commit()

    use("A-{SEQ}")
    a1 = issue(world.admin, finished_learner(world.cohort)[1])
    use("A-{SEQ:01}")  # another scope whose first number has the same text as A-{SEQ}'s first
    a2 = issue(world.admin, finished_learner(world.cohort)[1])
    assert a1.number == "A-1" and a2.number == "A-2"


@pytest.mark.parametrize("pattern", ["{ORG}/{YEAR}", "{ORG}/{SEQ}/{SEQ}", "{NAMA}/{SEQ}"])
def test_bad_patterns_are_refused(app_ctx, pattern):
    world = make_certificate_world()
    with pytest.raises(InvalidInput):
        services.update_settings(
            world.admin, world.organization, number_pattern=pattern, layout="klasik",
            primary_colour="#000000", accent_colour="#ffffff",
        )  # fmt: skip


def test_two_threads_never_get_the_same_number(app):
    """Two issuances at once (PostgreSQL: row lock on the sequence; SQLite: one writer at a time)."""
    with app.app_context():
        world = make_certificate_world(certificate_needs_approval=True)
        enrolment_ids = [finished_learner(world.cohort)[1].id for _ in range(6)]
        admin_id = world.admin.id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(ids):
        from lms.accounts.models import User
        from lms.courses.models import Enrolment

        try:
            with app.app_context():
                barrier.wait()
                for enrolment_id in ids:
                    admin = db.session.get(User, admin_id)
                    services.issue_certificate(admin, db.session.get(Enrolment, enrolment_id), datetime.now(UTC))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(enrolment_ids[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with app.app_context():
        numbers = sorted(db.session.execute(select(Certificate.number)).scalars())
        assert len(numbers) == 6 and len(set(numbers)) == 6
        assert [int(n.rsplit("/", 1)[1]) for n in numbers] == [1, 2, 3, 4, 5, 6]
        assert db.session.execute(select(NumberSequence.last_value)).scalar_one() == 6


# --- the frozen snapshot -----------------------------------------------------------------------------------------


def test_later_edits_change_nothing_already_issued(app_ctx):
    world = make_certificate_world()
    user, _enrolment = finished_learner(world.cohort, full_name="Rina Marlina")
    (certificate,) = _certificates()
    before_snapshot = dict(certificate.snapshot)
    before_document = services.document_of(certificate)

    user.full_name = "Rina Marlina Siregar"
    user.profession_code = "bidan"
    world.organization.name = "Nama Baru"
    services.update_settings(
        world.admin, world.organization, number_pattern="X/{SEQ}", layout="modern",
        primary_colour="#123456", accent_colour="#654321", place="Tarakan",
    )  # fmt: skip
    services.add_signatory(world.admin, world.organization, name="Ketua Baru", title="Ketua")
    new_version = course_services.import_course(
        make_course_spec(
            "PPI-DASAR", organization="ppni", title="Judul Baru", require_post_test=False, require_attendance=False
        ),
        publish=True,
    ).version
    db.session.commit()
    db.session.expire_all()

    certificate = db.session.get(Certificate, certificate.id)
    assert new_version.title == "Judul Baru"
    assert certificate.snapshot == before_snapshot
    assert services.document_of(certificate) == before_document
    assert certificate.snapshot["holder_name"] == "Rina Marlina"
    assert certificate.snapshot["course_title"] == "Pelatihan PPI-DASAR"
    assert certificate.snapshot["layout"] == "klasik" and certificate.snapshot["signatories"] == []


def test_the_snapshot_keeps_the_logo_file_it_was_issued_with(app_ctx):
    import io

    from PIL import Image

    def png(colour):
        out = io.BytesIO()
        Image.new("RGB", (40, 20), colour).save(out, format="PNG")
        return out.getvalue()

    world = make_certificate_world()
    services.set_logo(world.admin, world.organization, png("red"))
    db.session.commit()
    finished_learner(world.cohort)
    (certificate,) = _certificates()
    old_logo = services.document_of(certificate).organization_logo_png

    services.set_logo(world.admin, world.organization, png("blue"))
    db.session.commit()

    assert services.settings_for(world.organization.id).logo_key != certificate.snapshot["organization_logo_key"]
    assert services.document_of(certificate).organization_logo_png == old_logo
    assert Image.open(io.BytesIO(old_logo)).getpixel((0, 0))[:3] == (255, 0, 0)


# --- life cycle ---------------------------------------------------------------------------------------------------


def test_revoke_suspend_reinstate_and_the_live_status(app_ctx):
    world = make_certificate_world()
    finished_learner(world.cohort)
    (certificate,) = _certificates()
    cid = certificate.certificate_id
    assert services.live_status(cid, NOW).state == "valid"

    services.suspend_certificate(world.admin, certificate, "Under review.", NOW)
    status = services.live_status(cid, NOW)
    assert (status.state, status.reason, status.changed_at) == ("suspended", "Under review.", NOW)

    services.reinstate_certificate(world.admin, certificate, "", NOW + timedelta(days=1))
    assert services.live_status(cid, NOW).state == "valid"

    services.revoke_certificate(world.admin, certificate, "Forged attendance.", NOW + timedelta(days=2))
    db.session.commit()
    status = services.live_status(cid, NOW)
    assert (status.state, status.reason) == ("revoked", "Forged attendance.")
    assert status.course_title == "Pelatihan PPI-DASAR"
    assert status.organization_name == world.organization.name
    assert [e.details["previous"] for e in _audit("certificate.suspend")] == ["valid"]
    assert len(_audit("certificate.reinstate")) == 1
    (revoked,) = _audit("certificate.revoke")
    assert revoked.actor_id == world.admin.id and revoked.details["reason"] == "Forged attendance."


def test_expiry_is_computed_at_the_moment_of_asking(app_ctx):
    world = make_certificate_world(validity_months=12)
    finished_learner(world.cohort)
    (certificate,) = _certificates()
    assert services.live_status(certificate.certificate_id, certificate.expires_at - timedelta(seconds=1)).state == (
        "valid"
    )
    assert services.live_status(certificate.certificate_id, certificate.expires_at).state == "expired"
    assert services.live_status(b"\x00" * 12, NOW) is None


def test_status_changes_are_checked(app_ctx):
    world = make_certificate_world()
    finished_learner(world.cohort)
    (certificate,) = _certificates()
    with pytest.raises(InvalidInput):
        services.revoke_certificate(world.admin, certificate, "   ", NOW)
    with pytest.raises(services.InvalidStatusChange):
        services.reinstate_certificate(world.admin, certificate, "", NOW)
    services.revoke_certificate(world.admin, certificate, "Wrong course.", NOW)
    for change in (services.suspend_certificate, services.revoke_certificate, services.reissue_certificate):
        with pytest.raises(services.InvalidStatusChange):
            change(world.admin, certificate, "Again.", NOW)


def test_reissue_revokes_the_old_and_links_the_new(app_ctx):
    world = make_certificate_world()
    user, _enrolment = finished_learner(world.cohort, full_name="Rina Marlna")
    (old,) = _certificates()
    user.full_name = "Rina Marlina"
    db.session.commit()

    new = services.reissue_certificate(world.admin, old, "Name misspelt.", NOW)
    db.session.commit()

    assert old.status == CertificateStatus.REVOKED and old.status_reason == "Name misspelt."
    assert new.replaces_id == old.id and old.replaced_by.id == new.id
    assert new.number != old.number and new.status == CertificateStatus.VALID
    assert new.snapshot["holder_name"] == "Rina Marlina" and old.snapshot["holder_name"] == "Rina Marlna"
    status = services.live_status(old.certificate_id, NOW)
    assert status.state == "revoked" and new.number in status.reason and "Name misspelt." in status.reason
    assert [e.details["replaced_by"] for e in _audit("certificate.reissue")] == [new.number]
    assert [e.details["replaces"] for e in _audit("certificate.issue")] == [None, old.number]
    assert len(_audit("certificate.revoke")) == 1


def test_revocation_takes_back_the_skp_credit(app_ctx):
    world = make_certificate_world()
    user, _enrolment = finished_learner(world.cohort)
    (certificate,) = _certificates()
    (entry,) = db.session.execute(select(SkpEntry).where(SkpEntry.user_id == user.id)).scalars()
    assert entry.source_id == certificate.public_id and entry.reversed_at is None
    services.revoke_certificate(world.admin, certificate, "Wrong person.", NOW)
    db.session.commit()
    assert entry.reversed_at is not None


# --- lookups and permissions ---------------------------------------------------------------------------------------


def test_manual_lookup_needs_the_number_and_the_code(app_ctx):
    world = make_certificate_world()
    finished_learner(world.cohort)
    (certificate,) = _certificates()
    typed = certificate.verification_code.replace("-", " ").lower()
    assert services.find_by_number_and_code(certificate.number, typed) == certificate
    assert services.find_by_number_and_code(f"  {certificate.number} ", certificate.verification_code) == certificate
    assert services.find_by_number_and_code(certificate.number, "") is None
    assert services.find_by_number_and_code(certificate.number, "2222-2222") is None
    assert services.find_by_number_and_code("", certificate.verification_code) is None
    assert services.find_by_number_and_code("X" * 500, certificate.verification_code) is None


def test_another_organizations_admin_can_change_nothing(app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    other = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=make_organization("ibi"))
    _user, enrolment = finished_learner(world.cohort)
    with pytest.raises(PermissionDenied):
        services.issue_certificate(other, enrolment, NOW)
    with pytest.raises(PermissionDenied):
        services.issue_for_cohort(other, world.cohort, NOW)
    with pytest.raises(PermissionDenied):
        services.cohort_certificates(other, world.cohort)
    certificate = issue(world.admin, enrolment)
    for change in (services.revoke_certificate, services.suspend_certificate, services.reissue_certificate):
        with pytest.raises(PermissionDenied):
            change(other, certificate, "Not mine.", NOW)
    with pytest.raises(PermissionDenied):
        services.update_settings(
            other, world.organization, number_pattern="{SEQ}", layout="klasik",
            primary_colour="#000000", accent_colour="#000000",
        )  # fmt: skip
    assert certificate.status == CertificateStatus.VALID


def test_learners_reach_only_their_own_certificates(app_ctx):
    world = make_certificate_world()
    rina, _ = finished_learner(world.cohort)
    siti, _ = finished_learner(world.cohort)
    mine = services.certificates_of(rina)
    assert [c.user_id for c in mine] == [rina.id]
    with pytest.raises(NotFound):
        services.certificate_of(siti, mine[0].public_id)
    # A second cohort of the same course: its learner's certificate is theirs alone, numbered on.
    third, _ = finished_learner(make_cohort(world.version, name="Angkatan 2"))
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 3
    assert [c.number[-6:] for c in services.certificates_of(third)] == ["000003"]


# --- each switch of the certificate rules, with the other features' real records ----------------------------------


def _post_test(world):
    from lms.quizzes import services as quizzes
    from lms.quizzes.models import QuizKind
    from tests.factories.quizzes import single_spec

    quiz = quizzes.save_quiz(
        world.admin, world.version, QuizKind.POST_TEST, title="Post-test", shuffle_questions=False,
        shuffle_options=False, attempts_allowed=3,
    )  # fmt: skip
    quizzes.add_to_quiz(world.admin, quiz, [quizzes.add_question(world.admin, world.version.course, single_spec())])
    db.session.commit()
    return quiz


def _take(user, quiz, option: int):
    """One attempt at the one-question quiz: option 1 is right, anything else wrong; commits like the view."""
    from lms.quizzes import services as quizzes

    now = datetime.now(UTC)
    attempt, _started = quizzes.start_attempt(user, quiz, now)
    (shown,) = quizzes.shown_questions(attempt)
    quizzes.save_answer(user, attempt.id, shown.question_id, option, now)
    quizzes.submit_attempt(user, attempt.id, now)
    db.session.commit()


def test_post_test_switch_on_the_certificate_waits_for_a_pass(app_ctx):
    world = make_certificate_world(require_post_test=True)
    quiz = _post_test(world)
    user, enrolment = finished_learner(world.cohort)
    assert _certificates() == []
    assert [r.key for r in services.missing_requirements(enrolment)] == ["post_test"]
    _take(user, quiz, option=0)  # failed
    assert _certificates() == []
    _take(user, quiz, option=1)  # passed: the last requirement met issues the certificate
    (certificate,) = _certificates()
    assert certificate.enrolment_id == enrolment.id


def test_post_test_switch_off_the_test_is_information_only(app_ctx):
    world = make_certificate_world(require_post_test=False)
    _post_test(world)
    _user, enrolment = finished_learner(world.cohort)
    (certificate,) = _certificates()
    assert {r.key: r.met for r in services.requirements_for(enrolment)}["post_test"] is None


def _sessions(world, count: int):
    from lms.attendance import services as attendance

    start = datetime.now(UTC) - timedelta(days=2)
    sessions = [
        attendance.create_session(
            None,
            world.cohort,
            attendance.SessionFields(
                title=f"Sesi {n}",
                starts_at=start + timedelta(hours=3 * n),
                ends_at=start + timedelta(hours=3 * n + 2),
                jpl=2,
            ),
        )  # fmt: skip
        for n in range(count)
    ]
    db.session.commit()
    return sessions


def _attend(user, session):
    from lms.attendance import services as attendance
    from lms.attendance.models import AttendanceStatus

    attendance.mark_attendance(None, session, user, AttendanceStatus.HADIR, session.starts_at)
    db.session.commit()


def test_attendance_switch_on_the_certificate_waits_for_the_threshold(app_ctx):
    world = make_certificate_world(require_attendance=True)
    first, second = _sessions(world, 2)
    user, enrolment = finished_learner(world.cohort)
    assert [r.key for r in services.missing_requirements(enrolment)] == ["attendance"]
    _attend(user, first)  # 50% of the 95% needed
    assert _certificates() == []
    _attend(user, second)
    (certificate,) = _certificates()
    assert certificate.enrolment_id == enrolment.id


def test_attendance_switch_off_sessions_do_not_count(app_ctx):
    world = make_certificate_world(require_attendance=False)
    _sessions(world, 2)
    _user, enrolment = finished_learner(world.cohort)
    assert len(_certificates()) == 1
    assert "attendance" not in {r.key for r in services.requirements_for(enrolment)}


def test_every_switch_on_the_last_requirement_met_issues(app_ctx):
    world = make_certificate_world(require_post_test=True, require_attendance=True)
    quiz = _post_test(world)
    (session,) = _sessions(world, 1)
    user = make_learner()
    enrolment = enrol(user, world.cohort)
    _take(user, quiz, option=1)
    _attend(user, session)
    assert _certificates() == []
    complete_lessons(user, enrolment)  # lessons come last here
    assert len(_certificates()) == 1
