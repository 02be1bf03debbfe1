"""Pages of the certificates feature: the learner's "Sertifikat saya", and the organization admin's certificate
settings and cohort certificates (issue, approve, revoke, suspend, reinstate, re-issue)."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.certificates import bp, services
from lms.certificates.forms import CertificateSettingsForm, LogoForm, ReasonForm, ReinstateForm, SignatoryForm
from lms.certificates.jobs import ISSUE_COHORT_JOB, issue_cohort_certificates
from lms.certificates.models import Certificate, CertificateState
from lms.certificates.numbering import InvalidNumberPattern
from lms.certificates.services.cohort_page import RowState
from lms.core.errors import DomainError, InvalidInput
from lms.core.labels import labels_of
from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.courses.models import Cohort
from lms.courses.services import cohort_in
from lms.extensions import db
from lms.jobs import runs

STATUS_ACTIONS = {
    "revoke": (
        services.revoke_certificate,
        ReasonForm,
        lambda old, new: _("Certificate %(number)s is revoked.", number=old.number),
    ),
    "suspend": (
        services.suspend_certificate,
        ReasonForm,
        lambda old, new: _("Certificate %(number)s is suspended.", number=old.number),
    ),
    "reinstate": (
        services.reinstate_certificate,
        ReinstateForm,
        lambda old, new: _("Certificate %(number)s is valid again.", number=old.number),
    ),
    "reissue": (
        services.reissue_certificate,
        ReasonForm,
        lambda old, new: _("Certificate %(old)s is revoked and replaced by %(new)s.", old=old.number, new=new.number),
    ),
}
"""action in the URL -> (service, form, flash message from the old and the resulting certificate)."""

# Said inside each action's disclosure, before its confirm button: what the change does, so nothing happens by surprise.
STATUS_CHANGE_EFFECTS = {
    "revoke": _l(
        "Revoking is final: anyone who checks the QR sees it revoked, its SKP leave the holder's record, and no new "
        "certificate is issued by itself."
    ),
    "suspend": _l("Until you reinstate it, anyone who checks the QR sees it suspended."),
    "reinstate": _l("The certificate is valid again for anyone who checks it."),
    "reissue": _l(
        "A corrected certificate with a new number replaces this one; this one is revoked and its QR points to the "
        "new one."
    ),
}


def _file_response(data: bytes, mimetype: str, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "private, no-cache"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(data, mimetype=mimetype, headers=headers)


def pdf_filename(certificate: Certificate) -> str:
    return "sertifikat-" + re.sub(r"[^A-Za-z0-9._-]+", "-", certificate.number).strip("-") + ".pdf"


# --- the learner --------------------------------------------------------------------------------------------------


@bp.route("/my/certificates")
@login_required
def my_certificates():
    return render_template(
        "certificates/my_certificates.html",
        certificates=services.certificates_of(current_user),
        now=utcnow(),
        state_labels=labels_of(CertificateState),
    )


@bp.route("/my/certificates/<public_id>")
@login_required
def my_certificate(public_id: str):
    certificate = services.certificate_of(current_user, public_id)
    return render_template(
        "certificates/my_certificate.html",
        certificate=certificate,
        snapshot=certificate.snapshot,
        share_url=services.share_url(certificate),
        now=utcnow(),
        state_labels=labels_of(CertificateState),
        stamp_word=services.status_stamp(certificate.status),
    )


@bp.route("/my/certificates/<public_id>.pdf")
@login_required
def my_certificate_pdf(public_id: str):
    certificate = services.certificate_of(current_user, public_id)
    return _file_response(services.certificate_pdf(certificate), "application/pdf", pdf_filename(certificate))


@bp.route("/my/certificates/<public_id>.<any(webp, png):image_format>")
@login_required
def my_certificate_preview(public_id: str, image_format: str = "webp"):
    from lms.certificates.pdf import PREVIEW_FORMATS

    certificate = services.certificate_of(current_user, public_id)
    image = services.certificate_preview(certificate, image_format=image_format)
    return _file_response(image, PREVIEW_FORMATS[image_format])


# --- organization admin: settings ---------------------------------------------------------------------------------


def _settings_page(organization: Organization, *, settings_form=None, logo_form=None, signatory_form=None, status=200):
    settings = services.settings_for(organization.id)
    if settings_form is None:
        settings_form = CertificateSettingsForm(obj=settings, layouts=services.layout_names())
    return (
        render_template(
            "certificates/admin/settings.html",
            organization=organization,
            settings=settings,
            settings_form=settings_form,
            logo_form=logo_form or LogoForm(),
            signatory_form=signatory_form or SignatoryForm(),
            example_number=services.example_number(organization, settings.number_pattern, utcnow()),
            preview_version=int(settings.updated_at.timestamp()) if settings.updated_at else 0,
        ),
        status,
    )


def _back_to_settings(organization_id: int):
    return redirect(url_for("certificates.admin_settings", organization_id=organization_id))


@bp.route("/organizations/<int:organization_id>/certificates/settings", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_settings(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    form = CertificateSettingsForm(layouts=services.layout_names())
    if not form.is_submitted():
        return _settings_page(organization)
    if form.validate():
        try:
            services.update_settings(
                current_user,
                organization,
                number_pattern=form.number_pattern.data,
                layout=form.layout.data,
                primary_colour=form.primary_colour.data,
                accent_colour=form.accent_colour.data,
                place=form.place.data,
            )
        except InvalidNumberPattern as error:
            db.session.rollback()
            form.number_pattern.errors = [str(error.message)]
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Certificate settings saved. Certificates issued before keep their look."), "success")
            return _back_to_settings(organization.id)
    return _settings_page(organization, settings_form=form, status=422)


@bp.route("/organizations/<int:organization_id>/certificates/settings/preview.<any(webp, png):image_format>")
@organization_role_required(Role.ORG_ADMIN)
def admin_settings_preview(organization_id: int, image_format: str = "webp"):
    from lms.certificates.pdf import PREVIEW_FORMATS, render_certificate_pdf, render_preview

    organization = db.get_or_404(Organization, organization_id)
    document = services.sample_document(organization, services.settings_for(organization.id), utcnow())
    image = render_preview(render_certificate_pdf(document), width=800, image_format=image_format)
    return _file_response(image, PREVIEW_FORMATS[image_format])


@bp.post("/organizations/<int:organization_id>/certificates/settings/logo")
@organization_role_required(Role.ORG_ADMIN)
def admin_logo(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    form = LogoForm()
    if form.validate():
        try:
            services.set_logo(current_user, organization, form.logo.data.read())
        except InvalidInput as error:
            db.session.rollback()
            form.logo.errors = [str(error.message)]
        else:
            db.session.commit()
            flash(_("Logo saved."), "success")
            return _back_to_settings(organization.id)
    return _settings_page(organization, logo_form=form, status=422)


@bp.post("/organizations/<int:organization_id>/certificates/settings/logo/remove")
@organization_role_required(Role.ORG_ADMIN)
def admin_remove_logo(organization_id: int):
    services.remove_logo(current_user, db.get_or_404(Organization, organization_id))
    db.session.commit()
    flash(_("Logo removed."), "success")
    return _back_to_settings(organization_id)


@bp.post("/organizations/<int:organization_id>/certificates/settings/signatories")
@organization_role_required(Role.ORG_ADMIN)
def admin_add_signatory(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    form = SignatoryForm()
    if form.validate():
        signature = form.signature.data.read() if form.signature.data else None
        try:
            services.add_signatory(
                current_user, organization, name=form.name.data, title=form.title.data, signature=signature
            )
        except InvalidInput as error:
            db.session.rollback()
            target = form.signature if signature else form.name
            target.errors = [*target.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("Signatory added."), "success")
            return _back_to_settings(organization.id)
    return _settings_page(organization, signatory_form=form, status=422)


@bp.post("/organizations/<int:organization_id>/certificates/settings/signatories/<int:index>/remove")
@organization_role_required(Role.ORG_ADMIN)
def admin_remove_signatory(organization_id: int, index: int):
    services.remove_signatory(current_user, db.get_or_404(Organization, organization_id), index)
    db.session.commit()
    flash(_("Signatory removed."), "success")
    return _back_to_settings(organization_id)


# --- organization admin: a cohort's certificates -------------------------------------------------------------------


def _issue_run(cohort: Cohort):
    """The cohort's issuing job to show: the one just started (?job=), or one still running."""
    return runs.run_to_show(f"cohort:{cohort.id}", ISSUE_COHORT_JOB, request.args.get("job"))


def _cohort_page(cohort: Cohort, *, failed: tuple[str, str, object] | None = None, status: int = 200):
    """The cohort's learners and certificates; `failed` = (public id, action, form) shows a refused form again."""
    rows = services.cohort_certificates(current_user, cohort)
    return (
        render_template(
            "certificates/admin/cohort.html",
            organization=cohort.version.course.organization,
            cohort=cohort,
            rows=rows,
            counts={state: sum(1 for r in rows if r.state == state) for state in RowState},
            row_state_labels=labels_of(RowState),
            what_changes=STATUS_CHANGE_EFFECTS,
            state_labels=labels_of(CertificateState),
            reason_form=ReasonForm(formdata=None),
            reinstate_form=ReinstateForm(formdata=None),
            failed=failed,
            now=utcnow(),
            job_run=_issue_run(cohort),
        ),
        status,
    )


def _back_to_cohort(cohort: Cohort):
    return redirect(
        url_for("certificates.admin_cohort_certificates", organization_id=cohort.organization_id, cohort_id=cohort.id)
    )


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/certificates")
@organization_role_required(Role.ORG_ADMIN)
def admin_cohort_certificates(organization_id: int, cohort_id: int):
    return _cohort_page(cohort_in(organization_id, cohort_id))


@bp.post("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/certificates/issue")
@organization_role_required(Role.ORG_ADMIN)
def admin_issue_cohort(organization_id: int, cohort_id: int):
    cohort = cohort_in(organization_id, cohort_id)
    run = runs.open_run(ISSUE_COHORT_JOB, f"cohort:{cohort.id}", current_user.id)
    db.session.commit()
    # A job with a progress bar: a cohort of thousands takes longer than a request should.
    issue_cohort_certificates(run.id, cohort.id, current_user.id)
    return redirect(
        url_for(
            "certificates.admin_cohort_certificates",
            organization_id=cohort.organization_id,
            cohort_id=cohort.id,
            job=run.id,
        )
    )


@bp.post("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/certificate")
@organization_role_required(Role.ORG_ADMIN)
def admin_issue_one(organization_id: int, cohort_id: int, enrolment_id: int):
    cohort = cohort_in(organization_id, cohort_id)
    enrolment = services.enrolment_in_cohort(cohort, enrolment_id)
    outcome = call_service(lambda: services.issue_certificate(current_user, enrolment, utcnow()))
    if not outcome.ok:
        return _cohort_page(cohort, status=outcome.status)
    certificate = outcome.result
    flash(_("Certificate %(number)s issued to %(name)s.", number=certificate.number, name=enrolment.user.full_name),
          "success")  # fmt: skip
    return _back_to_cohort(cohort)


@bp.post(f"/organizations/<int:organization_id>/certificates/<public_id>/<any({', '.join(STATUS_ACTIONS)}):action>")
@organization_role_required(Role.ORG_ADMIN)
def admin_change_status(organization_id: int, public_id: str, action: str):
    if action not in STATUS_ACTIONS:
        abort(404)
    certificate = services.certificate_in(organization_id, public_id)
    cohort = certificate.enrolment.cohort
    change, form_class, done_message = STATUS_ACTIONS[action]
    form = form_class()
    if not form.validate():
        return _cohort_page(cohort, failed=(public_id, action, form), status=422)
    outcome = call_service(
        lambda: change(current_user, certificate, form.reason.data, utcnow()), form=form, field="reason"
    )
    if not outcome.ok:
        return _cohort_page(cohort, failed=(public_id, action, form), status=outcome.status)
    result = outcome.result
    flash(done_message(certificate, result), "success")
    return _back_to_cohort(cohort)


@bp.route("/organizations/<int:organization_id>/certificates/<public_id>.pdf")
@organization_role_required(Role.ORG_ADMIN)
def admin_certificate_pdf(organization_id: int, public_id: str):
    certificate = services.certificate_in(organization_id, public_id)
    return _file_response(services.certificate_pdf(certificate), "application/pdf", pdf_filename(certificate))


@bp.app_template_global()
def certificate_state_label(state: str) -> str:
    return str(CertificateState(state).label)
