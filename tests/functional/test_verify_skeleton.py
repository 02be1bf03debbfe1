"""A random scan's page is filled into its shape's skeleton: the same bytes as the page rendered in full."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.certificates import services, verify_skeleton
from lms.certificates.verification import signed_fields, verify_qr
from lms.certificates.verify_views import _page_with_marks
from lms.core.models import utcnow
from lms.extensions import db
from tests.factories.certificates import finished_learner, issue, make_certificate_world


@pytest.fixture(autouse=True)
def own_key_store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


def _certificates(names):
    world = make_certificate_world()
    certificates = []
    for n, name in enumerate(names):
        _user, enrolment = finished_learner(world.cohort, f"skeleton-{n}@example.test", full_name=name)
        certificates.append(services.live_certificate_of(enrolment) or issue(world.admin, enrolment))
    db.session.commit()
    return certificates


@pytest.mark.parametrize("language", ["id", "en"])
def test_filled_skeletons_equal_full_renders(app, app_ctx, language):
    names = ["Siti Rahmawati, S.Kep., Ns.", 'Ni Luh "Ayu" <b>&amp;</b> O\'Brien', "Made \x01number\x01 Wirawan"]
    certificates = _certificates(names)
    built = 0
    for certificate in certificates:
        for moment in (utcnow(), utcnow() + timedelta(days=365 * 40)):  # valid, then expired
            with app.test_request_context(
                f"/v/{certificate.token}?locale={language}", headers={"Accept-Language": language}
            ):
                result = verify_qr(certificate.token, now=moment)
                filled = verify_skeleton.skeleton_page(result, signed_fields(result), _page_with_marks)
                assert filled is not None, result.verdict
                built += 1
                assert filled == _page_with_marks(result)
    assert built == 6


def test_pages_of_other_shapes_are_rendered_in_full(app, app_ctx):
    (certificate,) = _certificates(["Siti Rahmawati"])
    certificate.status = "suspended"
    certificate.status_reason = "Menunggu klarifikasi"
    certificate.status_changed_at = utcnow()
    db.session.commit()
    with app.test_request_context(f"/v/{certificate.token}"):
        result = verify_qr(certificate.token)
        assert verify_skeleton.skeleton_page(result, signed_fields(result), _page_with_marks) is None


def test_the_anonymous_page_of_a_new_certificate_shows_its_own_values(client, app, app_ctx):
    first, second = _certificates(["Siti Rahmawati", "Yohanes <Tanu>"])
    for certificate, name in ((first, "Siti Rahmawati"), (second, "Yohanes &lt;Tanu&gt;")):
        html = client.get(f"/v/{certificate.token}").get_data(as_text=True)
        assert name in html and certificate.number in html and certificate.token in html
        assert "\x01" not in html and "\x00" not in html
