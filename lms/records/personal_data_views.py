"""The "My data" page (UU 27/2022 PDP): what is held, its download, correction requests, account deletion; and the
platform admin's list of correction requests."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from lms.accounts.consent import consents_of
from lms.accounts.models import DataRequest
from lms.accounts.permissions import platform_admin_required
from lms.core.service_calls import call_service
from lms.extensions import db
from lms.records import bp, personal_data
from lms.records.forms import AnswerRequestForm, CorrectionRequestForm, EraseAccountForm


def _page(correction_form=None, erase_form=None, status: int = 200):
    data = personal_data.held_data(current_user)
    return (
        render_template(
            "records/my_data.html",
            data=data.sections,
            consents=consents_of(current_user),
            correction_form=correction_form or CorrectionRequestForm(formdata=None),
            erase_form=erase_form or EraseAccountForm(formdata=None),
        ),
        status,
    )


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/my/data")
@login_required
def my_data():
    return _page()


@bp.route("/my/data.json")
@login_required
def my_data_json():
    return _download(
        personal_data.export_json(personal_data.held_data(current_user)), "application/json", "data-saya.json"
    )


@bp.route("/my/data.zip")
@login_required
def my_data_zip():
    return _download(
        personal_data.export_zip(personal_data.held_data(current_user)), "application/zip", "data-saya.zip"
    )


@bp.post("/my/data/corrections")
@login_required
def request_correction():
    form = CorrectionRequestForm()
    if not form.validate_on_submit():
        return _page(correction_form=form, status=422)
    outcome = call_service(
        lambda: personal_data.request_correction(current_user, form.message.data), form=form, field="message"
    )
    if not outcome.ok:
        return _page(correction_form=form, status=422)
    flash(_("Your correction request has been sent."), "success")
    return redirect(url_for("records.my_data"))


@bp.post("/my/data/delete")
@login_required
def erase_account():
    form = EraseAccountForm()
    if not form.validate_on_submit():
        return _page(erase_form=form, status=422)
    outcome = call_service(
        lambda: personal_data.erase_account(current_user, form.password.data), form=form, field="password"
    )
    if not outcome.ok:
        return _page(erase_form=form, status=422)
    logout_user()
    flash(_("Your account has been deleted."), "success")
    return redirect(url_for("core.home"))


@bp.route("/admin/data-requests")
@platform_admin_required
def data_requests():
    requests = db.session.execute(
        select(DataRequest).order_by(DataRequest.status.desc(), DataRequest.created_at.desc()).limit(500)
    ).scalars()
    return render_template("records/data_requests.html", requests=requests, form=AnswerRequestForm(formdata=None))


@bp.post("/admin/data-requests/<int:request_id>/answer")
@platform_admin_required
def answer_data_request(request_id: int):
    data_request = db.get_or_404(DataRequest, request_id)
    form = AnswerRequestForm()
    if form.validate_on_submit():
        outcome = call_service(lambda: personal_data.answer_request(current_user, data_request, form.answer.data))
        if outcome.ok:
            flash(_("The request is marked as answered."), "success")
    else:
        flash(_("Write what was done, for the person to read."), "error")
    return redirect(url_for("records.data_requests"))
