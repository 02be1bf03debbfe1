"""The publish review's comparison of two version outlines: a pure function, no app, no database."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from lms.courses.curriculum import LessonSpec, SubjectSpec, SubjectType
from lms.courses.version_diff import (
    Aspect,
    ChangeArea,
    ChangeKind,
    OutlineItem,
    VersionOutline,
    diff_versions,
    review_token,
)
from tests.factories import make_course_spec

SPEC = make_course_spec()
POST_TEST = OutlineItem("quiz:post_test", "Post-test", "Post-test PPI", (("Questions", "20"), ("Pass mark", "70")))


def outline(number: int = 1, spec=SPEC, skp: str = "2", items=(POST_TEST,)) -> VersionOutline:
    return VersionOutline(number, spec, Decimal(skp), tuple(items))


def changes_of(before: VersionOutline, after: VersionOutline):
    return [(c.area, c.kind, c.name, c.aspect, c.before, c.after) for c in diff_versions(before, after).changes]


def with_subjects(*subjects: SubjectSpec):
    return replace(SPEC, subjects=tuple(subjects))


def test_nothing_changed_gives_no_changes_and_a_first_version_has_nothing_to_compare():
    assert diff_versions(outline(1), outline(2)).changes == ()
    first = diff_versions(None, outline(1))
    assert (first.before, first.after, first.changes) == (None, 1, ())


def test_course_settings_and_skp_and_total_jpl():
    after = outline(2, replace(SPEC, title="PPI edisi 2", pass_mark=75, sequential=True), skp="3.5")
    assert changes_of(outline(1), after) == [
        (ChangeArea.COURSE, ChangeKind.CHANGED, "", Aspect.TITLE, SPEC.title, "PPI edisi 2"),
        (ChangeArea.COURSE, ChangeKind.CHANGED, "", Aspect.PASS_MARK, "70", "75"),
        (ChangeArea.COURSE, ChangeKind.CHANGED, "", Aspect.SEQUENTIAL, "✗", "✓"),
        (ChangeArea.COURSE, ChangeKind.CHANGED, "", Aspect.SKP, "2", "3.5"),
    ]


def test_certificate_rules():
    after = outline(2, replace(SPEC, require_post_test=False, certificate_needs_approval=True))
    assert changes_of(outline(1), after) == [
        (ChangeArea.CERTIFICATE, ChangeKind.CHANGED, "", Aspect.REQUIRE_POST_TEST, "✓", "✗"),
        (ChangeArea.CERTIFICATE, ChangeKind.CHANGED, "", Aspect.CERTIFICATE_NEEDS_APPROVAL, "✗", "✓"),
    ]


def test_subjects_added_removed_renamed_and_their_jpl_follow_the_slug():
    first, second = SPEC.subjects
    third = SubjectSpec(
        slug="03-baru", title="Materi baru", type=SubjectType.INTI, jpl_t=1, jpl_p=1, jpl_pl=0,
        objectives=("Tujuan",), lessons=(LessonSpec("A", 5, "a"),),
    )  # fmt: skip
    renamed = replace(second, title="Judul baru", jpl_t=second.jpl_t + 2)
    changes = changes_of(outline(1), outline(2, with_subjects(renamed, third)))
    assert (ChangeArea.SUBJECT, ChangeKind.REMOVED, first.title, None, f"{first.jpl_t} + 0 + 0 = {first.jpl}", "") in (
        changes
    )
    assert (ChangeArea.SUBJECT, ChangeKind.RENAMED, "Judul baru", None, second.title, "Judul baru") in changes
    jpl = next(c for c in changes if c[3] == Aspect.JPL)
    assert jpl[:3] == (ChangeArea.SUBJECT, ChangeKind.CHANGED, "Judul baru")
    assert (ChangeArea.SUBJECT, ChangeKind.ADDED, "Materi baru", None, "", "1 + 1 + 0 = 2") in changes
    total = next(c for c in changes if c[3] == Aspect.TOTAL_JPL)
    assert total[4:] == (str(SPEC.total_jpl), str(SPEC.total_jpl - first.jpl + 2 + 2))
    removals = diff_versions(outline(1), outline(2, with_subjects(renamed, third))).removals
    assert [(c.area, c.name) for c in removals] == [(ChangeArea.SUBJECT, first.title)]


def test_lessons_added_removed_renamed_and_edited_within_their_subject():
    subject = SubjectSpec(
        slug="01-a", title="A", type=SubjectType.INTI, jpl_t=1, jpl_p=0, jpl_pl=0, objectives=("x",),
        lessons=(LessonSpec("Satu", 10, "isi"), LessonSpec("Dua", 10, "isi"), LessonSpec("Tiga", 10, "isi")),
    )  # fmt: skip
    edited = replace(
        subject,
        lessons=(LessonSpec("Satu", 15, "isi baru"), LessonSpec("Dua (revisi)", 10, "isi"), LessonSpec("Empat", 5, "")),
    )
    diff = diff_versions(outline(1, with_subjects(subject)), outline(2, with_subjects(edited)))
    lessons = [(c.kind, c.name, c.aspect, c.before, c.after, c.within) for c in diff.changes]
    assert lessons == [
        (ChangeKind.REMOVED, "Tiga", None, "", "", "A"),
        (ChangeKind.CHANGED, "Satu", Aspect.MINUTES, "10", "15", "A"),
        (ChangeKind.CHANGED, "Satu", Aspect.CONTENT, "", "", "A"),
        (ChangeKind.RENAMED, "Dua (revisi)", None, "Dua", "Dua (revisi)", "A"),
        (ChangeKind.ADDED, "Empat", None, "", "", "A"),
    ]
    assert all(c.area == ChangeArea.LESSON for c in diff.changes)


def test_competencies():
    after = replace(SPEC, competencies=(replace(SPEC.competencies[0], name="Nama baru"),))
    assert changes_of(outline(1), outline(2, after)) == [
        (ChangeArea.COMPETENCY, ChangeKind.RENAMED, "KOMP-1", None, "Kompetensi satu", "Nama baru")
    ]
    assert changes_of(outline(1), outline(2, replace(SPEC, competencies=()))) == [
        (ChangeArea.COMPETENCY, ChangeKind.REMOVED, "KOMP-1 Kompetensi satu", None, "", "")
    ]


def test_quizzes_added_removed_and_their_question_counts():
    pre = OutlineItem("quiz:pre_test", "Pre-test", "Pre-test PPI", (("Questions", "10"),))
    fewer = replace(POST_TEST, title="Post-test PPI 2", details=(("Questions", "15"), ("Pass mark", "70")))
    assert changes_of(outline(1), outline(2, items=(pre, fewer))) == [
        (ChangeArea.ITEM, ChangeKind.ADDED, "Pre-test: Pre-test PPI", None, "", "Questions: 10"),
        (ChangeArea.ITEM, ChangeKind.RENAMED, "Post-test: Post-test PPI 2", None, "Post-test PPI", "Post-test PPI 2"),
        (ChangeArea.ITEM, ChangeKind.CHANGED, "Post-test: Post-test PPI 2", "Questions", "20", "15"),
    ]
    dropped = diff_versions(outline(1), outline(2, items=()))
    assert [(c.area, c.kind, c.name) for c in dropped.removals] == [
        (ChangeArea.ITEM, ChangeKind.REMOVED, "Post-test: Post-test PPI")
    ]


def test_review_token_names_exactly_the_reviewed_content_in_no_language():
    token = review_token(outline(2))
    assert token == review_token(outline(2))
    assert token != review_token(outline(2, replace(SPEC, pass_mark=71)))
    assert token != review_token(outline(2, items=(replace(POST_TEST, details=(("Questions", "21"),)),)))
    # The same quiz described in another language is the same review.
    translated = replace(POST_TEST, kind="Pasca-uji", details=(("Jumlah soal", "20"), ("Nilai lulus", "70")))
    assert token == review_token(outline(2, items=(translated,)))
