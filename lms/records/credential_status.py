"""Each organization as its own credential issuer (a did:web under PUBLIC_URL) and its W3C Bitstring Status Lists.

- Issuer id: `did:web:<host>[:<path>]:organizations:<slug>`, resolved (did:web, W3C CCG) at
  `<PUBLIC_URL>/organizations/<slug>/did.json`. Its verification methods are the platform's certificate signing
  keys (Multikey, Ed25519) that are not withdrawn, each named `<did>#<kid>`: a wallet names PPNI for PPNI's badges
  and IBI for IBI's, and a withdrawn key stops resolving.
- Status (W3C "Bitstring Status List v1.0"): each organization serves two BitstringStatusListCredentials, statusPurpose
  `revocation` and `suspension`, at `<PUBLIC_URL>/organizations/<slug>/credentials/status/<purpose>`, signed like the
  badges (eddsa-jcs-2022). Every Open Badge carries its BitstringStatusListEntry in the revocation list (OB 3.0's
  schema takes one credentialStatus object); the suspension list uses the same index. A certificate's index is its
  row id, fixed for life; the lists are built from the live status at each request, so a revocation, suspension or
  reinstatement shows at once, and a certificate whose signing key was withdrawn is revoked there too.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

STATUS_PURPOSES = ("revocation", "suspension")
MIN_LIST_BITS = 131072  # the spec's minimum (16 KB): the herd a single credential hides in
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def organization_did(public_url: str, slug: str) -> str:
    """`did:web:lentera.example:organizations:ppni` (a port is written %3A, a path prefix adds segments)."""
    parts = urlsplit(public_url)
    host = quote(parts.netloc, safe="")
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *segments, "organizations", quote(slug, safe="")])


def organization_base_url(public_url: str, slug: str) -> str:
    return f"{public_url.rstrip('/')}/organizations/{quote(slug, safe='')}"


def status_list_url(public_url: str, slug: str, purpose: str) -> str:
    return f"{organization_base_url(public_url, slug)}/credentials/status/{purpose}"


def did_document(did: str, keys: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The DID document: one Multikey verification method per (kid, publicKeyMultibase), all for assertions."""
    methods = [
        {"id": f"{did}#{kid}", "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        for kid, multibase in keys
    ]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def status_entry(public_url: str, slug: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A badge's place in one of the organization's lists. Open Badges 3.0's JSON schema allows one credentialStatus
    object, so a badge carries its revocation entry; the suspension list at the same index is served beside it."""
    list_url = status_list_url(public_url, slug, purpose)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def encode_bitstring(set_indexes: Iterable[int]) -> str:
    """`encodedList`: multibase base64url (no padding) of the GZIP of the bitstring; index 0 is the first byte's
    most significant bit. The list is at least MIN_LIST_BITS long, and longer when an index needs it."""
    indexes = sorted(set(set_indexes))
    length = max(MIN_LIST_BITS, ((indexes[-1] // 8 + 1) * 8) if indexes else 0)
    bits = bytearray(length // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same list always compresses to the same bytes.
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode("ascii").rstrip("=")


def status_list_credential(
    list_url: str, issuer: dict[str, Any], purpose: str, set_indexes: Iterable[int], now_text: str
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential of one purpose."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": now_text,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(set_indexes),
        },
    }


def flagged(status: str, purpose: str, key_withdrawn: bool) -> bool:
    """Whether a certificate's bit is set in the list of `purpose`."""
    if purpose == "revocation":
        return status == "revoked" or key_withdrawn
    return status == "suspended" and not key_withdrawn
