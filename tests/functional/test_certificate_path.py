"""The whole path as a verifier lives it: the learner's PDF → a rasterized page (pdftoppm) → the QR decoded with
zxing-cpp → POST /api/v1/verify and the /v/ page → valid; revoked after revocation; and the printed PDF stays the same
when the holder's name is edited after issue."""

import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.pdf import MAX_PDF_BYTES
from lms.extensions import db
from tests.factories.certificates import finished_learner, make_certificate_world


def _scan(pdf: bytes, tmp_path) -> str:
    """What a phone camera reads from the printed page: the PDF rasterized at 150 dpi, then the QR decoded."""
    assert shutil.which("pdftoppm"), "pdftoppm (Debian's poppler-utils) is needed for this test"
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")], check=True)
    (barcode,) = [b for b in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png")) if b.format.name == "QRCode"]
    return barcode.text


def _verify(client, text: str) -> dict:
    response = client.post("/api/v1/verify", json={"qr": text})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def issued(app_ctx, auth, client):
    world = make_certificate_world()
    user, _enrolment = finished_learner(world.cohort, "rina@example.test", full_name="Rina Marlina, A.Md.Kep.")
    certificate = db.session.execute(select(Certificate)).scalar_one()
    auth.login("rina@example.test")
    return world, user, certificate


def test_printed_qr_verifies_then_shows_the_revocation(client, issued, tmp_path):
    world, user, certificate = issued
    pdf = client.get(f"/my/certificates/{certificate.public_id}.pdf").data
    assert pdf.startswith(b"%PDF-") and len(pdf) <= MAX_PDF_BYTES

    scanned = _scan(pdf, tmp_path)
    assert scanned == services.verify_url(certificate)
    assert scanned == scanned.upper() and "/V/" in scanned  # alphanumeric QR mode

    answer = _verify(client, scanned)
    assert answer["verdict"] == "valid" and answer["signature"]["genuine"] is True
    assert answer["fields"]["number"] == certificate.number
    assert answer["fields"]["holder_name"] == "Rina Marlina, A.Md.Kep."
    # The QR's URL itself opens the verify page (the route accepts the upper-case path).
    page = client.get(urlsplit(scanned).path)
    assert page.status_code == 200 and certificate.number in page.get_data(as_text=True)

    services.revoke_certificate(world.admin, certificate, "Forged attendance list.", certificate.issued_at)
    db.session.commit()
    answer = _verify(client, _scan(client.get(f"/my/certificates/{certificate.public_id}.pdf").data, tmp_path))
    assert answer["verdict"] == "revoked" and "Forged attendance list." in answer["reason"]


def test_a_name_edited_after_issue_does_not_change_the_pdf(client, issued, tmp_path):
    _world, user, certificate = issued
    before = client.get(f"/my/certificates/{certificate.public_id}.pdf").data
    user.full_name = "Rina Marlina Siregar"
    db.session.commit()
    after = client.get(f"/my/certificates/{certificate.public_id}.pdf").data
    assert after == before
    answer = _verify(client, _scan(after, tmp_path))
    assert answer["verdict"] == "valid" and answer["fields"]["holder_name"] == "Rina Marlina, A.Md.Kep."
