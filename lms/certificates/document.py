"""What a certificate prints: plain, frozen data handed to the PDF layouts (no NIK, no scores)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Signatory:
    """A person who signs the certificate, with the title printed under the name."""

    name: str
    title: str  # e.g. "Ketua DPW PPNI Kalimantan Utara"
    signature_png: bytes | None = None


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on one certificate, frozen at issue; later edits to the course or user change nothing."""

    number: str  # "PPNI/PPI-DASAR/2026/000123"
    verification_code: str  # short typable code, e.g. "K7QF-2M9X"
    verify_url: str  # the QR content: "<PUBLIC_URL>/V/<TOKEN>", already upper-cased for alphanumeric mode
    holder_name: str  # name as on the STR; long names shrink to fit
    profession_name: str
    course_title: str
    course_code: str
    course_kind: str  # "pelatihan" | "seminar" | "webinar" | "workshop"
    accreditation_number: str | None
    completed_on: date
    issued_on: date
    expires_on: date | None
    jpl: Decimal  # jam pelajaran: lesson hours
    skp: Decimal  # satuan kredit profesi: credits counted for licence renewal
    ranah: str  # "pembelajaran" | "pelayanan" | "pengabdian": the SKP domain
    competencies: tuple[str, ...]
    organization_name: str
    organization_logo_png: bytes | None
    signatories: tuple[Signatory, ...]
    place: str | None  # city printed beside the date
    layout: str = "klasik"
    primary_colour: str = "#0b6e4f"
    accent_colour: str = "#c8a24a"
