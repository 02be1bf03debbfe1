"""`lms demo` gives the demo nurse one finished course with a certificate issued by the rules, and one in progress."""

from sqlalchemy import select

from lms.accounts.services import find_user_by_email
from lms.certificates import services
from lms.certificates.models import Certificate, CertificateStatus
from lms.courses import services as course_services
from lms.extensions import db


def test_demo_nurse_has_one_certificate_and_one_course_in_progress(app_ctx, runner):
    for _ in range(2):  # idempotent: the second run changes nothing
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    nurse = find_user_by_email("perawat@lentera.test")
    (certificate,) = db.session.execute(select(Certificate).where(Certificate.user_id == nurse.id)).scalars()
    assert certificate.status == CertificateStatus.VALID and certificate.issued_by_id is None
    assert certificate.snapshot["course_code"] == "PPI-DASAR" and certificate.number in result.output
    finished = certificate.enrolment
    # Earned the real way: nothing is missing, and the post-test and attendance were checked.
    keys = {r.key: r.met for r in services.requirements_for(finished)}
    assert keys["lessons"] is True and keys["post_test"] is True and keys["attendance"] is True

    studying = [
        e
        for e in course_services.user_enrolments(nurse)
        if e.cohort.version.course.code == "BHD-NAKES" and e.status == "active"
    ]
    assert len(studying) == 1
    progress = course_services.progress(studying[0])
    assert 0 < progress.done < progress.total
    assert services.live_certificate_of(studying[0]) is None
