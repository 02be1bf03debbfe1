"""Pages of the instruments feature: authoring and course settings, the facilitator's skills station, the learner's
evaluations, the facilitator's aggregates, the supervisor's link, and the course report with its CSV."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_ids_for
from lms.attendance.services import runnable_cohorts
from lms.core.csv_export import csv_download
from lms.core.i18n import local_today
from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.courses.models import Course
from lms.extensions import db
from lms.instruments import bp, services
from lms.instruments.charts import bar_chart, trend_chart
from lms.instruments.files import InstrumentSpec, shipped_instruments
from lms.instruments.forms import CourseSettingsForm, FromDefaultForm, InstrumentTextForm, SupervisorForm
from lms.instruments.items import InstrumentPurpose, Item, RespondentRole


def answers_from_form(items: list[Item]) -> dict:
    return {item.id: request.form.get(f"item-{item.id}", "") for item in items}


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(bar_chart=bar_chart, trend_chart=trend_chart, dist_rows=distribution_rows)


@bp.app_template_filter("trend_point")
def trend_point(point) -> tuple[str, float | None]:
    """(cohort, mean, responses) as a point of a trend chart: the cohort's name and its mean."""
    cohort, mean, _count = point
    return cohort.name, mean


def distribution_rows(dist) -> list[tuple[str, int]]:
    return [(f"{value} {label}", count) for value, label, count in dist.counts]


def _administered_organizations() -> list[Organization]:
    stmt = select(Organization).order_by(Organization.name)
    if not current_user.is_platform_admin:
        stmt = stmt.where(Organization.id.in_(organization_ids_for(current_user, (Role.ORG_ADMIN,))))
    return list(db.session.execute(stmt).scalars())


# --- authoring ---------------------------------------------------------------------------------------------------


@bp.route("/instruments")
@login_required
def instruments():
    organizations = _administered_organizations()
    if not organizations:
        abort(403)
    form = FromDefaultForm()
    form.organization_id.choices = [(o.id, o.name) for o in organizations]
    form.key.choices = [(key, spec.title) for key, spec in shipped_instruments().items()]
    courses = list(
        db.session.execute(
            select(Course).where(Course.organization_id.in_([o.id for o in organizations])).order_by(Course.code)
        ).scalars()
    )
    return render_template(
        "instruments/list.html", instruments=services.latest_instruments(current_user), form=form, courses=courses
    )


@bp.post("/instruments/new")
@login_required
def create_instrument():
    form = FromDefaultForm()
    form.organization_id.choices = [(o.id, o.name) for o in _administered_organizations()]
    form.key.choices = [(key, key) for key in shipped_instruments()]
    if not form.validate_on_submit():
        flash(_("Choose an organization and a default to start from."), "error")
        return redirect(url_for("instruments.instruments"))
    outcome = call_service(lambda: services.create_from_default(current_user, form.organization_id.data, form.key.data))
    if not outcome.ok:
        return redirect(url_for("instruments.instruments"))
    return redirect(url_for("instruments.edit_instrument", instrument_id=outcome.result.id))


@bp.route("/instruments/<int:instrument_id>/edit", methods=["GET", "POST"])
@login_required
def edit_instrument(instrument_id: int):
    instrument = services.instrument_for_author(current_user, instrument_id)
    form = InstrumentTextForm()
    form.text.render_kw = {**form.text.render_kw, "lang": current_app.config["CONTENT_LANGUAGE"]}
    if request.method == "GET":
        form.text.data = InstrumentSpec(
            instrument.key,
            instrument.title,
            InstrumentPurpose(instrument.purpose),
            tuple(instrument.items),
            instrument.pass_percent,
            instrument.description,
        ).to_yaml()
    elif form.validate_on_submit():
        outcome = call_service(
            lambda: services.save_text(current_user, instrument.organization_id, form.text.data),
            form=form,
            field="text",
        )
        if outcome.ok:
            flash(_("Saved as version %(version)d.", version=outcome.result.version), "success")
            return redirect(url_for("instruments.edit_instrument", instrument_id=outcome.result.id))
    return render_template("instruments/edit.html", instrument=instrument, form=form)


@bp.route("/instruments/courses/<int:course_id>/settings", methods=["GET", "POST"])
@login_required
def course_settings(course_id: int):
    course = services.course_for_author(current_user, course_id)
    settings = services.settings_for(course)
    form = CourseSettingsForm(
        data={
            "checklists": settings.checklist_keys or [],
            "require_checklists": settings.require_checklists,
            "require_evaluations": settings.require_evaluations,
            "post_training_months": settings.post_training_months,
        }
        if request.method == "GET"
        else None
    )
    # The titles are the organization's own words, in the language it writes in.
    written_in = {"lang": current_app.config["CONTENT_LANGUAGE"]}
    form.checklists.choices = [
        (i.key, i.title, written_in) for i in services.organization_checklists(course.organization_id)
    ]
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.update_settings(
                current_user,
                course,
                checklist_keys=form.checklists.data or [],
                require_checklists=form.require_checklists.data,
                require_evaluations=form.require_evaluations.data,
                post_training_months=form.post_training_months.data,
            )
        )
        if outcome.ok:
            flash(_("Settings saved."), "success")
            return redirect(url_for("instruments.course_settings", course_id=course.id))
    return render_template("instruments/course_settings.html", course=course, form=form)


# --- the skills station ------------------------------------------------------------------------------------------


@bp.route("/instruments/cohorts/<int:cohort_id>/checklists/<int:instrument_id>", methods=["GET", "POST"])
@login_required
def station(cohort_id: int, instrument_id: int):
    cohort = services.cohort_for_assessor(current_user, cohort_id)
    instrument = services.station_checklist(cohort, instrument_id)
    learners = [e.user for e in services.participants(cohort)]
    if request.method == "POST":
        outcome = call_service(
            lambda: services.score_learner(
                current_user,
                cohort,
                instrument,
                request.form.get("learner_id", type=int) or 0,
                answers_from_form(instrument.items),
                client_id=request.form.get("client_id", ""),
                remarks=request.form.get("remarks", ""),
            )
        )
        if outcome.ok:
            response, recorded = outcome.result
            if not recorded:
                flash(_("This score was already recorded."), "info")
            elif response.passed:
                flash(_("Recorded: passed (%(percent)d%%).", percent=response.percent), "success")
            else:
                flash(_("Recorded: not passed (%(percent)d%%).", percent=response.percent), "info")
            return redirect(url_for("instruments.station", cohort_id=cohort.id, instrument_id=instrument.id))
    scores = services.cohort_scores(cohort, instrument.key)
    return render_template(
        "instruments/station.html",
        cohort=cohort,
        instrument=instrument,
        learners=learners,
        scores=scores,
        client_id=secrets.token_hex(12),
    )


# --- the learner's and the facilitator's pages ---------------------------------------------------------------------


@bp.route("/evaluations")
@login_required
def my_evaluations():
    now = utcnow()
    pending = services.pending_for(current_user, now)
    page = render_template(
        "instruments/my_evaluations.html",
        pending=pending,
        answered=services.answered_by(current_user, now),
        results=services.learner_results(current_user),
        stations=[(c, services.checklists_of(c.version.course)) for c in runnable_cohorts(current_user)],
        is_facilitator=current_user.has_role(Role.FACILITATOR),
        is_admin=current_user.is_platform_admin or current_user.has_role(Role.ORG_ADMIN),
    )
    db.session.commit()  # an organization's first evaluation copies the shipped instrument in
    return page


@bp.route("/evaluations/<key>", methods=["GET", "POST"])
@login_required
def evaluation(key: str):
    now = utcnow()
    asked = services.find_asked(current_user, key, now)
    instrument = asked.instrument
    if request.method == "POST" and not asked.answered:
        outcome = call_service(
            lambda: services.submit(
                current_user,
                key,
                answers_from_form(instrument.items),
                now,
                instrument_id=request.form.get("instrument_id", type=int),
            )
        )
        if outcome.ok:
            recorded = outcome.result[1]
            flash(_("Thank you, your evaluation is recorded.") if recorded else _("Already answered."), "success")
            if asked.purpose == InstrumentPurpose.POST_TRAINING:
                return redirect(url_for("instruments.evaluation", key=key))
            return redirect(url_for("instruments.my_evaluations"))
    invitation = supervisor_link = None
    if asked.purpose == InstrumentPurpose.POST_TRAINING:
        invitation = services.invitation_of(current_user, key, now)
        if invitation is not None and invitation.used_at is None:
            supervisor_link = url_for("instruments.supervisor", token=services.token_for(invitation), _external=True)
    page = render_template(
        "instruments/evaluation.html",
        asked=asked,
        instrument=instrument,
        values=request.form if request.method == "POST" else {},
        invitation=invitation,
        supervisor_link=supervisor_link,
        supervisor_form=SupervisorForm(),
    )
    db.session.commit()
    return page


@bp.post("/evaluations/<key>/supervisor")
@login_required
def invite_supervisor(key: str):
    form = SupervisorForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("instruments.evaluation", key=key))
    outcome = call_service(
        lambda: services.invite_supervisor(
            current_user, key, form.supervisor_name.data, form.supervisor_email.data, utcnow()
        )
    )
    if not outcome.ok:
        return redirect(url_for("instruments.evaluation", key=key))
    invitation = outcome.result
    services.send_invitation(
        invitation, url_for("instruments.supervisor", token=services.token_for(invitation), _external=True)
    )
    flash(_("The link for your supervisor is ready."), "success")
    return redirect(url_for("instruments.evaluation", key=key))


@bp.route("/evaluations/about-me")
@login_required
def facilitator_aggregates():
    return render_template("instruments/facilitator.html", summaries=services.facilitator_summary(current_user))


@bp.route("/pt/<token>", methods=["GET", "POST"])
def supervisor(token: str):
    """The supervisor's form: no account, the signed link is the only key."""
    now = utcnow()
    opened = call_service(lambda: services.invitation_from_token(token, now), quiet=True)
    if not opened.ok:
        return render_template("instruments/supervisor_refused.html", message=opened.error.message), opened.status
    invitation = opened.result
    instrument = services.supervisor_instrument(invitation)
    if request.method == "POST":
        outcome = call_service(
            lambda: services.supervisor_submit(token, answers_from_form(instrument.items), now),
            quiet=(services.LinkUsed,),
        )
        if outcome.ok:
            return render_template("instruments/supervisor_done.html")
        if isinstance(outcome.error, services.LinkUsed):
            return render_template("instruments/supervisor_refused.html", message=outcome.error.message), 409
    page = render_template(
        "instruments/supervisor.html",
        invitation=invitation,
        instrument=instrument,
        values=request.form if request.method == "POST" else {},
    )
    db.session.commit()
    return page


# --- reports -----------------------------------------------------------------------------------------------------


@bp.route("/instruments/courses/<int:course_id>/report")
@login_required
def course_report(course_id: int):
    course = services.course_for_author(current_user, course_id)
    report = services.course_report(course, local_today())
    return render_template("instruments/report.html", report=report, course=course, purposes=InstrumentPurpose)


@bp.route("/instruments/courses/<int:course_id>/report.csv")
@login_required
def course_report_csv(course_id: int):
    course = services.course_for_author(current_user, course_id)
    report = services.course_report(course, local_today(), with_learning=False)
    names = {row.facilitator.id: row.facilitator.full_name for row in report.facilitators}
    cohorts = {c.id: c.name for c in report.cohorts}
    header = [_("Instrument"), _("Respondent"), _("Facilitator"), _("Cohort"), _("Item"), _("Value"), _("Count")]
    rows = [
        [
            InstrumentPurpose(purpose),
            RespondentRole(role),
            names.get(facilitator_id),
            cohorts.get(cohort_id),
            item,
            value,
            n,
        ]
        for purpose, role, facilitator_id, cohort_id, item, value, n in report.aggregate_rows
    ]
    return csv_download([header, *rows], f"evaluasi-{course.code}.csv")
