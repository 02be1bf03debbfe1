"""Pages of the competency record: the worker's record, SIP, activities and share links; the organization's review
of reported activities; the public shared record."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Organization, OrganizationKind, Role
from lms.accounts.permissions import organization_role_required
from lms.core.csv_export import csv_download
from lms.core.i18n import local_today
from lms.core.labels import translated_labels
from lms.core.models import utcnow
from lms.core.security import signed_in_user
from lms.core.service_calls import call_service
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records import badges, bp, charts, services, transcript
from lms.records.forms import (
    ActivityForm,
    LicenceForm,
    ReviewForm,
    ShareLinkForm,
)
from lms.records.models import ActivityKind, EntrySource, ExternalActivity
from lms.records.skp import PracticeArea


def _today() -> date:
    return local_today()


LABELLED = {"ranah_labels": Ranah, "kind_labels": ActivityKind, "area_labels": PracticeArea}


def _labels(*names: str) -> dict:
    """The labels of the enums named (all by default), each translated once per language: a record of 500 entries
    would otherwise translate each label 500 times."""
    return {name: translated_labels(LABELLED[name]) for name in names or LABELLED}


HISTORY_PAGE_SIZE = 50
"""Ledger lines per page of the history: a phone page stays light however long a career gets."""


def _record_page(record: services.Record, *, activities: list, shared: bool) -> str:
    pages = max(1, -(-len(record.entries) // HISTORY_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    start = (page - 1) * HISTORY_PAGE_SIZE
    return render_template(
        "records/record.html",
        record=record,
        history=record.entries[start : start + HISTORY_PAGE_SIZE],
        page=page,
        pages=pages,
        activities=activities,
        shared=shared,
        today=_today(),
        ranah_bars=charts.ranah_bars(record.standing.ranah),
        **_labels("ranah_labels"),  # the only ones the record shows
    )


@bp.route("/my/record")
@login_required
def my_record():
    user = signed_in_user()  # not through the proxy: the page reads the user's fields often
    record = services.record_of(user, _today())
    return _record_page(record, activities=services.activities_of(user), shared=False)


@bp.route("/my/record.csv")
@login_required
def my_record_csv():
    record = services.record_of(current_user, _today())
    header = [_("Date"), _("Title"), _("Organizer"), _("Ranah"), "SKP", "JPL", _("Source"), _("Status")]
    rows = [
        [e.earned_on, e.title, e.organizer, Ranah(e.ranah), e.skp, e.jpl, EntrySource(e.source),
         _("Cancelled") if e.reversed_at else _("Counted")]
        for e in record.entries
    ]  # fmt: skip
    return csv_download([header, *rows], "rekam-skp.csv")


@bp.route("/my/record/sip", methods=["GET", "POST"])
@login_required
def edit_licence():
    licence = services.licence_of(current_user)
    form = LicenceForm(obj=licence)
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.set_licence(
                current_user,
                sip_number=form.sip_number.data or "",
                starts_on=form.starts_on.data,
                area=form.area.data,
                today=_today(),
            ),
            form=form,
            field="starts_on",
        )
        if outcome.ok:
            flash(_("Your SIP is saved."), "success")
            return redirect(url_for("records.my_record"))
    return render_template("records/licence.html", form=form), 422 if form.is_submitted() else 200


def _reviewing_organizations() -> list[Organization]:
    """Professional organizations and health offices review activities; the worker's own memberships first."""
    mine = {m.organization_id for m in current_user.memberships}
    organizations = db.session.execute(
        select(Organization)
        .where(Organization.kind.in_([OrganizationKind.PROFESSIONAL, OrganizationKind.HEALTH_OFFICE]))
        .order_by(Organization.name)
    ).scalars()
    return sorted(organizations, key=lambda o: o.id not in mine)


@bp.route("/my/record/activities/new", methods=["GET", "POST"])
@login_required
def report_activity():
    organizations = _reviewing_organizations()
    form = ActivityForm()
    form.organization_id.choices = [(o.id, o.name) for o in organizations]
    own = [o for o in organizations if o.id in {m.organization_id for m in current_user.memberships}]
    if not form.is_submitted() and own:
        form.organization_id.data = own[0].id  # the worker's own organization reviews by default
    if form.validate_on_submit():
        organization = next(o for o in organizations if o.id == form.organization_id.data)
        upload = form.evidence.data
        outcome = call_service(
            lambda: services.report_activity(
                current_user,
                organization=organization,
                kind=form.kind.data,
                ranah=form.ranah.data,
                title=form.title.data,
                organizer=form.organizer.data,
                held_on=form.held_on.data,
                skp_claimed=form.skp_claimed.data,
                evidence=upload.read(),
                evidence_filename=upload.filename,
                today=_today(),
            ),
            form=form,
            field="evidence",
        )
        if outcome.ok:
            flash(_("Activity sent for review to %(name)s.", name=organization.name), "success")
            return redirect(url_for("records.my_record"))
    return render_template("records/activity_form.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/records/activities/<int:activity_id>/evidence")
@login_required
def activity_evidence(activity_id: int):
    activity, data = services.evidence_of(current_user, activity_id)
    return Response(
        data,
        mimetype=activity.evidence_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(activity.evidence_name, safe='')}",
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/my/record/share", methods=["GET", "POST"])
@login_required
def share_links():
    form = ShareLinkForm()
    new_url = None
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.create_share_link(
                current_user, days=form.days.data, label=form.label.data or "", now=utcnow()
            ),
            form=form,
            field="days",
        )
        if outcome.ok:
            _link, secret = outcome.result
            new_url = url_for("records.shared_record", secret=secret, _external=True)
            flash(_("Share link made. Copy it now: it is shown only once."), "success")
    status = 422 if form.errors else 200
    links = services.share_links_of(current_user)
    return render_template("records/share.html", form=form, links=links, new_url=new_url, now=utcnow()), status


@bp.post("/my/record/share/<int:link_id>/revoke")
@login_required
def revoke_share_link(link_id: int):
    services.revoke_share_link(current_user, link_id, utcnow())
    db.session.commit()
    flash(_("The share link no longer works."), "success")
    return redirect(url_for("records.share_links"))


@bp.route("/r/<secret>")
def shared_record(secret: str):
    user = services.user_for_share_secret(secret, utcnow())
    db.session.commit()  # remembers when the link was last used
    record = services.record_of(user, _today())
    response = _record_page(record, activities=[], shared=True)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


# --- the organization's review ----------------------------------------------------------------------------------


@bp.route("/organizations/<int:organization_id>/activities")
@organization_role_required(Role.ORG_ADMIN)
def review_activities(organization_id: int):
    return _review_page(organization_id)


def _review_page(organization_id: int, failed: tuple[int, ReviewForm] | None = None, status: int = 200):
    organization = db.get_or_404(Organization, organization_id)
    activities = services.activities_to_review(current_user, organization.id)
    failed_id, failed_form = failed or (None, None)
    forms = {a.id: failed_form if a.id == failed_id else ReviewForm(formdata=None) for a in activities}
    page = render_template(
        "records/review.html", organization=organization, activities=activities, forms=forms, **_labels()
    )
    return page, status


@bp.post("/organizations/<int:organization_id>/activities/<int:activity_id>/review")
@organization_role_required(Role.ORG_ADMIN)
def review_activity(organization_id: int, activity_id: int):
    activity = db.get_or_404(ExternalActivity, activity_id)
    if activity.organization_id != organization_id:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Choose to approve or reject, with a reason of at most 500 characters."), "error")
        return _review_page(organization_id, (activity.id, form), 422)
    outcome = call_service(
        lambda: services.review_activity(
            current_user,
            activity,
            approve=form.decision.data == "approve",
            skp_granted=form.skp_granted.data,
            reason=form.reason.data or "",
            now=utcnow(),
        )
    )
    if not outcome.ok:
        return _review_page(organization_id, (activity.id, form), outcome.status)
    flash(_("Review saved for %(name)s.", name=activity.user.full_name), "success")
    return redirect(url_for("records.review_activities", organization_id=organization_id))


@bp.app_template_global()
def competency_reminders() -> list[services.HeldCompetency]:
    """Competencies of the logged-in worker that expire within 90 days, for the home page."""
    if not current_user.is_authenticated:
        return []
    today = _today()
    return [c for c in services.competencies_of(current_user, today) if c.renew_soon(today)]


# --- exports: the printable transcript, Open Badges and CLR ---------------------------------------------------------


def _transcript_response(user, filename: str) -> Response:
    record = services.record_of(user, _today())
    pdf = transcript.render_transcript_pdf(
        record,
        now=utcnow(),
        verify_url=url_for("certificates.verify_form", _external=True),
        platform_name=current_app.config.get("PLATFORM_NAME", "Lentera"),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/my/record.pdf")
@login_required
def my_record_pdf():
    return _transcript_response(current_user, "transkrip-rekam-kompetensi.pdf")


@bp.route("/r/<secret>/record.pdf")
def shared_record_pdf(secret: str):
    user = services.user_for_share_secret(secret, utcnow())
    db.session.commit()  # remembers when the link was last used
    response = _transcript_response(user, "transkrip-rekam-kompetensi.pdf")
    response.headers.update({"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"})
    return response


def _json_download(document: dict, filename: str) -> Response:
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/my/record/badges/<public_id>.json")
@login_required
def my_badge(public_id: str):
    return _json_download(badges.badge_for(current_user, public_id, utcnow()), f"open-badge-{public_id}.json")


@bp.route("/my/record/clr.json")
@login_required
def my_record_clr():
    return _json_download(badges.clr_for(current_user, utcnow()), "rekam-kompetensi-clr.json")
