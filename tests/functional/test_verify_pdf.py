"""The whole path as a verifier lives it: the printed PDF -> pdftoppm -> zxing-cpp reads the QR -> POST /api/v1/verify
-> SAH; and the same PDF checked offline with `lms certificates verify file.pdf`."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from lms.certificates import services
from tests.factories.certificates import finished_learner, issue, make_certificate_world


@pytest.fixture
def certificate_pdf(app_ctx, tmp_path):
    world = make_certificate_world()
    name = "Ni Luh Putu Ayu Kusumawardhani Sastrawinata Prameswari"
    _user, enrolment = finished_learner(world.cohort, full_name=name)
    certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(services.certificate_pdf(certificate))
    return certificate, path


def test_printed_pdf_scanned_and_verified_online(client, certificate_pdf, tmp_path):
    certificate, pdf = certificate_pdf
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed for this test"
    subprocess.run([pdftoppm, "-r", "200", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as image:
        barcodes = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(barcodes) == 1
    scanned = barcodes[0].text
    assert scanned == services.verify_url(certificate)
    response = client.post("/api/v1/verify", json={"qr": scanned})
    assert response.status_code == 200
    assert response.get_json()["verdict"] == "valid"
    assert response.get_json()["fields"]["number"] == certificate.number


def test_printed_pdf_checked_offline(runner, client, certificate_pdf, tmp_path):
    certificate, pdf = certificate_pdf
    keys_file = tmp_path / "lentera-keys.json"
    keys_file.write_bytes(client.get("/.well-known/lentera-keys.json").data)
    result = runner.invoke(args=["certificates", "verify", str(pdf), "--keys", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert certificate.number in result.output and "GENUINE" in result.output
