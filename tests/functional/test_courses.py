from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.audit import AuditEntry
from lms.core.errors import Conflict, NotFound, PermissionDenied
from lms.courses.models import CourseStatus, CourseVersion, VersionFrozen
from lms.courses.services import catalog, import_course, publish_version, skp_of, spec_from_version
from lms.extensions import db
from tests.factories import make_course_spec, make_organization, make_user


@pytest.fixture
def orgs(app_ctx):
    return make_organization("ppni", name="PPNI"), make_organization("ibi", name="IBI")


def test_import_creates_draft_and_same_files_change_nothing(orgs):
    spec = make_course_spec()
    first = import_course(spec)
    db.session.commit()
    assert first.changed and first.version.number == 1 and first.version.status == CourseStatus.DRAFT
    assert [s.title for s in first.version.subjects] == ["Kebijakan", "Materi Inti"]
    assert [lesson.title for lesson in first.version.lessons] == ["Pengantar", "Langkah satu", "Langkah dua"]
    again = import_course(spec)
    db.session.commit()
    assert not again.changed and again.version.id == first.version.id
    assert len(db.session.execute(select(CourseVersion)).scalars().all()) == 1


def test_publish_freezes_and_edit_makes_new_draft(orgs):
    v1 = import_course(make_course_spec(), publish=True).version
    db.session.commit()
    assert v1.status == CourseStatus.PUBLISHED and v1.published_at is not None
    with pytest.raises(VersionFrozen):
        v1.ensure_editable()
    changed = make_course_spec(title="Judul baru")
    v2 = import_course(changed).version
    db.session.commit()
    assert (v2.number, v2.status, v2.title) == (2, CourseStatus.DRAFT, "Judul baru")
    db.session.refresh(v1)
    assert v1.title == "Pelatihan PPI-DASAR" and v1.status == CourseStatus.PUBLISHED  # frozen, untouched
    assert [v.title for v in catalog()] == ["Pelatihan PPI-DASAR"]  # learners still see v1
    # Re-importing an edited draft updates the same draft; publishing shows v2.
    v2b = import_course(make_course_spec(title="Judul lebih baru"), publish=True).version
    db.session.commit()
    assert v2b.id == v2.id and v2b.status == CourseStatus.PUBLISHED
    assert [v.title for v in catalog()] == ["Judul lebih baru"]
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert actions == ["course.import", "course.publish", "course.import", "course.import", "course.publish"]


def test_publishing_twice_is_refused(orgs):
    version = import_course(make_course_spec(), publish=True).version
    with pytest.raises(VersionFrozen):
        publish_version(None, version)


def test_import_for_unknown_or_foreign_organization_is_refused(orgs):
    with pytest.raises(NotFound):
        import_course(make_course_spec(organization="nope"))
    import_course(make_course_spec())
    with pytest.raises(Conflict):
        import_course(make_course_spec(organization="ibi"))


def test_only_the_organizations_admin_may_import(orgs):
    ppni, ibi = orgs
    ibi_admin = make_user("ibi@example.test", role=Role.ORG_ADMIN, organization=ibi)
    with pytest.raises(PermissionDenied):
        import_course(make_course_spec(), actor=ibi_admin)
    ppni_admin = make_user("ppni@example.test", role=Role.ORG_ADMIN, organization=ppni)
    assert import_course(make_course_spec(), actor=ppni_admin).changed


def test_skp_computed_from_core_jpl_or_explicit(orgs, app):
    computed = import_course(make_course_spec()).version
    assert computed.core_jpl == 6 and computed.total_jpl == 8
    assert skp_of(computed) == Decimal("6.00")  # default rate 1 SKP per core JPL
    explicit = import_course(make_course_spec(code="WEB-1", skp_value=Decimal("2.5"))).version
    assert skp_of(explicit) == Decimal("2.50")


def test_spec_round_trips_through_the_database(orgs):
    spec = make_course_spec()
    version = import_course(spec).version
    db.session.commit()
    assert spec_from_version(version) == spec


def test_catalog_filters(orgs):
    import_course(make_course_spec("PPI-DASAR"), publish=True)
    import_course(make_course_spec("BIDAN-1", organization="ibi", target_professions=("bidan",)), publish=True)
    import_course(make_course_spec("DRAFT-ONLY"))
    db.session.commit()
    codes = lambda versions: sorted(v.course.code for v in versions)  # noqa: E731
    assert codes(catalog()) == ["BIDAN-1", "PPI-DASAR"]
    assert codes(catalog(organization="ibi")) == ["BIDAN-1"]
    assert codes(catalog(profession="perawat")) == ["PPI-DASAR"]
    assert codes(catalog(search="bidan-1")) == ["BIDAN-1"]
    assert codes(catalog(kind="webinar")) == []


def test_catalog_and_course_pages(client, orgs):
    import_course(make_course_spec(), publish=True)
    import_course(make_course_spec("DRAFT-ONLY"))
    db.session.commit()
    page = client.get("/courses?profession=perawat").get_data(as_text=True)
    assert "Pelatihan PPI-DASAR" in page and "DRAFT-ONLY" not in page
    course = client.get("/courses/ppi-dasar")
    assert course.status_code == 200
    text = course.get_data(as_text=True)
    assert "Materi Inti" in text and "Langkah dua" in text and "8 JPL" in text
    assert client.get("/courses/DRAFT-ONLY").status_code == 404


def test_courses_api(client, orgs):
    import_course(make_course_spec(), publish=True)
    db.session.commit()
    listed = client.get("/api/v1/courses?profession=bidan").get_json()
    assert [c["code"] for c in listed] == ["PPI-DASAR"]
    assert listed[0]["skp"] == 6.0 and listed[0]["organization"]["slug"] == "ppni"
    detail = client.get("/api/v1/courses/PPI-DASAR").get_json()
    assert [s["jpl_t"] for s in detail["subjects"]] == [2, 3]
    assert detail["subjects"][1]["lessons"][1]["title"] == "Langkah dua"
    assert client.get("/api/v1/courses/NOPE").get_json()["error"]["code"] == "not_found"


def test_catalog_filters_online_or_in_person_by_upcoming_cohorts(client, orgs):
    from datetime import date, timedelta

    from lms.courses.services import create_cohort

    ppni, _ibi = orgs
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni)
    online = import_course(make_course_spec("ONLINE-1"), publish=True).version
    offline = import_course(make_course_spec("OFFLINE-1"), publish=True).version
    blended = import_course(make_course_spec("BLEND-1"), publish=True).version
    import_course(make_course_spec("NO-COHORT"), publish=True)
    today = date.today()
    for version, mode, ends in ((online, "daring", 5), (offline, "luring", 5), (blended, "blended", 5)):
        create_cohort(admin, version, name="A", mode=mode, place=None, starts_on=today, ends_on=today + timedelta(ends))
    past = import_course(make_course_spec("PAST-1"), publish=True).version
    create_cohort(
        admin, past, name="Old", mode="daring", place=None, starts_on=today - timedelta(9), ends_on=today - timedelta(1)
    )
    db.session.commit()
    codes = lambda versions: sorted(v.course.code for v in versions)  # noqa: E731
    assert codes(catalog(mode="daring")) == ["BLEND-1", "ONLINE-1"]
    assert codes(catalog(mode="luring")) == ["BLEND-1", "OFFLINE-1"]
    assert len(catalog()) == 5
    assert [c["code"] for c in client.get("/api/v1/courses?mode=luring").get_json()] == [
        "BLEND-1",
        "OFFLINE-1",
    ] or sorted(c["code"] for c in client.get("/api/v1/courses?mode=luring").get_json()) == ["BLEND-1", "OFFLINE-1"]
    assert "OFFLINE-1" not in client.get("/courses?mode=daring").get_data(as_text=True)
