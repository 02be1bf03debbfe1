"""What the instruments feature announces, for higher floors (the competency record, notifications) to act on."""

from lms.core.events import DomainEvent

checklist_scored = DomainEvent(
    "instrument.checklist_scored",
    "A facilitator's checklist score was recorded (sent twice: announced once). Payload: response_id (int), "
    "enrolment_id (int), user_id (int, the learner), checklist_key (str), passed (bool), scored_at (datetime, UTC).",
)
evaluation_submitted = DomainEvent(
    "instrument.evaluation_submitted",
    "A learner answered an evaluation. Payload: response_id (int), enrolment_id (int), purpose "
    "(InstrumentPurpose value), facilitator_id (int | None).",
)
post_training_answered = DomainEvent(
    "instrument.post_training_answered",
    "A post-training evaluation was answered at work, by the alumnus or the supervisor: evidence of practice for "
    "the competency record. Payload: response_id (int), enrolment_id (int), user_id (int, the alumnus), "
    'respondent ("learner" or "supervisor"), answered_at (datetime, UTC).',
)
