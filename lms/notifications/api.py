"""/api/v1 endpoints of the notifications feature: the caller's notifications, newest first, and marking them read;
her e-mail choices per kind; a facilitator's message to learners of her cohort."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.core.api import BEARER, token_required
from lms.core.api_errors import documented_errors
from lms.core.errors import InvalidInput
from lms.core.models import utcnow
from lms.extensions import db
from lms.notifications import cohort_messages, services
from lms.notifications.kinds import KINDS
from lms.notifications.links import absolute_url

blp = Blueprint("notifications_api", __name__, description="The caller's notifications and her e-mail choices")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "one of: " + ", ".join(KINDS)})
    title = fields.String(metadata={"description": "in the caller's language"})
    body = fields.String()
    link = fields.String(metadata={"description": "absolute URL of the page it is about (may be empty)"})
    read = fields.Boolean()
    created_at = fields.DateTime()
    params = fields.Dict(metadata={"description": "the plain values the words are made from"})


class ListArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(load_default=None, metadata={"description": "only those with a smaller id (paging)"})


class ReadSchema(Schema):
    ids = fields.List(
        fields.Integer(), load_default=None, metadata={"description": "which to mark read; absent means all"}
    )


class UnreadSchema(Schema):
    marked = fields.Integer(metadata={"description": "how many changed from unread to read"})
    unread = fields.Integer()


class PreferencesSchema(Schema):
    email = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(),
        required=True,
        metadata={"description": "{kind: true for e-mail too, false for in-app only}, for every kind"},
    )


@blp.get("/me/notifications")
@blp.doc(security=BEARER)
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, NotificationSchema(many=True))
@token_required
def my_notifications(args):
    """The caller's notifications, newest first, each with `read` and a link."""
    reader = services.reader_of(current_user)
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "title": KINDS[n.kind].title(n.params, reader),
            "body": KINDS[n.kind].body(n.params, reader),
            "link": absolute_url(n.link) if n.link else "",
            "read": n.is_read,
            "created_at": n.created_at,
            "params": n.params,
        }
        for n in services.notifications_of(current_user, limit=args["limit"], before_id=args["before"])
    ]


@blp.post("/me/notifications/read")
@blp.doc(security=BEARER)
@blp.arguments(ReadSchema)
@blp.response(200, UnreadSchema)
@token_required
def mark_notifications_read(data):
    """Mark the given notifications read (all of them without `ids`)."""
    marked = services.mark_read(current_user, data["ids"])
    db.session.commit()
    return {"marked": marked, "unread": services.unread_count(current_user.id)}


@blp.get("/me/notification-preferences")
@blp.doc(security=BEARER)
@blp.response(200, PreferencesSchema)
@token_required
def my_notification_preferences():
    """Per kind: e-mail too (true) or in-app only (false)."""
    return {"email": services.preferences_of(current_user)}


@blp.put("/me/notification-preferences")
@blp.doc(security=BEARER)
@blp.arguments(PreferencesSchema)
@blp.response(200, PreferencesSchema)
@token_required
def set_my_notification_preferences(data):
    """Set the e-mail choice of the kinds given (others keep theirs)."""
    unknown = set(data["email"]) - KINDS.keys()
    if unknown:
        raise InvalidInput(_l("Unknown notification kind: %(kinds)s", kinds=", ".join(sorted(unknown))))
    for kind, email in data["email"].items():
        services.set_email_choice(current_user.id, kind, email)
    db.session.commit()
    return {"email": services.preferences_of(current_user)}


class CohortMessageSchema(Schema):
    text = fields.String(
        required=True,
        # Documented here, checked by the service (`cohort_messages.message_text`): the same words as on the page.
        metadata={
            "minLength": 1,
            "maxLength": cohort_messages.MESSAGE_MAX,
            "description": "the message, as the learners will read it",
        },
    )
    user_ids = fields.List(
        fields.Integer(),
        load_default=list,
        validate=validate.Length(max=cohort_messages.RECIPIENTS_MAX),
        metadata={"description": "learners (active in the cohort) to write to; ignored with `behind`"},
    )
    behind = fields.Boolean(
        load_default=False, metadata={"description": "true: every learner behind today (as GET .../progress says)"}
    )


class CohortMessageSentSchema(Schema):
    sent = fields.Integer(metadata={"description": "how many learners were written to"})
    user_ids = fields.List(fields.Integer())


@blp.post("/cohorts/<int:cohort_id>/messages")
@blp.doc(security=BEARER, operationId="messageCohortLearners")
@blp.arguments(CohortMessageSchema)
@blp.response(201, CohortMessageSentSchema)
@documented_errors(blp, 401, 404, 422)
@token_required
def message_cohort_learners(data, cohort_id: int):
    """A facilitator (or the organization's admin) of the cohort writes to learners: those in `user_ids`, or all who
    are behind. Each gets a notification of kind `cohort_message` (in-app, and e-mail unless she turned it off).
    Audited. Another cohort: 404; a user who is not an active learner of it: 422 and nobody is written to."""
    sent = cohort_messages.message_cohort(
        current_user,
        cohort_id,
        text=data["text"],
        today=utcnow().date(),
        user_ids=data["user_ids"],
        behind=data["behind"],
    )
    db.session.commit()
    return {"sent": len(sent), "user_ids": sent}
