"""Member import from CSV and XLSX: every problem by row with nothing written, matching by NIK or e-mail,
invitations with a working set-password link, one import per confirmation, the same file twice changes nothing."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.accounts.member_import.models import ImportStatus, MemberImport
from lms.accounts.models import Facility, FacilityStaff, MembershipStatus, Role, User, WorkerMembership
from lms.extensions import db
from tests.factories import make_organization, make_user

HEADER = "full_name,email,nik,profession,str_number,facility,membership_number"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = (
    "Rina Marlina,rina@example.test,3201014501900001,perawat,QN00001073380217,Puskesmas Tanalili,KTA-001",
    "Siti Aminah,siti@example.test,,bidan,,,",
    "Ni Luh Putu Ayu,ayu@example.test,5103014101850002,Perawat,,RSUD Tarakan,KTA-003",
)


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    admin = make_user("admin-ppni@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en")
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi, locale="en")
    for code, name in (("P1", "Puskesmas Tanalili"), ("R1", "RSUD Tarakan")):
        place = {"province": "Kalimantan Utara", "regency": "Bulungan"}
        db.session.add(Facility(code=code, name=name, kind="puskesmas", **place))
    db.session.commit()
    return SimpleNamespace(ppni=ppni, ibi=ibi, admin=admin, ibi_admin=ibi_admin)


def _counts():
    return (
        db.session.execute(select(func.count(User.id))).scalar(),
        db.session.execute(select(func.count(WorkerMembership.id))).scalar(),
        db.session.execute(select(func.count(FacilityStaff.id))).scalar(),
        db.session.execute(select(func.count(MemberImport.id))).scalar(),
    )


def test_cli_dry_run_then_import_then_the_same_file_again_changes_nothing(world, runner, tmp_path):
    existing = make_user("siti@example.test", full_name="Siti Aminah, S.Tr.Keb", profession_code="bidan")
    path = tmp_path / "anggota.csv"
    path.write_bytes(csv_bytes(*GOOD))
    before = _counts()
    dry = runner.invoke(args=["members", "import", str(path), "--organization", "ppni", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 rows: 2 new people" in dry.output and "1 existing" in dry.output
    assert _counts() == before

    result = runner.invoke(args=["members", "import", str(path), "--organization", "ppni"])
    assert result.exit_code == 0, result.output
    rina = db.session.execute(select(User).where(User.email == "rina@example.test")).scalar_one()
    assert (rina.nik, rina.profession_code, rina.str_number) == ("3201014501900001", "perawat", "QN00001073380217")
    memberships = {m.user_id: m for m in db.session.execute(select(WorkerMembership)).scalars()}
    assert memberships[rina.id].membership_number == "KTA-001"
    assert memberships[rina.id].status == MembershipStatus.INVITED
    assert memberships[existing.id].organization_id == world.ppni.id
    db.session.refresh(existing)
    assert existing.full_name == "Siti Aminah, S.Tr.Keb"  # her own name is kept
    staff = db.session.execute(select(FacilityStaff.user_id, Facility.name).join(Facility)).all()
    assert sorted(name for _u, name in staff) == ["Puskesmas Tanalili", "RSUD Tarakan"]
    after_first = _counts()

    again = runner.invoke(args=["members", "import", str(path), "--organization", "ppni"])
    assert again.exit_code == 0, again.output
    assert "0 new people" in again.output
    assert _counts()[:3] == after_first[:3]


def test_every_problem_is_listed_by_row_and_nothing_is_written(world, runner, tmp_path):
    path = tmp_path / "salah.csv"
    path.write_bytes(
        csv_bytes(
            GOOD[0],
            "Budi,budi@example.test,12345,perawat,,,",
            "Rina Lagi,rina@example.test,,perawat,,,",
            "Ani,ani@example.test,,dukun,,,",
            "Tono,tono@example.test,,perawat,,Puskesmas Entah,",
            ",,,,,,",
            ",kosong@example.test,,,,,",
        )
    )
    before = _counts()
    result = runner.invoke(args=["members", "import", str(path), "--organization", "ppni"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    rows = [int(re.match(r"row (\d+): ", line).group(1)) for line in lines]
    assert rows == [3, 4, 5, 6, 8]
    assert "12345" in lines[0] and "2" in lines[1] and "dukun" in lines[2] and "Puskesmas Entah" in lines[3]
    assert _counts() == before


def test_a_wrong_header_is_reported_on_row_1(world, runner, tmp_path):
    path = tmp_path / "header.csv"
    path.write_bytes(csv_bytes(GOOD[0], header="nama,emial,nik,profesi,nomor_str,fasyankes,nomor_kta"))
    result = runner.invoke(args=["members", "import", str(path), "--organization", "ppni"])
    assert result.exit_code == 1
    assert result.output.startswith("row 1: ") and "emial" in result.output and "email" in result.output


def test_indonesian_headers_and_xlsx_with_numbers_as_cells(world, runner, tmp_path):
    path = tmp_path / "anggota.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["Nama Lengkap", "Email", "NIK", "Profesi", "Nomor STR", "Fasyankes", "Nomor KTA"],
                ["Rina Marlina", "rina@example.test", 3201014501900001, "perawat", None, "puskesmas tanalili", 1001],
            ]
        )
    )
    result = runner.invoke(args=["members", "import", str(path), "--organization", "ppni"])
    assert result.exit_code == 0, result.output
    rina = db.session.execute(select(User).where(User.email == "rina@example.test")).scalar_one()
    assert rina.nik == "3201014501900001"
    number = db.session.execute(select(WorkerMembership.membership_number)).scalar_one()
    assert number == "1001"


def test_an_existing_account_is_matched_by_nik_even_with_another_email(world, runner, tmp_path):
    known = make_user("rina.lama@example.test", nik="3201014501900001", full_name="Rina M")
    path = tmp_path / "anggota.csv"
    path.write_bytes(csv_bytes(GOOD[0]))
    result = runner.invoke(args=["members", "import", str(path), "--organization", "ppni"])
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(func.count(User.id)).where(User.email == "rina@example.test")).scalar() == 0
    assert db.session.execute(select(WorkerMembership.user_id)).scalar_one() == known.id


def _upload(client, organization_id, data: bytes, name="anggota.csv"):
    return client.post(
        f"/organizations/{organization_id}/members/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_browser_preview_confirm_twice_and_the_invitation_link_sets_a_password(world, client, auth):
    auth.login(world.admin.email)
    template = client.get(f"/organizations/{world.ppni.id}/members/import/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    before = _counts()
    preview = _upload(client, world.ppni.id, csv_bytes(*GOOD))
    assert preview.status_code == 302
    page = client.get(preview.location).get_data(as_text=True)
    assert "3 rows" in page and "Rina Marlina" in page and "already have an account" not in page
    assert _counts()[:3] == before[:3]  # nothing written until confirmed
    member_import = db.session.execute(select(MemberImport)).scalar_one()
    confirm = f"/organizations/{world.ppni.id}/members/imports/{member_import.id}/confirm"
    assert client.post(confirm).status_code == 302
    assert client.post(confirm).status_code == 302  # the second click
    db.session.refresh(member_import)
    assert member_import.status == ImportStatus.DONE and member_import.processed_rows == 3
    assert _counts()[0] == before[0] + 3
    progress = client.get(f"/organizations/{world.ppni.id}/members/imports/{member_import.id}")
    assert "100" in progress.get_data(as_text=True)

    from lms.core.mail import OutboxMessage

    mail = " ".join(db.session.execute(select(OutboxMessage.text)).scalars())
    links = re.findall(r"http://localhost/password/reset/\S+", mail)
    assert len(links) == 3
    auth.logout()
    token_path = links[0].removeprefix("http://localhost")
    assert client.get(token_path).status_code == 200
    response = client.post(token_path, data={"new_password": "kata-sandi-baru-1", "confirm": "kata-sandi-baru-1"})
    assert response.status_code == 302
    assert client.get(token_path).status_code != 200 or "invalid" in client.get(token_path).get_data(as_text=True)


def test_browser_lists_every_problem_and_writes_nothing(world, client, auth):
    auth.login(world.admin.email)
    before = _counts()
    response = _upload(client, world.ppni.id, csv_bytes(GOOD[0], GOOD[0]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "row 3" in html
    assert _counts() == before


def test_another_organizations_admin_cannot_see_or_confirm_an_import(world, client, auth):
    auth.login(world.admin.email)
    _upload(client, world.ppni.id, csv_bytes(*GOOD))
    member_import = db.session.execute(select(MemberImport)).scalar_one()
    auth.logout()
    auth.login(world.ibi_admin.email)
    assert client.get(f"/organizations/{world.ppni.id}/members/import").status_code == 403
    assert client.post(f"/organizations/{world.ppni.id}/members/imports/{member_import.id}/confirm").status_code == 403
    assert client.get(f"/organizations/{world.ibi.id}/members/imports/{member_import.id}").status_code == 404
    db.session.refresh(member_import)
    assert member_import.status == ImportStatus.PREVIEWED


def test_the_imported_people_are_enrolled_into_a_cohort_in_one_action(world, client, auth, runner, tmp_path):
    from tests.factories.courses import make_open_cohort, make_published_course

    path = tmp_path / "anggota.csv"
    path.write_bytes(csv_bytes(*GOOD))
    assert runner.invoke(args=["members", "import", str(path), "--organization", "ppni"]).exit_code == 0
    cohort = make_open_cohort(world.admin, make_published_course("PPI-DASAR", organization="ppni"))
    member_import = db.session.execute(select(MemberImport)).scalar_one()
    auth.login(world.admin.email)
    page = client.get(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}/enrol").get_data(as_text=True)
    assert 'data-testid="from-import"' in page
    response = client.post(
        f"/organizations/{world.ppni.id}/cohorts/{cohort.id}/enrol", data={"import_id": str(member_import.id)}
    )
    assert response.status_code == 302
    from lms.courses.models import Enrolment

    emails = db.session.execute(select(User.email).join(Enrolment, Enrolment.user_id == User.id)).scalars().all()
    assert sorted(emails) == ["ayu@example.test", "rina@example.test", "siti@example.test"]


def _outbox_invitations() -> int:
    from lms.core.mail import OutboxMessage

    return db.session.execute(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.subject.contains("invites"))
    ).scalar()


def test_a_confirmed_import_runs_as_a_job_with_progress_and_a_second_run_writes_nothing(world, client, auth):
    from lms.accounts.member_import.jobs import IMPORT_MEMBERS_JOB, import_members, run_subject
    from lms.jobs import runs
    from lms.jobs.models import JobRun

    auth.login(world.admin.email)
    _upload(client, world.ppni.id, csv_bytes(*GOOD))
    member_import = db.session.execute(select(MemberImport)).scalar_one()
    base = f"/organizations/{world.ppni.id}/members/imports/{member_import.id}"
    response = client.post(f"{base}/confirm")
    run = db.session.execute(select(JobRun)).scalar_one()
    assert response.headers["Location"].endswith(f"{base}?job={run.id}")
    assert (run.kind, run.subject, run.state, run.total, run.done) == (
        IMPORT_MEMBERS_JOB, run_subject(member_import.id), "finished", 3, 3
    )  # fmt: skip
    assert run.outcome == {"rows": 3, "applied": 3}
    page = client.get(f"{base}?job={run.id}").get_data(as_text=True)
    assert 'data-job-state="finished"' in page and "3 rows imported." in page
    assert "data-job-run" not in client.get(base).get_data(as_text=True)  # a finished run shows only when asked for
    progress = client.get(f"/api/v1/jobs/{run.id}").get_json()
    assert (progress["kind"], progress["state"], progress["percent"]) == (IMPORT_MEMBERS_JOB, "finished", 100)
    after, invitations = _counts(), _outbox_invitations()
    assert invitations == 3

    # The same import run again (a duplicate delivery, a retry after success): nothing new is written or sent.
    second = runs.open_run(IMPORT_MEMBERS_JOB, run_subject(member_import.id), world.admin.id)
    db.session.commit()
    assert import_members.call_local(second.id, member_import.id) == 0
    db.session.expire_all()
    assert _counts() == after and _outbox_invitations() == invitations
    assert db.session.get(JobRun, second.id).state == "finished"


def test_a_failing_import_job_is_retried_and_resumes_where_it_stopped(world, client, auth, monkeypatch):
    from lms.accounts.member_import import services
    from lms.jobs.models import FailedJob, JobRun
    from tests.db_faults import refused_inserts

    monkeypatch.setattr(services, "CHUNK_ROWS", 1)  # one row per committed chunk
    auth.login(world.admin.email)
    _upload(client, world.ppni.id, csv_bytes(*GOOD))
    member_import = db.session.execute(select(MemberImport)).scalar_one()
    base = f"/organizations/{world.ppni.id}/members/imports/{member_import.id}"
    with refused_inserts("worker_memberships", "NEW.membership_number = 'KTA-003'"):
        assert client.post(f"{base}/confirm").status_code == 302  # the request succeeds; the job fails
    db.session.expire_all()
    run = db.session.execute(select(JobRun)).scalar_one()
    assert run.state == "failed" and "refused by test" in run.error
    assert db.session.get(MemberImport, member_import.id).processed_rows == 2  # the two chunks before stay
    assert db.session.execute(select(func.count(WorkerMembership.id))).scalar() == 2
    page = client.get(base).get_data(as_text=True)
    assert 'data-job-state="failed"' in page and "refused by test" in page
    (failure,) = db.session.execute(select(FailedJob)).scalars()
    assert failure.name.endswith("import_members") and failure.retries_left == 3

    auth.logout()
    auth.login(make_user("root@example.test", is_platform_admin=True).email)
    assert client.post(f"/admin/jobs/{failure.id}/retry").status_code == 302  # the queue's retry, run now
    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    assert (run.state, run.done, run.outcome) == ("finished", 3, {"rows": 3, "applied": 1})
    assert db.session.get(MemberImport, member_import.id).status == ImportStatus.DONE
    memberships = db.session.execute(select(WorkerMembership.membership_number)).scalars().all()
    assert sorted(m or "" for m in memberships) == ["", "KTA-001", "KTA-003"]  # each once
    assert _outbox_invitations() == 3
