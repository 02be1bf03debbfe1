"""Standard exports of the record: each certificate as an Open Badges 3.0 AchievementCredential, the whole record as a
CLR 2.0 ClrCredential, both secured with a Data Integrity proof (cryptosuite eddsa-jcs-2022).

The proof follows W3C "Data Integrity EdDSA Cryptosuites v1.0", eddsa-jcs-2022:

    proof configuration = the proof's options (type, cryptosuite, created, verificationMethod, proofPurpose) and
                          the document's @context
    hash data           = SHA-256(JCS(proof configuration)) || SHA-256(JCS(document without proof))
    proofValue          = "z" + base58btc(Ed25519 signature of the hash data)

JCS is RFC 8785 (the `rfc8785` package). A badge's issuer is its organization's own did:web (lms.records.
credential_status), whose DID document this deployment serves with the platform's signing keys; the proof's
verification method is `<that did>#<kid>`, the kid also listed in /.well-known/lentera-keys.json. Each badge carries a
`credentialStatus` entry of its organization's Bitstring Status List for revocation. The CLR, made by the
platform for the worker, is issued by the did:key of the signing key.

The holder is named by identifiers only: the name as printed on the certificate, and the e-mail address hashed with a
salt (sha256). Never the NIK, which the law (UU PDP) keeps out of anything shared.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from flask_babel import lazy_gettext as _l

# A module reference: certificates.services imports the records feature, which imports this module.
from lms.certificates import services as certificate_services
from lms.certificates.keys import KEYS_DOCUMENT_PATH, current_signing_key
from lms.certificates.layouts import format_date, format_decimal
from lms.core.errors import Conflict, NotFound
from lms.records import credential_status

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
ED25519_PUBLIC_MULTICODEC = b"\xed\x01"  # multicodec varint of ed25519-pub
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# Open Badges' achievementType vocabulary for each kind of course (CourseKind); "ext:" marks our own terms.
ACHIEVEMENT_TYPES = {
    "pelatihan": "Course",
    "workshop": "Course",
    "seminar": "ext:Seminar",
    "webinar": "ext:Webinar",
}
KIND_NAMES = {"pelatihan": "Pelatihan", "workshop": "Lokakarya", "seminar": "Seminar", "webinar": "Webinar"}


# --- encodings ----------------------------------------------------------------------------------------------------


def base58btc(data: bytes) -> str:
    """Bitcoin's base58 alphabet, leading zero bytes kept as "1" (the multibase "z" encoding without its prefix)."""
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58_ALPHABET[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def did_key(public_key_raw: bytes) -> str:
    """The did:key of a raw 32-byte Ed25519 public key (multicodec ed25519-pub, multibase base58btc)."""
    return "did:key:z" + base58btc(ED25519_PUBLIC_MULTICODEC + public_key_raw)


def verification_method(public_key_raw: bytes) -> str:
    """A did:key's one verification method: the DID, then the key's multibase form as the fragment."""
    did = did_key(public_key_raw)
    return f"{did}#{did.removeprefix('did:key:')}"


def _timestamp(moment: datetime) -> str:
    """XML Schema dateTime in UTC to the second, as VC 2.0 examples write it: 2026-03-12T07:30:00Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _number(value: Decimal | str) -> int | float:
    """JSON number of a decimal amount: 32 for 32.00, 2.5 for 2.50 (JCS writes either the same way)."""
    amount = Decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


# --- the proof ----------------------------------------------------------------------------------------------------


def _hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(rfc8785.dumps(proof_config)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()


def sign_document(
    document: Mapping[str, Any], private_key: Ed25519PrivateKey, *, verification_method: str, created: datetime
) -> dict[str, Any]:
    """A copy of `document` with a Data Integrity proof (eddsa-jcs-2022) added as its one proof.

    Open Badges' JSON Schema wants `proof` as an array; the proof hashes the document without it."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof_config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in unsecured:
        proof_config["@context"] = unsecured["@context"]
    signature = private_key.sign(_hash_data(unsecured, proof_config))
    return {**unsecured, "proof": [{**proof_config, "proofValue": "z" + base58btc(signature)}]}


# --- the credentials, from plain values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who a credential is about, as its identifiers say it: the printed name and the e-mail hashed with a salt."""

    name: str
    email: str
    salt: str

    def identifiers(self) -> list[dict[str, Any]]:
        digest = hashlib.sha256((self.email.strip().lower() + self.salt).encode("utf-8")).hexdigest()
        return [
            {"type": "IdentityObject", "hashed": False, "identityHash": self.name, "identityType": "name"},
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": f"sha256${digest}",
                "identityType": "emailAddress",
                "salt": self.salt,
            },
        ]


@dataclass(frozen=True)
class CertificateFacts:
    """What a credential says about one certificate: its frozen snapshot and the few columns beside it."""

    public_id: str
    snapshot: Mapping[str, Any]
    issued_at: datetime
    expires_at: datetime | None
    verify_url: str


def certificate_salt(public_id: str) -> str:
    """The salt of a certificate's hashed e-mail: fixed per certificate (the same credential each time it is
    downloaded), different between certificates (so two credentials cannot be linked by the hash)."""
    return hashlib.sha256(b"lentera-open-badge:" + public_id.encode("ascii")).hexdigest()[:16]


def issuer_profile(did: str, name: str, public_url: str, keys_url: str) -> dict[str, Any]:
    return {
        "id": did,
        "type": ["Profile"],
        "name": name,
        "url": public_url,
        "description": f"Diterbitkan melalui Lentera; kunci penandatangan tercantum di {keys_url}",
    }


def achievement_of(facts: CertificateFacts, *, public_url: str, keys_url: str) -> dict[str, Any]:
    """The Open Badges Achievement of a certificate's course version: SKP as credits, JPL as a result, the ranah and
    the competencies as alignments."""
    s = facts.snapshot
    course_url = f"{public_url}/courses/{quote(s['course_code'], safe='')}"
    achievement_id = f"{course_url}?version={s['course_version']}"
    kind = s.get("course_kind") or "pelatihan"
    alignments = [
        {
            "type": ["Alignment"],
            "targetName": f"SKP ranah {s['ranah']}",
            "targetCode": s["ranah"],
            "targetFramework": "Ranah SKP (KMK HK.01.07/MENKES/1561/2024)",
            "targetType": "ext:SkpRanah",
            # The published key set lists the ranah codes signed into certificates.
            "targetUrl": keys_url,
        }
    ]
    alignments += [
        {
            "type": ["Alignment"],
            "targetName": competency["name"],
            "targetCode": competency["code"],
            "targetFramework": s["organization_name"],
            "targetType": "ceasn:Competency",
            "targetUrl": f"{course_url}#competency-{quote(competency['code'], safe='')}",
        }
        for competency in s.get("competencies", [])
    ]
    jpl, skp = format_decimal(Decimal(s["jpl"])), format_decimal(Decimal(s["skp"]))
    kind_name = KIND_NAMES.get(kind, kind.capitalize())
    description = (
        f"{kind_name} {s['course_title']} ({s['course_code']} versi {s['course_version']}) oleh "
        f"{s['organization_name']}: {jpl} JPL, {skp} SKP ranah {s['ranah']}."
    )
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES.get(kind, "Course"),
        "name": s["course_title"],
        "description": description,
        "criteria": {
            "id": course_url,
            "narrative": (
                "Menyelesaikan materi, serta post-test dan kehadiran bila kurikulum mensyaratkannya, "
                f"menurut nilai lulus dan ambang kehadiran yang ditetapkan {s['organization_name']}."
            ),
        },
        "creditsAvailable": _number(s["skp"]),
        "humanCode": s["course_code"],
        "version": str(s["course_version"]),
        "inLanguage": "id",
        "tag": ["SKP", f"ranah:{s['ranah']}"],
        "alignment": alignments,
        "resultDescription": [
            {
                "id": f"{achievement_id}#jpl",
                "type": ["ResultDescription"],
                "name": "JPL (jam pelajaran, 45 menit teori/penugasan atau 60 menit praktik lapangan)",
                "resultType": "ext:JPL",
            }
        ],
    }
    if s.get("accreditation_number"):
        achievement["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",
                "identifier": s["accreditation_number"],
                "identifierType": "ext:AccreditationNumber",
            }
        ]
    return achievement


def achievement_credential(
    facts: CertificateFacts, holder: Holder, *, issuer_did: str, public_url: str, keys_url: str
) -> dict[str, Any]:
    """The unsigned AchievementCredential (an OpenBadgeCredential) of one certificate.

    Its id is the certificate's verify link: it opens the live verdict (valid, revoked, suspended, expired)."""
    s = facts.snapshot
    achievement = achievement_of(facts, public_url=public_url, keys_url=keys_url)
    completed_on = date.fromisoformat(s["completed_on"])
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": s["course_title"],
        "description": f"Sertifikat {s['number']}, selesai {format_date(completed_on)}.",
        "issuer": issuer_profile(issuer_did, s["organization_name"], public_url, keys_url),
        "validFrom": _timestamp(facts.issued_at),
        "awardedDate": _timestamp(facts.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": holder.identifiers(),
            "achievement": achievement,
            "creditsEarned": _number(s["skp"]),
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": f"{achievement['id']}#jpl",
                    "value": format_decimal(Decimal(s["jpl"])),
                }
            ],
        },
    }
    if facts.expires_at is not None:
        credential["validUntil"] = _timestamp(facts.expires_at)
    return credential


def clr_credential(
    credentials: Iterable[Mapping[str, Any]],
    holder: Holder,
    *,
    issuer: Mapping[str, Any],
    issued_at: datetime,
    credential_id: str,
) -> dict[str, Any]:
    """The unsigned ClrCredential of a record: the signed AchievementCredentials and their achievements."""
    credentials = list(credentials)
    achievements: dict[str, Any] = {}
    for credential in credentials:
        achievement = credential["credentialSubject"]["achievement"]
        achievements.setdefault(achievement["id"], achievement)
    return {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"Rekam kompetensi {holder.name}",
        "description": "Sertifikat yang berlaku saat rekam ini dibuat, masing-masing bertanda tangan sendiri.",
        "issuer": dict(issuer),
        "validFrom": _timestamp(issued_at),
        "awardedDate": _timestamp(issued_at),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": holder.identifiers(),
            "verifiableCredential": credentials,
            "achievement": list(achievements.values()),
            "association": [],
        },
    }


# --- with the application: the worker's certificates and the current signing key -----------------------------------


def _settings() -> tuple[str, str, str]:
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return public_url, public_url + KEYS_DOCUMENT_PATH, current_app.config.get("PLATFORM_NAME", "Lentera")


def _facts(certificate) -> CertificateFacts:
    return CertificateFacts(
        public_id=certificate.public_id,
        snapshot=certificate.snapshot,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        verify_url=certificate_services.share_url(certificate),
    )


def _signed_badge(certificate, user, signing_key, now: datetime) -> dict[str, Any]:
    """The badge, issued by the certificate's organization (its did:web) and carrying its status list entries."""
    public_url, keys_url, _ = _settings()
    holder = Holder(certificate.snapshot["holder_name"], user.email, certificate_salt(certificate.public_id))
    slug = certificate.organization.slug
    did = credential_status.organization_did(public_url, slug)
    credential = achievement_credential(
        _facts(certificate), holder, issuer_did=did, public_url=public_url, keys_url=keys_url
    )
    credential["credentialStatus"] = credential_status.status_entry(public_url, slug, certificate.id)
    return sign_document(
        credential, signing_key.private_key, verification_method=f"{did}#{signing_key.kid.hex()}", created=now
    )


def multikey(public_key_raw: bytes) -> str:
    """publicKeyMultibase of an Ed25519 key (Multikey): base58btc of the multicodec ed25519-pub key."""
    return "z" + base58btc(ED25519_PUBLIC_MULTICODEC + public_key_raw)


def organization_did_document(slug: str) -> dict[str, Any]:
    """The DID document of an organization: the platform's signing keys that are not withdrawn."""
    from lms.certificates.keys import key_store

    public_url, _, _ = _settings()
    usable = [entry.public for entry in key_store().entries() if entry.public.withdrawn_at is None]
    did = credential_status.organization_did(public_url, slug)
    return credential_status.did_document(did, [(key.kid_hex, multikey(key.public_key)) for key in usable])


def organization_status_list(organization, purpose: str, now: datetime) -> dict[str, Any]:
    """The organization's signed BitstringStatusListCredential for `purpose` (revocation or suspension), as of now."""
    from lms.certificates.keys import key_store

    if purpose not in credential_status.STATUS_PURPOSES:
        raise NotFound(_l("There is no such status list."))
    public_url, keys_url, _ = _settings()
    withdrawn = {entry.public.kid_hex for entry in key_store().entries() if entry.public.withdrawn_at is not None}
    rows = certificate_services.status_rows_of_organization(organization.id)
    flagged = [row_id for row_id, status, kid in rows if credential_status.flagged(status, purpose, kid in withdrawn)]
    did = credential_status.organization_did(public_url, organization.slug)
    list_url = credential_status.status_list_url(public_url, organization.slug, purpose)
    issuer = issuer_profile(did, organization.name, public_url, keys_url)
    credential = credential_status.status_list_credential(list_url, issuer, purpose, flagged, _timestamp(now))
    signing_key = current_signing_key()
    return sign_document(
        credential, signing_key.private_key, verification_method=f"{did}#{signing_key.kid.hex()}", created=now
    )


def valid_certificates_of(user, now: datetime) -> list:
    """The worker's certificates that are valid now (not revoked, suspended or expired), oldest first."""
    return sorted(
        (c for c in certificate_services.certificates_of(user) if c.state_at(now) == "valid"),
        key=lambda c: (c.issued_at, c.id),
    )


def badge_for(user, public_id: str, now: datetime) -> dict[str, Any]:
    """The worker's own certificate as a signed Open Badge; only a certificate that is valid now is exported."""
    certificate = certificate_services.certificate_of(user, public_id)
    if certificate.state_at(now) != "valid":
        raise Conflict(_l("Only a valid certificate can be exported as an Open Badge."))
    return _signed_badge(certificate, user, current_signing_key(), now)


def clr_for(user, now: datetime) -> dict[str, Any]:
    """The worker's record as a signed CLR: every certificate valid now, each a signed Open Badge."""
    signing_key = current_signing_key()
    public_url, keys_url, platform_name = _settings()
    did = did_key(signing_key.raw_public)
    certificates = valid_certificates_of(user, now)
    if not certificates:
        # A CLR holds at least one credential.
        raise NotFound(_l("There is no valid certificate to export yet."))
    badges = [_signed_badge(c, user, signing_key, now) for c in certificates]
    # A CLR is made on demand, so its hashed e-mail gets a fresh salt each time.
    holder = Holder(user.full_name, user.email, secrets.token_hex(8))
    clr = clr_credential(
        badges,
        holder,
        issuer=issuer_profile(did, platform_name, public_url, keys_url),
        issued_at=now,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
    )
    return sign_document(
        clr, signing_key.private_key, verification_method=verification_method(signing_key.raw_public), created=now
    )
