"""Quiz rules: the question bank, quiz settings, starting/resuming attempts, saving answers, grading, results.

Every function that depends on the time takes `now` from its caller (views pass `utcnow()`, tests a fixed clock).
Attempts left open past their deadline are graded lazily, with the answers saved before the deadline, whenever
they are touched (the learner opens the quiz or the attempt, saves, submits) and by `lms quizzes close-expired`
for those nobody touches (run it from cron; the reports call `close_expired_attempts` before reading).
"""

from .answers import AttemptClosed, SavedAnswer, save_answer, save_answers
from .attempts import (
    QuizHasNoQuestions,
    QuizStatus,
    attempt_of,
    attempts_of,
    learner_enrolment,
    quiz_by_id,
    quiz_for_learner,
    quiz_status,
    start_attempt,
    start_attempt_by_id,
    submit_attempt,
)
from .bank import (
    DEFAULT_CATEGORY,
    FileImport,
    add_question,
    bank_categories,
    bank_questions,
    bank_tags,
    check_question,
    delete_question,
    export_specs,
    import_question_file,
    import_questions,
    preview_question_file,
    question_is_answered,
    store_question_image,
    update_question,
)
from .closing import close_expired_attempts, close_if_expired
from .quiz_settings import (
    QUIZ_SETTINGS,
    add_to_quiz,
    check_quiz_settings,
    default_quiz_settings,
    quiz_of_kind,
    quizzes_of,
    save_quiz,
    set_quiz_questions,
)
from .requirements import PREFETCH_CHUNK, quiz_requirements, quiz_requirements_prefetched
from .review import AttemptReview, ShownQuestion, review_of, shown_questions

__all__ = [
    "AttemptClosed",
    "SavedAnswer",
    "save_answer",
    "save_answers",
    "QuizHasNoQuestions",
    "learner_enrolment",
    "quiz_by_id",
    "quiz_for_learner",
    "attempts_of",
    "QuizStatus",
    "quiz_status",
    "start_attempt",
    "start_attempt_by_id",
    "attempt_of",
    "submit_attempt",
    "DEFAULT_CATEGORY",
    "bank_questions",
    "bank_categories",
    "bank_tags",
    "check_question",
    "add_question",
    "question_is_answered",
    "update_question",
    "delete_question",
    "store_question_image",
    "import_questions",
    "FileImport",
    "import_question_file",
    "preview_question_file",
    "export_specs",
    "close_if_expired",
    "close_expired_attempts",
    "QUIZ_SETTINGS",
    "check_quiz_settings",
    "save_quiz",
    "default_quiz_settings",
    "quiz_of_kind",
    "quizzes_of",
    "add_to_quiz",
    "set_quiz_questions",
    "PREFETCH_CHUNK",
    "quiz_requirements_prefetched",
    "quiz_requirements",
    "ShownQuestion",
    "shown_questions",
    "AttemptReview",
    "review_of",
]
