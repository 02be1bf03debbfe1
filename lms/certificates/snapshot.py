"""The frozen snapshot of what a certificate prints (plain JSON), and the printable document made from it.

The snapshot is written once when the certificate is issued and never changed: the PDF of a certificate issued in
2026 looks the same in 2030, whatever happened to the holder's name, the course or the organization's template since.
Images are kept as storage keys; settings changes store new files under new keys and never overwrite old ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from lms.certificates.document import CertificateDocument, Signatory

SNAPSHOT_VERSION = 1


def build_snapshot(
    *,
    number: str,
    verification_code: str,
    holder_name: str,
    profession_code: str | None,
    profession_name: str,
    profession_number: int,
    course_title: str,
    course_code: str,
    course_version: int,
    course_kind: str,
    accreditation_number: str | None,
    completed_on: date,
    issued_on: date,
    expires_on: date | None,
    jpl: Decimal,
    skp: Decimal,
    ranah: str,
    ranah_code: int,
    competencies: list[dict[str, str]],
    organization_name: str,
    organization_logo_key: str | None,
    signatories: list[dict[str, Any]],
    place: str | None,
    layout: str,
    primary_colour: str,
    accent_colour: str,
) -> dict[str, Any]:
    """Everything printed, as JSON-safe values (dates ISO, amounts as strings so no precision is lost)."""
    return {
        "snapshot_version": SNAPSHOT_VERSION,
        "number": number,
        "verification_code": verification_code,
        "holder_name": holder_name,
        "profession_code": profession_code,
        "profession_name": profession_name,
        "profession_number": profession_number,
        "course_title": course_title,
        "course_code": course_code,
        "course_version": course_version,
        "course_kind": course_kind,
        "accreditation_number": accreditation_number,
        "completed_on": completed_on.isoformat(),
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "jpl": str(jpl),
        "skp": str(skp),
        "ranah": ranah,
        "ranah_code": ranah_code,
        "competencies": [{"code": c.get("code", ""), "name": c.get("name", "")} for c in competencies],
        "organization_name": organization_name,
        "organization_logo_key": organization_logo_key,
        "signatories": [
            {"name": s["name"], "title": s.get("title", ""), "signature_key": s.get("signature_key")}
            for s in signatories
        ],
        "place": place,
        "layout": layout,
        "primary_colour": primary_colour,
        "accent_colour": accent_colour,
    }


def document_from_snapshot(
    snapshot: dict[str, Any], *, verify_url: str, read_image: Callable[[str], bytes | None]
) -> CertificateDocument:
    """The printable document of a snapshot; `read_image(key)` returns the stored PNG (None when it is gone)."""

    def image(key: str | None) -> bytes | None:
        return read_image(key) if key else None

    return CertificateDocument(
        number=snapshot["number"],
        verification_code=snapshot["verification_code"],
        verify_url=verify_url,
        holder_name=snapshot["holder_name"],
        profession_name=snapshot["profession_name"],
        course_title=snapshot["course_title"],
        course_code=snapshot["course_code"],
        course_kind=snapshot["course_kind"],
        accreditation_number=snapshot["accreditation_number"],
        completed_on=date.fromisoformat(snapshot["completed_on"]),
        issued_on=date.fromisoformat(snapshot["issued_on"]),
        expires_on=date.fromisoformat(snapshot["expires_on"]) if snapshot["expires_on"] else None,
        jpl=Decimal(snapshot["jpl"]),
        skp=Decimal(snapshot["skp"]),
        ranah=snapshot["ranah"],
        competencies=tuple(c["name"] for c in snapshot["competencies"]),
        organization_name=snapshot["organization_name"],
        organization_logo_png=image(snapshot["organization_logo_key"]),
        signatories=tuple(
            Signatory(name=s["name"], title=s["title"], signature_png=image(s["signature_key"]))
            for s in snapshot["signatories"]
        ),
        place=snapshot["place"],
        layout=snapshot["layout"],
        primary_colour=snapshot["primary_colour"],
        accent_colour=snapshot["accent_colour"],
    )
