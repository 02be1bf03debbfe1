"""Issue 12 regressions: the manual form, the camera scan, the foreign-host notice and one verdict per token."""

from __future__ import annotations

import pytest

from lms.certificates import services
from tests.factories.certificates import finished_learner, issue, make_certificate_world
from tests.functional.test_verify import api_verify, verdict_of


@pytest.fixture(autouse=True)
def own_key_store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    # Many checks in a minute from one address: the budget is not what these tests are about.
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "100000 per minute")


@pytest.fixture
def certificate(app_ctx):
    world = make_certificate_world()
    _user, enrolment = finished_learner(world.cohort, full_name="Siti Rahmawati, S.Kep., Ns.")
    return services.live_certificate_of(enrolment) or issue(world.admin, enrolment)


def reason_text(response) -> str:
    return response.get_data(as_text=True).split('data-testid="verdict-reason"')[1][:300]


def form_verdict(client, number: str, code: str):
    response = client.post("/verify", data={"number": number, "code": code})
    return response.status_code, verdict_of(response) if response.status_code == 200 else None


@pytest.mark.parametrize(
    "typed",
    [
        str.lower,  # the bug: `ppni/ppi-dasar/2026/000001` + the right code was TIDAK SAH
        lambda number: " " + number.replace("/", " / ") + " ",
        lambda number: number.replace("-", "\u2013"),  # an en dash from a phone keyboard
        lambda number: number.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)}),  # full-width
    ],
    ids=["lower_case", "spaces", "en_dash", "full_width"],
)
def test_manual_form_normalizes_the_number_like_the_code(client, certificate, typed):
    assert form_verdict(client, typed(certificate.number), certificate.verification_code) == (200, "valid")


def test_manual_form_normalizes_a_full_width_code_with_an_em_dash(client, certificate):
    code = certificate.verification_code.replace("-", "\u2014").translate(
        {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
    )
    assert form_verdict(client, certificate.number, code) == (200, "valid")


@pytest.mark.parametrize(
    "code", ["ÄÖÜ-ß", "\u0665\u0666\u0667", "😀😀😀😀", "K7QF\u200b2M9X", "<script>", "' OR 1=1 --", "\x00"]
)
def test_manual_form_never_500s_and_answers_alike_for_any_code(client, certificate, code):
    # The bug: a non-ASCII code with a real number gave 500 (so the 500 told which numbers exist).
    known = client.post("/verify", data={"number": certificate.number, "code": code})
    unknown = client.post("/verify", data={"number": "PPNI/PPI-DASAR/2026/999999", "code": code})
    assert known.status_code == unknown.status_code and known.status_code < 500
    if known.status_code == 200:
        assert verdict_of(known) == verdict_of(unknown) == "invalid"
        reason = 'data-testid="verdict-reason"'
        assert (
            known.get_data(as_text=True).split(reason)[1][:200] == unknown.get_data(as_text=True).split(reason)[1][:200]
        )


def test_unknown_number_and_wrong_code_get_the_same_answer(client, certificate):
    wrong_code = client.post("/verify", data={"number": certificate.number, "code": "AAAA-AAAA"})
    unknown_number = client.post("/verify", data={"number": "PPNI/PPI-DASAR/2026/999999", "code": "AAAA-AAAA"})
    assert wrong_code.status_code == unknown_number.status_code == 200
    marker = 'data-testid="verdict-reason"'
    assert (
        wrong_code.get_data(as_text=True).split(marker)[1][:300]
        == unknown_number.get_data(as_text=True).split(marker)[1][:300]
    )


def test_manual_form_offers_the_camera_scanner(client):
    html = client.get("/verify").get_data(as_text=True)
    assert 'data-scanner="verify"' in html and "js/scanner.js" in html and "/verify/scan" in html


def test_a_scan_from_the_form_gives_the_page_verdict(client, certificate):
    response = client.get("/verify/scan", query_string={"qr": "http://localhost/V/" + certificate.token})
    assert response.status_code == 200 and verdict_of(response) == "valid"
    assert 'data-testid="foreign-host"' not in response.get_data(as_text=True)


def test_foreign_host_is_named_beside_the_signature_verdict(client, certificate):
    text = "https://lentera-verifikasi.example/v/" + certificate.token
    body = api_verify(client, text).get_json()
    assert body["verdict"] == "valid" and body["signature"]["genuine"] is True
    assert body["foreign_host"] == "lentera-verifikasi.example"
    assert "lentera-verifikasi.example" in body["notice"]
    page = client.get("/verify/scan", query_string={"qr": text})
    html = page.get_data(as_text=True)
    assert verdict_of(page) == "valid" and 'data-testid="foreign-host"' in html
    assert "lentera-verifikasi.example" in html
    # Our own URL, the bare token, or the same host in capitals: no notice.
    for own in (
        "http://localhost/v/" + certificate.token,
        certificate.token,
        "HTTP://LOCALHOST/V/" + certificate.token,
    ):
        assert api_verify(client, own).get_json()["foreign_host"] is None
