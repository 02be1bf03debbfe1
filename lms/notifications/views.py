"""Pages of the notifications feature: the in-app list (the bell), e-mail choices per kind, unsubscribe links that
work without logging in, and the platform admin's outbox of mail not sent (no SMTP server configured)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.accounts.login import page_value
from lms.accounts.permissions import platform_admin_required
from lms.attendance.services import cohort_for_runner, cohort_progress
from lms.core.i18n import local_today
from lms.core.mail import OutboxMessage
from lms.core.models import utcnow
from lms.core.security import csrf_exempt, signed_in_user
from lms.core.service_calls import call_service
from lms.core.urls import whatsapp_link
from lms.extensions import db
from lms.jobs import runs
from lms.notifications import bp, cohort_messages, services
from lms.notifications.cohort_messages import messages_of, recipient_count, write_cohort_message
from lms.notifications.forms import BEHIND, CohortMessageForm, MessageLearnersForm, preferences_form
from lms.notifications.jobs import COHORT_MESSAGE_JOB, send_cohort_message
from lms.notifications.kinds import KINDS

UNREAD = "unread_notifications"


@bp.app_template_global()
def unread_notifications() -> int:
    """The unread count for the bell in the header, for logged-in people only: read in the statement that loads the
    user from the session cookie, or else (a user logged in during this request) counted once when the header asks
    for it."""
    user = signed_in_user()
    if not (user and user.is_authenticated):
        return 0
    if "unread_notifications" not in g:
        counted = page_value(UNREAD)  # read with the signed-in user (lms.notifications.connect)
        g.unread_notifications = services.unread_count(user.id) if counted is None else counted
    return g.unread_notifications


@bp.route("/notifications")
@login_required
def inbox():
    before = request.args.get("before", type=int)
    notifications = services.notifications_of(current_user, before_id=before)
    reader = services.reader_of(current_user)
    items = []
    for n in notifications:
        kind = KINDS[n.kind]
        share = kind.share_text(n.params, reader)
        items.append(
            {
                "notification": n,
                "title": kind.title(n.params, reader),
                "body": kind.body(n.params, reader),
                "whatsapp": whatsapp_link(share) if share else None,
            }
        )
    return render_template(
        "notifications/inbox.html", items=items, oldest=notifications[-1].id if notifications else None
    )


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    notification = services.open_notification(current_user, notification_id)
    db.session.commit()
    return redirect(notification.link or url_for("notifications.inbox"))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    services.mark_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/me/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = preferences_form(services.preferences_of(current_user))
    if form.validate_on_submit():
        services.set_preferences(current_user, [key for key in KINDS if form[key].data])
        db.session.commit()
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=KINDS)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf_exempt  # the signed token is the authority (RFC 8058 one-click from the mail program sends no CSRF token)
def unsubscribe(token: str):
    outcome = call_service(lambda: services.read_unsubscribe_token(token), quiet=True)
    if not outcome.ok:
        abort(404)
    user, kind = outcome.result
    if request.method == "POST":
        services.unsubscribe(token)
        db.session.commit()
        return render_template("notifications/unsubscribe.html", kind=kind, user=user, done=True)
    return render_template("notifications/unsubscribe.html", kind=kind, user=user, done=False, token=token)


@bp.route("/cohorts/<int:cohort_id>/learners/message", methods=["GET", "POST"])
@login_required
def message_learners(cohort_id: int):
    """A facilitator writes to learners of her cohort: those she ticks, or everyone behind (the progress page's
    list, those behind ticked to start with)."""
    today = local_today()
    cohort, learners = cohort_progress(current_user, cohort_id, today)
    form = MessageLearnersForm(data={"user_ids": [p.user_id for p in learners if p.behind]})
    form.user_ids.choices = [SelectChoice(p.user_id, p.full_name) for p in learners]
    if form.validate_on_submit():
        outcome = call_service(
            lambda: cohort_messages.message_cohort(
                current_user,
                cohort.id,
                text=form.text.data,
                today=today,
                user_ids=form.user_ids.data,
                behind=form.recipients.data == BEHIND,
            ),
            form=form,
            field="text",
        )
        if outcome.ok:
            flash(
                ngettext("Message sent to %(num)d learner.", "Message sent to %(num)d learners.", len(outcome.result)),
                "success",
            )
            return redirect(url_for("attendance.cohort_progress", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render_template("notifications/message_learners.html", cohort=cohort, learners=learners, form=form), status


@bp.route("/admin/outbox")
@platform_admin_required
def admin_outbox():
    messages = list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)).scalars())
    return render_template("notifications/outbox.html", messages=messages)


@bp.route("/admin/outbox/<int:message_id>")
@platform_admin_required
def admin_outbox_message(message_id: int):
    return render_template("notifications/outbox_message.html", message=db.get_or_404(OutboxMessage, message_id))


@bp.route("/cohorts/<int:cohort_id>/message", methods=["GET", "POST"])
@login_required
def cohort_message(cohort_id: int):
    """Write to every active learner of a cohort (its organization's admins and its facilitators): a job tells
    them, with a progress bar here."""
    cohort = cohort_for_runner(current_user, cohort_id)
    form = CohortMessageForm()
    status = 200
    if form.validate_on_submit():
        outcome = call_service(
            lambda: write_cohort_message(current_user, cohort, form.body.data, utcnow()), form=form, field="body"
        )
        if outcome.ok:
            run = runs.open_run(COHORT_MESSAGE_JOB, f"cohort:{cohort.id}", current_user.id)
            db.session.commit()
            send_cohort_message(run.id, outcome.result.id)
            return redirect(url_for("notifications.cohort_message", cohort_id=cohort.id, job=run.id))
        status = outcome.status
    elif form.is_submitted():
        status = 422
    return render_template(
        "notifications/cohort_message.html",
        cohort=cohort,
        form=form,
        job_run=runs.run_to_show(f"cohort:{cohort.id}", COHORT_MESSAGE_JOB, request.args.get("job")),
        recipients=recipient_count(cohort.id),
        messages=messages_of(cohort),
    ), status
