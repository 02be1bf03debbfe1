"""The organization's certificate settings: numbering pattern, layout, colours, place, logo and signatories."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import Organization, User
from lms.accounts.permissions import require_organization_role
from lms.certificates import numbering
from lms.certificates.images import LOGO_BOX, SIGNATURE_BOX, clean_image
from lms.certificates.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_LAYOUT,
    DEFAULT_NUMBER_PATTERN,
    DEFAULT_PRIMARY_COLOUR,
    CertificateSettings,
)
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, NotFound
from lms.core.storage import forget_on_rollback, get_storage
from lms.extensions import db

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_SIGNATORIES = 3
STORAGE_FOLDER_LOGOS = "certificates/logos"
STORAGE_FOLDER_SIGNATURES = "certificates/signatures"


def settings_for(organization_id: int) -> CertificateSettings:
    """The organization's settings, or the defaults (not yet stored) when it never changed them."""
    settings = db.session.get(CertificateSettings, organization_id)
    if settings is None:
        settings = CertificateSettings(
            organization_id=organization_id,
            number_pattern=DEFAULT_NUMBER_PATTERN,
            layout=DEFAULT_LAYOUT,
            primary_colour=DEFAULT_PRIMARY_COLOUR,
            accent_colour=DEFAULT_ACCENT_COLOUR,
            place=None,
            logo_key=None,
            signatories=[],
        )
    return settings


def _stored_settings(organization_id: int) -> CertificateSettings:
    settings = settings_for(organization_id)
    if settings not in db.session:
        db.session.add(settings)
    return settings


def layout_names() -> dict[str, str]:
    """Each printed layout's key and its name for users."""
    from lms.certificates.pdf import LAYOUTS

    return {key: layout.label for key, layout in LAYOUTS.items()}


def update_settings(
    actor: User | None,
    organization: Organization,
    *,
    number_pattern: str,
    layout: str,
    primary_colour: str,
    accent_colour: str,
    place: str | None = None,
) -> CertificateSettings:
    """Change how the organization's next certificates are numbered and look; issued ones keep their snapshot."""
    require_organization_role(actor, organization.id)
    pattern = numbering.validate_pattern(number_pattern)
    if layout not in layout_names():
        raise InvalidInput(_l("Choose one of the layouts offered."))
    for colour in (primary_colour, accent_colour):
        if not HEX_COLOUR.match(colour or ""):
            raise InvalidInput(_l("A colour is written as # and six hexadecimal digits, e.g. #0b6e4f."))
    settings = _stored_settings(organization.id)
    settings.number_pattern = pattern
    settings.layout = layout
    settings.primary_colour = primary_colour.lower()
    settings.accent_colour = accent_colour.lower()
    settings.place = (place or "").strip()[:80] or None
    db.session.flush()
    record_audit(
        actor,
        "certificate.settings",
        organization,
        organization.id,
        number_pattern=pattern,
        layout=layout,
        primary_colour=settings.primary_colour,
        accent_colour=settings.accent_colour,
    )
    return settings


def _image_max_bytes() -> int:
    return int(current_app.config.get("CERTIFICATE_IMAGE_MAX_BYTES") or 2 * 1024 * 1024)


def set_logo(actor: User | None, organization: Organization, data: bytes) -> CertificateSettings:
    """Clean and store a new logo. The old file stays: certificates issued with it still print it."""
    require_organization_role(actor, organization.id)
    png = clean_image(data, max_width=LOGO_BOX[0], max_height=LOGO_BOX[1], max_bytes=_image_max_bytes())
    settings = _stored_settings(organization.id)
    settings.logo_key = get_storage().save(png, folder=STORAGE_FOLDER_LOGOS, suffix=".png")
    forget_on_rollback(settings.logo_key)
    db.session.flush()
    record_audit(actor, "certificate.logo", organization, organization.id, key=settings.logo_key)
    return settings


def remove_logo(actor: User | None, organization: Organization) -> CertificateSettings:
    require_organization_role(actor, organization.id)
    settings = _stored_settings(organization.id)
    settings.logo_key = None
    db.session.flush()
    record_audit(actor, "certificate.logo", organization, organization.id, key=None)
    return settings


def add_signatory(
    actor: User | None, organization: Organization, *, name: str, title: str, signature: bytes | None = None
) -> CertificateSettings:
    """Add a person who signs the certificates (at most three), with an optional signature image."""
    require_organization_role(actor, organization.id)
    name, title = (name or "").strip(), (title or "").strip()
    if not name:
        raise InvalidInput(_l("Give the signatory's name as it is printed."))
    if len(name) > 120 or len(title) > 160:
        raise InvalidInput(_l("The name or title is too long."))
    settings = _stored_settings(organization.id)
    if len(settings.signatories) >= MAX_SIGNATORIES:
        raise InvalidInput(_l("A certificate has at most %(n)d signatories.", n=MAX_SIGNATORIES))
    key = None
    if signature:
        png = clean_image(
            signature, max_width=SIGNATURE_BOX[0], max_height=SIGNATURE_BOX[1], max_bytes=_image_max_bytes()
        )
        key = get_storage().save(png, folder=STORAGE_FOLDER_SIGNATURES, suffix=".png")
        forget_on_rollback(key)
    # A new list, so that SQLAlchemy sees the JSON column change.
    settings.signatories = [*settings.signatories, {"name": name, "title": title, "signature_key": key}]
    db.session.flush()
    record_audit(actor, "certificate.signatory_add", organization, organization.id, name=name, title=title)
    return settings


def remove_signatory(actor: User | None, organization: Organization, index: int) -> CertificateSettings:
    require_organization_role(actor, organization.id)
    settings = _stored_settings(organization.id)
    if not 0 <= index < len(settings.signatories):
        raise NotFound()
    removed = settings.signatories[index]
    settings.signatories = [s for i, s in enumerate(settings.signatories) if i != index]
    db.session.flush()
    record_audit(actor, "certificate.signatory_remove", organization, organization.id, name=removed["name"])
    return settings
