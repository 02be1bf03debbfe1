"""Issue 12: a revoked or suspended certificate never leaves the platform as a clean copy (PDF, preview, API)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdfium2
import pytest
from PIL import Image, ImageChops

from lms.certificates import services
from lms.extensions import db
from tests.conftest import api_token
from tests.factories.certificates import finished_learner, make_certificate_world


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        text = page.get_textpage().get_text_range()
        page.close()
        return text
    finally:
        document.close()


@pytest.fixture
def world(app_ctx):
    world = make_certificate_world()
    _user, enrolment = finished_learner(world.cohort, "rina@example.test")
    world.certificate = services.live_certificate_of(enrolment)
    return world


@pytest.mark.parametrize(("action", "word"), [("revoke", "DICABUT"), ("suspend", "DITANGGUHKAN")])
def test_learner_pdf_and_preview_carry_the_state_across_the_page(client, auth, world, action, word):
    certificate = world.certificate
    auth.login("rina@example.test")
    clean_pdf = client.get(f"/my/certificates/{certificate.public_id}.pdf").data
    clean_png = client.get(f"/my/certificates/{certificate.public_id}.png").data
    assert word not in pdf_text(clean_pdf)

    change = services.revoke_certificate if action == "revoke" else services.suspend_certificate
    change(world.admin, certificate, "Data salah", datetime.now(UTC))
    db.session.commit()

    stamped_pdf = client.get(f"/my/certificates/{certificate.public_id}.pdf")
    assert stamped_pdf.status_code == 200 and word in pdf_text(stamped_pdf.data)
    assert len(stamped_pdf.data) <= 250 * 1024
    stamped_png = client.get(f"/my/certificates/{certificate.public_id}.png").data
    difference = ImageChops.difference(
        Image.open(io.BytesIO(clean_png)).convert("RGB"), Image.open(io.BytesIO(stamped_png)).convert("RGB")
    )
    assert difference.getbbox() is not None  # the preview shows the stamp too
    page = client.get(f"/my/certificates/{certificate.public_id}").get_data(as_text=True)
    assert 'data-testid="stamped-notice"' in page and word in page

    # The API hands out the same stamped copy and says the state.
    token = api_token(client, "rina@example.test")
    headers = {"Authorization": f"Bearer {token}"}
    api_pdf = client.get(f"/api/v1/certificates/{certificate.public_id}.pdf", headers=headers)
    assert api_pdf.status_code == 200 and word in pdf_text(api_pdf.data)
    listed = client.get("/api/v1/me/certificates", headers=headers).get_json()
    items = listed["items"] if isinstance(listed, dict) and "items" in listed else listed
    assert {item["number"]: item["status"] for item in items}[certificate.number] in (action + "d", action + "ed")


def test_reinstated_certificate_is_clean_again(client, auth, world):
    certificate = world.certificate
    services.suspend_certificate(world.admin, certificate, "Sedang diperiksa", datetime.now(UTC))
    db.session.commit()
    services.reinstate_certificate(world.admin, certificate, None, datetime.now(UTC))
    db.session.commit()
    auth.login("rina@example.test")
    assert "DITANGGUHKAN" not in pdf_text(client.get(f"/my/certificates/{certificate.public_id}.pdf").data)
