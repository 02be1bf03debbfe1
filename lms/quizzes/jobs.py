"""The quizzes feature's jobs: grade attempts left open past their deadline (periodic), import a large question file."""

from __future__ import annotations

from lms.jobs import crontab, job, periodic_job


@periodic_job(crontab(minute="*"))
def close_expired_attempts_job() -> int:
    """Every minute: grade each open attempt past its deadline with the answers saved before it (idempotent:
    a graded attempt is no longer open)."""
    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.quizzes.services import close_expired_attempts

    closed = close_expired_attempts(utcnow())
    db.session.commit()
    return closed


IMPORT_QUESTIONS_JOB = "quizzes.import_questions"
"""The kind of the job run a course's question import page shows."""
IMPORT_BATCH = 100
"""Questions per transaction: each batch commits, so progress shows; a retry adds only what is missing."""
IMPORT_FILES_FOLDER = "question-imports"
"""Storage folder of the uploaded files waiting for their job (every host reads them; deleted once imported)."""


@job(retries=3, retry_delay=30)
def import_question_file_job(
    run_id: int,
    course_id: int,
    file_key: str,
    file_format: str,
    default_category: str,
    quiz_id: int | None,
    actor_id: int,
) -> int:
    """Import a large question file, checked by the request before it was queued (checked again here: nothing is
    written when any problem remains), in batches with progress. Idempotent: a retry, or the same file uploaded
    again, adds only the questions the bank does not hold yet. Returns how many were added."""
    from lms.accounts.models import User
    from lms.core.storage import get_storage
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.jobs import runs
    from lms.quizzes.models import Quiz
    from lms.quizzes.services import import_questions, preview_question_file

    storage = get_storage()
    actor = db.session.get(User, actor_id)
    course = db.session.get(Course, course_id)
    quiz = db.session.get(Quiz, quiz_id) if quiz_id else None
    preview = preview_question_file(storage.read(file_key).decode("utf-8"), file_format)
    if preview.errors:
        runs.fail(run_id, "; ".join(map(str, preview.errors)))
        return 0
    run = runs.begin(run_id, len(preview.specs))
    added = already = 0
    try:
        for start in range(0, len(preview.specs), IMPORT_BATCH):
            batch = preview.specs[start : start + IMPORT_BATCH]
            imported = import_questions(actor, course, batch, default_category=default_category, quiz=quiz)
            added, already = added + len(imported.added), already + len(imported.already_in_bank)
            runs.advance(run, len(batch))
            db.session.commit()
        runs.finish(run, added=added, already_in_bank=already, skipped=len(preview.skipped))
    except Exception as error:
        runs.fail(run_id, f"{type(error).__name__}: {error}")
        raise
    storage.delete(file_key)
    db.session.commit()
    return added
