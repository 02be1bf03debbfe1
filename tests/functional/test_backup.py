"""`lms backup` / `lms restore`: a deployment restored into an empty one verifies a certificate issued before the
backup, serves its stored files and signs with the same key (SQLite; PostgreSQL with pg_dump when the run uses it)."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from lms import create_app
from lms.certificates import keys, services
from lms.certificates.verification import Verdict, verify_qr
from lms.core.database import dispose_engines
from lms.core.storage import get_storage
from lms.extensions import db
from tests.factories.certificates import finished_learner, issue, make_certificate_world


@pytest.fixture
def empty_deployment(app, tmp_path):
    """A second deployment with nothing in it: a new database (file or PostgreSQL database), empty folders."""
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    created = None
    if source.startswith("postgresql"):
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump is not installed")
        parts = urlsplit(source)
        created = parts.path.lstrip("/") + "_restored"
        admin = create_engine(parts._replace(path="/postgres").geturl(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{created}"'))
        admin.dispose()
        target = parts._replace(path="/" + created).geturl()
    else:
        target = f"sqlite:///{tmp_path / 'restored' / 'lms.sqlite'}"
    restored = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "another-secret",
            "DATABASE_URL": target,
            "STORAGE": app.config["STORAGE"],
            "SIGNING_KEYS_DIR": str(tmp_path / "restored" / "keys"),
            "UPLOADS_DIR": str(tmp_path / "restored" / "uploads"),
            "PUBLIC_URL": app.config["PUBLIC_URL"],
        }
    )
    yield restored
    with restored.app_context():
        db.session.remove()
        dispose_engines()
    # A PostgreSQL copy stays until the next run replaces it: the restored app's status listener holds it open.


def test_a_backup_restored_into_an_empty_deployment_verifies_what_was_issued(app, runner, empty_deployment, tmp_path):
    with app.app_context():
        world = make_certificate_world()
        _user, enrolment = finished_learner(world.cohort)
        certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
        token, kid = certificate.token, keys.current_signing_key().kid
        logo = get_storage().save(b"\x89PNG logo bytes", folder="certificates/logos", suffix=".png")
        db.session.commit()

    made = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output

    restored = empty_deployment.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    with empty_deployment.app_context():
        result = verify_qr(token)
        assert result.verdict == Verdict.VALID
        assert get_storage().read(logo) == b"\x89PNG logo bytes"
        assert keys.current_signing_key().kid == kid  # signs on with the same key, no new one

    again = empty_deployment.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert again.exit_code == 1
    assert "The database of this deployment is not empty: restore into a new, empty database." in again.output


def test_backup_refuses_a_folder_in_use_and_restore_a_folder_that_is_no_backup(app, runner, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    refused = runner.invoke(args=["backup", str(tmp_path / "used")])
    assert refused.exit_code == 1 and "is not empty: give a new folder for each backup." in refused.output
    not_backup = runner.invoke(args=["restore", str(tmp_path / "used")])
    assert not_backup.exit_code == 1 and "is not a Lentera backup" in not_backup.output
