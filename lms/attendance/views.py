"""Pages of the attendance feature: sessions, present screen, scanner, roster, codes, reports; the learner's
check-in page, own record and personal QR."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.attendance import bp, services
from lms.attendance.checkin_rules import ROTATION_SECONDS, CheckinRefused, parse_rotating_qr
from lms.attendance.client import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    client_from_request,
    device_id_from_request,
    new_device_id,
)
from lms.attendance.forms import (
    CodeEntryForm,
    CodeForm,
    ConfirmQrForm,
    MarkAllPresentForm,
    RosterForm,
    ScanTextForm,
    SessionForm,
    weights_form,
)
from lms.attendance.models import AttendanceSession, AttendanceStatus, SessionMode
from lms.attendance.qr import qr_svg
from lms.core.csv_export import csv_download, zone_name
from lms.core.i18n import local_date_of, local_datetime, local_number, local_today
from lms.core.labels import labels_of
from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.courses.models import Cohort
from lms.extensions import db


@bp.record_once
def _template_globals(state) -> None:
    # Constant (the labels are lazy strings, translated where shown): set once, not computed for every render.
    state.app.jinja_env.globals.update(
        attendance_status_labels=labels_of(AttendanceStatus), session_mode_labels=labels_of(SessionMode)
    )


def _zone() -> tuple[ZoneInfo, str]:
    return ZoneInfo(str(current_user.timezone)), current_user.timezone_label


def _runner_session(session_id: int) -> AttendanceSession:
    if not current_user.is_authenticated:
        abort(401)
    return services.session_for_runner(current_user, session_id)


def _svg_response(svg: bytes) -> Response:
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


# --- facilitator and org admin --------------------------------------------------------------------------------------


@bp.route("/attendance")
@login_required
def my_sessions():
    cohorts = services.runnable_cohorts(current_user)
    if not cohorts and not current_user.has_role(Role.FACILITATOR, Role.ORG_ADMIN):
        abort(403)
    return render_template(
        "attendance/my_sessions.html",
        cohorts=cohorts,
        sessions={c.id: services.sessions_of(c.id) for c in cohorts},
        now=utcnow(),
    )


@bp.route("/attendance/cohorts/<int:cohort_id>")
@login_required
def cohort_sessions(cohort_id: int):
    cohort = services.cohort_for_runner(current_user, cohort_id)
    return render_template(
        "attendance/cohort_sessions.html", cohort=cohort, sessions=services.sessions_of(cohort.id), now=utcnow()
    )


def _session_form_page(cohort: Cohort, session: AttendanceSession | None):
    zone, zone_label = _zone()
    form = SessionForm(zone=zone, zone_label=zone_label, facilitators=list(cohort.facilitators))
    if session is not None and request.method == "GET":
        form.title.data, form.jpl.data, form.mode.data = session.title, session.jpl, session.mode
        form.starts_at.data = session.starts_at.astimezone(zone).replace(tzinfo=None)
        form.ends_at.data = session.ends_at.astimezone(zone).replace(tzinfo=None)
        form.place.data, form.radius_m.data = session.place, session.radius_m
        form.latitude.data, form.longitude.data = session.latitude, session.longitude
        form.facilitators.data = [u.id for u in session.own_facilitators]
    if form.validate_on_submit():
        chosen = set(form.facilitators.data or [])
        fields = services.SessionFields(
            title=form.title.data,
            starts_at=form.utc(form.starts_at.data),
            ends_at=form.utc(form.ends_at.data),
            jpl=form.jpl.data,
            mode=form.mode.data,
            place=form.place.data,
            latitude=form.latitude.data,
            longitude=form.longitude.data,
            radius_m=form.radius_m.data,
            facilitators=[u for u in cohort.facilitators if u.id in chosen],
        )
        outcome = call_service(
            lambda: (
                services.create_session(current_user, cohort, fields)
                if session is None
                else services.update_session(current_user, session, fields)
            )
        )
        if outcome.ok:
            session = outcome.result
            flash(_("Session %(title)s saved.", title=session.title), "success")
            return redirect(url_for("attendance.session_report", session_id=session.id))
    status = 422 if form.is_submitted() else 200
    return render_template("attendance/session_form.html", cohort=cohort, session=session, form=form), status


@bp.route("/attendance/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(cohort_id: int):
    return _session_form_page(services.cohort_for_runner(current_user, cohort_id), None)


@bp.route("/attendance/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    session = _runner_session(session_id)
    return _session_form_page(session.cohort, session)


@bp.route("/attendance/sessions/<int:session_id>")
@login_required
def session_report(session_id: int):
    session = _runner_session(session_id)
    return render_template(
        "attendance/session_report.html",
        session=session,
        report=services.session_report(current_user, session),
        methods=services.CHECKIN_METHODS,
        ended=session.has_ended(utcnow()),
    )


@bp.post("/attendance/sessions/<int:session_id>/close")
@login_required
def close_session(session_id: int):
    session = _runner_session(session_id)
    outcome = call_service(lambda: services.close_session(current_user, session, utcnow()))
    if outcome.ok:
        count = outcome.result
        flash(_("Session closed: the attendance of %(n)d participants is final.", n=count), "success")
    return redirect(url_for("attendance.session_report", session_id=session.id))


@bp.route("/attendance/sessions/<int:session_id>/present")
@login_required
def present(session_id: int):
    session = _runner_session(session_id)
    now = utcnow()
    return render_template(
        "attendance/present.html",
        session=session,
        codes=services.active_codes(session, now),
        rotation_seconds=ROTATION_SECONDS,
    )


@bp.route("/attendance/sessions/<int:session_id>/present.svg")
@login_required
def present_qr(session_id: int):
    session = _runner_session(session_id)
    return _svg_response(qr_svg(services.rotating_qr_text(session, utcnow())))


@bp.route("/attendance/sessions/<int:session_id>/scanner")
@login_required
def scanner(session_id: int):
    session = _runner_session(session_id)
    return render_template("attendance/scanner.html", session=session, form=ScanTextForm())


@bp.post("/attendance/sessions/<int:session_id>/scan")
@login_required
def scan_text(session_id: int):
    """The scanner without a camera: the text under a personal QR, typed in."""
    session = _runner_session(session_id)
    form = ScanTextForm()
    if not form.validate_on_submit():
        flash(_("Type the text printed under the learner's QR."), "error")
        return redirect(url_for("attendance.scanner", session_id=session.id))
    [outcome] = services.sync_scans(
        current_user, session, [{"qr": form.qr.data}], utcnow(), client_from_request(request.form)
    )
    db.session.commit()
    if outcome.result == "refused":
        flash(outcome.message or _("The check-in was refused."), "error")
    elif outcome.result == "already":
        flash(_("%(name)s was already checked in.", name=outcome.name), "info")
    else:
        flash(_("%(name)s is checked in.", name=outcome.name), "success")
    return redirect(url_for("attendance.scanner", session_id=session.id))


@bp.route("/attendance/sessions/<int:session_id>/roster", methods=["GET", "POST"])
@login_required
def roster(session_id: int):
    session = _runner_session(session_id)
    form = RosterForm()
    if form.validate_on_submit():
        statuses = {}
        for key, value in request.form.items():
            if key.startswith("status-") and value:
                try:
                    statuses[int(key.removeprefix("status-"))] = AttendanceStatus(value)
                except ValueError:
                    abort(400)
        outcome = call_service(lambda: services.mark_roster(current_user, session, statuses, utcnow()))
        if outcome.ok:
            changed = outcome.result
            flash(_("Attendance saved: %(n)d marks changed.", n=changed), "success")
            return redirect(url_for("attendance.session_report", session_id=session.id))
    report = services.session_report(current_user, session)
    return render_template(
        "attendance/roster.html",
        session=session,
        report=report,
        form=form,
        all_present_form=MarkAllPresentForm(formdata=None),
        statuses=list(AttendanceStatus),
    ), (422 if form.is_submitted() else 200)


@bp.post("/attendance/sessions/<int:session_id>/mark-all-present")
@login_required
def mark_all_present(session_id: int):
    session = _runner_session(session_id)
    if not MarkAllPresentForm().validate_on_submit():
        abort(400)
    outcome = call_service(lambda: services.mark_all_present(current_user, session, utcnow()))
    if outcome.ok:
        count = outcome.result
        flash(_("%(n)d participants marked present.", n=count), "success")
    return redirect(url_for("attendance.roster", session_id=session.id))


@bp.route("/attendance/sessions/<int:session_id>/codes", methods=["GET", "POST"])
@login_required
def codes(session_id: int):
    session = _runner_session(session_id)
    form = CodeForm(data={"minutes": current_app.config["ATTENDANCE_CODE_MINUTES"]})
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.create_code(
                current_user, session, utcnow(), minutes=form.minutes.data, label=form.label.data or ""
            )
        )
        if outcome.ok:
            code = outcome.result
            window = services.usable_window(code)
            state = window.state_at(utcnow())
            if state == "usable":
                flash(_("Code %(code)s is open now.", code=code.code), "success")
            elif state == "not_yet":
                when = local_datetime(window.usable_from, "short")
                flash(_("Code %(code)s is ready; learners can use it from %(when)s, when check-in opens.",
                        code=code.code, when=when), "info")  # fmt: skip
            else:
                flash(_("Code %(code)s falls outside the session's check-in time: learners cannot use it.",
                        code=code.code), "error")  # fmt: skip
            return redirect(url_for("attendance.codes", session_id=session.id))
    codes = services.codes_of(session)
    return render_template(
        "attendance/codes.html",
        session=session,
        form=form,
        codes=codes,
        windows={code.id: services.usable_window(code) for code in codes},
        now=utcnow(),
    ), (422 if form.is_submitted() else 200)


@bp.route("/attendance/sessions/<int:session_id>/report.csv")
@login_required
def session_csv(session_id: int):
    session = _runner_session(session_id)
    report = services.session_report(current_user, session)
    methods = services.CHECKIN_METHODS
    rows: list[list[object]] = [
        [_("Name"), _("E-mail"), _("Status"), _("How"), _("Marked at (%(zone)s)", zone=zone_name()),
         _("Shared device")]
    ]  # fmt: skip
    for user, mark in report.rows:
        rows.append(
            [
                user.full_name,
                user.email,
                AttendanceStatus(mark.status) if mark else None,
                methods[mark.method].label if mark and mark.method in methods else None,
                mark.marked_at if mark else None,
                user.id in report.flagged_user_ids,
            ]
        )
    return csv_download(rows, f"kehadiran-sesi-{session.id}.csv")


@bp.route("/attendance/cohorts/<int:cohort_id>/report")
@login_required
def cohort_report(cohort_id: int):
    cohort = services.cohort_for_runner(current_user, cohort_id)
    sessions, records = services.cohort_report(current_user, cohort)
    return render_template("attendance/cohort_report.html", cohort=cohort, sessions=sessions, records=records)


@bp.route("/attendance/cohorts/<int:cohort_id>/progress")
@login_required
def cohort_progress(cohort_id: int):
    """Who in the cohort is behind: lessons against the cohort's pace, quizzes and attendance still open."""
    cohort, learners = services.cohort_progress(current_user, cohort_id, local_today())
    return render_template("attendance/cohort_progress.html", cohort=cohort, learners=learners)


@bp.route("/attendance/cohorts/<int:cohort_id>/report.csv")
@login_required
def cohort_csv(cohort_id: int):
    cohort = services.cohort_for_runner(current_user, cohort_id)
    sessions, records = services.cohort_report(current_user, cohort)
    rows: list[list[object]] = [
        [_("Name"), _("E-mail"),
         *[f"{local_date_of(s.starts_at).isoformat()} {s.title} ({local_number(s.jpl, None)} JPL)" for s in sessions],
         _("Attendance (percent)")]
    ]  # fmt: skip
    for record in records:
        marks = [record.marks.get(s.id) for s in sessions]
        statuses = [AttendanceStatus(mark.status) if mark else None for mark in marks]
        rows.append([record.enrolment.user.full_name, record.enrolment.user.email, *statuses, record.percent])
    return csv_download(rows, f"kehadiran-angkatan-{cohort.id}.csv")


@bp.route("/organizations/<int:organization_id>/attendance/weights", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def weights(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    current = services.weights_for(organization.id)
    form = weights_form(current, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.set_weights(
                current_user, organization.id, {s.value: Decimal(form[s.value].data) for s in AttendanceStatus}
            )
        )
        if outcome.ok:
            flash(_("Attendance weights saved."), "success")
            return redirect(url_for("attendance.weights", organization_id=organization.id))
    return render_template("attendance/weights.html", organization=organization, form=form), (
        422 if form.is_submitted() else 200
    )


# --- learners ------------------------------------------------------------------------------------------------------


def _with_device_cookie(response):
    """Every check-in page leaves a long-lived random device id, so one phone checking in several accounts shows."""
    if device_id_from_request() is None:
        response.set_cookie(
            DEVICE_COOKIE,
            new_device_id(),
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def _checkin_page(session, *, grant=None, error=None, status=200, code_form=None, confirm_form=None):
    mark = services.mark_of(session.id, current_user.id)
    enrolment = services.active_enrolment(session, current_user.id)
    if grant and confirm_form is None:
        confirm_form = ConfirmQrForm(formdata=None, data={"grant": grant})
    response = make_response(
        render_template(
            "attendance/checkin.html",
            session=session,
            mark=mark,
            enrolment=enrolment,
            error=error,
            confirm_form=confirm_form,
            code_form=code_form or CodeEntryForm(formdata=None),
        ),
        status,
    )
    return _with_device_cookie(response)


@bp.route("/attendance/checkin/<int:session_id>", methods=["GET", "POST"])
def checkin(session_id: int):
    session = db.get_or_404(AttendanceSession, session_id)
    now = utcnow()
    if request.method == "GET" and request.args.get("c"):
        # The room QR lives 15-30 s; once it is seen in time, a signed grant carries the learner through logging in.
        try:
            code = parse_rotating_qr(request.url)
            grant = services.grant_for_scan(session, code, now)
        except CheckinRefused as error:
            if current_user.is_authenticated and services.active_enrolment(session, current_user.id) is not None:
                # Kept for the facilitator only when it is a participant's try: others touch no organization's log.
                services.record_refusal(
                    session,
                    "rotating_qr",
                    error,
                    user_id=current_user.id,
                    actor=current_user,
                    client=client_from_request({}),
                    now=now,
                )
                db.session.commit()
                return _checkin_page(session, error=error.message, status=error.status_code)
            if current_user.is_authenticated:
                abort(404)
            flash(str(error.message), "error")
            return redirect(url_for("accounts.login", next=url_for("attendance.checkin", session_id=session.id)))
        if not current_user.is_authenticated:
            flash(_("Log in to check in."), "info")
            return redirect(
                url_for("accounts.login", next=url_for("attendance.checkin", session_id=session.id, g=grant))
            )
        return redirect(url_for("attendance.checkin", session_id=session.id, g=grant))
    if not current_user.is_authenticated:
        flash(_("Log in to check in."), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if request.method == "GET":
        if services.active_enrolment(session, current_user.id) is None and not services.can_run(current_user, session):
            abort(404)
        return _checkin_page(session, grant=request.args.get("g"))

    # POST: confirming a scanned room QR (grant) or entering a webinar code.
    if request.form.get("grant"):
        form, method, payload = ConfirmQrForm(), "rotating_qr", {"grant": request.form.get("grant")}
    else:
        form, method = CodeEntryForm(), "webinar_code"
        payload = {"code": request.form.get("code", "")}
    if not form.validate_on_submit():
        return _checkin_page(session, error=_("Enter the code shown in the webinar."), status=422, code_form=form)
    try:
        result = services.check_in(current_user, session, method, payload, now, client_from_request(request.form))
    except CheckinRefused as error:
        db.session.commit()  # the refused try is kept for the facilitator
        kept = {"code_form": form} if method == "webinar_code" else {"confirm_form": form}
        return _checkin_page(session, error=error.message, status=error.status_code, **kept)
    db.session.commit()
    if result.recorded:
        flash(
            _("You are checked in: %(status)s.", status=AttendanceStatus(result.mark.status).label),
            "success",
        )
    else:
        flash(_("You were already checked in to this session."), "info")
    return _with_device_cookie(redirect(url_for("attendance.checkin", session_id=session.id)))


@bp.route("/my/attendance/<int:enrolment_id>")
@login_required
def my_record(enrolment_id: int):
    enrolment = services.own_enrolment(current_user, enrolment_id)
    return render_template("attendance/my_record.html", record=services.learner_record(enrolment))


@bp.route("/my/checkin-qr")
@login_required
def my_qr():
    return render_template("attendance/my_qr.html", token=services.personal_qr_text(current_user))


@bp.route("/my/checkin-qr.svg")
@login_required
def my_qr_svg():
    return _svg_response(qr_svg(services.personal_qr_text(current_user)))
