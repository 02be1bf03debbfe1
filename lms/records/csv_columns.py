"""The SKP standing columns that the organization's member CSV and the supervisor's worker CSV share."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.accounts.identity import profession_name
from lms.courses.curriculum import Ranah
from lms.records.skp import SkpState


def standing_header() -> list[str]:
    """Profession, SKP state, earned and target, per ranah earned, minimum and behind (yes/no), short of, SIP
    renewal."""
    return [
        _("Profession"),
        _("SKP state"),
        _("SKP earned"),
        _("SKP target"),
        *[_("SKP %(ranah)s", ranah=r.label) for r in Ranah],
        *[_("Minimum %(ranah)s", ranah=r.label) for r in Ranah],
        *[_("Behind in %(ranah)s", ranah=r.label) for r in Ranah],
        _("SKP short"),
        _("SIP renewal"),
    ]


def standing_cells(standing) -> list[object]:
    """A standing row (dashboards' member or supervision's worker) as the cells under `standing_header`."""
    return [
        profession_name(standing.profession_code) if standing.profession_code else None,
        SkpState(standing.state),
        standing.earned,
        standing.target,
        *[standing.earned_per_ranah[r.value] for r in Ranah],
        *[standing.minimum_per_ranah[r.value] for r in Ranah],
        *[r.value in standing.short_ranah for r in Ranah],
        standing.missing,
        standing.renewal_on,
    ]
