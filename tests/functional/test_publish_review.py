"""Publishing a revised course: the page shows what changes against the published version (subjects, lessons, JPL,
quizzes and their question counts, certificate rules) and publishes only what the admin confirmed; the published
version before it keeps everything it had."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.courses import services as course_services
from lms.courses.models import CourseStatus, CourseVersion
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Quiz
from tests.factories.courses import course_form_data, lesson_form_data, publish_through_review, subject_form_data
from tests.factories.quizzes import make_quiz_setup, single_spec


def _token(page_text: str) -> str:
    return re.search(r'name="reviewed" type="hidden" value="([0-9a-f]+)"', page_text).group(1)


def _revised_course(client, auth):
    """A published course with a 3-question post-test whose admin revised it in the browser: title, certificate
    rule, one subject removed, one added, and the post-test's question list cut to 2."""
    setup = make_quiz_setup([single_spec(n) for n in range(1, 4)])
    auth.login(setup.admin.email)
    base = f"/organizations/{setup.organization.id}/courses/PPI-DASAR"
    data = course_form_data(code=None, title="PPI Dasar edisi 2")
    data.pop("require_post_test", None)  # an unticked box: the post-test is no longer required
    assert client.post(f"{base}/details", data=data).status_code == 302
    db.session.expire_all()
    draft = course_services.course_by_code("PPI-DASAR").draft_version
    removed_id, removed_title = draft.subjects[0].id, draft.subjects[0].title
    assert client.post(f"{base}/subjects/{removed_id}/delete").status_code == 302
    assert client.post(f"{base}/subjects/new", data=subject_form_data(title="Materi Tambahan")).status_code == 302
    db.session.expire_all()
    added = course_services.course_by_code("PPI-DASAR").draft_version.subjects[-1]
    assert client.post(f"{base}/subjects/{added.id}/lessons/new", data=lesson_form_data()).status_code == 302
    draft_quiz = db.session.execute(select(Quiz).where(Quiz.version_id == draft.id)).scalar_one()
    services.set_quiz_questions(setup.admin, draft_quiz, [q.id for q in setup.questions[:2]])
    db.session.commit()
    return setup, base, removed_title


def test_the_review_lists_what_changes_and_publishing_needs_the_confirmation(client, auth, app_ctx):
    setup, base, removed_title = _revised_course(client, auth)
    page = client.get(f"{base}/publish")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    changes = text.split('data-testid="publish-changes"')[1].split("</section>")[0]
    assert "PPI Dasar edisi 2" in changes
    assert removed_title in changes and 'data-testid="publish-removals"' in changes
    assert "Materi Tambahan" in changes
    rows = re.findall(r'<tr data-testid="change-(\w+)"[^>]*>(.*?)</tr>', changes, re.S)
    quiz_rows = [re.sub(r"<[^>]+>|\s+", " ", row) for kind, row in rows if "Post-test" in row]
    assert any(" 3 " in row and " 2 " in row for row in quiz_rows), quiz_rows  # question count 3 → 2
    assert any(kind == "removed" and removed_title in row for kind, row in rows)

    # Without the confirmation nothing is published.
    refused = client.post(f"{base}/publish", data={})
    assert refused.status_code == 422
    db.session.expire_all()
    course = course_services.course_by_code("PPI-DASAR")
    assert course.latest_version.status == CourseStatus.DRAFT

    confirmed = client.post(f"{base}/publish", data={"reviewed": _token(text)})
    assert confirmed.status_code == 302
    db.session.expire_all()
    course = course_services.course_by_code("PPI-DASAR")
    assert [(v.number, v.status) for v in course.versions] == [(1, "published"), (2, "published")]


def test_a_draft_changed_after_the_review_is_not_published_unseen(client, auth, app_ctx):
    setup, base, _removed = _revised_course(client, auth)
    token = _token(client.get(f"{base}/publish").get_data(as_text=True))
    # Meanwhile (another tab, another admin) the post-test loses one more question.
    draft = course_services.course_by_code("PPI-DASAR").draft_version
    draft_quiz = db.session.execute(select(Quiz).where(Quiz.version_id == draft.id)).scalar_one()
    services.set_quiz_questions(setup.admin, draft_quiz, [setup.questions[0].id])
    db.session.commit()
    stale = client.post(f"{base}/publish", data={"reviewed": token})
    assert stale.status_code == 409
    assert "changed after you reviewed it" in stale.get_data(as_text=True) or "berubah" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert course_services.course_by_code("PPI-DASAR").latest_version.status == CourseStatus.DRAFT
    assert publish_through_review(client, base).status_code == 302


def test_the_published_version_keeps_everything_after_its_successor_is_published(client, auth, app_ctx):
    setup, base, removed_title = _revised_course(client, auth)
    first = setup.version.id
    before_subjects = [s.title for s in db.session.get(CourseVersion, first).subjects]
    assert publish_through_review(client, base).status_code == 302
    db.session.expire_all()
    version_1 = db.session.get(CourseVersion, first)
    assert version_1.status == CourseStatus.PUBLISHED
    assert [s.title for s in version_1.subjects] == before_subjects and removed_title in before_subjects
    assert version_1.require_post_test is True
    quiz_1 = db.session.execute(select(Quiz).where(Quiz.version_id == first)).scalar_one()
    assert [item.question_id for item in quiz_1.quiz_questions] == [q.id for q in setup.questions]


def test_the_first_version_has_nothing_to_compare_but_is_confirmed_too(client, auth, app_ctx):
    from lms.accounts.models import Role
    from tests.factories import make_course_spec, make_organization, make_user

    organization = make_organization("ppni")
    admin = make_user(role=Role.ORG_ADMIN, organization=organization)
    course_services.import_course(make_course_spec())
    db.session.commit()
    auth.login(admin.email)
    base = f"/organizations/{organization.id}/courses/PPI-DASAR"
    text = client.get(f"{base}/publish").get_data(as_text=True)
    assert 'data-testid="publish-changes"' not in text and 'data-testid="confirm-publish"' in text
    assert client.post(f"{base}/publish", data={}).status_code == 422
    assert publish_through_review(client, base).status_code == 302


# --- the API ----------------------------------------------------------------------------------------------------


def test_api_reviews_then_publishes_only_the_confirmed_review(client, auth, app_ctx):
    from tests.conftest import api_token

    setup, _base, removed_title = _revised_course(client, auth)
    auth.logout()
    headers = {"Authorization": f"Bearer {api_token(client, setup.admin.email)}"}
    review = client.get("/api/v1/courses/PPI-DASAR/publication", headers=headers)
    assert review.status_code == 200, review.get_json()
    body = review.get_json()
    assert (body["draft_version"], body["published_version"], body["problems"]) == (2, 1, [])
    assert {"area": "subject", "kind": "removed", "name": removed_title} in [
        {key: change[key] for key in ("area", "kind", "name")} for change in body["changes"]
    ]
    quiz = next(c for c in body["changes"] if c["area"] == "item" and c["kind"] == "changed")
    assert (quiz["before"], quiz["after"]) == ("3", "2")
    assert body["removals"] >= 1

    missing = client.post("/api/v1/courses/PPI-DASAR/publish", json={"reviewed": ""}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "confirmation_required"
    stale = client.post("/api/v1/courses/PPI-DASAR/publish", json={"reviewed": "0" * 32}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "review_outdated"
    assert course_services.course_by_code("PPI-DASAR").latest_version.status == CourseStatus.DRAFT

    done = client.post("/api/v1/courses/PPI-DASAR/publish", json={"reviewed": body["reviewed"]}, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["version"], done.get_json()["status"]) == (2, "published")
    again = client.get("/api/v1/courses/PPI-DASAR/publication", headers=headers)
    assert again.status_code == 409


def test_api_publishing_is_for_the_course_organization_admins_only(client, app_ctx):
    from lms.accounts.models import Role
    from tests.conftest import api_token
    from tests.factories import make_organization, make_user

    setup = make_quiz_setup([single_spec(1)])
    course_services.draft_for_editing(setup.admin, setup.version.course)
    db.session.commit()
    other = make_user(role=Role.ORG_ADMIN, organization=make_organization("ibi"))
    headers = {"Authorization": f"Bearer {api_token(client, other.email)}"}
    assert client.get("/api/v1/courses/PPI-DASAR/publication", headers=headers).status_code == 403
    assert client.post("/api/v1/courses/PPI-DASAR/publish", json={"reviewed": "x"}, headers=headers).status_code == 403
    assert client.get("/api/v1/courses/NOPE/publication", headers=headers).status_code == 404
    assert client.get("/api/v1/courses/PPI-DASAR/publication").status_code == 401
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    publish = paths["/api/v1/courses/{code}/publish"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(publish["responses"])


def test_a_new_draft_copies_every_setting_of_the_published_version(app_ctx):
    """What a version holds beyond its quizzes (certificate rules, order, question files, SKP, competencies) is
    copied whole into the draft made from it, so that publishing the draft drops none of it unnoticed."""
    from tests.factories import make_organization
    from tests.factories.courses import make_published_course

    make_organization("ppni")
    published = make_published_course(
        require_lessons=False, certificate_needs_approval=True, sequential=True, pass_mark=80,
        questions=(("pre_test", "pre-test.gift"), ("post_test", "post-test.gift")),
    )  # fmt: skip
    draft = course_services.draft_for_editing(None, published.course)
    db.session.commit()
    assert draft.number == published.number + 1
    assert course_services.spec_from_version(draft) == course_services.spec_from_version(published)
    assert course_services.version_outline(draft).items == course_services.version_outline(published).items
