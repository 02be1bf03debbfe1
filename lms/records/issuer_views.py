"""Public documents of each organization as a credential issuer: its DID document and its Bitstring Status Lists."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from lms.accounts.models import Organization
from lms.core.models import utcnow
from lms.extensions import db
from lms.records import badges, bp


def _organization(slug: str) -> Organization:
    organization = db.session.execute(select(Organization).where(Organization.slug == slug)).scalar_one_or_none()
    if organization is None:
        from flask import abort

        abort(404)
    return organization


def _public_json(document: dict, content_type: str):
    response = jsonify(document)
    response.mimetype = content_type
    # Wallets and verifiers fetch these from anywhere; the status must never be served stale.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/organizations/<slug>/did.json")
def organization_did(slug: str):
    """did:web resolution of `did:web:<host>:organizations:<slug>`: the organization's verification methods."""
    _organization(slug)
    return _public_json(badges.organization_did_document(slug), "application/did+json")


@bp.get("/organizations/<slug>/credentials/status/<purpose>")
def organization_status_list(slug: str, purpose: str):
    """The organization's signed BitstringStatusListCredential (purpose: revocation or suspension), live."""
    organization = _organization(slug)
    return _public_json(badges.organization_status_list(organization, purpose, utcnow()), "application/vc+json")
