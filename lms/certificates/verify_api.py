"""/api/v1/verify: check a scanned QR text without an account."""

from __future__ import annotations

from functools import wraps

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.certificates.verification import (
    MAX_QR_TEXT,
    VerificationResult,
    foreign_host_notice,
    signed_fields,
    verify_qr,
)
from lms.certificates.verify_views import verify_limit
from lms.core.api import TOO_MANY_REQUESTS
from lms.core.errors import json_error
from lms.core.security import csrf_exempt

blp = Blueprint("verify_api", __name__, description="Verifying a certificate's QR")

MAX_BODY_BYTES = 16 * 1024


class VerifyRequestSchema(Schema):
    qr = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_QR_TEXT),
        metadata={"description": "The text scanned from the certificate's QR (the URL, in any case, or the token)."},
    )


class SignatureSchema(Schema):
    genuine = fields.Boolean()
    reason_code = fields.String(allow_none=True, metadata={"description": "why not genuine: bad_signature, …"})


class KeySchema(Schema):
    kid = fields.String()
    alg = fields.String()
    retired = fields.Boolean()


class VerifyResponseSchema(Schema):
    verdict = fields.String(metadata={"description": "valid, revoked, suspended, expired or invalid"})
    label = fields.String(metadata={"description": "the verdict in the caller's language: SAH, DICABUT, …"})
    explanation = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "the issuer's reason, or why it is invalid"})
    reason_code = fields.String(allow_none=True, metadata={"description": "machine code when the verdict is invalid"})
    changed_at = fields.DateTime(allow_none=True)
    signature = fields.Nested(SignatureSchema)
    signed = fields.Dict(
        attribute="fields",
        data_key="fields",
        allow_none=True,
        metadata={"description": "the signed fields and the course title; null when invalid"},
    )
    key = fields.Nested(KeySchema, allow_none=True)
    foreign_host = fields.String(
        allow_none=True,
        metadata={"description": "the host the scanned URL points to when it is not this deployment's; else null"},
    )
    notice = fields.String(allow_none=True, metadata={"description": "a warning to show beside the verdict"})
    checked_at = fields.DateTime()


def _small_body(view):
    # Refuse a huge body before it is parsed: a QR never holds more than a few hundred characters.
    @wraps(view)
    def wrapped(*args, **kwargs):
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return json_error(422, _l("The request body is too large."), "invalid_input")
        return view(*args, **kwargs)

    return wrapped


def _answer(result: VerificationResult) -> dict:
    token = result.token
    return {
        "verdict": result.verdict.value,
        "label": str(result.verdict.label),
        "explanation": str(result.verdict.explanation),
        "reason": str(result.reason) if result.reason else None,
        "reason_code": result.invalid_reason,
        "changed_at": result.changed_at,
        "signature": {
            "genuine": result.signature_genuine,
            "reason_code": None if result.signature_genuine else result.invalid_reason,
        },
        "fields": signed_fields(result),
        "key": {"kid": token.kid_hex, "alg": token.key.algorithm, "retired": token.key.retired_at is not None}
        if token
        else None,
        "foreign_host": result.foreign_host,
        "notice": str(foreign_host_notice(result.foreign_host)) if result.foreign_host else None,
        "checked_at": result.checked_at,
    }


@blp.post("/verify")
@_small_body
@verify_limit
@blp.arguments(VerifyRequestSchema)
@blp.response(200, VerifyResponseSchema)
@blp.alt_response(429, **TOO_MANY_REQUESTS)
@csrf_exempt
def verify(data):
    """The verdict on a scanned QR: valid, revoked, suspended, expired or invalid (every verdict answers 200).

    No account needed; the signature is checked against the published keys before anything is looked up.
    """
    return _answer(verify_qr(data["qr"], public_url=current_app.config["PUBLIC_URL"]))
