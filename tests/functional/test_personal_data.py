"""The worker's rights under UU 27/2022 (PDP): consent recorded at registration, the "My data" page and its
downloads, correction requests answered by the platform admin, account deletion keeping what the law keeps, and
an audit log append-only in PostgreSQL itself."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from sqlalchemy import select, text

from lms.accounts.models import ApiToken, Consent, DataRequest, User
from lms.certificates.models import Certificate
from lms.core.audit import AuditEntry, record_audit
from lms.extensions import db
from lms.records.models import ExternalActivity
from tests.conftest import api_token
from tests.factories import PASSWORD, make_organization, make_user
from tests.factories.certificates import finished_learner, issue, make_certificate_world
from tests.functional.test_accounts import REGISTRATION
from tests.functional.test_records import PDF, activity_form


def test_registration_needs_consent_and_keeps_its_wording_and_time(client, app_ctx):
    refused = client.post("/register", data={**REGISTRATION, "consent": ""})
    assert refused.status_code == 200 and db.session.execute(select(User)).first() is None
    assert client.post("/register", data=REGISTRATION).status_code == 302
    consent = db.session.execute(select(Consent)).scalar_one()
    assert consent.purpose == "registration" and consent.locale == "id"
    assert "NIK" in consent.wording and consent.given_at is not None
    assert "Data saya" in consent.wording or "My data" in consent.wording


def _learner_with_everything(client, auth):
    """A learner with a certificate, a self-reported activity with its evidence, and an API token."""
    world = make_certificate_world()
    user, enrolment = finished_learner(world.cohort, "siti@example.test")
    if db.session.execute(select(Certificate)).first() is None:
        issue(world.admin, enrolment)
    auth.login("siti@example.test")
    response = client.post("/my/record/activities/new", data=activity_form(organization_id=world.organization.id))
    assert response.status_code == 302
    return world, user


def test_my_data_shows_what_is_held_and_downloads_it_with_the_files(client, auth, app_ctx):
    _world, user = _learner_with_everything(client, auth)
    page = client.get("/my/data")
    assert page.status_code == 200
    assert "/my/data.json" in page.text and "/my/data.zip" in page.text
    data = client.get("/my/data.json")
    assert data.headers["Content-Disposition"].startswith("attachment")
    held = data.get_json()
    assert held["profile"]["email"] == "siti@example.test"
    assert len(held["enrolments"]) == 1 and held["enrolments"][0]["lessons_completed"]
    assert len(held["certificates"]) == 1 and len(held["activities"]) == 1
    assert any(entry["action"].startswith("certificate") for entry in held["audit_entries"])
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my/data.zip").data))
    names = archive.namelist()
    assert "data.json" in names
    evidence = [name for name in names if name.startswith("evidence/")]
    assert len(evidence) == 1 and archive.read(evidence[0]) == PDF
    assert json.loads(archive.read("data.json"))["profile"]["full_name"] == user.full_name


def test_the_api_gives_the_same_data(client, app_ctx):
    make_user("a@example.test")
    token = api_token(client, "a@example.test")
    response = client.get("/api/v1/me/data", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["profile"]["email"] == "a@example.test"
    assert response.get_json()["api_tokens"][0]["prefix"].startswith("lnt_")
    assert client.get("/api/v1/me/data").status_code == 401


def test_a_correction_request_reaches_the_platform_admin_who_answers(client, auth, app_ctx):
    make_user("a@example.test")
    make_user("root@example.test", is_platform_admin=True)
    auth.login("a@example.test")
    assert client.post("/my/data/corrections", data={"message": ""}).status_code == 422
    response = client.post("/my/data/corrections", data={"message": "Nama saya tertulis Dewi, seharusnya Dewie."})
    assert response.status_code == 302
    auth.logout()
    auth.login("root@example.test")
    listing = client.get("/admin/data-requests")
    assert "seharusnya Dewie" in listing.text
    request = db.session.execute(select(DataRequest)).scalar_one()
    client.post(f"/admin/data-requests/{request.id}/answer", data={"answer": "Sudah diperbaiki."})
    auth.logout()
    auth.login("a@example.test")
    assert "Sudah diperbaiki." in client.get("/my/data").text


def test_only_the_platform_admin_sees_correction_requests(client, auth, app_ctx):
    organization = make_organization()
    make_user("admin@example.test", role="org_admin", organization=organization)
    auth.login("admin@example.test")
    assert client.get("/admin/data-requests").status_code == 403


def test_deleting_the_account_erases_the_person_and_keeps_the_issuers_record(app, client, auth, app_ctx):
    world, user = _learner_with_everything(client, auth)
    api_token(client, "siti@example.test")
    activity = db.session.execute(select(ExternalActivity)).scalar_one()
    evidence_path = f"{app.config['UPLOADS_DIR']}/{activity.evidence_key}"
    wrong = client.post("/my/data/delete", data={"password": "not-my-password", "confirm": "y"})
    assert wrong.status_code == 422
    unconfirmed = client.post("/my/data/delete", data={"password": PASSWORD})
    assert unconfirmed.status_code == 422
    assert client.post("/my/data/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    db.session.expire_all()
    erased = db.session.get(User, user.id)
    assert erased.erased_at is not None and not erased.is_active_account
    assert erased.email == f"erased-{user.id}@erased.invalid"
    assert erased.full_name == "—" and erased.nik is None and erased.str_number is None
    assert db.session.execute(select(ExternalActivity)).first() is None
    assert db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).first() is None
    assert not os.path.exists(evidence_path)
    # The issuer's record stays: the certificate and its audit entries.
    certificate = db.session.execute(select(Certificate)).scalar_one()
    assert certificate.user_id == user.id
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "account.erase")).first()
    # She is logged out and cannot log in again.
    assert client.get("/profile").status_code == 302
    assert auth.login("siti@example.test").status_code == 200
    assert world.admin.id


def test_audit_entries_cannot_be_changed_or_deleted_in_postgresql_itself(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the application's guard")
    organization = make_organization()
    record_audit(None, "organization.test", organization, organization.id)
    db.session.commit()
    for statement in ("UPDATE audit_entries SET action = 'tampered'", "DELETE FROM audit_entries"):
        with db.engine.connect() as connection, pytest.raises(Exception, match="append-only"):
            connection.execute(text(statement))
    assert db.session.execute(select(AuditEntry.action)).scalar_one() == "organization.test"
