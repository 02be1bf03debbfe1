"""E-mail of notifications: multipart text + HTML in the reader's language, with a one-click unsubscribe link for
its kind; sent by a job (lms.notifications.jobs) so a slow or refusing mail server never fails a request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.core.mail import send_mail
from lms.notifications.kinds import KINDS
from lms.notifications.links import absolute_url, site_path
from lms.notifications.models import Notification
from lms.notifications.services import reader_of, unsubscribe_token


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def render_mail(notification: Notification) -> RenderedMail:
    user = notification.user
    reader = reader_of(user)
    kind = KINDS[notification.kind]
    unsubscribe = absolute_url(site_path("notifications.unsubscribe", token=unsubscribe_token(user.id, kind.key)))
    with force_locale(reader.locale):
        context = {
            "user": user,
            "title": kind.title(notification.params, reader),
            "body": kind.body(notification.params, reader),
            "link": absolute_url(notification.link) if notification.link else "",
            "unsubscribe_url": unsubscribe,
            "kind_label": str(kind.label),
            "preferences_url": absolute_url(site_path("notifications.preferences")),
            "locale": reader.locale,
        }
        subject = _("Lentera: %(title)s", title=context["title"])
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Content-Language": reader.locale,
    }
    return RenderedMail(subject, text, html, headers)


def mail_notification(notification: Notification) -> None:
    mail = render_mail(notification)
    send_mail(notification.user.email, mail.subject, mail.text, html=mail.html, headers=mail.headers)
