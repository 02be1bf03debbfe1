import os
import stat

from click.testing import CliRunner
from sqlalchemy import func, select

from lms.accounts.demo import DEMO_PASSWORD
from lms.accounts.facilities import shipped_facilities
from lms.accounts.models import (
    Consent,
    Facility,
    FacilityStaff,
    Membership,
    MembershipStatus,
    Organization,
    User,
    WorkerMembership,
)
from lms.cli import main
from lms.extensions import db


def test_init_writes_secret_key_and_migrates(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    config = (tmp_path / "config.py").read_text()
    assert config.count("SECRET_KEY") == 1 and len(config) > 64
    assert stat.S_IMODE(os.stat(tmp_path / "config.py").st_mode) == 0o600
    assert (tmp_path / "lms.sqlite").exists()
    again = CliRunner().invoke(main, ["init"])
    assert again.exit_code == 0
    assert (tmp_path / "config.py").read_text() == config  # the key is never replaced


def test_demo_is_idempotent(runner, app_ctx):
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    assert "perawat@lentera.test" in result.output and DEMO_PASSWORD in result.output
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 6
    assert db.session.execute(select(func.count(Organization.id))).scalar_one() == 4
    assert db.session.execute(select(func.count(Membership.id))).scalar_one() == 3  # admin, facilitator, supervisor
    # The two demo learners are confirmed members of PPNI / IBI and staff of Puskesmas Tanalili, with their consents.
    members = db.session.execute(select(WorkerMembership.status, func.count()).group_by(WorkerMembership.status))
    assert dict(members.all()) == {MembershipStatus.CONFIRMED: 2}
    staff = db.session.execute(select(Facility.name).join(FacilityStaff).where(FacilityStaff.status == "confirmed"))
    assert staff.scalars().all() == ["Puskesmas Tanalili", "Puskesmas Tanalili"]
    assert db.session.execute(select(func.count(Consent.id))).scalar_one() == 4
    assert db.session.execute(select(func.count(Facility.id))).scalar_one() == len(shipped_facilities())


def test_demo_logins_work(runner, client, auth, app_ctx):
    runner.invoke(args=["demo"])
    response = auth.login("ppni@lentera.test", DEMO_PASSWORD)
    assert response.status_code == 302
    page = client.get("/organizations").get_data(as_text=True)
    assert "PPNI" in page and "IBI" not in page


def test_create_admin(runner, app_ctx):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Boss@Example.test", "--name", "Boss"],
        input="sangat-rahasia-1\nsangat-rahasia-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User)).scalar_one()
    assert user.email == "boss@example.test" and user.is_platform_admin
    short = runner.invoke(
        args=["users", "create-admin", "--email", "b@example.test", "--name", "B"], input="short\nshort\n"
    )
    assert short.exit_code != 0
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 1


def test_demo_supervisor_sees_the_demo_nurse_and_midwife(runner, client, auth, app_ctx):
    runner.invoke(args=["demo"])
    assert auth.login("dinkes@lentera.test", DEMO_PASSWORD).status_code == 302
    page = client.get("/supervision").get_data(as_text=True)
    assert "Rina Marlina" in page and "Siti Aminah" in page and "Puskesmas Tanalili" in page
    auth.logout()
    auth.login("ppni@lentera.test", DEMO_PASSWORD)
    members = client.get("/organizations").get_data(as_text=True)
    assert "PPNI" in members
    ppni = db.session.execute(select(Organization).where(Organization.slug == "ppni")).scalar_one()
    listed = client.get(f"/organizations/{ppni.id}/memberships").get_data(as_text=True)
    assert "Rina Marlina" in listed and "PPNI-6501-0001234" in listed and "Siti Aminah" not in listed
