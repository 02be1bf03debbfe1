"""Issue 16, the newcomer's path: `make run` links where it serves, pages arrive gzip-compressed, development mail is
seen on the console, and the certificate preview is a light, lazily loaded image."""

from __future__ import annotations

import gzip
import io
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.core.compression import accepts_gzip
from lms.extensions import db
from tests.factories import make_user
from tests.factories.certificates import finished_learner, make_certificate_world

ROOT = Path(__file__).resolve().parents[2]
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _make_variable(*args: str, env: dict | None = None) -> str:
    """LMS_PUBLIC_URL as `make run` exports it to `lms init/demo/run`, for the given make arguments."""
    show = 'show-public-url: ; @echo "$$LMS_PUBLIC_URL"'
    result = subprocess.run(
        ["make", "-s", "-f", "Makefile", "--eval", show, "show-public-url", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_links_to_the_port_it_serves_unless_told_otherwise():
    assert _make_variable() == "http://127.0.0.1:5000"
    assert _make_variable("PORT=5100") == "http://127.0.0.1:5100"
    assert _make_variable("HOST=0.0.0.0", "PORT=8080") == "http://0.0.0.0:8080"
    given = {"LMS_PUBLIC_URL": "https://lentera.example"}
    assert _make_variable("PORT=5100", env=given) == "https://lentera.example"


def test_the_app_reads_public_url_from_the_environment(monkeypatch, tmp_path):
    from lms import create_app

    monkeypatch.setenv("LMS_PUBLIC_URL", "http://127.0.0.1:5100")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5100"


# --- compression ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
        ("deflate, br", False),
    ],
)
def test_accept_encoding_is_read_with_its_quality(header, accepted):
    assert accepts_gzip(header) is accepted


def test_pages_are_gzip_compressed_for_clients_that_accept_it(client):
    plain = client.get("/login")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get("/login", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    # Same page (the CSRF token differs per session, so compare around it).
    unpacked = gzip.decompress(packed.data).decode()
    token = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')
    assert token.sub("", unpacked) == token.sub("", plain.get_data(as_text=True))
    assert client.get("/login", headers={"Accept-Encoding": "gzip;q=0"}).headers.get("Content-Encoding") is None


def _static(client, path: str, **headers) -> tuple[int, dict, bytes]:
    # The test client leaves a file response open until it is closed (a server closes it after sending).
    with client.get(path, headers={**GZIP, **headers}) as response:
        return response.status_code, dict(response.headers), response.get_data()


def test_stylesheets_and_scripts_are_compressed_and_still_revalidate(client):
    status, headers, body = _static(client, "/static/css/lentera.css")
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["Content-Type"].startswith("text/css")
    original = (ROOT / "lms/static/css/lentera.css").read_bytes()
    assert gzip.decompress(body) == original and len(body) < len(original) / 2
    etag = headers["ETag"]
    assert etag.startswith("W/")  # another coding of the same content
    assert _static(client, "/static/css/lentera.css", **{"If-None-Match": etag})[0] == 304
    # Again: the compressed body comes from the cache, and is the same file.
    assert gzip.decompress(_static(client, "/static/css/lentera.css")[2]) == original
    assert gzip.decompress(_static(client, "/static/js/quiz.js")[2]) == (ROOT / "lms/static/js/quiz.js").read_bytes()


def test_small_files_are_sent_as_they_are(client):
    status, headers, body = _static(client, "/static/favicon.svg")
    assert status == 200 and "Content-Encoding" not in headers  # under the size worth packing
    assert body == (ROOT / "lms/static/favicon.svg").read_bytes()
    assert client.get("/api/v1/openapi.json", headers=GZIP).headers["Content-Encoding"] == "gzip"


# --- development mail ----------------------------------------------------------------------------------------------


def test_without_smtp_the_password_reset_mail_is_also_a_warning_on_the_console(client, app_ctx, caplog):
    make_user("a@example.test")
    with caplog.at_level(logging.WARNING):
        client.post("/password/forgot", data={"email": "a@example.test"})
    [record] = [r for r in caplog.records if "E-mail kept in the outbox" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert re.search(r"http://localhost/password/reset/\S+", record.getMessage())


# --- certificate preview -------------------------------------------------------------------------------------------


@pytest.fixture
def certificate(app_ctx):
    world = make_certificate_world()
    finished_learner(world.cohort, "rina@example.test")
    return db.session.execute(select(Certificate)).scalars().one()


def test_certificate_preview_is_a_lazy_webp_far_lighter_than_the_png(client, auth, certificate):
    auth.login("rina@example.test")
    page = client.get(f"/my/certificates/{certificate.public_id}").get_data(as_text=True)
    [img] = re.findall(r"<img [^>]+>", page)
    assert f'src="/my/certificates/{certificate.public_id}.webp"' in img and 'loading="lazy"' in img
    webp = client.get(f"/my/certificates/{certificate.public_id}.webp")
    assert webp.status_code == 200 and webp.mimetype == "image/webp"
    with Image.open(io.BytesIO(webp.data)) as image:
        assert image.format == "WEBP" and image.size[0] == 800
    png = client.get(f"/my/certificates/{certificate.public_id}.png")
    assert png.mimetype == "image/png"
    assert len(webp.data) < len(png.data) / 2
    assert client.get(f"/my/certificates/{certificate.public_id}.gif").status_code == 404
    auth.logout()
    assert client.get(f"/my/certificates/{certificate.public_id}.webp").status_code in (302, 401)
