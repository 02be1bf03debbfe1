"""What the courses feature announces: new and published course versions, enrolment decisions, bulk enrolment,
cohort changes."""

from lms.core.events import DomainEvent

version_drafted = DomainEvent(
    "course.version_drafted",
    "A new draft version of a course was made from its newest version (authoring in the browser, or importing "
    "changed course files); what hangs off a version (quizzes, ...) is carried over by its own feature. Payload: "
    "course_id, from_version_id, version_id (int).",
)
version_published = DomainEvent(
    "course.version_published",
    "A course version was published (it becomes the course's version in the catalog). Payload: course_id, "
    "version_id (int), code (str).",
)
enrolment_decided = DomainEvent(
    "enrolment.decided",
    "An organization approved or declined an enrolment request. Payload: enrolment_id, user_id, cohort_id (int), "
    "approved (bool), reason (str).",
)
people_enrolled = DomainEvent(
    "cohort.people_enrolled",
    "An organization admin enrolled people into a cohort (by hand, from the member list, an import or the API). "
    "Payload: cohort_id (int), user_ids (list of int: only those newly enrolled), by_user_id (int).",
)
cohort_cancelled = DomainEvent(
    "cohort.cancelled",
    "An organization cancelled a cohort; everyone who was enrolled, waiting or asking is to be told. Payload: "
    "cohort_id (int), user_ids (list of int), reason (str).",
)
cohort_changed = DomainEvent(
    "cohort.changed",
    "An organization changed a cohort's dates, place or mode; its participants may want to know. Payload: "
    "cohort_id (int), user_ids (list of int: active participants), changes (dict of field: [before, after] as text).",
)
