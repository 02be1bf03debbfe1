"""Organization-admin pages of the member import: upload and check, preview, confirm once, progress, template."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts import bp
from lms.accounts.identity import mask_nik
from lms.accounts.member_import import services
from lms.accounts.member_import.forms import ImportActionForm, MemberFileForm
from lms.accounts.member_import.jobs import IMPORT_MEMBERS_JOB, import_members, run_subject
from lms.accounts.member_import.models import ImportStatus, MemberImport, MemberImportRow
from lms.accounts.member_import.template_file import template_csv, template_xlsx
from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.core.models import utcnow
from lms.extensions import db
from lms.jobs import runs

PREVIEW_ROWS = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _import_url(member_import: MemberImport, **params) -> str:
    return url_for(
        "accounts.member_import", organization_id=member_import.organization_id, import_id=member_import.id, **params
    )


@bp.route("/organizations/<int:organization_id>/members/import", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def member_import_upload(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    form = MemberFileForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        checked = services.check_file(upload.read())
        if checked.ok:
            file_name = (upload.filename or "members").rsplit("/", 1)[-1]
            member_import = services.stage_import(current_user, organization, file_name, checked, utcnow())
            db.session.commit()
            return redirect(_import_url(member_import))
        problems = checked.problems
        flash(_("Nothing was imported: correct these rows and upload the file again."), "error")
    return render_template(
        "accounts/member_import.html",
        organization=organization,
        form=form,
        problems=problems,
        imports=services.recent_imports(organization.id),
    ), (422 if form.is_submitted() else 200)


@bp.route("/organizations/<int:organization_id>/members/import/template.<any(xlsx, csv):kind>")
@organization_role_required(Role.ORG_ADMIN)
def member_import_template(organization_id: int, kind: str):
    body, mimetype = (template_xlsx(), XLSX_TYPE) if kind == "xlsx" else (template_csv(), "text/csv")
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename=template-anggota.{kind}"}
    )


@bp.route("/organizations/<int:organization_id>/members/imports/<int:import_id>")
@organization_role_required(Role.ORG_ADMIN)
def member_import(organization_id: int, import_id: int):
    member_import = services.import_of(current_user, organization_id, import_id)
    rows = []
    if member_import.status == ImportStatus.PREVIEWED:
        rows = db.session.execute(
            select(MemberImportRow.data)
            .where(MemberImportRow.import_id == member_import.id)
            .order_by(MemberImportRow.row)
            .limit(PREVIEW_ROWS)
        ).scalars()
    return render_template(
        "accounts/member_import_status.html",
        organization=member_import.organization,
        member_import=member_import,
        rows=[{**row, "nik_masked": mask_nik(row["nik"])} for row in rows],
        form=ImportActionForm(formdata=None),
        stalled=services.stalled(member_import, utcnow()),
        job_run=runs.run_to_show(run_subject(member_import.id), IMPORT_MEMBERS_JOB, request.args.get("job")),
        total_text=format_number(member_import.total_rows),
        processed_text=format_number(member_import.processed_rows),
    )


@bp.post("/organizations/<int:organization_id>/members/imports/<int:import_id>/<any(confirm, resume):action>")
@organization_role_required(Role.ORG_ADMIN)
def member_import_run(organization_id: int, import_id: int, action: str):
    member_import = services.import_of(current_user, organization_id, import_id)
    if not ImportActionForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(_import_url(member_import))
    if action == "confirm":
        started = services.confirm_import(current_user, member_import, utcnow())
        db.session.commit()
        if not started:
            flash(_("This import was confirmed already; nothing was imported twice."), "success")
            return redirect(_import_url(member_import))
    elif not services.stalled(member_import, utcnow()):
        return redirect(_import_url(member_import))
    # A job with a progress bar: thousands of rows take longer than a request should.
    run = runs.open_run(IMPORT_MEMBERS_JOB, run_subject(member_import.id), current_user.id)
    db.session.commit()
    import_members(run.id, member_import.id)
    return redirect(_import_url(member_import, job=run.id))


@bp.post("/organizations/<int:organization_id>/members/imports/<int:import_id>/discard")
@organization_role_required(Role.ORG_ADMIN)
def member_import_discard(organization_id: int, import_id: int):
    member_import = services.import_of(current_user, organization_id, import_id)
    if ImportActionForm().validate_on_submit() and services.discard_import(current_user, member_import):
        db.session.commit()
        flash(_("The import was discarded; nothing was written."), "success")
    return redirect(url_for("accounts.member_import_upload", organization_id=organization_id))


@bp.app_template_global()
def import_problem(problem) -> str:
    """A problem as the user reads it: `row N: message`, the word "row" in their language."""
    return _("row %(n)d: %(message)s", n=problem.row, message=problem.message)
