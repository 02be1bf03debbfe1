"""Organization-admin pages for courses and cohorts: publishing, opening cohorts, deciding requests, rosters."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.core.audit import AuditEntry
from lms.courses import services
from lms.courses.models import Cohort, CourseStatus, CourseVersion, Enrolment, EnrolmentStatus
from lms.extensions import db
from tests.csv_files import csv_in, csv_rows, speak
from tests.factories import make_course_spec, make_organization, make_user
from tests.factories.courses import publish_through_review

ROSTER_HEADER = {
    "id": ["Nama sesuai STR", "NIK", "E-mail", "Profesi", "Nomor STR", "Fasyankes", "Status"],
    "en": ["Name as on the STR", "NIK", "E-mail", "Profession", "STR number", "Facility", "Status"],
}


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    # English so that the assertions on messages hold once the Indonesian catalog has them.
    admin = make_user(
        "admin-ppni@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en", timezone="Asia/Makassar"
    )
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi, locale="en")
    facilitator = make_user(
        "fasil@example.test", role=Role.FACILITATOR, organization=ppni, full_name="Budi Fasilitator", locale="en"
    )
    ibi_facilitator = make_user("fasil-ibi@example.test", role=Role.FACILITATOR, organization=ibi, locale="en")
    return SimpleNamespace(
        ppni=ppni, ibi=ibi, admin=admin, ibi_admin=ibi_admin, facilitator=facilitator, ibi_facilitator=ibi_facilitator
    )


def _published(code="PPI-DASAR", organization="ppni") -> CourseVersion:
    version = services.import_course(make_course_spec(code, organization=organization), publish=True).version
    db.session.commit()
    return version


def _open_cohort(actor, version, **changes) -> Cohort:
    now = datetime.now(UTC)
    fields = dict(
        name="Angkatan 1",
        mode="daring",
        place=None,
        starts_on=date.today() + timedelta(days=7),
        ends_on=date.today() + timedelta(days=10),
        enrol_opens_at=now - timedelta(days=1),
        enrol_closes_at=now + timedelta(days=5),
        capacity=2,
        needs_approval=True,
    )
    fields.update(changes)
    cohort = services.create_cohort(actor, version, **fields)
    db.session.commit()
    return cohort


def _learner(email, nik, **fields):
    return make_user(email, nik=nik, str_number="QN00001073380217", facility="RSUD Tarakan", **fields)


def _enrol(cohort, *users) -> list[Enrolment]:
    enrolments = [services.enrol(user, cohort, datetime.now(UTC)) for user in users]
    db.session.commit()
    return enrolments


def _actions(prefix=""):
    stmt = select(AuditEntry.action).order_by(AuditEntry.id)
    return [a for a in db.session.execute(stmt).scalars() if a.startswith(prefix)]


def _cohort_count() -> int:
    return db.session.execute(select(func.count(Cohort.id))).scalar_one()


def _decide_url(org, cohort, enrolment) -> str:
    return f"/organizations/{org.id}/cohorts/{cohort.id}/enrolments/{enrolment.id}/decide"


# --- publishing ------------------------------------------------------------------------------------------------


def test_organization_page_links_to_courses(client, auth, world):
    auth.login(world.admin.email)
    page = client.get(f"/organizations/{world.ppni.id}").get_data(as_text=True)
    assert f'href="/organizations/{world.ppni.id}/courses"' in page


def test_admin_publishes_a_draft_through_the_page(client, auth, world):
    draft = services.import_course(make_course_spec()).version
    db.session.commit()
    auth.login(world.admin.email)
    page = client.get(f"/organizations/{world.ppni.id}/courses")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "PPI-DASAR" in text and "Publish draft" in text and "New cohort" not in text

    response = publish_through_review(client, f"/organizations/{world.ppni.id}/courses/ppi-dasar")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organizations/{world.ppni.id}/courses")
    db.session.expire_all()
    version = db.session.get(CourseVersion, draft.id)
    assert version.status == CourseStatus.PUBLISHED and version.published_at is not None
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "course.publish")).scalar_one()
    assert (entry.actor_id, entry.organization_id, entry.details["code"]) == (
        world.admin.id,
        world.ppni.id,
        "PPI-DASAR",
    )

    text = client.get(f"/organizations/{world.ppni.id}/courses").get_data(as_text=True)
    assert "Publish draft" not in text and "New cohort" in text and "Version 1 of PPI-DASAR is published." in text
    # Nothing left to publish: explained, nothing audited twice.
    again = client.post(f"/organizations/{world.ppni.id}/courses/PPI-DASAR/publish", follow_redirects=True)
    assert "PPI-DASAR has no draft version to publish." in again.get_data(as_text=True)
    assert _actions("course.publish") == ["course.publish"]


def test_course_list_shows_versions_skp_jpl_and_cohorts(client, auth, world):
    version = _published()
    _open_cohort(world.admin, version, name="Angkatan Tarakan")
    services.import_course(make_course_spec(title="Judul baru"))  # a new draft beside the published version
    db.session.commit()
    auth.login(world.admin.email)
    text = client.get(f"/organizations/{world.ppni.id}/courses").get_data(as_text=True)
    assert "Publish draft (version 2)" in text and "version 1" in text
    assert "6.00" in text and "Angkatan Tarakan" in text and "0 / 2" in text


# --- opening a cohort ------------------------------------------------------------------------------------------


def _cohort_form(**changes):
    data = {
        "name": "Angkatan 1 Kaltara",
        "mode": "luring",
        "place": "Bapelkes Tarakan",
        "starts_on": "2030-03-10",
        "ends_on": "2030-03-14",
        "enrol_opens_at": "2030-02-01T08:00",
        "enrol_closes_at": "2030-03-07T17:30",
        "capacity": "2",
        "needs_approval": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_creates_a_cohort_with_window_in_own_time_zone(client, auth, world):
    version = _published()
    auth.login(world.admin.email)
    url = f"/organizations/{world.ppni.id}/courses/PPI-DASAR/cohorts/new"
    form_page = client.get(url)
    assert form_page.status_code == 200
    text = form_page.get_data(as_text=True)
    assert "Budi Fasilitator" in text and world.ibi_facilitator.email not in text and "WITA" in text
    for name in ("name", "mode", "place", "starts_on", "ends_on", "enrol_opens_at", "capacity", "facilitators"):
        assert f'<label for="{name}"' in text, name

    response = client.post(url, data=_cohort_form(facilitators=[str(world.facilitator.id)]))
    assert response.status_code == 302
    cohort = db.session.execute(select(Cohort)).scalar_one()
    assert response.headers["Location"].endswith(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}")
    assert (cohort.name, cohort.mode, cohort.place) == ("Angkatan 1 Kaltara", "luring", "Bapelkes Tarakan")
    assert (cohort.starts_on, cohort.ends_on) == (date(2030, 3, 10), date(2030, 3, 14))
    # 08:00 WITA is 00:00 UTC.
    assert cohort.enrol_opens_at == datetime(2030, 2, 1, 0, 0, tzinfo=UTC)
    assert cohort.enrol_closes_at == datetime(2030, 3, 7, 9, 30, tzinfo=UTC)
    assert (cohort.capacity, cohort.needs_approval, cohort.version_id) == (2, True, version.id)
    assert [u.id for u in cohort.facilitators] == [world.facilitator.id]
    assert _actions("cohort.") == ["cohort.create"]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Angkatan 1 Kaltara" in page and "Budi Fasilitator" in page and "WITA" in page


def test_window_and_capacity_are_optional(client, auth, world):
    _published()
    auth.login(world.admin.email)
    data = _cohort_form(enrol_opens_at="", enrol_closes_at="", capacity="", needs_approval=None, place="")
    response = client.post(f"/organizations/{world.ppni.id}/courses/PPI-DASAR/cohorts/new", data=data)
    assert response.status_code == 302
    cohort = db.session.execute(select(Cohort)).scalar_one()
    assert (cohort.enrol_opens_at, cohort.enrol_closes_at, cohort.capacity, cohort.needs_approval, cohort.place) == (
        None,
        None,
        None,
        False,
        None,
    )
    assert cohort.facilitators == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"ends_on": "2030-03-09"}, "The cohort cannot end before it starts."),
        ({"capacity": "0"}, "Capacity must be at least 1, or empty for no limit."),
        ({"enrol_closes_at": "2030-01-31T08:00"}, "Enrolment cannot close before it opens."),
        ({"name": "   "}, "This field is required."),
        ({"mode": "hybrid"}, "Not a valid choice."),
        ({"starts_on": "10/03/2030"}, "Not a valid date value."),
    ],
)
def test_bad_cohort_input_is_refused_and_saves_nothing(client, auth, world, changes, message):
    _published()
    auth.login(world.admin.email)
    response = client.post(
        f"/organizations/{world.ppni.id}/courses/PPI-DASAR/cohorts/new", data=_cohort_form(**changes)
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'value="Bapelkes Tarakan"' in text  # what was typed is kept
    assert _cohort_count() == 0 and _actions("cohort.") == []


def test_facilitators_of_another_organization_cannot_be_assigned(client, auth, world):
    _published()
    auth.login(world.admin.email)
    data = _cohort_form(facilitators=[str(world.ibi_facilitator.id)])
    response = client.post(f"/organizations/{world.ppni.id}/courses/PPI-DASAR/cohorts/new", data=data)
    assert response.status_code == 422 and _cohort_count() == 0


def test_a_cohort_needs_a_published_version(client, auth, world):
    services.import_course(make_course_spec())
    db.session.commit()
    auth.login(world.admin.email)
    url = f"/organizations/{world.ppni.id}/courses/PPI-DASAR/cohorts/new"
    assert "publish it before opening a cohort" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=_cohort_form())
    assert response.status_code == 422
    assert "Cohorts run a published version: publish the course first." in response.get_data(as_text=True)
    assert _cohort_count() == 0


# --- deciding enrolment requests -------------------------------------------------------------------------------


@pytest.fixture
def requests_(world):
    """A cohort of 2 seats needing approval: two pending requests hold the seats, two wait."""
    cohort = _open_cohort(world.admin, _published())
    learners = [
        _learner("ani@example.test", "3201015501900001", full_name="Ani Lestari"),
        _learner("budi@example.test", "3201010101900002", full_name="Budi Santoso"),
        _learner("citra@example.test", "3201015501900003", full_name="Citra Dewi"),
        _learner("dodi@example.test", "3201010101900004", full_name="Dodi Pratama"),
    ]
    enrolments = _enrol(cohort, *learners)
    assert [e.status for e in enrolments] == ["pending", "pending", "waitlisted", "waitlisted"]
    return SimpleNamespace(cohort=cohort, learners=learners, enrolments=enrolments)


def _status(enrolment) -> str:
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id).status


def test_admin_approves_and_declines_requests(client, auth, world, requests_):
    ani, budi, citra, dodi = requests_.enrolments
    cohort = requests_.cohort
    auth.login(world.admin.email)
    page = client.get(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ani Lestari" in text and "ani@example.test" in text and "2 / 2" in text
    assert text.count(">Approve</button>") == 4 and text.count('<label for="reason-') == 4
    # Requests needing a decision come first.
    assert text.index("Waiting for approval") < text.index("On the waiting list")

    response = client.post(_decide_url(world.ppni, cohort, ani), data={"decision": "approve"})
    assert response.status_code == 302 and _status(ani) == EnrolmentStatus.ACTIVE

    # Ani is active and Budi still holds the other seat: Citra cannot be approved yet.
    full = client.post(_decide_url(world.ppni, cohort, citra), data={"decision": "approve"})
    assert full.status_code == 409
    assert "The cohort is full; the request stays on the waiting list." in full.get_data(as_text=True)
    assert _status(citra) == EnrolmentStatus.WAITLISTED

    no_reason = client.post(_decide_url(world.ppni, cohort, budi), data={"decision": "decline", "reason": "  "})
    assert no_reason.status_code == 422
    assert "Give a reason for declining; the learner sees it." in no_reason.get_data(as_text=True)
    assert _status(budi) == EnrolmentStatus.PENDING

    too_long = client.post(_decide_url(world.ppni, cohort, budi), data={"decision": "decline", "reason": "x" * 501})
    assert too_long.status_code == 422 and "x" * 501 in too_long.get_data(as_text=True)  # kept, not lost
    assert _status(budi) == EnrolmentStatus.PENDING
    assert client.post(_decide_url(world.ppni, cohort, budi), data={"decision": "maybe"}).status_code == 422

    declined = client.post(
        _decide_url(world.ppni, cohort, budi),
        data={"decision": "decline", "reason": "Kuota untuk Kaltara sudah penuh."},
    )
    assert declined.status_code == 302
    db.session.expire_all()
    budi_now = db.session.get(Enrolment, budi.id)
    assert (budi_now.status, budi_now.decline_reason) == ("declined", "Kuota untuk Kaltara sudah penuh.")
    assert budi_now.decided_at is not None

    # Budi's seat is free now.
    assert client.post(_decide_url(world.ppni, cohort, citra), data={"decision": "approve"}).status_code == 302
    assert _status(citra) == EnrolmentStatus.ACTIVE
    again = client.post(_decide_url(world.ppni, cohort, ani), data={"decision": "decline", "reason": "Salah"})
    assert again.status_code == 409 and "This request has already been decided." in again.get_data(as_text=True)
    assert _status(ani) == EnrolmentStatus.ACTIVE and _status(dodi) == EnrolmentStatus.WAITLISTED

    text = client.get(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Kuota untuk Kaltara sudah penuh." in text and text.count(">Approve</button>") == 1
    entries = db.session.execute(
        select(AuditEntry).where(AuditEntry.action.like("enrolment.%")).order_by(AuditEntry.id)
    ).scalars()
    assert [(e.action, e.object_id, e.actor_id, e.organization_id) for e in entries] == [
        ("enrolment.approve", str(ani.id), world.admin.id, world.ppni.id),
        ("enrolment.decline", str(budi.id), world.admin.id, world.ppni.id),
        ("enrolment.approve", str(citra.id), world.admin.id, world.ppni.id),
    ]


def test_enrolment_of_another_cohort_is_not_found(client, auth, world, requests_):
    other = _open_cohort(world.admin, requests_.cohort.version, name="Angkatan 2")
    auth.login(world.admin.email)
    ani = requests_.enrolments[0]
    response = client.post(_decide_url(world.ppni, other, ani), data={"decision": "approve"})
    assert response.status_code == 404 and _status(ani) == EnrolmentStatus.PENDING
    assert client.get(f"/organizations/{world.ppni.id}/cohorts/999999").status_code == 404


# --- roster ----------------------------------------------------------------------------------------------------


def test_roster_csv_has_active_participants_with_full_nik(client, auth, world, requests_):
    ani, budi, citra, _dodi = requests_.enrolments
    cohort = requests_.cohort
    formula = _learner("eko@example.test", "3201010101900005", full_name='=HYPERLINK("http://evil")')
    services.decide_enrolment(world.admin, ani, approve=True)
    services.decide_enrolment(world.admin, budi, approve=False, reason="Bukan wilayah kerja")
    services.decide_enrolment(world.admin, citra, approve=True)
    db.session.commit()
    cohort.capacity = None
    cohort.needs_approval = False
    db.session.commit()
    _enrol(cohort, formula)
    ani_user = requests_.learners[0]
    ani_user.full_name = "Ni Luh Putu Ayu Ani Lestari Daéng"
    db.session.commit()

    auth.login(world.admin.email)
    response = client.get(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}/roster.csv")
    assert response.headers["Content-Disposition"] == f"attachment; filename=roster-PPI-DASAR-{cohort.id}.csv"
    assert response.headers["Cache-Control"] == "no-store"
    speak(client, "id")
    rows = csv_rows(client.get(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}/roster.csv"), "id")
    assert rows[0] == ROSTER_HEADER["id"]
    assert [(r[0], r[1], r[2], r[6]) for r in rows[1:]] == [
        ("Ni Luh Putu Ayu Ani Lestari Daéng", "3201015501900001", "ani@example.test", "Aktif"),
        ("Citra Dewi", "3201015501900003", "citra@example.test", "Aktif"),
        ('\'=HYPERLINK("http://evil")', "3201010101900005", "eko@example.test", "Aktif"),
    ]
    english = csv_in(client, f"/organizations/{world.ppni.id}/cohorts/{cohort.id}/roster.csv", "en")
    assert english[0] == ROSTER_HEADER["en"]
    assert english[1][:3] + english[1][6:] == ["Ni Luh Putu Ayu Ani Lestari Daéng", "3201015501900001",
                                               "ani@example.test", "Active"]  # fmt: skip
    assert rows[1][4:6] == ["QN00001073380217", "RSUD Tarakan"] and rows[1][3]  # profession name
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "cohort.roster_export")).scalars()
    assert {(entry.actor_id, entry.details["rows"]) for entry in entries} == {(world.admin.id, 3)}  # each export

    page = client.get(f"/organizations/{world.ppni.id}/cohorts/{cohort.id}").get_data(as_text=True)
    assert "3201********0001" in page and "3201********0004" in page
    for learner in requests_.learners:
        assert learner.nik not in page
    assert "roster.csv" in page


# --- who may open these pages ----------------------------------------------------------------------------------


@pytest.fixture
def two_tenants(world):
    ppni_cohort = _open_cohort(world.admin, _published())
    ibi_version = _published("BIDAN-1", organization="ibi")
    services.import_course(make_course_spec("BIDAN-1", organization="ibi", title="Draf baru"))  # IBI's v2 draft
    db.session.commit()
    ibi_cohort = _open_cohort(world.ibi_admin, ibi_version, name="Angkatan IBI")
    ibi_enrolment = _enrol(ibi_cohort, _learner("bidan@example.test", "3201015501900009"))[0]
    ppni_enrolment = _enrol(ppni_cohort, _learner("perawat@example.test", "3201010101900008"))[0]
    return SimpleNamespace(
        ppni_cohort=ppni_cohort, ibi_cohort=ibi_cohort, ibi_enrolment=ibi_enrolment, ppni_enrolment=ppni_enrolment
    )


def _ibi_unchanged(world, tenants):
    db.session.expire_all()
    assert _status(tenants.ibi_enrolment) == EnrolmentStatus.PENDING
    course = services.course_by_code("BIDAN-1")
    assert [v.status for v in course.versions] == ["published", "draft"]
    assert _cohort_count() == 2
    mine = select(AuditEntry).where(AuditEntry.actor_id == world.admin.id, AuditEntry.action != "cohort.create")
    assert db.session.execute(mine).first() is None


def test_ppni_admin_gets_403_on_every_ibi_url(client, auth, world, two_tenants):
    ibi, cohort = world.ibi.id, two_tenants.ibi_cohort.id
    auth.login(world.admin.email)
    assert client.get(f"/organizations/{world.ppni.id}/courses").status_code == 200
    for path in (
        f"/organizations/{ibi}/courses",
        f"/organizations/{ibi}/courses/BIDAN-1/cohorts/new",
        f"/organizations/{ibi}/cohorts/{cohort}",
        f"/organizations/{ibi}/cohorts/{cohort}/roster.csv",
    ):
        assert client.get(path).status_code == 403, path
    posts = {
        f"/organizations/{ibi}/courses/BIDAN-1/publish": {},
        f"/organizations/{ibi}/courses/BIDAN-1/cohorts/new": _cohort_form(),
        _decide_url(world.ibi, two_tenants.ibi_cohort, two_tenants.ibi_enrolment): {"decision": "approve"},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
    _ibi_unchanged(world, two_tenants)


def test_ppni_url_with_ibi_ids_is_not_found(client, auth, world, two_tenants):
    ppni = world.ppni.id
    ibi_cohort, ibi_enrolment = two_tenants.ibi_cohort, two_tenants.ibi_enrolment
    auth.login(world.admin.email)
    assert "BIDAN-1" not in client.get(f"/organizations/{ppni}/courses").get_data(as_text=True)
    for path in (
        f"/organizations/{ppni}/courses/BIDAN-1/cohorts/new",
        f"/organizations/{ppni}/cohorts/{ibi_cohort.id}",
        f"/organizations/{ppni}/cohorts/{ibi_cohort.id}/roster.csv",
    ):
        assert client.get(path).status_code == 404, path
    posts = {
        f"/organizations/{ppni}/courses/BIDAN-1/publish": {},
        f"/organizations/{ppni}/courses/BIDAN-1/cohorts/new": _cohort_form(),
        _decide_url(world.ppni, ibi_cohort, ibi_enrolment): {"decision": "approve"},
        _decide_url(world.ppni, two_tenants.ppni_cohort, ibi_enrolment): {"decision": "approve"},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 404, path
    _ibi_unchanged(world, two_tenants)


@pytest.mark.parametrize("who", ["facilitator", "learner"])
def test_facilitators_and_learners_get_403(client, auth, world, two_tenants, who):
    if who == "learner":
        make_user("learner@example.test", role=Role.MEMBER, organization=world.ppni)
        email = "learner@example.test"
    else:
        email = world.facilitator.email
    ppni, cohort, enrolment = world.ppni, two_tenants.ppni_cohort, two_tenants.ppni_enrolment
    auth.login(email)
    for path in (
        f"/organizations/{ppni.id}/courses",
        f"/organizations/{ppni.id}/courses/PPI-DASAR/cohorts/new",
        f"/organizations/{ppni.id}/cohorts/{cohort.id}",
        f"/organizations/{ppni.id}/cohorts/{cohort.id}/roster.csv",
    ):
        assert client.get(path).status_code == 403, path
    for path, data in {
        f"/organizations/{ppni.id}/courses/PPI-DASAR/publish": {},
        f"/organizations/{ppni.id}/courses/PPI-DASAR/cohorts/new": _cohort_form(),
        _decide_url(ppni, cohort, enrolment): {"decision": "approve"},
    }.items():
        assert client.post(path, data=data).status_code == 403, path
    assert _status(enrolment) == EnrolmentStatus.PENDING and _cohort_count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client, world, two_tenants):
    response = client.get(f"/organizations/{world.ppni.id}/cohorts/{two_tenants.ppni_cohort.id}/roster.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
