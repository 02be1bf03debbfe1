"""The accounts feature's jobs: what a request about an e-mail address asks for (a reset link), done by the queue
so that the request's answer takes the same time whether or not the address has an account, and a slow mail server
never shows. Mail a request writes itself ("someone tried to register with your address") goes through
lms.core.mail.deliver_mail, also a job."""

from __future__ import annotations

from lms.jobs import job

LINK_TOKEN = "__token__"
"""Where a job puts the reset token into the link the request built (`url_for(..., token=LINK_TOKEN)`)."""


@job(retries=8, retry_delay=120)
def send_password_reset_link(email: str, link: str, locale: str) -> None:
    """E-mail a reset link (`link` with LINK_TOKEN in place of the token) if `email` has an active account; nothing
    otherwise. The lookup happens here, not in the request: the request costs the same for any address."""
    from flask_babel import force_locale

    from lms.accounts.services import send_password_reset
    from lms.extensions import db

    with force_locale(locale):
        send_password_reset(email, lambda token: link.replace(LINK_TOKEN, token))
    db.session.commit()
