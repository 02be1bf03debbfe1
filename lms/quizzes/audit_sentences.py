"""The audit log's sentences for quizzes: questions imported into a course's bank, a quiz's settings saved."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms.core.audit import AuditEntry, AuditNames, actor_name, audit_names, audit_sentence, shown_count
from lms.courses.models import CourseVersion
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizKind


@audit_names("quiz")
def _quizzes(ids: set[Any]) -> dict[Any, str]:
    """Each quiz's course title (of the quiz's version)."""
    rows = db.session.execute(
        select(Quiz.id, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Quiz.version_id)
        .where(Quiz.id.in_(ids))
    )
    return dict(rows.all())


@audit_sentence("questions.import", refs=lambda entry: [("course_id", entry.object_id)])
def _questions_imported(entry: AuditEntry, names: AuditNames) -> str:
    code, title = names("course_id", entry.object_id, ("", ""))
    added = entry.details.get("count") or 0
    return ngettext(
        "%(actor)s imported %(count)s question into the question bank of %(course)s (%(code)s).",
        "%(actor)s imported %(count)s questions into the question bank of %(course)s (%(code)s).",
        added,
        count=shown_count(added),
        actor=actor_name(entry),
        course=title or code,
        code=code,
    )


@audit_sentence("quiz.save", refs=lambda entry: [("quiz", entry.object_id)])
def _quiz_saved(entry: AuditEntry, names: AuditNames) -> str:
    kind = entry.details.get("kind")
    return _(
        "%(actor)s saved the settings of %(title)s (%(kind)s) of %(course)s.",
        actor=actor_name(entry),
        title=entry.details.get("title") or "",
        kind=QuizKind(kind).label if kind in {k.value for k in QuizKind} else (kind or ""),
        course=names("quiz", entry.object_id) or _("(deleted)"),
    )
