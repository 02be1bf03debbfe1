"""Record exports with the app: Open Badges 3.0 per certificate and the CLR 2.0 record (schema, independent proof
check, only valid certificates, only the caller's own), and the printable transcript PDF (page and shared link)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pypdfium2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lms.certificates import services as certificate_services
from lms.certificates.keys import current_signing_key
from lms.certificates.models import Certificate
from lms.core.models import utcnow
from lms.extensions import db
from lms.records import services
from lms.records.models import EntrySource
from tests.conftest import api_token
from tests.factories import PASSWORD
from tests.factories.certificates import (
    complete_lessons,
    enrol,
    finished_learner,
    make_certificate_world,
    make_cohort,
    make_published_version,
)
from tests.unit.test_badges import did_web_resolver, schema_validator, verify_eddsa_jcs_2022

NIK = "3201234567890001"
MAX_TRANSCRIPT_BYTES = 250 * 1024
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def resolver(client):
    """did:web resolution through this deployment (the test client stands for HTTPS to PUBLIC_URL's host)."""
    return did_web_resolver(lambda url: client.get(urlsplit(url).path).get_json())


def certificates_of(user) -> list[Certificate]:
    return certificate_services.certificates_of(user)


def second_certificate(world, user) -> Certificate:
    """The same learner finishes a second course of the organization."""
    version = make_published_version("BHD-NAKES", organization=world.organization.slug)
    enrolment = enrol(user, make_cohort(version))
    complete_lessons(user, enrolment)
    return next(c for c in certificates_of(user) if c.snapshot["course_code"] == "BHD-NAKES")


@pytest.fixture
def world(app_ctx):
    return make_certificate_world()


@pytest.fixture
def learner(world):
    user, _enrolment = finished_learner(world.cohort, "rina@example.test", nik=NIK, str_number="QN00001073380217")
    return user


def login(client, email: str):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_certificate_badge_validates_and_its_proof_verifies_with_the_published_key(client, learner):
    (certificate,) = certificates_of(learner)
    token = api_token(client, learner.email)
    response = client.get(
        f"/api/v1/me/certificates/{certificate.public_id}/badge", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    badge = response.get_json()
    assert list(schema_validator().iter_errors(badge)) == []
    resolve = resolver(client)
    assert verify_eddsa_jcs_2022(badge, resolve=resolve)
    # The organization is the issuer (its own did:web, resolved from this deployment); the proof's key is the
    # certificates' signing key, the one published in the key set.
    assert badge["issuer"]["id"] == "did:web:localhost:organizations:ppni"
    assert badge["proof"][0]["verificationMethod"].startswith("did:web:localhost:organizations:ppni#")
    assert resolve(badge["proof"][0]["verificationMethod"]) == current_signing_key().raw_public
    keys = client.get("/.well-known/lentera-keys.json").get_json()["keys"]
    assert current_signing_key().kid.hex() in {k["kid"] for k in keys}
    assert badge["id"] == certificate_services.share_url(certificate)
    assert badge["credentialSubject"]["achievement"]["creditsAvailable"] == float(certificate.snapshot["skp"])
    assert NIK not in response.get_data(as_text=True)


def test_a_changed_badge_or_another_key_fails_the_independent_check(client, learner):
    (certificate,) = certificates_of(learner)
    login(client, learner.email)
    badge = client.get(f"/my/record/badges/{certificate.public_id}.json").get_json()
    assert verify_eddsa_jcs_2022(badge, resolve=resolver(client))
    tampered = {**badge, "credentialSubject": {**badge["credentialSubject"], "creditsEarned": 99}}
    assert not verify_eddsa_jcs_2022(tampered, resolve=resolver(client))
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert not verify_eddsa_jcs_2022(badge, public_key=other)


def test_the_clr_holds_exactly_the_valid_certificates(client, world, learner):
    first = certificates_of(learner)[0]
    second = second_certificate(world, learner)
    token = api_token(client, learner.email)
    headers = {"Authorization": f"Bearer {token}"}

    clr = client.get("/api/v1/me/record/clr", headers=headers).get_json()
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert verify_eddsa_jcs_2022(clr)
    inner = clr["credentialSubject"]["verifiableCredential"]
    assert {c["id"] for c in inner} == {certificate_services.share_url(first), certificate_services.share_url(second)}
    for credential in inner:
        assert list(schema_validator().iter_errors(credential)) == []
        assert verify_eddsa_jcs_2022(credential, resolve=resolver(client))
    assert {a["humanCode"] for a in clr["credentialSubject"]["achievement"]} == {"PPI-DASAR", "BHD-NAKES"}

    certificate_services.revoke_certificate(world.admin, first, "Attendance was forged.", utcnow())
    db.session.commit()
    clr = client.get("/api/v1/me/record/clr", headers=headers).get_json()
    assert [c["id"] for c in clr["credentialSubject"]["verifiableCredential"]] == [
        certificate_services.share_url(second)
    ]
    refused = client.get(f"/api/v1/me/certificates/{first.public_id}/badge", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"

    # An expired certificate is left out too.
    second = db.session.get(Certificate, second.id)
    second.expires_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    empty = client.get("/api/v1/me/record/clr", headers=headers)
    assert empty.status_code == 404 and empty.get_json()["error"]["code"] == "not_found"


def test_exports_need_a_login_and_only_show_the_callers_own(client, world, learner):
    (certificate,) = certificates_of(learner)
    assert client.get("/api/v1/me/record/clr").status_code == 401
    assert client.get(f"/api/v1/me/certificates/{certificate.public_id}/badge").status_code == 401
    for page in ("/my/record.pdf", "/my/record/clr.json", f"/my/record/badges/{certificate.public_id}.json"):
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    other, _enrolment = finished_learner(world.cohort, "bidan@example.test", full_name="Bd. Wayan Sari")
    headers = {"Authorization": f"Bearer {api_token(client, other.email)}"}
    foreign = client.get(f"/api/v1/me/certificates/{certificate.public_id}/badge", headers=headers)
    assert foreign.status_code == 404
    clr = client.get("/api/v1/me/record/clr", headers=headers).get_json()
    (own,) = clr["credentialSubject"]["verifiableCredential"]
    assert own["id"] == certificate_services.share_url(certificates_of(other)[0])
    assert learner.full_name not in str(clr) and "Bd. Wayan Sari" in str(clr)
    login(client, other.email)
    assert client.get(f"/my/record/badges/{certificate.public_id}.json").status_code == 404


def test_the_session_can_call_the_clr_api_and_the_openapi_document_lists_it(client, learner):
    login(client, learner.email)
    assert client.get("/api/v1/me/record/clr").status_code == 200
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/me/record/clr" in paths
    assert "/api/v1/me/certificates/{public_id}/badge" in paths


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return " ".join(" ".join(texts).split())
    finally:
        document.close()


def test_the_transcript_pdf_has_the_record_and_no_nik(client, world, learner):
    (certificate,) = certificates_of(learner)
    services.set_licence(
        learner, sip_number="503/SIP-PRW/0117/2024", starts_on=utcnow().date() - timedelta(days=400), area="dtpk",
        today=utcnow().date(),
    )  # fmt: skip
    activity = services.report_activity(
        learner, organization=world.organization, kind="seminar", ranah="pelayanan", title="Seminar Luka Diabetik",
        organizer="RSUD Tarakan", held_on=utcnow().date() - timedelta(days=20), skp_claimed="2",
        evidence=EVIDENCE_PDF, evidence_filename="sertifikat.pdf", today=utcnow().date(),
    )  # fmt: skip
    services.review_activity(world.admin, activity, approve=True, skp_granted="1.5", reason="", now=utcnow())
    db.session.commit()
    assert activity.status == "approved"

    login(client, learner.email)
    response = client.get("/my/record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.data
    assert len(pdf) <= MAX_TRANSCRIPT_BYTES
    text = pdf_text(pdf)
    assert learner.full_name in text
    assert "QN00001073380217" in text and "503/SIP-PRW/0117/2024" in text
    assert certificate.snapshot["course_title"] in text and "Seminar Luka Diabetik" in text
    assert "KMK No. HK.01.07/MENKES/1561/2024" in text
    assert NIK not in text and NIK.encode() not in pdf and learner.masked_nik not in text
    # Only embedded fonts: a viewer never substitutes one.
    assert b"/Helvetica" not in pdf


def test_the_record_page_links_the_exports_and_the_shared_page_gives_the_pdf(client, learner):
    (certificate,) = certificates_of(learner)
    login(client, learner.email)
    page = client.get("/my/record").get_data(as_text=True)
    assert 'data-testid="transcript-pdf"' in page and 'data-testid="clr-json"' in page
    assert f'data-testid="badge-{certificate.public_id}"' in page
    assert client.get(f"/my/record/badges/{certificate.public_id}.json").status_code == 200
    clr = client.get("/my/record/clr.json")
    assert clr.status_code == 200 and "attachment" in clr.headers["Content-Disposition"]

    _link, secret = services.create_share_link(learner, days=7, label="RSUD", now=utcnow())
    db.session.commit()
    client.post("/logout")
    shared = client.get(f"/r/{secret}").get_data(as_text=True)
    assert f"/r/{secret}/record.pdf" in shared
    assert "clr-json" not in shared and f"badge-{certificate.public_id}" not in shared
    pdf = client.get(f"/r/{secret}/record.pdf")
    assert pdf.status_code == 200 and learner.full_name in pdf_text(pdf.data)
    assert NIK not in pdf_text(pdf.data)
    link = services.share_links_of(learner)[0]
    services.revoke_share_link(learner, link.id, utcnow())
    db.session.commit()
    assert client.get(f"/r/{secret}/record.pdf").status_code == 410


def test_a_long_record_stays_under_the_upload_limit(client, learner):
    today = utcnow().date()
    for n in range(300):
        services.post_entry(
            learner.id, source=EntrySource.ACTIVITY, source_id=f"bulk-{n}", ranah="pelayanan", skp=Decimal("0.5"),
            jpl=Decimal(2), earned_on=today - timedelta(days=n * 3), title=f"Pelayanan rawat luka kasus {n}",
            organizer="Puskesmas Tanalili",
        )  # fmt: skip
    db.session.commit()
    login(client, learner.email)
    pdf = client.get("/my/record.pdf").data
    assert len(pdf) <= MAX_TRANSCRIPT_BYTES
    assert len(pypdfium2.PdfDocument(io.BytesIO(pdf))) > 3
