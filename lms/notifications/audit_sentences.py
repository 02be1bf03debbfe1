"""The audit log's sentences for notifications: a message written to a cohort's learners."""

from __future__ import annotations

from flask_babel import ngettext

from lms.core.audit import AuditEntry, AuditNames, audit_sentence, shown_count
from lms.courses.audit_sentences import cohort_names, the_cohort


@audit_sentence("cohort.message", refs=the_cohort)
def _cohort_written_to(entry: AuditEntry, names: AuditNames) -> str:
    found = cohort_names(entry, names)
    recipients = entry.details.get("recipients")
    if recipients is not None:  # chosen learners
        return ngettext(
            "%(actor)s wrote a message of %(characters)s characters to %(count)s chosen learner of the cohort "
            "%(cohort)s of %(course)s.",
            "%(actor)s wrote a message of %(characters)s characters to %(count)s chosen learners of the cohort "
            "%(cohort)s of %(course)s.",
            len(recipients),
            count=shown_count(len(recipients)),
            characters=shown_count(entry.details.get("characters")),
            **found,
        )
    people = entry.details.get("people") or 0
    return ngettext(
        "%(actor)s wrote a message to the %(count)s learner of the cohort %(cohort)s of %(course)s.",
        "%(actor)s wrote a message to the %(count)s learners of the cohort %(cohort)s of %(course)s.",
        people,
        count=shown_count(people),
        **found,
    )
