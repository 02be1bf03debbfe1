"""Signing keys in the database (LMS_SIGNING_KEYS=database): every host signs with the current key, the private
halves are encrypted with LMS_KEY_ENCRYPTION_KEY, keys of a folder are imported, bad settings stop start-up."""

from __future__ import annotations

import base64
import contextlib

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lms import create_app
from lms.certificates import key_database, keys, services
from lms.certificates.key_database import SigningKeyRow, new_key_encryption_key
from lms.certificates.keys import KeyProblem
from lms.certificates.verification import Verdict, verify_qr
from lms.cli import main
from lms.core.database import dispose_engines
from lms.core.settings import SettingError
from lms.extensions import db
from tests.factories.certificates import finished_learner, issue, make_certificate_world

KEK = new_key_encryption_key()


def _forget_caches():
    key_database._rows_cache.clear()
    key_database._private_cache.clear()


@pytest.fixture
def database_keys(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS", "database")
    monkeypatch.setitem(app.config, "KEY_ENCRYPTION_KEY", KEK)
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    _forget_caches()
    yield
    _forget_caches()


@contextlib.contextmanager
def other_host(app, tmp_path, **settings):
    """A second app like another host: its own empty instance folder, the same database and key-encryption key."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SIGNING_KEYS": "database",
            "KEY_ENCRYPTION_KEY": KEK,
            "SIGNING_KEYS_DIR": str(tmp_path / "other-host" / "keys"),
            "UPLOADS_DIR": str(tmp_path / "other-host" / "uploads"),
            "SIGNING_KEYS_CACHE_SECONDS": 0,
            **settings,
        }
    )
    try:
        with other.app_context():
            yield other
            db.session.remove()
    finally:
        with other.app_context():
            dispose_engines()


def _certificate(email: str):
    world = make_certificate_world(slug="ppni-" + email.split("@")[0], code="PPI-" + email[:3].upper())
    _user, enrolment = finished_learner(world.cohort, email=email)
    certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
    db.session.commit()
    return certificate.token


def test_every_host_signs_with_the_current_key_and_a_rotation_reaches_all(app, app_ctx, database_keys, tmp_path):
    token = _certificate("rina@example.test")
    first = keys.current_signing_key().kid
    assert not any((tmp_path / "keys").glob("*.key"))  # nothing on this host's disk

    with other_host(app, tmp_path):
        assert keys.current_signing_key().kid == first
        assert verify_qr(token).verdict == Verdict.VALID

    result = CliRunner().invoke(main, ["keys", "rotate"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    second = keys.current_signing_key().kid
    assert second != first

    with other_host(app, tmp_path):
        assert keys.current_signing_key().kid == second  # at its next signing, no restart
        other_token = _certificate("budi@example.test")
    db.session.remove()
    assert verify_qr(other_token).verdict == Verdict.VALID
    assert verify_qr(token).verdict == Verdict.VALID  # the retired key still verifies what it signed


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_private_keys_are_stored_encrypted_and_need_the_right_key(app, app_ctx, database_keys, tmp_path):
    signing = keys.current_signing_key()
    db.session.commit()
    row = db.session.execute(select(SigningKeyRow)).scalar_one()
    assert row.kid == signing.kid.hex() and bytes(row.public_key) == signing.raw_public
    assert signing.raw_private not in bytes(row.private_key_encrypted)
    assert base64.b64encode(signing.raw_private) not in bytes(row.private_key_encrypted)

    _forget_caches()
    with (
        other_host(app, tmp_path, KEY_ENCRYPTION_KEY=new_key_encryption_key()),
        pytest.raises(KeyProblem, match="LMS_KEY_ENCRYPTION_KEY"),
    ):
        keys.current_signing_key()


def test_a_withdrawal_on_one_host_is_seen_by_the_others(app, app_ctx, database_keys, tmp_path):
    token = _certificate("rina@example.test")
    kid = keys.current_signing_key().kid.hex()
    with other_host(app, tmp_path):
        assert verify_qr(token).verdict == Verdict.VALID
    keys.withdraw(kid, "Kunci bocor")
    db.session.commit()
    assert db.session.get(SigningKeyRow, kid).private_key_encrypted is None
    with other_host(app, tmp_path):
        assert verify_qr(token).verdict == Verdict.INVALID
        assert keys.current_signing_key().kid.hex() != kid


def test_keys_of_a_folder_are_imported_by_the_command_and_by_init(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    for name in ("LMS_SECRET_KEY", "LMS_DATABASE_URL", "LMS_SIGNING_KEYS", "LMS_KEY_ENCRYPTION_KEY", "LMS_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    (kid_file,) = (tmp_path / "keys").glob("*.key")
    kid = kid_file.stem

    monkeypatch.setenv("LMS_KEY_ENCRYPTION_KEY", KEK)  # the database store, by default, once a KEK is given
    _forget_caches()
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 signing keys from the key folder into the database" in result.output
    listed = CliRunner().invoke(main, ["keys", "list"])
    assert listed.output.startswith(f"* {kid}")
    again = CliRunner().invoke(main, ["keys", "import"])
    assert again.exit_code == 0 and "Nothing to import." in again.output

    # A host without the key-encryption key must not start a key of its own beside the shared ones.
    monkeypatch.delenv("LMS_KEY_ENCRYPTION_KEY")
    monkeypatch.setenv("LMS_SIGNING_KEYS_DIR", str(tmp_path / "empty-keys"))
    refused = CliRunner().invoke(main, ["keys", "rotate"])
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: ") and "LMS_KEY_ENCRYPTION_KEY" in refused.output  # in Indonesian
    app = create_app()
    with app.app_context():
        with pytest.raises(KeyProblem, match="LMS_KEY_ENCRYPTION_KEY"):
            keys.current_signing_key()  # nor silently at its first signing
        dispose_engines()
    _forget_caches()


@pytest.mark.parametrize(
    "settings, message",
    [
        (
            {"SIGNING_KEYS": "database"},
            "LMS_KEY_ENCRYPTION_KEY: required when signing keys are kept in the database; give base64 of 32 random "
            "bytes (`lms keys new-kek` prints one), the same on every host",
        ),
        ({"KEY_ENCRYPTION_KEY": "c2hvcnQ="}, "LMS_KEY_ENCRYPTION_KEY: must be base64 of 32 random bytes"),
        ({"SIGNING_KEYS": "vault"}, "LMS_SIGNING_KEYS: unknown place 'vault'; choose one of: files, database"),
    ],
)
def test_bad_key_settings_stop_start_up(settings, message):
    with pytest.raises(SettingError) as refused:
        create_app({"TESTING": True, **settings})
    assert str(refused.value) == message
