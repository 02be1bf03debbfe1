"""What the courses feature announces: new and published course versions, and decided enrolments."""

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
