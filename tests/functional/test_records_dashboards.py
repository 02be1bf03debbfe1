"""Dashboards: an organization's members by SKP state (figures, filters, pages, CSV, query count), per-course
figures, and the supervisors' coverage matrix (cells, expiring, region scope, tenant isolation)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from lms.accounts.models import (
    FacilityKind,
    Membership,
    MembershipStatus,
    OrganizationKind,
    Role,
    User,
    WorkerMembership,
)
from lms.certificates import services as certificate_services
from lms.core.models import utcnow
from lms.courses.curriculum import CompetencySpec, Ranah
from lms.extensions import db
from lms.records import dashboards, services, standings
from lms.records.dashboards import MemberFilters
from lms.records.models import EntrySource, PracticeLicence, SkpCycleTotal, SkpEntry
from tests.csv_files import csv_dicts
from tests.factories import add_staff, confirm_member, make_facility, make_member, make_organization, make_user
from tests.factories.certificates import enrol, finished_learner, make_cohort, make_published_version
from tests.statements import counted_statements

TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()
"""The day the pages count in (the app's default zone): from 17:00 UTC on, UTC's date is still yesterday's."""


def credit(user, skp, ranah=Ranah.PEMBELAJARAN, *, days_ago=10, source_id=None):
    return services.post_entry(
        user.id,
        source=EntrySource.ACTIVITY,
        source_id=source_id or f"{user.id}-{ranah}-{skp}-{days_ago}",
        ranah=ranah,
        skp=Decimal(str(skp)),
        earned_on=TODAY - timedelta(days=days_ago),
        title="Kegiatan",
    )


def sip(user, starts_on, area="normal"):
    services.set_licence(user, sip_number="SIP/1", starts_on=starts_on, area=area, today=TODAY)


def years_ago(years: int, days: int = 0) -> date:
    return (
        TODAY.replace(year=TODAY.year - years) - timedelta(days=days)
        if (TODAY.month, TODAY.day) != (2, 29)
        else (date(TODAY.year - years, 2, 28) - timedelta(days=days))
    )


def member(organization, **fields):
    return make_member(organization, **fields)


def rows_of(html: str) -> dict[str, str]:
    """member id → state, as the page shows them."""
    return dict(re.findall(r'data-member="(\d+)" data-state="(\w+)"', html))


def members_world():
    """A small organization whose states are worked out by hand (nurse target 50: minimums 22.50 / 17.50 / 2.50)."""
    ppni = make_organization("ppni", name="PPNI")
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni, full_name="Zaenal Admin")
    confirm_member(admin, ppni)  # the admin is a nurse and a member too
    people = {}
    # 30 + 18 + 3 = 51 >= 50 and every minimum met: complete, whatever the date.
    people["complete"] = member(ppni, full_name="Ayu Lengkap")
    for skp, ranah in ((30, Ranah.PEMBELAJARAN), (18, Ranah.PELAYANAN), (3, Ranah.PENGABDIAN)):
        credit(people["complete"], skp, ranah)
    # SIP 10 days ago; 1 SKP per ranah: expected by now 50 * 11 / cycle days = 0.30 and each ranah ahead: on track.
    people["on_track"] = member(ppni, full_name="Budi Jalan")
    sip(people["on_track"], TODAY - timedelta(days=10))
    for ranah in Ranah:
        credit(people["on_track"], 1, ranah, days_ago=2)
    # SIP 4 years and ~9 months ago (renewal within 12 months), 5 SKP: short, and due.
    people["due"] = member(ppni, full_name="Citra Kurang", profession_code="bidan")
    sip(people["due"], years_ago(4, 270))
    credit(people["due"], 5)
    # Complete but renewing within 12 months: not "due".
    people["due_complete"] = member(ppni, full_name="Dewi Tuntas")
    sip(people["due_complete"], years_ago(4, 270))
    for skp, ranah in ((25, Ranah.PEMBELAJARAN), (20, Ranah.PELAYANAN), (5, Ranah.PENGABDIAN)):
        credit(people["due_complete"], skp, ranah)
    # Nothing recorded: short.
    people["nothing"] = member(ppni, full_name="Eko Kosong")
    # A doctor (target 250) with 51 SKP spread like the complete nurse: short 2 years into the SIP.
    people["doctor"] = member(ppni, full_name="dr. Fajar", profession_code="dokter")
    sip(people["doctor"], years_ago(2))
    for skp, ranah in ((30, Ranah.PEMBELAJARAN), (18, Ranah.PELAYANAN), (3, Ranah.PENGABDIAN)):
        credit(people["doctor"], skp, ranah)
    # Credit before the current cycle does not count: SIP 6 years ago, 60 SKP in the previous cycle.
    people["old_cycle"] = member(ppni, full_name="Gita Lama")
    sip(people["old_cycle"], years_ago(6))
    credit(people["old_cycle"], 60, days_ago=365 * 5 + 200)
    # A reversed entry counts nothing.
    people["reversed"] = member(ppni, full_name="Hadi Batal")
    entry = credit(people["reversed"], 60)
    services.reverse_entry(EntrySource.ACTIVITY, entry.source_id, reason="dicabut", now=utcnow())
    db.session.commit()
    outsider = member(make_organization("ibi"), full_name="Ani Luar")
    credit(outsider, 99)
    db.session.commit()
    return ppni, admin, people, outsider


EXPECTED = {
    "complete": "complete",
    "on_track": "on_track",
    "due": "short",
    "due_complete": "complete",
    "nothing": "short",
    "doctor": "short",
    "old_cycle": "short",
    "reversed": "short",
}


def test_members_and_their_states_match_hand_computed_ones(client, auth, app_ctx):
    ppni, admin, people, outsider = members_world()
    auth.login(admin.email)
    page = client.get(f"/organizations/{ppni.id}/dashboard")
    assert page.status_code == 200
    html = page.data.decode()
    shown = rows_of(html)
    expected = {str(people[k].id): v for k, v in EXPECTED.items()} | {str(admin.id): "short"}
    assert shown == expected
    assert str(outsider.id) not in shown
    # The same state as each worker's own record says.
    for user in [*people.values(), admin]:
        assert shown[str(user.id)] == services.record_of(user, TODAY).standing.state
    assert 'data-count="all">9<' in html and 'data-count="complete">2<' in html
    assert 'data-count="on_track">1<' in html and 'data-count="short">6<' in html
    # Names in order, and the doctor's figures against their own target.
    order = list(shown)
    assert (
        order.index(str(people["complete"].id)) < order.index(str(people["on_track"].id)) < order.index(str(admin.id))
    )
    doctor_row = html.split(f'data-member="{people["doctor"].id}"')[1].split("</tr>")[0]
    assert "51,00 / 250,00" in doctor_row and "30,00 / 112,50" in doctor_row  # Indonesian notation


def test_filters_and_csv(client, auth, app_ctx):
    ppni, admin, people, _ = members_world()
    auth.login(admin.email)
    url = f"/organizations/{ppni.id}/dashboard"

    def ids(query):
        return set(rows_of(client.get(url, query_string=query).data.decode()))

    assert ids({"state": "complete"}) == {str(people["complete"].id), str(people["due_complete"].id)}
    assert ids({"state": "on_track"}) == {str(people["on_track"].id)}
    assert ids({"profession": "dokter"}) == {str(people["doctor"].id)}
    assert ids({"q": "KURANG"}) == {str(people["due"].id)}
    assert ids({"q": "admin@ppni"}) == {str(admin.id)}
    assert ids({"q": "%"}) == set()  # typed wildcards are literal
    assert ids({"renewal": "1"}) == {str(people["due"].id)}
    assert ids({"renewal": "1", "state": "complete"}) == set()
    assert ids({"state": "nonsense"}) == ids({})

    table = csv_dicts(client, f"{url}.csv", "id", state="short", profession="perawat")
    names = [row["Nama"] for row in table]
    assert names == ["Eko Kosong", "Gita Lama", "Hadi Batal", "Zaenal Admin"]
    assert {row["Status SKP"] for row in table} == {"Kurang"}
    renewal = services.record_of(people["due"], TODAY).standing.cycle.ends_on + timedelta(days=1)
    due = csv_dicts(client, f"{url}.csv", "id", renewal="1")
    assert [
        (r["Nama"], r["Profesi"], r["SKP yang diperoleh"], r["Kekurangan SKP"], r["Perpanjangan SIP"]) for r in due
    ] == [("Citra Kurang", "Bidan", "5,00", "45,00", renewal.isoformat())]
    assert due[0]["Minimum Pembelajaran"] == "22,50"
    due = csv_dicts(client, f"{url}.csv", "en", renewal="1")
    assert [(r["Name"], r["SKP state"], r["SKP earned"], r["SKP short"], r["SIP renewal"]) for r in due] == [
        ("Citra Kurang", "Short", "5.00", "45.00", renewal.isoformat())
    ]
    assert due[0]["Minimum Pembelajaran (learning)"] == "22.50"


def bulk_members(organization, count: int, prefix: str = "Anggota") -> list[int]:
    """Many members at once (names sort in creation order)."""
    result = db.session.execute(
        insert(User).returning(User.id),
        [
            {
                "email": f"{prefix.lower()}{n}@bulk.test",
                "password_hash": "x",
                "full_name": f"{prefix} {n:04d}",
                "profession_code": "perawat",
                "timezone": "Asia/Jakarta",
                "is_platform_admin": False,
                "is_active_account": True,
                "created_at": utcnow(),
            }
            for n in range(count)
        ],  # fmt: skip
    )
    ids = [row[0] for row in result]
    db.session.execute(
        insert(WorkerMembership),
        [
            {
                "user_id": i,
                "organization_id": organization.id,
                "status": MembershipStatus.CONFIRMED,
                "requested_at": utcnow(),
                "created_at": utcnow(),
            }
            for i in ids
        ],  # fmt: skip
    )
    # Rows inserted around the ORM pass no listener: count them as the nightly check would.
    standings.refresh_standings(ids, TODAY)
    db.session.commit()
    return ids


def page_links(html: str) -> dict[str, str]:
    """rel → href of the page's next/previous links."""
    return {rel: href.replace("&amp;", "&") for rel, href in re.findall(r'<a rel="(next|prev)" href="([^"]+)"', html)}


def test_keyset_pages_of_fifty_forward_and_back_and_a_fixed_number_of_queries(client, auth, app_ctx):
    ppni = make_organization("ppni")
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni, full_name="ZZ Admin")
    confirm_member(admin, ppni)
    ids = bulk_members(ppni, 119)
    for user_id in ids[:40]:  # some with a ledger, so the page reads cycle totals too
        services.post_entry(user_id, source=EntrySource.ACTIVITY, source_id=str(user_id), ranah=Ranah.PELAYANAN,
                            skp=Decimal(3), earned_on=TODAY, title="x")  # fmt: skip
    db.session.commit()
    auth.login(admin.email)
    url = f"/organizations/{ppni.id}/dashboard"
    first = client.get(url).data.decode()
    assert len(rows_of(first)) == 50 and 'data-count="all">120<' in first
    assert set(page_links(first)) == {"next"}  # the first page has no "previous"
    pages, html = [first], first
    while "next" in page_links(html):
        html = client.get(page_links(html)["next"]).data.decode()
        pages.append(html)
    assert [len(rows_of(p)) for p in pages] == [50, 50, 20] and "ZZ Admin" in pages[-1]
    assert set(page_links(pages[-1])) == {"prev"}
    shown = [member_id for p in pages for member_id in rows_of(p)]
    assert shown == [str(i) for i in ids] + [str(admin.id)]  # every member once, by name
    # Back from the last page: the same pages again, in order.
    back = client.get(page_links(pages[-1])["prev"]).data.decode()
    assert list(rows_of(back)) == list(rows_of(pages[1])) and set(page_links(back)) == {"prev", "next"}
    back = client.get(page_links(back)["prev"]).data.decode()
    assert list(rows_of(back)) == list(rows_of(first)) and set(page_links(back)) == {"next"}
    # The filters travel with the cursor.
    short = client.get(url, query_string={"state": "short"}).data.decode()
    assert "state=short" in page_links(short)["next"]
    # A link that was not made by the page is refused with a message, and shows nothing.
    refused = client.get(url, query_string={"after": "not-a-cursor"})
    assert refused.status_code == 422 and not rows_of(refused.data.decode())

    with app_ctx.test_request_context():
        with counted_statements() as small:
            dashboards.member_standings(admin, ppni.id, MemberFilters(), TODAY, per_page=5)
        with counted_statements() as deep:
            cursor = dashboards.member_standings(admin, ppni.id, MemberFilters(), TODAY, per_page=100).next_cursor
            assert cursor
        with counted_statements() as large:
            page = dashboards.member_standings(admin, ppni.id, MemberFilters(state="short"), TODAY, after=cursor)
            assert page.total == 120 and len(page.members) == 20 and page.previous_cursor and not page.next_cursor
    # stale rows, counts (the summary), page (and on PostgreSQL the statement time limit set before the last two)
    assert len(small) == len(deep) == len(large) == 3 + (db.engine.dialect.name == "postgresql")
    if db.engine.dialect.name == "postgresql":  # SQLite's compiler writes "LIMIT ? OFFSET 0" for any LIMIT
        assert not [s for s in small + deep + large if "OFFSET" in s.upper()]
    with counted_statements() as page_queries:
        client.get(page_links(first)["next"])
    with counted_statements() as filtered_queries:
        client.get(url, query_string={"state": "short", "q": "anggota"})
    with counted_statements() as deep_filtered:
        client.get(url, query_string={"after": cursor, "state": "short", "q": "anggota", "renewal": "1"})
    assert len(page_queries) == len(filtered_queries) == len(deep_filtered)


def test_a_name_search_pages_every_match_once_whether_the_walk_or_the_trigram_step_finds_them(app_ctx, monkeypatch):
    """A search first walks a bounded stretch of names from the cursor (here 12 users), then, when that stretch holds
    no whole page, every match: both ways give the same pages, forward and back, each match once, by name."""
    from lms.records import standing_pages

    monkeypatch.setattr(standing_pages, "WALK_ROWS", 12)
    ppni = make_organization("ppni")
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni, full_name="ZZ Admin")
    dense = bulk_members(ppni, 30, "Anggota Ners")  # the walk finds a page of 5 among 12 names
    sparse = bulk_members(ppni, 40, "Bidan")
    db.session.execute(  # every tenth Bidan a Ners too: a walk of 12 names holds at most 2 of them
        User.__table__.update().where(User.id.in_(sparse[::10])).values(full_name=User.full_name + " Ners")
    )
    db.session.commit()
    expected = [*dense, *sparse[::10]]

    def walk(**cursor) -> tuple[list[int], dashboards.MemberPage]:
        page = dashboards.member_standings(admin, ppni.id, MemberFilters(name="ners"), TODAY, per_page=5, **cursor)
        return [m.user_id for m in page.members], page

    shown, pages, cursor = [], [], {}
    while True:
        ids, page = walk(**cursor)
        shown += ids
        pages.append((ids, page))
        if not page.next_cursor:
            break
        cursor = {"after": page.next_cursor}
    assert shown == expected and len(pages) == 7 and [len(ids) for ids, _ in pages][-1] == 4
    # Back from the last page, page by page, to the first.
    back, ids, page = [], *pages[-1]
    while page.previous_cursor:
        ids, page = walk(before=page.previous_cursor)
        back.append(ids)
    assert back == [ids for ids, _ in reversed(pages[:-1])]


def test_the_renewal_filter_counts_up_to_a_cap_and_a_name_search_is_not_counted(client, auth, app_ctx, monkeypatch):
    ppni, admin, people, _ = members_world()
    sip(people["nothing"], years_ago(4, 200))  # a second member due for renewal and short
    db.session.commit()
    auth.login(admin.email)
    url = f"/organizations/{ppni.id}/dashboard"
    assert ">2 anggota cocok.<" in client.get(url, query_string={"renewal": "1"}).data.decode()
    monkeypatch.setattr(dashboards, "MATCHES_COUNTED", 1)
    html = client.get(url, query_string={"renewal": "1"}).data.decode()
    assert "Lebih dari 1 anggota cocok." in html and len(rows_of(html)) == 2  # the page is not capped, the count is
    html = client.get(url, query_string={"q": "kurang"}).data.decode()
    assert "cocok" not in html.split('data-testid="matching"')[1][:80] and set(rows_of(html)) == {str(people["due"].id)}


def test_another_organization_sees_nothing(client, auth, app_ctx):
    ppni, _admin, _people, _ = members_world()
    ibi_admin = make_user(role=Role.ORG_ADMIN, organization=make_organization("ibi-2"))
    learner = make_user()
    for who in (ibi_admin, learner):
        auth.login(who.email)
        for path in ("dashboard", "dashboard.csv", "dashboard/courses", "dashboard/courses.csv"):
            assert client.get(f"/organizations/{ppni.id}/{path}").status_code == 403, path
        auth.logout()
    assert client.get(f"/organizations/{ppni.id}/dashboard").status_code in (302, 401)


settings_for_states = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings_for_states
@given(
    licence=st.one_of(st.none(), st.tuples(st.integers(-300, 4000), st.sampled_from(["normal", "dtpk"]))),
    lines=st.lists(
        st.tuples(
            st.sampled_from(list(Ranah)),
            st.decimals(min_value=Decimal("0.25"), max_value=Decimal("40"), places=2),
            st.integers(0, 2500),
            st.booleans(),
        ),
        max_size=8,
    ),
    profession=st.sampled_from(["perawat", "dokter", "dokter-gigi"]),
    later=st.integers(0, 2200),
)
def test_sql_state_equals_the_record_for_any_ledger_and_day(app_ctx, licence, lines, profession, later):
    """The dashboard's SQL state is the record's state, also on a later day when the cycle has rolled over."""
    org = make_organization()
    admin = make_user(role=Role.ORG_ADMIN, organization=org)
    worker = member(org, profession_code=profession)
    try:
        if licence is not None:
            sip(worker, TODAY - timedelta(days=licence[0]), licence[1])
        for n, (ranah, skp, days_ago, reversed_) in enumerate(lines):
            credit(worker, skp, ranah, days_ago=days_ago, source_id=f"p-{worker.id}-{n}")
            if reversed_:
                services.reverse_entry(EntrySource.ACTIVITY, f"p-{worker.id}-{n}", reason="x", now=utcnow())
        db.session.commit()
        for day in (TODAY, TODAY + timedelta(days=later), TODAY):
            page = dashboards.member_standings(admin, org.id, MemberFilters(), day)
            shown = {m.user_id: m for m in page.members}[worker.id]
            standing = services.record_of(worker, day).standing
            assert shown.state == standing.state
            assert shown.earned == standing.earned and shown.missing == standing.missing
    finally:
        db.session.rollback()
        for model in (SkpEntry, PracticeLicence, SkpCycleTotal, WorkerMembership, Membership):
            db.session.execute(delete(model))
        db.session.execute(delete(User))
        db.session.commit()


def test_totals_follow_ledger_changes_and_rollbacks(app_ctx):
    worker = make_user()
    credit(worker, 4)
    db.session.rollback()
    assert db.session.get(SkpCycleTotal, worker.id) is None
    credit(worker, 4, Ranah.PELAYANAN)
    db.session.commit()
    assert db.session.get(SkpCycleTotal, worker.id).pelayanan_cents == 400
    services.reverse_entry(EntrySource.ACTIVITY, f"{worker.id}-{Ranah.PELAYANAN}-4-10", reason="x", now=utcnow())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SkpCycleTotal, worker.id).pelayanan_cents == 0
    # A cycle that ended is recomputed before it is read.
    assert standings.refresh_stale(TODAY + timedelta(days=365 * 6)) == 1
    assert standings.refresh_stale(TODAY + timedelta(days=365 * 6)) == 0


# --- courses ----------------------------------------------------------------------------------------------------


def test_course_figures_match_hand_counts(client, auth, app_ctx):
    ppni = make_organization("ppni")
    version = make_published_version("PPI-DASAR", organization="ppni")
    cohort = make_cohort(version)
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni)
    _, first = finished_learner(cohort, "a@x.test")  # lessons done: a certificate is issued automatically
    _, second = finished_learner(cohort, "b@x.test")
    enrol(make_user("c@x.test"), cohort)  # enrolled, nothing done
    certificate = certificate_services.live_certificate_of(second)
    certificate_services.revoke_certificate(admin, certificate, "Data salah", datetime.now(UTC))
    db.session.commit()
    other = make_published_version("BHD-NAKES", organization="ppni")
    auth.login(admin.email)
    html = client.get(f"/organizations/{ppni.id}/dashboard/courses").data.decode()
    row = html.split('data-course="PPI-DASAR"')[1].split("</tr>")[0]
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', row))
    assert figures == {"enrolled": "3", "finished": "2", "valid": "1", "expired": "0", "suspended": "0", "revoked": "1"}
    assert f'data-course="{other.course.code}"' in html
    table = csv_dicts(client, f"/organizations/{ppni.id}/dashboard/courses.csv", "id")
    assert [(r["Kode"], r["Peserta aktif"], r["Sertifikat dicabut"]) for r in table] == [
        ("BHD-NAKES", "0", "0"),
        ("PPI-DASAR", "3", "1"),
    ]
    table = csv_dicts(client, f"/organizations/{ppni.id}/dashboard/courses.csv", "en")
    assert [(r["Code"], r["Active learners"], r["Revoked certificates"]) for r in table][1] == ("PPI-DASAR", "3", "1")
    assert first.id


# --- supervisors ------------------------------------------------------------------------------------------------


def coverage_world():
    """Kaltara: a Puskesmas in Bulungan and a hospital in Tarakan; a Puskesmas in another province.
    Puskesmas needs PPI-KT 5, PPI-APD 3 (lms/data/coverage_rules.yaml); a hospital PPI-KT 20."""
    office = make_organization("dinkes-kaltara", OrganizationKind.HEALTH_OFFICE, province="Kalimantan Utara")
    bulungan_office = make_organization(
        "dinkes-bulungan", OrganizationKind.HEALTH_OFFICE, province="Kalimantan Utara", regency="Kabupaten Bulungan"
    )
    other_office = make_organization("dinkes-kaltim", OrganizationKind.HEALTH_OFFICE, province="Kalimantan Timur")
    pkm = make_facility("pkm-tanalili", name="Puskesmas Tanalili", regency="Kabupaten Bulungan")
    rs = make_facility("rsud-tarakan", name="RSUD Tarakan", kind=FacilityKind.RUMAH_SAKIT, regency="Kota Tarakan")
    far = make_facility("pkm-sempaja", name="Puskesmas Sempaja", province="Kalimantan Timur", regency="Kota Samarinda")
    supervisors = {
        "province": make_user("prov@dinkes.test", role=Role.SUPERVISOR, organization=office),
        "regency": make_user("kab@dinkes.test", role=Role.SUPERVISOR, organization=bulungan_office),
        "other": make_user("kaltim@dinkes.test", role=Role.SUPERVISOR, organization=other_office),
    }
    make_organization("ppni")
    version = make_published_version(
        "PPI-DASAR", organization="ppni",
        competencies=(CompetencySpec("PPI-KT", "Kebersihan tangan"), CompetencySpec("PPI-APD", "APD")),
    )  # fmt: skip
    cohort = make_cohort(version)
    staff = {}
    for name, facility in (("Rina", pkm), ("Siti", pkm), ("Tono", pkm), ("Umar", rs), ("Vina", far)):
        user, _ = finished_learner(cohort, f"{name.lower()}@x.test", full_name=name)
        add_staff(user, facility)
        staff[name] = user
    add_staff(make_user("wati@x.test"), pkm)
    # Invited by an import, not yet accepted: not staff for the supervisor.
    add_staff(make_user("xena@x.test"), pkm, MembershipStatus.INVITED)
    db.session.commit()
    # Siti's certificate expires in 30 days, Tono's has expired, Rina's was revoked and re-issued... kept simple:
    # Rina holds hers for years.
    certificates = {c.user_id: c for c in db.session.execute(select_certificates()).scalars()}
    soon = TODAY + timedelta(days=30)
    _set_expiry(certificates[staff["Siti"].id], soon)
    _set_expiry(certificates[staff["Tono"].id], TODAY - timedelta(days=1))
    db.session.commit()
    return supervisors, {"pkm": pkm, "rs": rs, "far": far}, staff, soon


def select_certificates():
    from lms.certificates.models import Certificate

    return select(Certificate)


def _set_expiry(certificate, day: date) -> None:
    certificate.snapshot = certificate.snapshot | {"expires_on": day.isoformat()}
    certificate.expires_at = datetime(day.year, day.month, day.day, 16, tzinfo=UTC)


def cells_of(html: str, slug: str) -> dict[str, tuple[str, str]]:
    row = html.split(f'<tr data-facility="{slug}">')[1].split("</tr>")[0]
    return {c: (h, n) for c, h, n in re.findall(r'data-code="([\w-]+)" data-held="(\d+)" data-needed="(\d+)"', row)}


def test_coverage_matrix_and_expiring_list(client, auth, app_ctx):
    supervisors, facilities, staff, soon = coverage_world()
    auth.login(supervisors["province"].email)
    page = client.get("/supervision/coverage")
    assert page.status_code == 200
    html = page.data.decode()
    # Rina and Siti hold both competencies at the Puskesmas (Tono's expired): 2 of 5 and 2 of 3; the hospital 1 of 20.
    assert cells_of(html, "pkm-tanalili")["PPI-KT"] == ("2", "5")
    assert cells_of(html, "pkm-tanalili")["PPI-APD"] == ("2", "3")
    assert cells_of(html, "rsud-tarakan")["PPI-KT"] == ("1", "20")
    assert 'data-code="BHD-RJP" data-held="0" data-needed="3" data-enough="no"' in html
    staff_count = html.split('<tr data-facility="pkm-tanalili">')[1].split('data-figure="staff">')[1].split("<")[0]
    assert staff_count == "4"
    assert "pkm-sempaja" not in html and "Vina" not in html
    expiring = html.split('data-testid="expiring"')[1]
    assert expiring.count("<tr data-facility") == 2 and "Siti" in expiring and "Rina" not in expiring
    assert 'data-facility="pkm-tanalili" data-code="PPI-KT"' in expiring

    # One region only.
    regency = client.get("/supervision/coverage", query_string={"regency": "Kota Tarakan"}).data.decode()
    assert "rsud-tarakan" in regency and 'data-facility="pkm-tanalili"' not in regency

    table = csv_dicts(client, "/supervision/coverage.csv", "id")
    pkm_kt = [r for r in table if r["Fasyankes"] == "Puskesmas Tanalili" and r["Kode kompetensi"] == "PPI-KT"]
    assert [(r["Dibutuhkan"], r["Dimiliki"], r["Cukup"]) for r in pkm_kt] == [("5", "2", "Tidak")]
    assert {r["Fasyankes"] for r in table} == {"Puskesmas Tanalili", "RSUD Tarakan"}
    table = csv_dicts(client, "/supervision/coverage.csv", "en")
    pkm_kt = [r for r in table if r["Facility"] == "Puskesmas Tanalili" and r["Competency code"] == "PPI-KT"]
    assert [(r["Needed"], r["Held"], r["Enough"]) for r in pkm_kt] == [("5", "2", "No")]


def test_coverage_is_scoped_to_the_supervisors_region(client, auth, app_ctx):
    supervisors, _facilities, _staff, _ = coverage_world()
    auth.login(supervisors["regency"].email)
    html = client.get("/supervision/coverage").data.decode()
    assert 'data-facility="pkm-tanalili"' in html and "rsud-tarakan" not in html
    # Asking for another region shows nothing of it.
    assert (
        "rsud-tarakan"
        not in client.get("/supervision/coverage", query_string={"regency": "Kota Tarakan"}).data.decode()
    )
    auth.logout()

    auth.login(supervisors["other"].email)
    html = client.get("/supervision/coverage", query_string={"province": "Kalimantan Utara"}).data.decode()
    assert "pkm-tanalili" not in html and "rsud-tarakan" not in html and "Siti" not in html
    assert "Puskesmas Tanalili" not in client.get("/supervision/coverage.csv").data.decode("utf-8-sig")
    assert 'data-facility="pkm-sempaja"' in client.get("/supervision/coverage").data.decode()
    auth.logout()

    admin = make_user(is_platform_admin=True)
    auth.login(admin.email)
    html = client.get("/supervision/coverage").data.decode()
    assert all(f'data-facility="{slug}"' in html for slug in ("pkm-tanalili", "rsud-tarakan", "pkm-sempaja"))
    auth.logout()

    for who in (make_user(), make_user(role=Role.ORG_ADMIN, organization=make_organization())):
        auth.login(who.email)
        assert client.get("/supervision/coverage").status_code == 403
        assert client.get("/supervision/coverage.csv").status_code == 403
        auth.logout()


def test_the_api_pages_members_with_a_cursor_and_reads_the_counts(client, app_ctx):
    from tests.conftest import api_token

    ppni = make_organization("ppni")
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni, full_name="ZZ Admin")
    ids = bulk_members(ppni, 7)
    token = {"Authorization": f"Bearer {api_token(client, admin.email)}"}
    path = f"/api/v1/organizations/{ppni.id}/member-standings"
    first = client.get(path, query_string={"limit": 3}, headers=token).get_json()
    assert [m["user_id"] for m in first["members"]] == ids[:3]
    assert first["counts"] == {"short": 7, "on_track": 0, "complete": 0} and first["total"] == 7
    assert first["previous_cursor"] is None and first["members"][0]["email"] == "anggota0@bulk.test"
    seen, page = [], first
    while True:
        seen += [m["user_id"] for m in page["members"]]
        if not page["next_cursor"]:
            break
        page = client.get(path, query_string={"limit": 3, "after": page["next_cursor"]}, headers=token).get_json()
    assert seen == ids
    back = client.get(path, query_string={"limit": 3, "before": page["previous_cursor"]}, headers=token).get_json()
    assert [m["user_id"] for m in back["members"]] == ids[3:6]
    assert client.get(path, query_string={"q": "anggota 0003"}, headers=token).get_json()["total"] is None
    refused = client.get(path, query_string={"after": "!!"}, headers=token)
    assert refused.status_code == 422 and refused.get_json()["error"]["message"]
    other = make_user("admin@ibi.test", role=Role.ORG_ADMIN, organization=make_organization("ibi"))
    assert client.get(path, headers={"Authorization": f"Bearer {api_token(client, other.email)}"}).status_code == 403
