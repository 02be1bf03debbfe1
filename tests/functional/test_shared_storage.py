"""Files as database rows (LMS_STORAGE=database): the backend, its transactions, a feature using it, the setting."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lms import PROJECT_ROOT, create_app
from lms.accounts.models import Role
from lms.cli import main
from lms.core.database import dispose_engines
from lms.core.settings import SettingError
from lms.core.storage import StoredFileMissing, delete_after_commit, storage_name
from lms.core.stored_files import DatabaseStorage, StoredFile
from lms.extensions import db
from lms.records.models import ExternalActivity
from tests.factories import PASSWORD, make_organization, make_user
from tests.functional.test_records import PDF, activity_form


@pytest.fixture
def database_storage(app, monkeypatch):
    """The test app with its files in the database, whatever the run's default."""
    storage = DatabaseStorage()
    monkeypatch.setitem(app.extensions, "lms_storage", storage)
    return storage


def test_save_read_list_and_delete(app_ctx, database_storage):
    key = database_storage.save(b"\x00\x01 bytes \xff", folder="evidence", suffix=".PDF")
    assert key.startswith("evidence/") and key.endswith(".pdf")
    db.session.commit()
    db.session.remove()
    assert database_storage.read(key) == b"\x00\x01 bytes \xff"
    assert database_storage.exists(key) and list(database_storage.keys()) == [key]
    database_storage.delete(key)
    db.session.commit()
    assert not database_storage.exists(key)
    with pytest.raises(StoredFileMissing):
        database_storage.read(key)


def test_a_file_goes_and_stays_with_its_transaction(app_ctx, database_storage):
    kept = database_storage.save(b"kept", folder="attachments", suffix="")
    db.session.commit()
    lost = database_storage.save(b"lost", folder="attachments", suffix="")
    delete_after_commit(kept)
    assert not database_storage.exists(kept)  # deleted inside the transaction …
    db.session.rollback()
    assert database_storage.exists(kept)  # … and back after the rollback, while the new file is gone
    assert not database_storage.exists(lost)
    delete_after_commit(kept)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_evidence_uploaded_by_one_host_is_read_by_another(client, auth, app, app_ctx, database_storage, tmp_path):
    ppni = make_organization("ppni", name="PPNI")
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
    nurse = make_user(profession_code="perawat")
    auth.login(nurse.email)
    assert client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id)).status_code == 302
    activity = db.session.execute(select(ExternalActivity)).scalar_one()
    assert db.session.get(StoredFile, activity.evidence_key).data == PDF
    assert not any((tmp_path).rglob("*"))  # nothing on this host's disk
    auth.logout()

    # A second app (another host: its own, empty instance folder) on the same database serves the file.
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
            "WTF_CSRF_ENABLED": False,
            "STORAGE": "database",
            "UPLOADS_DIR": str(tmp_path / "uploads"),
            "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
        }
    )
    other_client = other.test_client()
    other_client.post("/login", data={"email": admin.email, "password": PASSWORD})
    response = other_client.get(f"/records/activities/{activity.id}/evidence")
    assert response.status_code == 200 and response.data == PDF
    with other.app_context():
        dispose_engines()


def test_the_default_follows_the_database():
    assert storage_name(create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})) == "local"
    postgres = create_app({"TESTING": True, "DATABASE_URL": "postgresql://lms@db.example/lms"})
    assert storage_name(postgres) == "database"
    assert storage_name(create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "STORAGE": "Database"})) == (
        "database"
    )


def test_a_bad_storage_setting_stops_start_up_with_one_line(monkeypatch, tmp_path):
    with pytest.raises(SettingError) as refused:
        create_app({"TESTING": True, "STORAGE": "s3-someday"})
    assert str(refused.value) == "LMS_STORAGE: unknown storage 's3-someday'; choose one of: local, database"

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_SECRET_KEY", "x")
    monkeypatch.setenv("LMS_STORAGE", "nowhere")
    result = CliRunner().invoke(main, ["keys", "list"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: LMS_STORAGE: unknown storage 'nowhere'; choose one of: local, database"
    ]


def test_a_server_starting_the_app_sees_the_setting_named(tmp_path):
    env = {"LMS_INSTANCE_PATH": str(tmp_path), "LMS_SECRET_KEY": "x", "LMS_STORAGE": "nowhere", "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-c", "from lms import create_app; create_app()"],
        cwd=PROJECT_ROOT, env={**env, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("LMS_STORAGE: unknown storage 'nowhere'; choose one of: local, database")
    )


def test_files_of_a_single_host_are_copied_into_the_database(app, app_ctx, runner, monkeypatch, tmp_path):
    from lms.core.storage import LocalStorage

    monkeypatch.setitem(app.config, "UPLOADS_DIR", str(tmp_path / "uploads"))
    local = LocalStorage(tmp_path / "uploads")
    keys = [
        local.save(b"logo", folder="certificates/logos", suffix=".png"),
        local.save(b"pdf", folder="evidence", suffix=".pdf"),
    ]
    result = runner.invoke(args=["storage", "copy", "local", "database"])
    assert result.exit_code == 0 and "Copied 2 files" in result.output
    assert [DatabaseStorage().read(key) for key in keys] == [b"logo", b"pdf"]
    again = runner.invoke(args=["storage", "copy", "local", "database"])
    assert "Copied 0 files" in again.output
