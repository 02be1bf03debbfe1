"""Issue 16: a quiz with no questions keeps its course from being published (learners would find it empty)."""

from __future__ import annotations

from lms.courses import services as course_services
from lms.courses.models import CourseStatus
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import QuizKind
from tests.factories.courses import course_form_data
from tests.factories.quizzes import make_quiz_setup, single_spec


def test_a_draft_with_an_empty_pre_test_is_not_published(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec(1)])
    auth.login(setup.admin.email)
    base = f"/organizations/{setup.organization.id}/courses/PPI-DASAR"
    client.post(f"{base}/details", data=course_form_data(code=None, title="PPI Dasar edisi 2"))
    db.session.expire_all()
    draft = course_services.course_by_code("PPI-DASAR").draft_version
    services.save_quiz(setup.admin, draft, QuizKind.PRE_TEST, title="Pre-test kosong")
    db.session.commit()

    review = client.get(f"{base}/publish").get_data(as_text=True)
    assert 'data-testid="publish-problems"' in review and "“Pre-test kosong”" in review
    assert 'name="reviewed"' not in review  # nothing to confirm
    refused = client.post(f"{base}/publish", data={"reviewed": "0" * 64})
    assert refused.status_code == 302 and "/publish" not in refused.headers["Location"]  # back to the editor
    db.session.expire_all()
    assert course_services.course_by_code("PPI-DASAR").draft_version.status == CourseStatus.DRAFT
