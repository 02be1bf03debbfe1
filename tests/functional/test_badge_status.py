"""Issue 12: machine-readable status of Open Badges (W3C Bitstring Status List) and one issuer per organization,
checked by an independent verifier (tests/unit/test_badges.py: its own JCS, base58, did:web resolution, Ed25519)."""

from __future__ import annotations

import base64
import gzip
from urllib.parse import urlsplit

import pytest

from lms.certificates import keys
from lms.certificates import services as certificate_services
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import api_token
from tests.factories.certificates import finished_learner, make_certificate_world
from tests.unit.test_badges import did_web_resolver, schema_validator, verify_eddsa_jcs_2022


@pytest.fixture(autouse=True)
def own_key_store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def world(app_ctx):
    world = make_certificate_world()
    world.learner, _ = finished_learner(world.cohort, "rina@example.test")
    world.certificate = certificate_services.certificates_of(world.learner)[0]
    return world


def fetch(client, url: str) -> dict:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, url
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def badge_of(client, world) -> dict:
    token = api_token(client, world.learner.email)
    response = client.get(
        f"/api/v1/me/certificates/{world.certificate.public_id}/badge", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return response.get_json()


def status_bit(client, entry: dict, purpose: str | None = None) -> int:
    """Read a credential's bit as any verifier would: fetch the list credential, check its proof and issuer, decode
    the GZIP'd bitstring (multibase base64url) and take the bit at the entry's index (first bit = most significant)."""
    url = entry["statusListCredential"]
    if purpose is not None:
        url = url.rsplit("/", 1)[0] + "/" + purpose
    status_list = fetch(client, url)
    resolve = did_web_resolver(lambda address: fetch(client, address))
    assert verify_eddsa_jcs_2022(status_list, resolve=resolve)
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = status_list["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == (purpose or entry["statusPurpose"])
    encoded = subject["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_revoke_a_certificate_and_its_badge_status_entry_says_revoked(client, world):
    badge = badge_of(client, world)
    assert list(schema_validator().iter_errors(badge)) == []
    entry = badge["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert entry["statusListCredential"] == "http://localhost/organizations/ppni/credentials/status/revocation"
    assert status_bit(client, entry) == 0

    certificate_services.revoke_certificate(world.admin, world.certificate, "Data salah", utcnow())
    db.session.commit()
    assert status_bit(client, entry) == 1
    # The badge downloaded before still carries a good signature: only its status tells the wallet.
    assert verify_eddsa_jcs_2022(badge, resolve=did_web_resolver(lambda address: fetch(client, address)))


def test_suspend_and_reinstate_show_in_the_suspension_list(client, world):
    entry = badge_of(client, world)["credentialStatus"]
    certificate_services.suspend_certificate(world.admin, world.certificate, "Diperiksa", utcnow())
    db.session.commit()
    assert status_bit(client, entry, "suspension") == 1 and status_bit(client, entry) == 0
    certificate_services.reinstate_certificate(world.admin, world.certificate, None, utcnow())
    db.session.commit()
    assert status_bit(client, entry, "suspension") == 0 and status_bit(client, entry) == 0


def test_a_withdrawn_key_revokes_its_credentials_and_leaves_the_did_document(client, world):
    badge = badge_of(client, world)
    method = badge["proof"][0]["verificationMethod"]
    keys.withdraw(world.certificate.signing_key_id, "kunci bocor", actor=None)
    db.session.commit()
    assert status_bit(client, badge["credentialStatus"]) == 1
    document = fetch(client, "http://localhost/organizations/ppni/did.json")
    assert method not in document["assertionMethod"]


def test_each_organization_is_its_own_issuer(client, world):
    other = make_certificate_world("ibi", "ANC-DASAR")
    learner, _ = finished_learner(other.cohort, "bidan@example.test")
    (certificate,) = certificate_services.certificates_of(learner)
    token = api_token(client, learner.email)
    badge = client.get(
        f"/api/v1/me/certificates/{certificate.public_id}/badge", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert (
        badge["issuer"]["id"] == "did:web:localhost:organizations:ibi" and badge["issuer"]["name"] == "Organisasi IBI"
    )
    assert badge_of(client, world)["issuer"]["id"] == "did:web:localhost:organizations:ppni"
    assert badge["credentialStatus"]["statusListCredential"].startswith("http://localhost/organizations/ibi/")
    assert client.get("/organizations/nobody/did.json").status_code == 404
    assert client.get("/organizations/ibi/credentials/status/other").status_code == 404
