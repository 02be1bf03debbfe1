"""Certificate pages and API: the learner's own certificates, the organization's settings and cohort certificates,
tenant isolation of every page and API object."""

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from lms.accounts.models import Role
from lms.certificates import services
from lms.certificates.models import Certificate, CertificateSettings, CertificateStatus
from lms.core.audit import AuditEntry
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_organization, make_user
from tests.factories.certificates import enrol, finished_learner, make_certificate_world, make_learner


def _png(size=(60, 30), colour="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def world(app_ctx):
    world = make_certificate_world()
    world.rina, world.rina_enrolment = finished_learner(world.cohort, "rina@example.test")
    world.siti, world.siti_enrolment = finished_learner(world.cohort, "siti@example.test", full_name="Siti Aminah")
    world.rina_certificate, world.siti_certificate = (
        db.session.execute(select(Certificate).order_by(Certificate.id)).scalars().all()
    )
    ibi = make_organization("ibi", name="IBI")
    world.ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi, locale="en")
    world.ibi = ibi
    return world


# --- the learner ---------------------------------------------------------------------------------------------------


def test_my_certificates_lists_only_mine(client, auth, world):
    auth.login("rina@example.test")
    page = client.get("/my/certificates").get_data(as_text=True)
    assert world.rina_certificate.number in page
    assert world.siti_certificate.number not in page
    assert re.findall(r'data-certificate="([0-9a-f]{24})" data-state="(\w+)"', page) == [
        (world.rina_certificate.public_id, "valid")
    ]


def test_my_certificate_page_offers_pdf_preview_and_share_link(client, auth, world):
    certificate = world.rina_certificate
    auth.login("rina@example.test")
    page = client.get(f"/my/certificates/{certificate.public_id}").get_data(as_text=True)
    share = f"http://localhost/v/{certificate.token}"
    assert f'value="{share}"' in page and f'href="{share}"' in page
    assert "js/certificates.js" in page and "hidden data-copy" in page  # copy button only with JavaScript

    pdf = client.get(f"/my/certificates/{certificate.public_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    png = client.get(f"/my/certificates/{certificate.public_id}.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert Image.open(io.BytesIO(png.data)).size[0] == 800


def test_nobody_else_reaches_a_learners_certificate(client, auth, world):
    public_id = world.rina_certificate.public_id
    auth.login("siti@example.test")
    for suffix in ("", ".pdf", ".png"):
        assert client.get(f"/my/certificates/{public_id}{suffix}").status_code == 404
    assert client.get("/my/certificates/not-an-id").status_code == 404
    auth.logout()
    assert client.get("/my/certificates").status_code in (302, 401)


def test_the_enrolment_page_shows_the_issued_certificate(client, auth, world):
    auth.login("rina@example.test")
    page = client.get(f"/enrolments/{world.rina_enrolment.id}").get_data(as_text=True)
    assert 'data-requirement="certificate" data-met="none"' in page
    assert world.rina_certificate.number in page
    assert f"/my/certificates/{world.rina_certificate.public_id}" in page


def test_me_certificates_api(client, world):
    token = api_token(client, "rina@example.test")
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/me/certificates", headers=headers).get_json()
    (item,) = body
    certificate = world.rina_certificate
    assert item["id"] == certificate.public_id and item["number"] == certificate.number
    assert item["status"] == "valid"
    assert item["course"] == {"code": "PPI-DASAR", "version": 1, "title": "Pelatihan PPI-DASAR"}
    assert item["jpl"] == float(certificate.snapshot["jpl"]) and item["skp"] == float(certificate.snapshot["skp"])
    assert item["verify_url"].endswith("/v/" + certificate.token)
    assert item["pdf_url"].endswith(f"/api/v1/certificates/{certificate.public_id}.pdf")
    pdf = client.get(item["pdf_url"], headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    # Someone else's certificate does not exist for this caller.
    other = world.siti_certificate.public_id
    for path in (f"/api/v1/certificates/{other}", f"/api/v1/certificates/{other}.pdf"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/me/certificates").status_code == 401


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/me/certificates",
        "/api/v1/certificates/{public_id}.pdf",
        "/api/v1/enrolments/{enrolment_id}/certificate",
    ):
        assert path in paths


# --- organization admin: cohort certificates ------------------------------------------------------------------------


def test_cohort_certificates_page_and_status_changes(client, auth, world):
    auth.login(world.admin.email)
    base = f"/organizations/{world.organization.id}"
    cohort_page = client.get(f"{base}/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert f"{base}/cohorts/{world.cohort.id}/certificates" in cohort_page  # linked from the cohort page
    page = client.get(f"{base}/cohorts/{world.cohort.id}/certificates").get_data(as_text=True)
    assert page.count('data-row-state="issued"') == 2
    # Each status change says what it will change before its confirm button (issue 16).
    assert page.count('data-testid="what-changes-revoke"') == 2
    assert "its SKP leave the holder's record" in page and "replaces this one" in page

    certificate = world.rina_certificate
    refused = client.post(f"{base}/certificates/{certificate.public_id}/revoke", data={"reason": ""})
    assert refused.status_code == 422 and 'data-testid="reason-error"' in refused.get_data(as_text=True)
    assert db.session.get(Certificate, certificate.id).status == CertificateStatus.VALID

    for action, reason, status in (
        ("suspend", "Under review.", CertificateStatus.SUSPENDED),
        ("reinstate", "", CertificateStatus.VALID),
        ("revoke", "Forged attendance.", CertificateStatus.REVOKED),
    ):
        response = client.post(f"{base}/certificates/{certificate.public_id}/{action}", data={"reason": reason})
        assert response.status_code == 302, action
        db.session.expire_all()
        assert db.session.get(Certificate, certificate.id).status == status
    assert client.post(f"{base}/certificates/{certificate.public_id}/delete", data={}).status_code == 404
    page = client.get(f"{base}/cohorts/{world.cohort.id}/certificates").get_data(as_text=True)
    # Issue 16: the revoked row is not offered a plain "Issue" again; it says why and what a new one would do.
    assert "Forged attendance." in page and 'data-row-state="revoked"' in page
    row = page[page.index('data-row-state="revoked"') :].split("</tr>")[0]
    assert 'data-testid="issue-after-revoke"' in row and f"{certificate.number} was revoked (Forged attendance.)" in row
    assert 'data-count="revoked">1<' in page


def test_reissue_from_the_page(client, auth, world):
    auth.login(world.admin.email)
    world.siti.full_name = "Siti Aminah, A.Md.Keb."
    db.session.commit()
    old = world.siti_certificate
    response = client.post(
        f"/organizations/{world.organization.id}/certificates/{old.public_id}/reissue", data={"reason": "Title added."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.execute(select(Certificate).where(Certificate.replaces_id == old.id)).scalar_one()
    assert new.snapshot["holder_name"] == "Siti Aminah, A.Md.Keb."
    assert db.session.get(Certificate, old.id).status == CertificateStatus.REVOKED


def test_approve_one_and_issue_all_from_the_page(client, auth, app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    _user, first = finished_learner(world.cohort)
    finished_learner(world.cohort)
    enrol(make_learner(), world.cohort)  # not finished
    auth.login(world.admin.email)
    base = f"/organizations/{world.organization.id}/cohorts/{world.cohort.id}"
    page = client.get(f"{base}/certificates").get_data(as_text=True)
    assert page.count('data-row-state="awaiting_approval"') == 2 and 'data-row-state="in_progress"' in page

    assert client.post(f"{base}/enrolments/{first.id}/certificate").status_code == 302
    assert client.post(f"{base}/certificates/issue").status_code == 302
    assert len(db.session.execute(select(Certificate)).scalars().all()) == 2
    # Issuing again for the same learner is refused with a message, and changes nothing.
    again = client.post(f"{base}/enrolments/{first.id}/certificate")
    assert again.status_code == 409
    assert len(db.session.execute(select(Certificate)).scalars().all()) == 2


def test_another_organization_admin_is_kept_out_of_every_certificate_page(client, auth, world):
    auth.login(world.ibi_admin.email)
    ppni = world.organization.id
    public_id = world.rina_certificate.public_id
    for path in (
        f"/organizations/{ppni}/certificates/settings",
        f"/organizations/{ppni}/certificates/settings/preview.png",
        f"/organizations/{ppni}/cohorts/{world.cohort.id}/certificates",
        f"/organizations/{ppni}/certificates/{public_id}.pdf",
    ):
        assert client.get(path).status_code == 403, path
    for path in (
        f"/organizations/{ppni}/certificates/settings",
        f"/organizations/{ppni}/certificates/settings/logo/remove",
        f"/organizations/{ppni}/cohorts/{world.cohort.id}/certificates/issue",
        f"/organizations/{ppni}/certificates/{public_id}/revoke",
    ):
        assert client.post(path, data={"reason": "x", "number_pattern": "{SEQ}"}).status_code == 403, path
    # Under their own organization's URL, PPNI's objects do not exist.
    ibi = world.ibi.id
    assert client.get(f"/organizations/{ibi}/cohorts/{world.cohort.id}/certificates").status_code == 404
    assert client.get(f"/organizations/{ibi}/certificates/{public_id}.pdf").status_code == 404
    assert client.post(f"/organizations/{ibi}/certificates/{public_id}/revoke", data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Certificate, world.rina_certificate.id).status == CertificateStatus.VALID


def test_admin_api_issue_and_revoke_with_tenant_isolation(client, app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    _user, enrolment = finished_learner(world.cohort)
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=make_organization("ibi"))
    foreign = {"Authorization": f"Bearer {api_token(client, ibi_admin.email)}"}
    own = {"Authorization": f"Bearer {api_token(client, world.admin.email)}"}

    assert client.post(f"/api/v1/enrolments/{enrolment.id}/certificate", headers=foreign).status_code == 404
    created = client.post(f"/api/v1/enrolments/{enrolment.id}/certificate", headers=own)
    assert created.status_code == 201
    public_id = created.get_json()["id"]
    again = client.post(f"/api/v1/enrolments/{enrolment.id}/certificate", headers=own)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_issued"

    assert client.get(f"/api/v1/certificates/{public_id}", headers=foreign).status_code == 404
    revoke = f"/api/v1/certificates/{public_id}/revoke"
    assert client.post(revoke, json={"reason": "x"}, headers=foreign).status_code == 404
    no_reason = client.post(revoke, json={}, headers=own)
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["code"] == "invalid_input"
    revoked = client.post(revoke, json={"reason": "Wrong person."}, headers=own)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert revoked.get_json()["status_reason"] == "Wrong person."


# --- organization admin: settings -----------------------------------------------------------------------------------


def test_settings_page_saves_and_shows_errors_beside_fields(client, auth, world):
    auth.login(world.admin.email)
    url = f"/organizations/{world.organization.id}/certificates/settings"
    page = client.get(url).get_data(as_text=True)
    assert f"PPNI/PPI-DASAR/{datetime.now(UTC).year}/000123" in page
    assert client.get(url + "/preview.png").mimetype == "image/png"

    fields = {"number_pattern": "{ORG}/{YEAR}", "layout": "modern", "primary_colour": "#112233",
              "accent_colour": "#445566", "place": "Tarakan"}  # fmt: skip
    refused = client.post(url, data=fields)
    assert refused.status_code == 422
    assert 'id="number_pattern-error"' in refused.get_data(as_text=True)
    bad_colour = client.post(url, data=fields | {"number_pattern": "{SEQ}", "primary_colour": "red"})
    assert bad_colour.status_code == 422 and 'id="primary_colour-error"' in bad_colour.get_data(as_text=True)
    assert db.session.get(CertificateSettings, world.organization.id) is None

    assert client.post(url, data=fields | {"number_pattern": "SERT/{SEQ:04}"}).status_code == 302
    settings = db.session.get(CertificateSettings, world.organization.id)
    assert (settings.number_pattern, settings.layout, settings.primary_colour, settings.place) == (
        "SERT/{SEQ:04}",
        "modern",
        "#112233",
        "Tarakan",
    )
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "certificate.settings")).scalar_one()


def test_layout_names_follow_the_admins_language(client, auth, world):
    # The layout classes once overwrote their catalog label with a plain Indonesian word.
    world.admin.locale = "id"
    db.session.commit()
    auth.login(world.admin.email)
    indonesian = client.get(f"/organizations/{world.organization.id}/certificates/settings").get_data(as_text=True)
    assert ">Klasik<" in indonesian and ">Classic<" not in indonesian
    auth.logout()
    auth.login(world.ibi_admin.email)
    ibi = world.ibi_admin.memberships[0].organization_id
    english = client.get(f"/organizations/{ibi}/certificates/settings").get_data(as_text=True)
    assert ">Classic<" in english and ">Klasik<" not in english


def test_logo_and_signatory_uploads_are_cleaned(client, auth, world):
    auth.login(world.admin.email)
    base = f"/organizations/{world.organization.id}/certificates/settings"
    refused = client.post(
        base + "/logo",
        data={"logo": (io.BytesIO(b"GIF89a not really"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and 'id="logo-error"' in refused.get_data(as_text=True)

    saved = client.post(
        base + "/logo", data={"logo": (io.BytesIO(_png()), "logo.png")}, content_type="multipart/form-data"
    )
    assert saved.status_code == 302
    settings = db.session.get(CertificateSettings, world.organization.id)
    assert settings.logo_key.startswith("certificates/logos/") and settings.logo_key.endswith(".png")

    added = client.post(
        base + "/signatories",
        data={"name": "Ns. Budi Santoso", "title": "Ketua DPW", "signature": (io.BytesIO(_png()), "ttd.jpg")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    db.session.expire_all()
    (signatory,) = db.session.get(CertificateSettings, world.organization.id).signatories
    assert signatory["name"] == "Ns. Budi Santoso" and signatory["signature_key"].endswith(".png")

    # The next certificate prints them; the ones already issued do not change.
    _user, enrolment = finished_learner(world.cohort)
    latest = services.live_certificate_of(enrolment)
    assert latest.snapshot["organization_logo_key"] == settings.logo_key
    assert [s["name"] for s in latest.snapshot["signatories"]] == ["Ns. Budi Santoso"]
    assert world.rina_certificate.snapshot["signatories"] == []
    assert client.post(base + "/signatories/0/remove").status_code == 302
    assert client.post(base + "/signatories/5/remove").status_code == 404
