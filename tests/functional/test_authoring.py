"""Authoring in the browser: courses, subjects, lessons, attachments, validation and publishing, version freezing,
and tenant isolation for every page."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.core.audit import AuditEntry
from lms.core.storage import get_storage
from lms.courses import services
from lms.courses.models import Cohort, Course, CourseStatus, Lesson, LessonAttachment, LessonCompletion, Subject
from lms.extensions import db
from tests.factories import make_organization, make_user
from tests.factories.courses import (
    PDF,
    PNG,
    course_form_data,
    lesson_form_data,
    make_enrolment,
    make_open_cohort,
    make_published_course,
    publish_through_review,
    subject_form_data,
)


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    admin = make_user("admin-ppni@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en")
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi, locale="en")
    learner = make_user("ners@example.test", locale="en")
    return SimpleNamespace(ppni=ppni, ibi=ibi, admin=admin, ibi_admin=ibi_admin, learner=learner)


def _base(world, org=None):
    return f"/organizations/{(org or world.ppni).id}/courses"


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _actions(prefix="course."):
    return [
        a
        for a in db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
        if a.startswith(prefix)
    ]


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error" class="error">([^<]*)<', html)
    assert match, f"no error shown beside {field}"
    return match.group(1)


def _new_course(client, world, **changes):
    return client.post(f"{_base(world)}/new", data=course_form_data(**changes))


def _course(code="HIV-DASAR") -> Course:
    db.session.expire_all()
    return services.course_by_code(code)


def _draft_with_lesson(client, world):
    """A browser-made course with one subject and one lesson; returns (course, subject, lesson)."""
    _new_course(client, world)
    client.post(f"{_base(world)}/HIV-DASAR/subjects/new", data=subject_form_data())
    subject = _course().latest_version.subjects[0]
    client.post(f"{_base(world)}/HIV-DASAR/subjects/{subject.id}/lessons/new", data=lesson_form_data())
    course = _course()
    subject = course.latest_version.subjects[0]
    return course, subject, subject.lessons[0]


# --- courses ---------------------------------------------------------------------------------------------------


def test_admin_creates_a_course(client, auth, world):
    auth.login(world.admin.email)
    page = client.get(f"{_base(world)}/new")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    response = _new_course(client, world, skp_value="3.5", require_attendance=None, certificate_needs_approval="y")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_base(world)}/HIV-DASAR/edit")
    course = _course()
    version = course.latest_version
    assert course.organization_id == world.ppni.id
    assert (version.number, version.status, version.title) == (1, CourseStatus.DRAFT, "Konseling dan Tes HIV Dasar")
    assert version.target_professions == ["perawat", "bidan"]
    assert (version.pass_mark, version.attendance_threshold, version.validity_months) == (75, 90, 24)
    assert str(version.skp_value) == "3.50"
    assert version.competencies == [
        {"code": "HIV-KT", "name": "Melakukan konseling pra-tes"},
        {"code": "HIV-TES", "name": "Melakukan tes cepat HIV"},
    ]
    assert (version.require_lessons, version.require_post_test, version.require_attendance) == (True, True, False)
    assert version.certificate_needs_approval is True
    assert version.fingerprint == services.spec_from_version(version).fingerprint()
    assert _actions() == ["course.create"]
    editor = client.get(f"{_base(world)}/HIV-DASAR/edit")
    assert editor.status_code == 200
    assert 'data-status="draft"' in editor.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"code": "hiv dasar!"}, "code"),
        ({"competencies": "tanpa kode"}, "competencies"),
        ({"competencies": "A-1: satu\nA-1: dua"}, "competencies"),
        ({"pass_mark": "101"}, "pass_mark"),
        ({"validity_months": "dua"}, "validity_months"),
        ({"skp_value": "-1"}, "skp_value"),
        ({"target_professions": None}, "target_professions"),
        ({"target_professions": ["astronot"]}, "target_professions"),
        ({"title": "<script>alert(1)</script>"}, "title"),
    ],
)
def test_bad_course_input_is_shown_beside_the_field(client, auth, world, changes, field):
    auth.login(world.admin.email)
    response = _new_course(client, world, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, field)
    assert "Konseling dan Tes HIV Dasar" in html or changes.get("title") is not None  # what was typed is kept
    assert _count(Course) == 0
    assert _actions() == []


def test_a_taken_code_is_refused_beside_the_code(client, auth, world):
    make_published_course("HIV-DASAR", "ibi")
    auth.login(world.admin.email)
    response = _new_course(client, world)
    assert response.status_code == 422
    assert "HIV-DASAR" in _field_error(response.get_data(as_text=True), "code")
    assert _count(Course) == 1


def test_editing_details_of_a_draft_changes_the_draft(client, auth, world):
    auth.login(world.admin.email)
    _new_course(client, world)
    form = client.get(f"{_base(world)}/HIV-DASAR/details").get_data(as_text=True)
    assert "HIV-KT: Melakukan konseling pra-tes" in form and 'name="code"' not in form
    response = client.post(f"{_base(world)}/HIV-DASAR/details", data=course_form_data(title="Judul Baru", code=None))
    assert response.status_code == 302
    course = _course()
    assert [v.number for v in course.versions] == [1]
    assert course.latest_version.title == "Judul Baru"
    assert _actions() == ["course.create", "course.edit"]
    bad = client.post(f"{_base(world)}/HIV-DASAR/details", data=course_form_data(title="", code=None))
    assert bad.status_code == 422
    assert _course().latest_version.title == "Judul Baru"


# --- version freezing ------------------------------------------------------------------------------------------


def test_editing_a_published_course_makes_a_new_draft_and_keeps_cohorts_and_progress(client, auth, world):
    published = make_published_course("PPI-DASAR", "ppni")
    cohort = make_open_cohort(world.admin, published)
    enrolment = make_enrolment(world.learner, cohort)
    first_lesson = published.lessons[0]
    services.complete_lesson(world.learner, first_lesson.id)
    db.session.commit()
    published_id, published_fingerprint = published.id, published.fingerprint

    auth.login(world.admin.email)
    response = client.post(
        f"{_base(world)}/PPI-DASAR/details",
        data=course_form_data(code=None, title="PPI Dasar edisi 2", competencies="KOMP-1: Kompetensi satu"),
    )
    assert response.status_code == 302
    course = _course("PPI-DASAR")
    assert [(v.number, v.status) for v in course.versions] == [(1, CourseStatus.PUBLISHED), (2, CourseStatus.DRAFT)]
    draft = course.draft_version
    assert draft.title == "PPI Dasar edisi 2"
    # The copy has the same curriculum under new rows.
    assert [s.title for s in draft.subjects] == [s.title for s in course.versions[0].subjects]
    assert {lesson.id for lesson in draft.lessons}.isdisjoint({lesson.id for lesson in course.versions[0].lessons})
    first = course.versions[0]
    assert (first.id, first.title, first.fingerprint) == (published_id, "Pelatihan PPI-DASAR", published_fingerprint)
    assert db.session.get(Cohort, cohort.id).version_id == published_id
    completions = db.session.execute(select(LessonCompletion.lesson_id)).scalars().all()
    assert completions == [first_lesson.id]
    assert services.progress(db.session.get(type(enrolment), enrolment.id)).done == 1
    assert _actions() == ["course.import", "course.publish", "course.new_draft", "course.edit"]
    # The learner still studies version 1.
    auth.logout()
    auth.login(world.learner.email)
    assert client.get(f"/lessons/{first_lesson.id}").status_code == 200


def test_the_published_version_cannot_be_changed_through_its_ids(client, auth, world):
    published = make_published_course("PPI-DASAR", "ppni")
    subject, lesson = published.subjects[0], published.subjects[0].lessons[0]
    auth.login(world.admin.email)
    base = f"{_base(world)}/PPI-DASAR"
    for url, data in [
        (f"{base}/subjects/{subject.id}", subject_form_data(title="Diubah")),
        (f"{base}/lessons/{lesson.id}", lesson_form_data(title="Diubah")),
        (f"{base}/subjects/{subject.id}/lessons/new", lesson_form_data(title="Baru")),
    ]:
        assert client.post(url, data=data).status_code == 409
    for url in [
        f"{base}/subjects/{subject.id}",
        f"{base}/lessons/{lesson.id}",
        f"{base}/subjects/{subject.id}/lessons/new",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/edit")
    client.post(f"{base}/subjects/{subject.id}/delete")
    client.post(f"{base}/lessons/{lesson.id}/move", data={"step": "1"})
    db.session.expire_all()
    version = _course("PPI-DASAR").latest_version
    assert version.id == published.id and version.status == CourseStatus.PUBLISHED
    assert [s.title for s in version.subjects] == ["Kebijakan", "Materi Inti"]
    assert [lesson.title for lesson in version.lessons] == ["Pengantar", "Langkah satu", "Langkah dua"]
    assert _actions() == ["course.import", "course.publish"]


def test_start_a_new_draft_explicitly(client, auth, world):
    make_published_course("PPI-DASAR", "ppni")
    auth.login(world.admin.email)
    editor = client.get(f"{_base(world)}/PPI-DASAR/edit").get_data(as_text=True)
    assert 'data-status="published"' in editor and "/draft" in editor
    assert client.post(f"{_base(world)}/PPI-DASAR/draft").status_code == 302
    assert client.post(f"{_base(world)}/PPI-DASAR/draft").status_code == 302  # a second time: same draft
    course = _course("PPI-DASAR")
    assert [v.number for v in course.versions] == [1, 2]
    assert course.draft_version.fingerprint == course.versions[0].fingerprint
    assert _actions() == ["course.import", "course.publish", "course.new_draft"]


# --- subjects and lessons --------------------------------------------------------------------------------------


def test_subjects_are_added_edited_reordered_and_deleted(client, auth, world):
    auth.login(world.admin.email)
    _new_course(client, world)
    base = f"{_base(world)}/HIV-DASAR"
    assert client.get(f"{base}/subjects/new").status_code == 200
    client.post(f"{base}/subjects/new", data=subject_form_data())
    client.post(f"{base}/subjects/new", data=subject_form_data(title="Konseling", type="inti", jpl_pl="2"))
    client.post(f"{base}/subjects/new", data=subject_form_data(title="Konseling", type="penunjang"))
    subjects = _course().latest_version.subjects
    assert [(s.position, s.slug, s.type) for s in subjects] == [
        (1, "kebijakan-program-hiv", "dasar"),
        (2, "konseling", "inti"),
        (3, "konseling-2", "penunjang"),
    ]
    assert subjects[1].jpl == 5 and subjects[0].objectives == ["Menjelaskan kebijakan", "Menjelaskan alur layanan"]
    third = subjects[2]
    assert client.post(f"{base}/subjects/{third.id}/move", data={"step": "-1"}).status_code == 302
    assert [s.title for s in _course().latest_version.subjects] == ["Kebijakan Program HIV", "Konseling", "Konseling"]
    assert [s.type for s in _course().latest_version.subjects] == ["dasar", "penunjang", "inti"]
    client.post(f"{base}/subjects/{third.id}/move", data={"step": "-1"})
    client.post(f"{base}/subjects/{third.id}/move", data={"step": "-1"})  # already first: nothing happens
    assert [s.type for s in _course().latest_version.subjects] == ["penunjang", "dasar", "inti"]
    assert client.post(f"{base}/subjects/{third.id}/move", data={"step": "7"}).status_code == 400

    response = client.post(f"{base}/subjects/{third.id}", data=subject_form_data(title="Penunjang BLC", jpl_t="1"))
    assert response.status_code == 302
    client.post(f"{base}/subjects/{subjects[0].id}/delete")
    version = _course().latest_version
    assert [(s.position, s.title) for s in version.subjects] == [(1, "Penunjang BLC"), (2, "Konseling")]
    assert version.fingerprint == services.spec_from_version(version).fingerprint()
    assert _actions() == ["course.create"] + ["course.subject_add"] * 3 + ["course.subject_move"] * 2 + [
        "course.subject_edit",
        "course.subject_delete",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"jpl_t": "dua"}, "jpl_t"),
        ({"jpl_p": "-1"}, "jpl_p"),
        ({"objectives": ""}, "objectives"),
        ({"type": "utama"}, "type"),
    ],
)
def test_bad_subject_input(client, auth, world, changes, field):
    auth.login(world.admin.email)
    _new_course(client, world)
    response = client.post(f"{_base(world)}/HIV-DASAR/subjects/new", data=subject_form_data(**changes))
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), field)
    assert _count(Subject) == 0


def test_lessons_are_added_previewed_edited_reordered_and_deleted(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    base = f"{_base(world)}/HIV-DASAR"
    assert (lesson.title, lesson.minutes, lesson.video_url) == ("Pengantar", 20, None)
    assert lesson.body == "Isi **pelajaran**.\n\n## Langkah\n\n- satu\n- dua"

    # Preview: rendered by the server, nothing saved.
    preview = client.post(
        f"{base}/lessons/{lesson.id}", data=lesson_form_data(body="Teks **baru** [x](javascript:alert(1))", preview="y")
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<strong>baru</strong>" in html and 'href="javascript' not in html
    assert _course().latest_version.lessons[0].body.startswith("Isi **pelajaran**")

    client.post(
        f"{base}/subjects/{subject.id}/lessons/new",
        data=lesson_form_data(title="Praktik", minutes="15", video_url="https://video.example.id/hiv"),
    )
    saved = client.post(
        f"{base}/lessons/{lesson.id}", data=lesson_form_data(title="Pengantar HIV", body="Isi baru.\r\n")
    )
    assert saved.status_code == 302
    lessons = _course().latest_version.subjects[0].lessons
    assert [(x.position, x.title) for x in lessons] == [(1, "Pengantar HIV"), (2, "Praktik")]
    assert lessons[0].body == "Isi baru." and lessons[1].video_url == "https://video.example.id/hiv"
    client.post(f"{base}/lessons/{lessons[1].id}/move", data={"step": "-1"})
    assert [x.title for x in _course().latest_version.subjects[0].lessons] == ["Praktik", "Pengantar HIV"]
    client.post(f"{base}/lessons/{lesson.id}/delete")
    assert [(x.position, x.title) for x in _course().latest_version.subjects[0].lessons] == [(1, "Praktik")]
    assert _actions()[-4:] == ["course.lesson_add", "course.lesson_edit", "course.lesson_move", "course.lesson_delete"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": "Teks <script>alert(1)</script>"}, "body"),
        ({"body": '<img src=x onerror="alert(1)">'}, "body"),
        ({"body": "[klik](javascript:alert(1))"}, "body"),
        ({"body": "Teks\n# Judul kedua\nTeks"}, "body"),
        ({"body": ""}, "body"),
        ({"video_url": "http://video.example.id/x"}, "video_url"),
        ({"video_url": "https://video.example.id/a b"}, "video_url"),
        ({"minutes": "0"}, "minutes"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_lesson_input(client, auth, world, changes, field):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    before = _actions()
    response = client.post(
        f"{_base(world)}/HIV-DASAR/lessons/{lesson.id}", data=lesson_form_data(**{"title": "Lain", **changes})
    )
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), field)
    assert _course().latest_version.lessons[0].title == "Pengantar"
    assert _actions() == before


def test_preview_fragment_is_sanitized(client, auth, world):
    auth.login(world.admin.email)
    response = client.post(
        f"{_base(world)}/preview", data={"body": "**tebal** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "<strong>tebal</strong>" in body and "<script" not in body and 'href="javascript' not in body


# --- validation and publishing ---------------------------------------------------------------------------------


def test_a_draft_with_problems_is_not_published(client, auth, world):
    auth.login(world.admin.email)
    _new_course(client, world)
    editor = client.get(f"{_base(world)}/HIV-DASAR/edit").get_data(as_text=True)
    assert "subjects must not be empty" in editor and 'data-testid="draft-valid"' not in editor
    response = client.post(f"{_base(world)}/HIV-DASAR/publish")
    assert response.headers["Location"].endswith("/HIV-DASAR/edit")
    assert _course().latest_version.status == CourseStatus.DRAFT
    assert "course.publish" not in _actions()


def test_problems_are_shown_beside_their_lesson(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    client.post(f"{_base(world)}/HIV-DASAR/subjects/{subject.id}/lessons/new", data=lesson_form_data())
    version = _course().latest_version
    problems = services.draft_problems(version)
    assert [(p.subject.id, p.lesson.id if p.lesson else None) for p in problems] == [
        (subject.id, version.subjects[0].lessons[1].id)
    ]
    assert "duplicate lesson title 'Pengantar'" in problems[0].message
    editor = client.get(f"{_base(world)}/HIV-DASAR/edit").get_data(as_text=True)
    lesson_item = editor.split(f'id="lesson-{version.subjects[0].lessons[1].id}"')[1].split("</li>")[0]
    assert "duplicate lesson title" in lesson_item


def test_a_valid_draft_is_published_and_listed_in_the_catalog(client, auth, world):
    auth.login(world.admin.email)
    _draft_with_lesson(client, world)
    editor = client.get(f"{_base(world)}/HIV-DASAR/edit").get_data(as_text=True)
    assert 'data-testid="draft-valid"' in editor
    response = publish_through_review(client, f"{_base(world)}/HIV-DASAR")
    assert response.status_code == 302
    assert _course().latest_version.status == CourseStatus.PUBLISHED
    assert "HIV-DASAR" in client.get("/courses").get_data(as_text=True)
    assert _actions()[-1] == "course.publish"
    # Export → import of what the browser wrote changes nothing: the fingerprint follows every edit.
    spec = services.spec_from_version(_course().latest_version)
    assert services.import_course(spec).changed is False


# --- attachments -----------------------------------------------------------------------------------------------


def _upload(client, world, lesson, data, name="Panduan HIV.pdf"):
    import io

    return client.post(
        f"{_base(world)}/HIV-DASAR/lessons/{lesson.id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_attachments_are_validated_stored_and_downloaded_by_enrolled_learners(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    assert _upload(client, world, lesson, PDF).status_code == 302
    attachment = db.session.execute(select(LessonAttachment)).scalar_one()
    assert (attachment.file_name, attachment.content_type, attachment.size) == (
        "Panduan HIV.pdf",
        "application/pdf",
        len(PDF),
    )
    assert attachment.storage_key.startswith("attachments/") and "Panduan" not in attachment.storage_key
    assert get_storage().read(attachment.storage_key) == PDF
    page = client.get(f"{_base(world)}/HIV-DASAR/lessons/{lesson.id}").get_data(as_text=True)
    assert "Panduan HIV.pdf" in page
    admin_download = client.get(f"{_base(world)}/HIV-DASAR/attachments/{attachment.id}")
    assert admin_download.status_code == 200 and admin_download.data == PDF

    publish_through_review(client, f"{_base(world)}/HIV-DASAR")
    cohort = make_open_cohort(world.admin, _course().latest_version)
    auth.logout()

    outsider = make_user("lain@example.test", locale="en")
    auth.login(outsider.email)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    auth.logout()

    make_enrolment(world.learner, cohort)
    auth.login(world.learner.email)
    lesson_page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert f'href="/attachments/{attachment.id}"' in lesson_page and "Panduan HIV.pdf" in lesson_page
    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert (
        "attachment" in download.headers["Content-Disposition"] and "Panduan" in download.headers["Content-Disposition"]
    )
    assert _actions("course.attachment") == ["course.attachment_add"]


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00 pretend executable", b"<html><script>alert(1)</script></html>", b""],
)
def test_refused_files_are_not_stored(client, auth, world, data):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    files_before = set(get_storage().keys())
    response = _upload(client, world, lesson, data, name="virus.pdf")
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "file")
    assert _count(LessonAttachment) == 0
    assert set(get_storage().keys()) == files_before


def test_files_over_the_size_limit_are_refused(app, client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    try:
        response = _upload(client, world, lesson, PDF + b"0" * 2048)
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 422
    assert "1 KB" in _field_error(response.get_data(as_text=True), "file")
    assert _count(LessonAttachment) == 0


def test_a_new_draft_shares_files_and_removing_the_last_reference_deletes_the_file(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    _upload(client, world, lesson, PNG, name="poster.png")
    publish_through_review(client, f"{_base(world)}/HIV-DASAR")
    client.post(f"{_base(world)}/HIV-DASAR/draft")
    rows = db.session.execute(select(LessonAttachment).order_by(LessonAttachment.id)).scalars().all()
    assert len(rows) == 2 and rows[0].storage_key == rows[1].storage_key
    assert rows[0].lesson_id != rows[1].lesson_id
    key = rows[0].storage_key
    # Removing the draft's copy keeps the file: the published version still hands it out.
    assert client.post(f"{_base(world)}/HIV-DASAR/attachments/{rows[1].id}/delete").status_code == 302
    assert _count(LessonAttachment) == 1 and get_storage().exists(key)
    # The published version's own row cannot be removed.
    assert client.post(f"{_base(world)}/HIV-DASAR/attachments/{rows[0].id}/delete").status_code == 302
    assert _count(LessonAttachment) == 1
    assert _actions("course.attachment") == ["course.attachment_add", "course.attachment_delete"]


def test_removing_an_unshared_attachment_deletes_its_file_after_commit(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    _upload(client, world, lesson, PDF)
    key = db.session.execute(select(LessonAttachment.storage_key)).scalar_one()
    client.post(f"{_base(world)}/HIV-DASAR/lessons/{lesson.id}/delete")
    assert _count(LessonAttachment) == 0 and _count(Lesson) == 0
    assert not get_storage().exists(key)


# --- tenant isolation ------------------------------------------------------------------------------------------


def test_another_organizations_admin_can_neither_see_nor_change_anything(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    _upload(client, world, lesson, PDF)
    attachment = db.session.execute(select(LessonAttachment)).scalar_one()
    auth.logout()
    fingerprint = _course().latest_version.fingerprint
    audit_before = _actions("")

    auth.login(world.ibi_admin.email)
    ppni = f"{_base(world)}/HIV-DASAR"
    for method, url, data in [
        ("get", f"{_base(world)}/new", None),
        ("post", f"{_base(world)}/new", course_form_data(code="IBI-X")),
        ("get", f"{ppni}/edit", None),
        ("get", f"{ppni}/details", None),
        ("post", f"{ppni}/details", course_form_data(code=None, title="Dibajak")),
        ("post", f"{ppni}/draft", None),
        ("post", f"{ppni}/publish", None),
        ("post", f"{ppni}/subjects/new", subject_form_data()),
        ("post", f"{ppni}/subjects/{subject.id}", subject_form_data(title="Dibajak")),
        ("post", f"{ppni}/subjects/{subject.id}/move", {"step": "1"}),
        ("post", f"{ppni}/subjects/{subject.id}/delete", None),
        ("post", f"{ppni}/subjects/{subject.id}/lessons/new", lesson_form_data()),
        ("get", f"{ppni}/lessons/{lesson.id}", None),
        ("post", f"{ppni}/lessons/{lesson.id}", lesson_form_data(title="Dibajak")),
        ("post", f"{ppni}/lessons/{lesson.id}/move", {"step": "1"}),
        ("post", f"{ppni}/lessons/{lesson.id}/delete", None),
        ("post", f"{ppni}/lessons/{lesson.id}/attachments", None),
        ("get", f"{ppni}/attachments/{attachment.id}", None),
        ("post", f"{ppni}/attachments/{attachment.id}/delete", None),
        ("post", f"{_base(world)}/preview", {"body": "x"}),
    ]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    # Through their own organization's URLs, the other organization's objects do not exist.
    own = f"{_base(world, world.ibi)}/HIV-DASAR"
    for method, url, data in [
        ("get", f"{own}/edit", None),
        ("post", f"{own}/details", course_form_data(code=None, title="Dibajak")),
        ("post", f"{own}/subjects/{subject.id}/delete", None),
        ("post", f"{own}/lessons/{lesson.id}", lesson_form_data(title="Dibajak")),
        ("post", f"{own}/attachments/{attachment.id}/delete", None),
        ("get", f"{own}/attachments/{attachment.id}", None),
    ]:
        assert getattr(client, method)(url, data=data).status_code == 404, (method, url)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    # Their own course cannot reach the other course's subjects and lessons by id either.
    make_published_course("IBI-KIA", "ibi")
    ibi_base = f"{_base(world, world.ibi)}/IBI-KIA"
    assert client.post(f"{ibi_base}/subjects/{subject.id}", data=subject_form_data(title="Dibajak")).status_code == 404
    assert client.post(f"{ibi_base}/lessons/{lesson.id}/delete").status_code == 404
    assert client.post(f"{ibi_base}/subjects/{subject.id}/lessons/new", data=lesson_form_data()).status_code == 404

    version = _course().latest_version
    assert version.fingerprint == fingerprint and version.title == "Konseling dan Tes HIV Dasar"
    assert [x.title for x in version.lessons] == ["Pengantar"]
    assert _count(LessonAttachment) == 1
    # Nothing was recorded but the making of their own course.
    assert _actions("")[len(audit_before) :] == ["course.import", "course.publish"]


def test_learners_cannot_open_authoring_pages(client, auth, world):
    auth.login(world.learner.email)
    assert client.get(f"{_base(world)}/new").status_code == 403
    assert client.post(f"{_base(world)}/new", data=course_form_data()).status_code == 403
    assert _count(Course) == 0


def test_importing_files_keeps_the_attachments_of_unchanged_lessons(client, auth, world):
    from dataclasses import replace

    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    client.post(f"{_base(world)}/HIV-DASAR/subjects/{subject.id}/lessons/new", data=lesson_form_data(title="Kedua"))
    second = _course().latest_version.lessons[1]
    _upload(client, world, lesson, PDF)
    _upload(client, world, second, PNG, name="poster.png")
    kept_key, dropped_key = [
        a.storage_key for a in db.session.execute(select(LessonAttachment).order_by(LessonAttachment.id)).scalars()
    ]

    spec = services.spec_from_version(_course().latest_version)
    first_lesson = replace(spec.subjects[0].lessons[0], body="Isi yang diperbarui.")
    spec = replace(spec, subjects=(replace(spec.subjects[0], lessons=(first_lesson,)),))
    assert services.import_course(spec, actor=world.admin).changed
    db.session.commit()

    lessons = _course().latest_version.lessons
    assert [(x.title, x.body) for x in lessons] == [("Pengantar", "Isi yang diperbarui.")]
    assert [(a.file_name, a.storage_key) for a in lessons[0].attachments] == [("Panduan HIV.pdf", kept_key)]
    assert get_storage().exists(kept_key) and not get_storage().exists(dropped_key)


def test_a_saved_file_is_removed_when_its_transaction_rolls_back(client, auth, world):
    auth.login(world.admin.email)
    course, subject, lesson = _draft_with_lesson(client, world)
    attachment = services.add_attachment(world.admin, db.session.get(Lesson, lesson.id), "a.pdf", PDF)
    key = attachment.storage_key
    assert get_storage().exists(key)
    db.session.rollback()
    assert not get_storage().exists(key)
    assert _count(LessonAttachment) == 0
