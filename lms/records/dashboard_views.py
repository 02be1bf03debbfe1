"""Dashboard pages: an organization's members by SKP state and its courses' figures (org admins); coverage of
facilities × competencies for supervisors of a health office; their CSV exports."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.identity import professions
from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.core.csv_export import csv_download
from lms.core.i18n import local_today
from lms.core.labels import labels_of
from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records import bp, dashboards
from lms.records.csv_columns import standing_cells, standing_header
from lms.records.skp import SkpState


def _today() -> date:
    return local_today()


def _filters() -> dashboards.MemberFilters:
    args = request.args
    return dashboards.MemberFilters(
        state=args.get("state", ""),
        profession=args.get("profession", ""),
        name=args.get("q", "")[:120],
        renewal_due=args.get("renewal") == "1",
    )


def _filter_args(filters: dashboards.MemberFilters) -> dict[str, str]:
    """The filters as query arguments, for page and export links."""
    args = {"state": filters.state, "profession": filters.profession, "q": filters.name}
    args = {key: value for key, value in args.items() if value}
    return args | ({"renewal": "1"} if filters.renewal_due else {})


@bp.route("/organizations/<int:organization_id>/dashboard")
@organization_role_required(Role.ORG_ADMIN)
def organization_dashboard(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    filters = _filters()
    call = call_service(
        lambda: dashboards.member_standings(
            current_user,
            organization.id,
            filters,
            _today(),
            after=request.args.get("after") or None,
            before=request.args.get("before") or None,
        )
    )
    return render_template(
        "records/dashboard/members.html",
        organization=organization,
        result=call.result or dashboards.MemberPage([], 0),
        matches_counted=dashboards.MATCHES_COUNTED,
        filters=filters,
        filter_args=_filter_args(filters),
        professions=list(professions()),  # every profession: a query for those present would scan all members
        state_labels=labels_of(SkpState),
        ranah_labels=labels_of(Ranah),
    ), call.status


@bp.route("/organizations/<int:organization_id>/dashboard.csv")
@organization_role_required(Role.ORG_ADMIN)
def organization_dashboard_csv(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    members = dashboards.member_standings_export(current_user, organization.id, _filters(), _today())
    header = [_("Name"), _("E-mail"), *standing_header()]
    rows = [[m.full_name, m.email, *standing_cells(m)] for m in members]
    return csv_download([header, *rows], f"skp-anggota-{organization.slug}.csv")


@bp.route("/organizations/<int:organization_id>/dashboard/courses")
@organization_role_required(Role.ORG_ADMIN)
def organization_courses_dashboard(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    figures = dashboards.course_figures(current_user, organization.id, utcnow())
    return render_template("records/dashboard/courses.html", organization=organization, figures=figures)


@bp.route("/organizations/<int:organization_id>/dashboard/courses.csv")
@organization_role_required(Role.ORG_ADMIN)
def organization_courses_dashboard_csv(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    figures = dashboards.course_figures(current_user, organization.id, utcnow())
    header = [_("Code"), _("Title"), _("Active learners"), _("Lessons finished"), _("Valid certificates"),
              _("Expired certificates"), _("Suspended certificates"), _("Revoked certificates")]  # fmt: skip
    rows = [[f.code, f.title, f.enrolled, f.finished, f.valid, f.expired, f.suspended, f.revoked] for f in figures]
    return csv_download([header, *rows], f"kursus-{organization.slug}.csv")


def _coverage() -> dashboards.Coverage:
    if not dashboards.can_supervise(current_user):
        abort(403)
    return dashboards.coverage(
        current_user,
        _today(),
        province=request.args.get("province", "")[:80],
        regency=request.args.get("regency", "")[:80],
    )


@bp.route("/supervision/coverage")
@login_required
def coverage():
    result = _coverage()
    region = {key: request.args[key] for key in ("province", "regency") if request.args.get(key)}
    return render_template("records/dashboard/coverage.html", coverage=result, region=region, today=_today())


@bp.route("/supervision/coverage.csv")
@login_required
def coverage_csv():
    result = _coverage()
    header = [_("Facility"), _("Type"), _("Province"), _("Regency / city"), _("Staff"), _("Competency code"),
              _("Competency"), _("Needed"), _("Held"), _("Enough")]  # fmt: skip
    rows = [
        [f.facility.name, f.type_label, f.facility.province, f.facility.regency, f.staff, cell.code,
         result.names.get(cell.code), cell.needed, cell.held, cell.enough]
        for f in result.facilities
        for cell in f.cells
    ]  # fmt: skip
    return csv_download([header, *rows], "cakupan-kompetensi.csv")
