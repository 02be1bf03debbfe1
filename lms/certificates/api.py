"""/api/v1 endpoints of the certificates feature: the learner's certificates and their PDFs; issue and status
changes for organization admins."""

from __future__ import annotations

from flask import Response, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.accounts.models import Role
from lms.accounts.permissions import has_organization_role
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.views import pdf_filename
from lms.core.api import BEARER, computed, number_of, token_required
from lms.core.errors import NotFound
from lms.core.models import utcnow
from lms.courses.models import Enrolment
from lms.extensions import db

blp = Blueprint("certificates_api", __name__, description="Certificates: the learner's own, and issuing and revoking")


def _course(certificate: Certificate) -> dict:
    snapshot = certificate.snapshot
    return {"code": snapshot["course_code"], "version": snapshot["course_version"], "title": snapshot["course_title"]}


class CertificateSchema(Schema):
    id = fields.String(attribute="public_id", metadata={"description": "24 hex characters (the signed id)"})
    number = fields.String()
    verification_code = fields.String()
    status = fields.Function(
        lambda c: c.state_at(utcnow()), metadata={"description": "valid, revoked, suspended or expired"}
    )
    status_reason = fields.String(allow_none=True)
    status_changed_at = fields.DateTime(allow_none=True)
    holder_name = fields.Function(lambda c: c.snapshot["holder_name"])
    course = fields.Function(_course)
    organization = fields.Function(lambda c: c.snapshot["organization_name"])
    completed_on = fields.Date()
    issued_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    jpl = computed("number", lambda c: number_of(c.snapshot["jpl"]), description="JPL of the course as certified")
    skp = computed("number", lambda c: number_of(c.snapshot["skp"]), description="SKP credited")
    ranah = fields.Function(lambda c: c.snapshot["ranah"])
    verify_url = fields.Function(services.share_url)
    pdf_url = fields.Function(
        lambda c: url_for("certificates_api.certificate_pdf", public_id=c.public_id, _external=True)
    )
    replaces = fields.Function(lambda c: c.replaces.number if c.replaces else None)
    replaced_by = fields.Function(lambda c: c.replaced_by.number if c.replaced_by else None)


class ReasonSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=services.MAX_REASON_LENGTH))


STATUS_CHANGES = {
    "revoke": services.revoke_certificate,
    "suspend": services.suspend_certificate,
    "reinstate": services.reinstate_certificate,
    "reissue": services.reissue_certificate,
}


def _visible_certificate(public_id: str) -> Certificate:
    """The holder's own certificate, or one of an organization the caller administers; anything else is 404."""
    certificate = services.certificate_by_public_id(public_id)
    if certificate is None or not (
        certificate.user_id == current_user.id
        or has_organization_role(current_user, certificate.organization_id, (Role.ORG_ADMIN,))
    ):
        raise NotFound()
    return certificate


def _administered_certificate(public_id: str) -> Certificate:
    certificate = services.certificate_by_public_id(public_id)
    if certificate is None or not has_organization_role(current_user, certificate.organization_id, (Role.ORG_ADMIN,)):
        raise NotFound()
    return certificate


@blp.get("/me/certificates")
@blp.doc(security=BEARER)
@blp.response(200, CertificateSchema(many=True))
@token_required
def my_certificates():
    """The caller's certificates, newest first, each with its verify link and the link to its PDF."""
    return services.certificates_of(current_user)


@blp.get("/certificates/<public_id>")
@blp.doc(security=BEARER)
@blp.response(200, CertificateSchema)
@token_required
def get_certificate(public_id: str):
    """One certificate: the holder's own, or any of an organization the caller administers."""
    return _visible_certificate(public_id)


@blp.get("/certificates/<public_id>.pdf")
@blp.doc(
    security=BEARER,
    responses={"200": {"description": "The certificate as PDF (A4 landscape)", "content": {"application/pdf": {}}}},
)
@token_required
def certificate_pdf(public_id: str):
    """The certificate's PDF, rendered from its frozen snapshot."""
    certificate = _visible_certificate(public_id)
    return Response(
        services.certificate_pdf(certificate),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf_filename(certificate)}"'},
    )


@blp.post("/enrolments/<int:enrolment_id>/certificate")
@blp.doc(security=BEARER)
@blp.response(201, CertificateSchema)
@token_required
def issue_certificate(enrolment_id: int):
    """Issue (or approve) the certificate of an eligible enrolment; organization admins only."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not has_organization_role(
        current_user, enrolment.cohort.organization_id, (Role.ORG_ADMIN,)
    ):
        raise NotFound()
    certificate = services.issue_certificate(current_user, enrolment, utcnow())
    db.session.commit()
    return certificate


@blp.post("/certificates/<public_id>/<any(revoke, suspend, reinstate, reissue):action>")
@blp.doc(security=BEARER)
@blp.arguments(ReasonSchema)
@blp.response(200, CertificateSchema)
@token_required
def change_status(body: dict, public_id: str, action: str):
    """Revoke, suspend, reinstate or re-issue (a correction: the answer is the new certificate). A reason is required
    except to reinstate; it is shown to whoever verifies the certificate."""
    certificate = _administered_certificate(public_id)
    result = STATUS_CHANGES[action](current_user, certificate, body["reason"], utcnow())
    db.session.commit()
    return result
