"""`lms keys list|rotate|withdraw` and the offline `lms certificates verify` (text, PNG, PDF; with no database)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
import qrcode
from sqlalchemy import select

from lms.certificates import keys, services
from lms.core.audit import AuditEntry
from lms.extensions import db
from tests.factories.certificates import finished_learner, issue, make_certificate_world


@pytest.fixture(autouse=True)
def own_key_store(app, tmp_path, monkeypatch):
    """A key store of this test's own: rotations and withdrawals here must not touch other tests' keys."""
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def certificate(app_ctx):
    world = make_certificate_world()
    _user, enrolment = finished_learner(world.cohort, full_name="I Gusti Ayu Made Wulandari")
    return services.live_certificate_of(enrolment) or issue(world.admin, enrolment)


@pytest.fixture
def keys_file(client, tmp_path, certificate):
    path = tmp_path / "lentera-keys.json"
    path.write_bytes(client.get("/.well-known/lentera-keys.json").data)
    return path


def qr_png(text: str, path):
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=6, border=4)
    qr.add_data(qrcode.util.QRData(text.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM))
    qr.make(fit=True)
    qr.make_image().save(path)
    return path


def flipped(token: str) -> str:
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    raw[40] ^= 0x04
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_keys_list_rotate_withdraw(runner, app_ctx):
    assert "No signing keys yet" in runner.invoke(args=["keys", "list"]).output
    first = keys.current_signing_key().kid.hex()
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    second = keys.current_signing_key().kid.hex()
    assert second != first and second in rotated.output
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"* {second}" in listing and f"  {first}" in listing and "retired" in listing
    missing_reason = runner.invoke(args=["keys", "withdraw", first])
    assert missing_reason.exit_code != 0
    withdrawn = runner.invoke(args=["keys", "withdraw", first, "--reason", "lost backup disk"])
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "withdrawn" in runner.invoke(args=["keys", "list"]).output
    unknown = runner.invoke(args=["keys", "withdraw", "00" * 8, "--reason", "x"])
    assert unknown.exit_code == 1 and "Error" in unknown.output
    actions = db.session.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.object_id)).all()
    assert ("signing_key.rotate", None, second) in actions
    assert ("signing_key.withdraw", None, first) in actions


def test_verify_text_with_the_instance_keys(runner, certificate):
    result = runner.invoke(args=["certificates", "verify", services.verify_url(certificate)])
    assert result.exit_code == 0, result.output
    assert "GENUINE" in result.output and certificate.number in result.output
    assert "I Gusti Ayu Made Wulandari" in result.output and "Perawat" in result.output


def test_verify_png_with_a_saved_key_set(runner, certificate, keys_file, tmp_path):
    png = qr_png(services.verify_url(certificate), tmp_path / "scan.png")
    result = runner.invoke(args=["certificates", "verify", str(png), "--keys", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert certificate.number in result.output and certificate.signing_key_id in result.output


def test_verify_refuses_a_changed_token_and_unreadable_inputs(runner, certificate, keys_file, tmp_path):
    bad = qr_png("HTTP://LOCALHOST/V/" + flipped(certificate.token), tmp_path / "bad.png")
    result = runner.invoke(args=["certificates", "verify", str(bad), "--keys", str(keys_file)])
    assert result.exit_code == 1 and "NOT VALID" in result.output
    blank = tmp_path / "blank.png"
    blank.write_bytes(b"not an image")
    assert runner.invoke(args=["certificates", "verify", str(blank), "--keys", str(keys_file)]).exit_code == 1
    broken_keys = tmp_path / "broken.json"
    broken_keys.write_text("{nope")
    assert runner.invoke(args=["certificates", "verify", certificate.token, "--keys", str(broken_keys)]).exit_code == 1
    wrong_shape = tmp_path / "wrong.json"
    wrong_shape.write_text(json.dumps({"keys": [{"kid": "x"}]}))
    assert runner.invoke(args=["certificates", "verify", certificate.token, "--keys", str(wrong_shape)]).exit_code == 1


def test_verify_after_rotation_and_withdrawal_from_a_saved_key_set(runner, client, certificate, tmp_path):
    keys.rotate(actor=None)
    db.session.commit()
    saved = tmp_path / "after-rotation.json"
    saved.write_bytes(client.get("/.well-known/lentera-keys.json").data)
    assert runner.invoke(args=["certificates", "verify", certificate.token, "--keys", str(saved)]).exit_code == 0
    keys.withdraw(certificate.signing_key_id, "compromised", actor=None)
    db.session.commit()
    saved.write_bytes(client.get("/.well-known/lentera-keys.json").data)
    result = runner.invoke(args=["certificates", "verify", certificate.token, "--keys", str(saved)])
    assert result.exit_code == 1 and "key_withdrawn" in result.output


def test_verify_works_with_no_database_and_no_secret(certificate, keys_file, tmp_path):
    """A verifier's machine: only the saved key set; the database cannot be reached and no secret key is set."""
    png = qr_png(services.verify_url(certificate), tmp_path / "scan.png")
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env |= {
        "LMS_INSTANCE_PATH": str(tmp_path / "empty-instance"),
        "LMS_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/x",
    }
    lms = [sys.executable, "-c", "from lms.cli import main; main()"]
    command = [*lms, "certificates", "verify", str(png), "--keys", str(keys_file)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert certificate.number in result.stdout
