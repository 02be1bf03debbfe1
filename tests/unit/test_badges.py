"""Open Badges 3.0 / CLR 2.0 exports without the app: the credentials validate against 1EdTech's JSON Schema, and their
eddsa-jcs-2022 proofs verify with a verifier written here from the W3C cryptosuite text, sharing no code with
lms.records.badges (its own JCS, base58 and did:key decoding, `cryptography` for Ed25519)."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lms.records import badges

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "openbadges" / "achievementcredential.schema.json"
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# --- an independent eddsa-jcs-2022 verifier (W3C vc-di-eddsa, "Verify Proof (eddsa-jcs-2022)") --------------------


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _jcs(value) -> bytes:
    """RFC 8785 for the values these documents hold: keys sorted (all ASCII here, so code points order them as UTF-16
    units would), no whitespace, minimal string escapes, numbers as ECMAScript prints them (2.0 -> 2)."""

    def numbers(item):
        if isinstance(item, dict):
            return {key: numbers(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [numbers(inner) for inner in item]
        if isinstance(item, float) and item.is_integer():
            return int(item)
        return item

    return json.dumps(numbers(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def public_key_of(verification_method: str) -> bytes:
    """The raw Ed25519 key of a did:key (or any URL whose fragment is the key's multibase form)."""
    fragment = verification_method.split("#", 1)[1]
    assert fragment.startswith("z"), "only multibase base58btc keys"
    decoded = _b58decode(fragment[1:])
    assert decoded[:2] == b"\xed\x01", "not an Ed25519 public key"
    return decoded[2:]


def did_web_resolver(fetch):
    """A did:web resolver (W3C CCG did:web: host, then path segments, then /did.json) over `fetch(url) -> dict`;
    returns the raw Ed25519 key of a verification method listed for assertions."""

    def resolve(method_id: str) -> bytes:
        did = method_id.split("#", 1)[0]
        host, *segments = [unquote(part) for part in did.split(":")[2:]]
        document = fetch(f"https://{host}/{'/'.join(segments)}/did.json")
        assert document["id"] == did and method_id in document["assertionMethod"]
        (method,) = [method for method in document["verificationMethod"] if method["id"] == method_id]
        assert method["type"] == "Multikey" and method["controller"] == did
        decoded = _b58decode(method["publicKeyMultibase"].removeprefix("z"))
        assert decoded[:2] == b"\xed\x01", "not an Ed25519 public key"
        return decoded[2:]

    return resolve


def verify_eddsa_jcs_2022(secured: dict, public_key: bytes | None = None, resolve=None) -> bool:
    """True when the document's one proof is a valid eddsa-jcs-2022 signature by `public_key` (by default the key its
    verificationMethod names: a did:key, or a did:web through `resolve`)."""
    document = copy.deepcopy(secured)
    proofs = document.pop("proof", None)
    proof = proofs[0] if isinstance(proofs, list) else proofs
    if not isinstance(proof, dict) or proof.get("type") != "DataIntegrityProof":
        return False
    if proof.get("cryptosuite") != "eddsa-jcs-2022" or proof.get("proofPurpose") != "assertionMethod":
        return False
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options:
        # The proof's @context must be the start of the document's; the document is then hashed with it.
        context = document.get("@context", [])
        if context[: len(options["@context"])] != options["@context"]:
            return False
        document["@context"] = options["@context"]
    proof_value = proof.get("proofValue", "")
    if not proof_value.startswith("z"):
        return False
    hash_data = hashlib.sha256(_jcs(options)).digest() + hashlib.sha256(_jcs(document)).digest()
    method = proof["verificationMethod"]
    if public_key is not None:
        key = public_key
    elif method.startswith("did:web:"):
        key = resolve(method)
    else:
        key = public_key_of(method)
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(_b58decode(proof_value[1:]), hash_data)
    except (InvalidSignature, ValueError):
        return False
    return True


def schema_validator() -> jsonschema.Draft201909Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


# --- W3C's own test vector (vc-di-eddsa TestVectors/eddsa-jcs-2022 and keyPair.json) --------------------------------

W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # multicodec ed25519-priv (0x8026) + seed
W3C_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
W3C_UNSECURED = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": f"https://vc.example/issuers/5678#{W3C_PUBLIC}",
    "proofPurpose": "assertionMethod",
    "@context": W3C_CONTEXT,
    "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
}


def test_the_test_verifier_accepts_the_w3c_vector_and_nothing_altered():
    assert verify_eddsa_jcs_2022({**W3C_UNSECURED, "proof": W3C_PROOF})
    assert not verify_eddsa_jcs_2022({**W3C_UNSECURED, "name": "Alumni Credential!", "proof": W3C_PROOF})
    assert not verify_eddsa_jcs_2022({**W3C_UNSECURED, "proof": {**W3C_PROOF, "created": "2023-02-24T23:36:39Z"}})


def test_signing_reproduces_the_w3c_vector_byte_for_byte():
    seed = _b58decode(W3C_PRIVATE[1:])
    assert seed[:2] == b"\x80\x26"
    signed = badges.sign_document(
        W3C_UNSECURED,
        Ed25519PrivateKey.from_private_bytes(seed[2:]),
        verification_method=W3C_PROOF["verificationMethod"],
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
    )
    assert signed["proof"] == [W3C_PROOF]


def test_did_key_of_the_w3c_key():
    raw = _b58decode(W3C_PUBLIC[1:])[2:]
    assert badges.did_key(raw) == f"did:key:{W3C_PUBLIC}"
    assert badges.verification_method(raw) == f"did:key:{W3C_PUBLIC}#{W3C_PUBLIC}"
    assert badges.base58btc(b"\0\0\x01") == "112"


# --- Lentera's credentials ----------------------------------------------------------------------------------------

SNAPSHOT = {
    "number": "PPNI/PPI-DASAR/2026/000123",
    "holder_name": "Ns. Rina Marlina, S.Kep.",
    "profession_code": "perawat",
    "course_title": "Pencegahan dan Pengendalian Infeksi Dasar",
    "course_code": "PPI-DASAR",
    "course_version": 2,
    "course_kind": "pelatihan",
    "accreditation_number": "KS.02.02/1/1234/2026",
    "completed_on": "2026-03-12",
    "issued_on": "2026-03-13",
    "expires_on": "2029-03-13",
    "jpl": "32.00",
    "skp": "2.50",
    "ranah": "pembelajaran",
    "competencies": [{"code": "PPI-01", "name": "Kebersihan tangan"}, {"code": "PPI-02", "name": "APD"}],
    "organization_name": "PPNI Kalimantan Utara",
}
ISSUED = datetime(2026, 3, 13, 2, 15, 7, 123456, tzinfo=UTC)
EXPIRES = datetime(2029, 3, 13, 2, 15, 7, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def make_credential(key: Ed25519PrivateKey, snapshot=SNAPSHOT, expires_at=EXPIRES) -> dict:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    facts = badges.CertificateFacts(
        public_id="0123456789abcdef01234567",
        snapshot=snapshot,
        issued_at=ISSUED,
        expires_at=expires_at,
        verify_url="https://lentera.example/v/ABCDEF",
    )
    holder = badges.Holder(snapshot["holder_name"], "Rina@Example.test", badges.certificate_salt(facts.public_id))
    credential = badges.achievement_credential(
        facts,
        holder,
        issuer_did=badges.did_key(raw),
        public_url="https://lentera.example",
        keys_url="https://lentera.example/.well-known/lentera-keys.json",
    )
    return badges.sign_document(credential, key, verification_method=badges.verification_method(raw), created=NOW)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_a_certificate_credential_validates_against_the_open_badges_schema(key):
    credential = make_credential(key)
    errors = sorted(schema_validator().iter_errors(credential), key=str)
    assert errors == []
    assert credential["validUntil"] == "2029-03-13T02:15:07Z"
    assert credential["validFrom"] == "2026-03-13T02:15:07Z"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == 2.5
    assert achievement["achievementType"] == "Course"
    assert {a["targetCode"] for a in achievement["alignment"]} == {"pembelajaran", "PPI-01", "PPI-02"}
    assert credential["credentialSubject"]["result"][0]["value"] == "32"
    # The issuer is the key that signs (verifiers bind the proof's key to the issuer), named after the organization.
    assert credential["issuer"]["id"] == credential["proof"][0]["verificationMethod"].split("#")[0]
    assert credential["issuer"]["name"] == "PPNI Kalimantan Utara"


def test_a_certificate_without_expiry_or_accreditation_still_validates(key):
    snapshot = {**SNAPSHOT, "accreditation_number": None, "expires_on": None, "course_kind": "webinar"}
    credential = make_credential(key, snapshot=snapshot, expires_at=None)
    assert list(schema_validator().iter_errors(credential)) == []
    assert "validUntil" not in credential
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "ext:Webinar"


def test_the_schema_check_is_not_a_formality(key):
    credential = make_credential(key)
    del credential["credentialSubject"]["achievement"]["criteria"]
    credential["proof"] = {"type": "DataIntegrityProof"}
    messages = [error.message for error in schema_validator().iter_errors(credential)]
    assert any("criteria" in message for message in messages)
    assert any("is not of type 'array'" in message for message in messages)


def test_the_hashed_email_is_salted_and_matches_the_address(key):
    identifiers = make_credential(key)["credentialSubject"]["identifier"]
    email = next(i for i in identifiers if i["identityType"] == "emailAddress")
    assert email["hashed"] is True
    expected = hashlib.sha256(("rina@example.test" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${expected}"
    name = next(i for i in identifiers if i["identityType"] == "name")
    assert name == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": SNAPSHOT["holder_name"],
        "identityType": "name",
    }


def test_the_proof_verifies_independently(key):
    assert verify_eddsa_jcs_2022(make_credential(key))


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.__setitem__("name", c["name"] + " "),
        lambda c: c["issuer"].__setitem__("name", "IDI"),
        lambda c: c.__setitem__("validUntil", "2099-03-13T02:15:07Z"),
        lambda c: c["credentialSubject"].__setitem__("creditsEarned", 25),
        lambda c: c["credentialSubject"]["achievement"].__setitem__("creditsAvailable", 3),
        lambda c: c["credentialSubject"]["identifier"][0].__setitem__("identityHash", "Someone Else"),
        lambda c: c["credentialSubject"]["achievement"]["alignment"].pop(),
        lambda c: c["proof"][0].__setitem__("created", "2026-06-01T08:00:01Z"),
        lambda c: c.__setitem__("extra", True),
    ],
)
def test_any_change_breaks_the_proof(key, change):
    credential = make_credential(key)
    change(credential)
    assert not verify_eddsa_jcs_2022(credential)


def test_another_key_does_not_verify(key):
    credential = make_credential(key)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert not verify_eddsa_jcs_2022(credential, public_key=other)
    # Nor does naming another key in the proof: the proof value no longer matches.
    credential["proof"][0]["verificationMethod"] = badges.verification_method(other)
    assert not verify_eddsa_jcs_2022(credential)


def test_a_clr_holds_the_signed_credentials_and_their_achievements(key):
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    first = make_credential(key)
    second = make_credential(key, snapshot={**SNAPSHOT, "course_code": "BHD", "course_version": 1})
    clr = badges.clr_credential(
        [first, second],
        badges.Holder("Rina", "rina@example.test", "00ff"),
        issuer=badges.issuer_profile(badges.did_key(raw), "Lentera", "https://lentera.example", "https://k"),
        issued_at=NOW,
        credential_id="urn:uuid:5c4a8f0e-8d6f-4d3a-9a57-1d2a3b4c5d6e",
    )
    signed = badges.sign_document(clr, key, verification_method=badges.verification_method(raw), created=NOW)
    assert signed["@context"][:3] == [badges.VC_CONTEXT, badges.CLR_CONTEXT, badges.OB_CONTEXT]
    assert signed["type"] == ["VerifiableCredential", "ClrCredential"]
    subject = signed["credentialSubject"]
    assert subject["verifiableCredential"] == [first, second]
    assert [a["humanCode"] for a in subject["achievement"]] == ["PPI-DASAR", "BHD"]
    assert verify_eddsa_jcs_2022(signed)
    assert all(verify_eddsa_jcs_2022(c) for c in subject["verifiableCredential"])
    subject["verifiableCredential"].pop()
    assert not verify_eddsa_jcs_2022(signed)
