"""The kinds of notification (a registry): what each says, in the reader's language, from its plain-value params.

A kind's words are rendered when read (the bell, the API) or mailed, under the reader's language and time zone,
never stored: the same notification reads in Indonesian for her and in English for the API client she set to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.accounts.models import Role
from lms.accounts.services import PLATFORM_ADMIN
from lms.core.i18n import format_local_datetime
from lms.courses.curriculum import Ranah
from lms.courses.models import CohortMode


@dataclass(frozen=True)
class Reader:
    """Who reads: her language and time zone, for numbers and dates."""

    locale: str
    timezone: str

    def date(self, iso: str) -> str:
        return format_date(date.fromisoformat(iso), "long", locale=self.locale)

    def datetime(self, iso: str) -> str:
        return format_local_datetime(datetime.fromisoformat(iso), "medium", self.locale, self.timezone)

    def number(self, value: str) -> str:
        return format_decimal(value, locale=self.locale)


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: object
    """What the preferences page calls it."""
    email_by_default: bool = True

    def title(self, params: dict, reader: Reader) -> str:
        raise NotImplementedError

    def body(self, params: dict, reader: Reader) -> str:
        raise NotImplementedError

    def share_text(self, params: dict, reader: Reader) -> str | None:
        """Text to prefill a WhatsApp share (wa.me), when sharing makes sense."""
        return None


class CertificateIssued(NotificationKind):
    def title(self, params, reader):
        return _("Your certificate %(number)s is ready", number=params["number"])

    def body(self, params, reader):
        return _(
            "Your certificate for %(course)s was issued. Download it, share its verify link, and find the SKP in "
            "your competency record.",
            course=params["course"],
        )

    def share_text(self, params, reader):
        return _(
            "My certificate %(number)s for %(course)s can be checked here: %(url)s",
            number=params["number"],
            course=params["course"],
            url=params.get("verify_url", ""),
        )


class CertificateStatusChanged(NotificationKind):
    def title(self, params, reader):
        return {
            "revoked": _("Your certificate %(number)s was revoked", number=params["number"]),
            "suspended": _("Your certificate %(number)s was suspended", number=params["number"]),
        }.get(params["status"], _("Your certificate %(number)s is valid again", number=params["number"]))

    def body(self, params, reader):
        reason = params.get("reason") or _("no reason given")
        return _("Certificate for %(course)s. Reason: %(reason)s", course=params["course"], reason=reason)


class EnrolmentDecided(NotificationKind):
    def title(self, params, reader):
        if params["approved"]:
            return _("Your enrolment in %(cohort)s was approved", cohort=params["cohort"])
        return _("Your enrolment in %(cohort)s was declined", cohort=params["cohort"])

    def body(self, params, reader):
        if params["approved"]:
            return _("You can start studying %(course)s now.", course=params["course"])
        return _("Reason: %(reason)s", reason=params.get("reason") or _("no reason given"))


class MembershipDecided(NotificationKind):
    def title(self, params, reader):
        if params["status"] == "confirmed":
            return _("%(organization)s confirmed your membership", organization=params["organization"])
        if params["status"] == "declined":
            return _("%(organization)s declined your membership request", organization=params["organization"])
        return _("%(organization)s ended your membership", organization=params["organization"])

    def body(self, params, reader):
        if params["status"] == "confirmed":
            return _("It now sees your competency record, as you agreed. You can leave at any time in your profile.")
        return _("It no longer sees your competency record.")


class ActivityReviewed(NotificationKind):
    def title(self, params, reader):
        if params["approved"]:
            return _('Your activity "%(title)s" was approved', title=params["title"])
        return _('Your activity "%(title)s" was rejected', title=params["title"])

    def body(self, params, reader):
        if params["approved"]:
            return _("%(skp)s SKP were added to your record.", skp=reader.number(params["skp"]))
        return _("Reason: %(reason)s", reason=params.get("reason") or _("no reason given"))


class SessionReminder(NotificationKind):
    def title(self, params, reader):
        return _("Tomorrow: %(title)s", title=params["title"])

    def body(self, params, reader):
        when = reader.datetime(params["starts_at"])
        if params.get("mode") == "daring":
            return _("Online session %(when)s. Join at: %(place)s", when=when, place=params.get("place") or "-")
        return _("Session %(when)s at %(place)s.", when=when, place=params.get("place") or "-")


class RenewalDue(NotificationKind):
    def title(self, params, reader):
        return _("Your SIP period ends in %(days)d days", days=params["days_left"])

    def body(self, params, reader):
        short = "; ".join(
            _("%(ranah)s: %(skp)s SKP short", ranah=Ranah(ranah).label, skp=reader.number(missing))
            for ranah, missing in params["missing_by_ranah"].items()
        )
        return _(
            "Your SIP period ends on %(date)s and your SKP is still short: %(missing)s SKP in all (%(short)s).",
            date=reader.date(params["ends_on"]),
            missing=reader.number(params["missing"]),
            short=short or "-",
        )


class CompetencyExpiring(NotificationKind):
    def title(self, params, reader):
        return _(
            "Your certificate %(number)s expires in %(days)d days", number=params["number"], days=params["days_left"]
        )

    def body(self, params, reader):
        return _(
            "The competencies of %(course)s (%(competencies)s) lapse on %(date)s unless you take the course again.",
            course=params["course"],
            competencies=", ".join(params.get("competencies") or []) or "-",
            date=reader.date(params["expires_on"]),
        )


class EvaluationOpen(NotificationKind):
    def title(self, params, reader):
        return {
            "facilitator_evaluation": _("Please evaluate the facilitator: %(title)s", title=params["title"]),
            "organizer_evaluation": _("Please evaluate the course: %(title)s", title=params["title"]),
        }.get(params["purpose"], _("Your post-training evaluation is open: %(title)s", title=params["title"]))

    def body(self, params, reader):
        if params["purpose"] == "post_training":
            return _(
                "How do you apply what you learned at work? Answer a few questions, and ask your supervisor to rate "
                "you too; the answers show on your competency record as evidence of practice."
            )
        return _(
            "It takes a few minutes. Facilitators only see summaries of several learners' answers, never yours alone."
        )


class CohortCancelled(NotificationKind):
    def title(self, params, reader):
        return _("%(cohort)s was cancelled", cohort=params["cohort"])

    def body(self, params, reader):
        return _(
            "%(organization)s cancelled %(cohort)s (%(course)s). Reason: %(reason)s",
            organization=params["organization"],
            cohort=params["cohort"],
            course=params["course"],
            reason=params.get("reason") or _("no reason given"),
        )


class CohortChanged(NotificationKind):
    """The dates, place (the link of an online cohort) or mode of a cohort she takes part in changed."""

    def title(self, params, reader):
        return _("%(cohort)s has changed", cohort=params["cohort"])

    def body(self, params, reader):
        lines = [
            self._line(field, before, after, params, reader) for field, (before, after) in params["changes"].items()
        ]
        return _("What changed in %(cohort)s: %(changes)s", cohort=params["cohort"], changes="; ".join(lines))

    @staticmethod
    def _line(field: str, before: str, after: str, params: dict, reader: Reader) -> str:
        def shown(value: str, as_date: bool = False) -> str:
            if not value:
                return "-"
            return reader.date(value) if as_date else value

        if field in ("starts_on", "ends_on"):
            before, after = shown(before, True), shown(after, True)
            if field == "starts_on":
                return _("starts on %(after)s (was %(before)s)", after=after, before=before)
            return _("ends on %(after)s (was %(before)s)", after=after, before=before)
        if field == "mode":
            before, after = (str(CohortMode(v).label) if v else "-" for v in (before, after))
            return _("now %(after)s (was %(before)s)", after=after, before=before)
        if params.get("mode") == CohortMode.DARING:
            return _("join at %(after)s (was %(before)s)", after=shown(after), before=shown(before))
        return _("place: %(after)s (was %(before)s)", after=shown(after), before=shown(before))


class MessageToCohort(NotificationKind):
    """What an organization admin or a facilitator wrote to everyone in a cohort."""

    def title(self, params, reader):
        return _("Message from %(sender)s about %(cohort)s", sender=params["sender"], cohort=params["cohort"])

    def body(self, params, reader):
        return params["text"]


class RoleChanged(NotificationKind):
    """A role given or taken (in an organization, or the platform admin's), or what a supervisor role covers changed
    with its organization's kind or region."""

    @staticmethod
    def _role(params) -> str:
        if params["role"] == PLATFORM_ADMIN:
            return _("Platform admin")
        return str(Role(params["role"]).label)

    def title(self, params, reader):
        role, organization = self._role(params), params.get("organization") or "Lentera"
        if params["change"] == "granted":
            return _("You were given the role %(role)s in %(organization)s", role=role, organization=organization)
        if params["change"] == "removed":
            return _("Your role %(role)s in %(organization)s was taken away", role=role, organization=organization)
        return _("What you supervise through %(organization)s changed", organization=organization)

    def body(self, params, reader):
        by = params.get("by") or _("the platform")
        if params["change"] == "granted":
            return _(
                "Given by %(by)s. If you did not expect it, tell them or the platform admin.",
                by=by,
            )
        if params["change"] == "removed":
            return _(
                "Taken away by %(by)s. You were logged out on every device: log in again to go on with the roles "
                "you still have.",
                by=by,
            )
        if params.get("area"):
            return _("Changed by %(by)s: you now supervise the health workers of %(area)s.", by=by, area=params["area"])
        return _(
            "Changed by %(by)s: the organization is no longer a health office with a region, so you supervise no "
            "area through it.",
            by=by,
        )


KINDS: dict[str, NotificationKind] = {
    kind.key: kind
    for kind in (
        CertificateIssued("certificate_issued", _l("A certificate of mine is issued")),
        CertificateStatusChanged("certificate_status", _l("A certificate of mine is revoked, suspended or reinstated")),
        EnrolmentDecided("enrolment_decided", _l("My enrolment request is approved or declined")),
        MembershipDecided("membership_decided", _l("An organization confirms, declines or ends my membership")),
        ActivityReviewed("activity_reviewed", _l("A self-reported activity of mine is reviewed")),
        SessionReminder("session_reminder", _l("Reminder the day before a session")),
        RenewalDue("renewal_due", _l("My SIP renewal is near and my SKP is short (180, 90 and 30 days before)")),
        CompetencyExpiring("competency_expiring", _l("A certificate of mine expires soon (90 and 30 days before)")),
        EvaluationOpen("evaluation_open", _l("An evaluation is open for me to fill in")),
        CohortCancelled("cohort_cancelled", _l("A cohort I am enrolled in or asked to join is cancelled")),
        CohortChanged("cohort_changed", _l("The dates, place or link of a cohort I take part in change")),
        MessageToCohort("cohort_message", _l("The organizer or a facilitator of my cohort writes to me")),
        RoleChanged("role_changed", _l("A role of mine is given or taken away, or what I supervise changes")),
    )
}
"""Every kind by key, in the order the preferences page lists them."""
