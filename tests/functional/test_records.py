"""Competency record with the database: the ledger, SIP, reported activities and their review, share links, API."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from lms.accounts.models import Role
from lms.core.audit import AuditEntry
from lms.core.models import utcnow
from lms.core.storage import get_storage
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records import services
from lms.records.models import ActivityStatus, EntrySource, ExternalActivity, RecordShareLink, SkpEntry
from tests.conftest import api_token
from tests.csv_files import csv_in
from tests.factories import make_organization, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def activity_form(**changes):
    data = {
        "kind": "seminar",
        "ranah": "pembelajaran",
        "title": "Webinar Manajemen Nyeri",
        "organizer": "RSUD Tarakan",
        "held_on": (date.today() - timedelta(days=10)).isoformat(),
        "skp_claimed": "2.5",
        "evidence": (io.BytesIO(PDF), "sertifikat webinar.pdf"),
    }
    data.update(changes)
    return data


def earned(user) -> Decimal:
    return services.record_of(db.session.get(type(user), user.id), date.today()).standing.earned


entry_lines = st.lists(
    st.tuples(
        st.sampled_from([EntrySource.CERTIFICATE, EntrySource.ACTIVITY]),
        st.sampled_from(list(Ranah)),
        st.decimals(min_value=Decimal("0.25"), max_value=Decimal("30"), places=2),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=entry_lines, data=st.data())
def test_record_is_the_sum_of_valid_entries_and_a_reversal_removes_exactly_one(app_ctx, lines, data):
    user = make_user()
    try:
        today = date.today()
        for n, (source, ranah, skp, _) in enumerate(lines):
            services.post_entry(
                user.id, source=source, source_id=f"{user.id}-{n}", ranah=ranah, skp=skp, earned_on=today, title=f"#{n}"
            )
        for n, (source, _, _, revoked) in enumerate(lines):
            if revoked:
                services.reverse_entry(source, f"{user.id}-{n}", reason="dicabut", now=utcnow())
        valid = sum((skp for _, _, skp, revoked in lines if not revoked), Decimal(0))
        assert earned(user) == valid
        # The record page offers the Open Badges / CLR download while a certificate still credits the ledger.
        offers_clr = any(source == EntrySource.CERTIFICATE and not revoked for source, _, _, revoked in lines)
        assert services.record_of(user, today).has_certificate_credits == offers_clr
        still_valid = [n for n, line in enumerate(lines) if not line[3]]
        if still_valid:
            n = data.draw(st.sampled_from(still_valid))
            services.reverse_entry(lines[n][0], f"{user.id}-{n}", reason="dicabut", now=utcnow())
            assert earned(user) == valid - lines[n][2]
        # Posting a source again changes nothing.
        services.post_entry(
            user.id, source=lines[0][0], source_id=f"{user.id}-0", ranah=Ranah.PELAYANAN, skp=Decimal(99),
            earned_on=today, title="again",
        )  # fmt: skip
        assert db.session.scalar(select(func.count()).where(SkpEntry.user_id == user.id)) == len(lines)
    finally:
        db.session.rollback()
        db.session.execute(delete(SkpEntry))
        db.session.commit()


def test_report_review_and_the_record_moves(client, auth, app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
    nurse = make_user(profession_code="perawat")
    auth.login(nurse.email)
    response = client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id))
    assert response.status_code == 302
    activity = db.session.execute(select(ExternalActivity)).scalar_one()
    assert activity.status == ActivityStatus.PENDING and activity.evidence_name == "sertifikat webinar.pdf"
    assert earned(nurse) == 0
    assert client.get(f"/records/activities/{activity.id}/evidence").data == PDF
    page = client.get("/my/record").get_data(as_text=True)  # the record lists it with the link to its evidence
    assert f'data-activity="{activity.id}" data-status="pending"' in page
    assert f'<a href="/records/activities/{activity.id}/evidence">' in page
    auth.logout()

    auth.login(admin.email)
    page = client.get(f"/organizations/{ppni.id}/activities")
    assert page.status_code == 200 and b"Webinar Manajemen Nyeri" in page.data
    assert client.get(f"/records/activities/{activity.id}/evidence").status_code == 200
    response = client.post(
        f"/organizations/{ppni.id}/activities/{activity.id}/review", data={"decision": "approve", "skp_granted": "2"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert activity.status == ActivityStatus.APPROVED and activity.skp_granted == Decimal("2.00")
    assert earned(nurse) == Decimal("2.00")
    assert db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "activity.approve")).scalar_one()
    # Reviewing twice is refused and changes nothing.
    again = client.post(f"/organizations/{ppni.id}/activities/{activity.id}/review", data={"decision": "approve"})
    assert again.status_code == 409 and earned(nurse) == Decimal("2.00")
    auth.logout()

    auth.login(nurse.email)
    record = client.get("/my/record")
    assert record.status_code == 200 and b'data-testid="skp-earned">2,00<' in record.data


def test_rejecting_needs_a_reason(client, auth, app_ctx):
    ppni = make_organization("ppni")
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
    nurse = make_user()
    auth.login(nurse.email)
    client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id))
    auth.logout()
    activity = db.session.execute(select(ExternalActivity)).scalar_one()
    auth.login(admin.email)
    url = f"/organizations/{ppni.id}/activities/{activity.id}/review"
    assert client.post(url, data={"decision": "reject", "reason": " "}).status_code == 422
    assert client.post(url, data={"decision": "reject", "reason": "Bukti tidak terbaca"}).status_code == 302
    db.session.expire_all()
    assert activity.status == ActivityStatus.REJECTED and activity.review_reason == "Bukti tidak terbaca"
    assert earned(nurse) == 0


def test_bad_evidence_or_claim_is_refused_and_nothing_is_saved(client, auth, app_ctx, app):
    ppni = make_organization("ppni")
    nurse = make_user()
    auth.login(nurse.email)
    before = sorted(get_storage().keys())
    cases = [
        {"evidence": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "bukti.pdf")},
        {"evidence": (io.BytesIO(b""), "kosong.pdf")},
        {"skp_claimed": "-1"},
        {"skp_claimed": "abc"},
        {"held_on": (date.today() + timedelta(days=3)).isoformat()},
        {"title": ""},
    ]
    for changes in cases:
        response = client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id, **changes))
        assert response.status_code == 422, changes
        assert b'class="error"' in response.data
    assert db.session.scalar(select(func.count()).select_from(ExternalActivity)) == 0
    assert sorted(get_storage().keys()) == before


def test_another_organization_cannot_review_or_read_evidence(client, auth, app_ctx):
    ppni, ibi = make_organization("ppni"), make_organization("ibi")
    outsider = make_user(role=Role.ORG_ADMIN, organization=ibi)
    nurse = make_user()
    auth.login(nurse.email)
    client.post("/my/record/activities/new", data=activity_form(organization_id=ppni.id))
    auth.logout()
    activity = db.session.execute(select(ExternalActivity)).scalar_one()
    auth.login(outsider.email)
    assert client.get(f"/organizations/{ppni.id}/activities").status_code == 403
    review = client.post(f"/organizations/{ppni.id}/activities/{activity.id}/review", data={"decision": "approve"})
    assert review.status_code == 403
    assert (
        client.post(
            f"/organizations/{ibi.id}/activities/{activity.id}/review", data={"decision": "approve"}
        ).status_code
        == 404
    )
    assert client.get(f"/records/activities/{activity.id}/evidence").status_code == 404
    db.session.expire_all()
    assert activity.status == ActivityStatus.PENDING


def test_share_link_shows_the_record_until_revoked_or_expired(client, auth, app_ctx):
    nurse = make_user(full_name="Rina Wulandari", nik="3201010101010001")
    services.post_entry(
        nurse.id, source=EntrySource.CERTIFICATE, source_id="c1", ranah=Ranah.PEMBELAJARAN, skp=Decimal(5),
        earned_on=date.today(), title="PPI Dasar",
    )  # fmt: skip
    db.session.commit()
    auth.login(nurse.email)
    page = client.post("/my/record/share", data={"label": "RSUD Tarakan", "days": 7})
    assert page.status_code == 200
    url = page.data.decode().split('data-testid="new-share-link"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = url.split("localhost", 1)[1]
    auth.logout()

    shared = client.get(path)
    assert shared.status_code == 200 and b"Rina Wulandari" in shared.data and b"PPI Dasar" in shared.data
    assert b"3201" not in shared.data and shared.headers["Cache-Control"] == "no-store"
    assert client.get("/r/not-a-real-secret").status_code == 404

    link = db.session.execute(select(RecordShareLink)).scalar_one()
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 410

    link.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert client.get(path).status_code == 200
    auth.login(nurse.email)
    assert client.post(f"/my/record/share/{link.id}/revoke").status_code == 302
    auth.logout()
    assert client.get(path).status_code == 410


def test_someone_else_cannot_revoke_my_share_link(client, auth, app_ctx):
    nurse, other = make_user(), make_user()
    link, _secret = services.create_share_link(nurse, days=3, label="", now=utcnow())
    db.session.commit()
    auth.login(other.email)
    assert client.post(f"/my/record/share/{link.id}/revoke").status_code == 404
    db.session.expire_all()
    assert link.revoked_at is None


def test_sip_sets_the_cycle_and_area(client, auth, app_ctx):
    nurse = make_user()
    auth.login(nurse.email)
    bad = client.post("/my/record/sip", data={"sip_number": "SIP/1", "starts_on": "kemarin", "area": "normal"})
    assert bad.status_code == 422 and services.licence_of(nurse) is None
    response = client.post("/my/record/sip", data={"sip_number": "SIP/1", "starts_on": "2023-03-15", "area": "dtpk"})
    assert response.status_code == 302
    record = services.record_of(nurse, date(2026, 11, 22))
    assert record.standing.cycle.starts_on == date(2023, 3, 15)
    assert {r.ranah: r.share_percent for r in record.standing.ranah}[Ranah.PELAYANAN] == 55


def test_api_me_record(client, app_ctx):
    nurse = make_user(profession_code="dokter")
    services.post_entry(
        nurse.id, source=EntrySource.ACTIVITY, source_id="a1", ranah=Ranah.PELAYANAN, skp=Decimal("3.5"),
        earned_on=date.today(), title="Bakti sosial",
    )  # fmt: skip
    db.session.commit()
    token = api_token(client, nurse.email)
    body = client.get("/api/v1/me/record", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert Decimal(body["standing"]["target"]) == 250
    assert Decimal(body["standing"]["earned"]) == Decimal("3.5")
    assert body["entries"][0]["title"] == "Bakti sosial" and body["entries"][0]["counts"] is True
    assert client.get("/api/v1/me/record").status_code == 401


def test_evidence_of_a_report_rolled_back_is_not_left_in_storage(app_ctx, app):
    ppni = make_organization("ppni")
    nurse = make_user()
    activity = services.report_activity(
        nurse, organization=ppni, kind="seminar", ranah="pembelajaran", title="Webinar", organizer="RSUD",
        held_on=date.today(), skp_claimed="1", evidence=PDF, evidence_filename="bukti.pdf", today=date.today(),
    )  # fmt: skip
    assert get_storage().exists(activity.evidence_key)
    db.session.rollback()
    assert not get_storage().exists(activity.evidence_key)


def test_record_csv_in_both_languages(client, auth, app_ctx):
    worker = make_user()
    for source, source_id, skp, earned_on in (
        (EntrySource.CERTIFICATE, "c-1", "2.5", date(2026, 3, 2)),
        (EntrySource.ACTIVITY, "a-1", "1", date(2026, 4, 5)),
    ):
        services.post_entry(
            worker.id, source=source, source_id=source_id, ranah=Ranah.PEMBELAJARAN, skp=Decimal(skp),
            earned_on=earned_on, title="Pelatihan PPI", organizer="PPNI", jpl=Decimal("3"),
        )  # fmt: skip
    services.reverse_entry(EntrySource.ACTIVITY, "a-1", reason="Bukti tidak sah", now=utcnow())
    db.session.commit()
    auth.login(worker.email)
    rows = {r[0]: r for r in csv_in(client, "/my/record.csv", "id")}
    assert rows["Tanggal"] == ["Tanggal", "Judul", "Penyelenggara", "Ranah", "SKP", "JPL", "Sumber", "Status"]
    assert rows["2026-03-02"] == ["2026-03-02", "Pelatihan PPI", "PPNI", "Pembelajaran", "2,50", "3,00",
                                  "Sertifikat", "Berlaku"]  # fmt: skip
    assert rows["2026-04-05"][6:] == ["Kegiatan yang dilaporkan sendiri", "Dibatalkan"]
    rows = {r[0]: r for r in csv_in(client, "/my/record.csv", "en")}
    assert rows["Date"] == ["Date", "Title", "Organizer", "Ranah", "SKP", "JPL", "Source", "Status"]
    assert rows["2026-03-02"][3:] == ["Pembelajaran (learning)", "2.50", "3.00", "Certificate", "Counted"]
    assert rows["2026-04-05"][6:] == ["Self-reported activity", "Cancelled"]


def test_record_page_shows_the_ranah_in_the_language_of_each_request(client, auth, app_ctx):
    """The ranah labels are kept per language (lms.core.labels.translated_labels): one language's never shows in
    the other's page, however the requests alternate."""
    nurse = make_user(full_name="Rina Wulandari")
    services.post_entry(
        nurse.id, source=EntrySource.ACTIVITY, source_id="a1", ranah=Ranah.PELAYANAN, skp=Decimal(2),
        earned_on=date.today(), title="Webinar",
    )  # fmt: skip
    db.session.commit()
    auth.login(nurse.email)
    for locale in ("id", "en", "en", "id", "en"):
        with client.session_transaction() as session:
            session["locale"] = locale
        page = client.get("/my/record").text
        english = locale == "en"
        assert ('<td data-label="Ranah">Pelayanan (service)</td>' in page) is english
        assert ('<td data-label="Ranah">Pelayanan</td>' in page) is not english
