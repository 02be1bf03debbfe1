"""Publishing a draft: the review of what changes against the published version, and publishing exactly what the
organization admin reviewed and confirmed.

Higher features (quizzes) add what they hang off a version to the review through `register_outline_provider`, so
that the review compares quizzes and their question counts while courses never imports quizzes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.core.errors import Conflict, InvalidInput
from lms.courses.models import Course, CourseVersion
from lms.courses.services.authoring import DraftProblem, draft_problems
from lms.courses.services.versions import publish_version, skp_of, spec_from_version
from lms.courses.version_diff import OutlineItem, VersionDiff, VersionOutline, diff_versions, review_token

OutlineProvider = Callable[[CourseVersion], list[OutlineItem]]

_PROVIDERS: list[OutlineProvider] = []


def register_outline_provider(provider: OutlineProvider) -> OutlineProvider:
    """Add what a higher feature hangs off versions to the publish review (idempotent)."""
    if all(existing is not provider for existing in _PROVIDERS):
        _PROVIDERS.append(provider)
    return provider


def version_outline(version: CourseVersion) -> VersionOutline:
    items = tuple(item for provider in _PROVIDERS for item in provider(version))
    return VersionOutline(version.number, spec_from_version(version), skp_of(version), items)


class ConfirmationRequired(InvalidInput):
    code = "confirmation_required"

    def default_message(self):
        return _l("Review what changes against the published version, then confirm to publish.")


class ReviewOutdated(Conflict):
    code = "review_outdated"

    def default_message(self):
        return _l("The draft changed after you reviewed it: review the changes again before publishing.")


@dataclass(frozen=True)
class PublishReview:
    """What publishing the draft would change, and whether it can be published."""

    draft: CourseVersion
    published: CourseVersion | None
    diff: VersionDiff
    problems: list[DraftProblem]
    token: str
    """Sent back with the confirmation: names exactly the draft that was reviewed."""


def review_publication(actor: User | None, course: Course) -> PublishReview:
    require_organization_role(actor, course.organization_id)
    draft = course.draft_version
    if draft is None:
        raise Conflict(_l("%(code)s has no draft version to publish.", code=course.code))
    published = course.published_version
    outline = version_outline(draft)
    diff = diff_versions(version_outline(published) if published is not None else None, outline)
    return PublishReview(draft, published, diff, draft_problems(draft), review_token(outline))


def publish_draft(actor: User | None, course: Course, *, reviewed: str | None) -> CourseVersion:
    """Publish the course's draft once it is a valid curriculum and the admin confirmed the review `reviewed` (its
    token). The published version before it is left as it is: its cohorts and learners keep everything it had."""
    review = review_publication(actor, course)
    if review.problems:
        raise InvalidInput(_l("The draft has problems; fix them before publishing."))
    if not reviewed:
        raise ConfirmationRequired()
    if reviewed != review.token:
        raise ReviewOutdated()
    return publish_version(actor, review.draft)
