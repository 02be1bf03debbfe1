"""The audit log reads as sentences in the reader's language for every feature's actions, and a page of entries costs
the same number of SQL statements for few entries as for many."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from lms.attendance import services as attendance
from lms.certificates import services as certificates
from lms.certificates.models import Certificate
from lms.core.audit import AuditEntry, record_audit
from lms.courses.models import Enrolment
from lms.extensions import db
from tests.catalog_phrases import english_phrases, indonesian_phrases, raw_codes
from tests.factories import make_user
from tests.factories.attendance import make_session
from tests.factories.certificates import enrol, finished_learner, make_certificate_world, make_learner
from tests.statements import counted_statements


class Thing:
    """A stand-in for an object the audit entry names that is gone since (a deleted instrument, an activity)."""

    def __init__(self, id: int):
        self.id = id


class Instrument(Thing):
    pass


class ExternalActivity(Thing):
    pass


@pytest.fixture
def audited(app_ctx):
    """An organization whose log holds representative actions of every feature, most through their services."""
    world = make_certificate_world()
    admin, cohort, organization = world.admin, world.cohort, world.organization
    admin.full_name = "Admin Palu"
    holder, _enrolment = finished_learner(cohort, "rina@example.test")  # issued automatically: actor Lentera
    certificate = db.session.execute(db.select(Certificate)).scalar_one()
    certificates.revoke_certificate(admin, certificate, "Nama salah ketik", datetime.now(UTC))
    certificates.update_settings(
        admin, organization, number_pattern="{ORG}/{YEAR}/{SEQ:05}", layout="modern", primary_colour="#0b6e4f",
        accent_colour="#c8a400",
    )  # fmt: skip
    session = make_session(cohort, title="Sesi pembukaan", starts_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    attendance.mark_attendance(admin, session, holder, "izin", datetime.now(UTC))
    attendance.mark_attendance(admin, session, holder, "hadir", datetime.now(UTC))
    budi = make_learner("budi@example.test", full_name="Budi Santoso")
    enrolment = enrol(budi, cohort)
    record_audit(admin, "enrolment.approve", enrolment, organization.id, user_id=budi.id, reason=None)
    record_audit(admin, "cohort.cancel", cohort, organization.id, reason="Narasumber berhalangan", people=1250)
    record_audit(admin, "cohort.message", cohort, organization.id, message_id=1, people=2)
    course = world.version.course
    record_audit(admin, "questions.import", course, organization.id, count=12)
    record_audit(admin, "instrument.create", Instrument(999), organization.id, key="infus", version=2)
    record_audit(
        admin, "activity.reject", ExternalActivity(999), organization.id, user_id=budi.id, reason="Bukti buram"
    )
    record_audit(admin, "membership.add", enrolment, organization.id, user_id=budi.id, role="facilitator")
    changes = {"name": ["Organisasi PPNI", "PPNI Kota Palu"], "admins_require_two_factor": ["False", "True"]}
    record_audit(admin, "organization.update", organization, organization.id, changes=changes)
    db.session.commit()
    return world, holder, budi, certificate


def _sentences(page: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'data-testid="audit-sentence">([^<]*)<', page)]


def _text(page: str) -> str:
    """What a reader reads: no <code> (action keys, object ids), no markup."""
    body = re.sub(r"<(code|script|style)\b.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r'<(\w+)[^>]*\slang="[^"]*"[^>]*>.*?</\1>', " ", body, flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))


def _other_language(page: str, lang: str) -> list[str]:
    phrases = {"id": english_phrases, "en": indonesian_phrases}[lang]()
    text = _text(page.split("<main", 1)[-1])
    return [m.group(0) for p in (*phrases, *raw_codes(lang)) if (m := p.search(text))]


def _log(client, url: str, lang: str) -> str:
    client.post("/language", data={"locale": lang})
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_organization_log_reads_in_indonesian_and_in_english(client, auth, audited):
    world, _holder, _budi, certificate = audited
    auth.login(world.admin.email)
    url = f"/organizations/{world.organization.id}/audit"
    indonesian, english = _log(client, url, "id"), _log(client, url, "en")
    said_id, said_en = _sentences(indonesian), _sentences(english)
    entries = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar()
    assert len(said_id) == len(said_en) == entries  # every entry in words, none as a bare key
    number = certificate.number
    assert f"Lentera menerbitkan sertifikat {number} Pelatihan PPI-DASAR untuk Rina Marlina, A.Md.Kep.." in said_id
    assert f"Lentera issued certificate {number} of Pelatihan PPI-DASAR to Rina Marlina, A.Md.Kep.." in said_en
    assert (
        f"Admin Palu mencabut sertifikat {number} milik Rina Marlina, A.Md.Kep. (Pelatihan PPI-DASAR). "
        "Alasan: Nama salah ketik" in said_id
    )
    assert (
        f"Admin Palu revoked certificate {number} of Rina Marlina, A.Md.Kep. (Pelatihan PPI-DASAR). "
        "Reason: Nama salah ketik" in said_en
    )
    # Statuses by their labels, the session's start in the reader's zone and notation.
    marked = [s for s in said_id if s.startswith("Admin Palu menandai")]
    assert marked[0].startswith("Admin Palu menandai Rina Marlina, A.Md.Kep. ")
    assert " (sebelumnya " in marked[0] and "di sesi Sesi pembukaan (" in marked[0] and "08.00 WIB" in marked[0]
    assert any(s.startswith("Admin Palu marked Rina Marlina, A.Md.Kep. Hadir (present) (was Izin (excused))")
               for s in said_en)  # fmt: skip
    # Counts in the reader's notation; a reason only when one was given.
    assert "Admin Palu membatalkan angkatan Angkatan 1 Pelatihan PPI-DASAR; 1.250 orang diberi tahu. " \
        "Alasan: Narasumber berhalangan" in said_id  # fmt: skip
    assert "Admin Palu cancelled the cohort Angkatan 1 of Pelatihan PPI-DASAR; 1,250 people were told. " \
        "Reason: Narasumber berhalangan" in said_en  # fmt: skip
    assert (
        "Admin Palu approved the enrolment of Budi Santoso in the cohort Angkatan 1 of Pelatihan PPI-DASAR." in said_en
    )
    assert "Admin Palu imported 12 questions into the question bank of Pelatihan PPI-DASAR (PPI-DASAR)." in said_en
    assert "Admin Palu mengirim pesan kepada 2 peserta angkatan Angkatan 1 Pelatihan PPI-DASAR." in said_id
    assert "Admin Palu menyimpan versi 2 instrumen infus." in said_id
    assert "Admin Palu rejected the activity (deleted) reported by Budi Santoso. Reason: Bukti buram" in said_en
    assert "Admin Palu gave Budi Santoso the role Facilitator in Organisasi PPNI." in said_en
    assert any("Admin wajib memakai autentikasi dua faktor: tidak → ya" in s for s in said_id)
    assert any("layout Modern, colours #0b6e4f and #c8a400" in s for s in said_en)
    assert any(s.startswith("Lentera menjadwalkan sesi Sesi pembukaan (") for s in said_id)
    # No raw details ("reason: None", "user_id: 7") and nothing of the other language's catalog.
    assert "user_id" not in _text(indonesian) and "reason:" not in _text(english)
    assert _other_language(indonesian, "id") == []
    assert _other_language(english, "en") == []


def test_the_platform_log_reads_in_both_languages(client, auth, audited):
    root = make_user("root@example.test", is_platform_admin=True, full_name="Root Satu")
    world = audited[0]
    auth.login(root.email)
    indonesian, english = _log(client, "/admin/audit", "id"), _log(client, "/admin/audit", "en")
    assert len(_sentences(indonesian)) == len(_sentences(english)) > 10
    assert any(s.startswith("Admin Palu mengubah Organisasi PPNI: ") for s in _sentences(indonesian)), world
    assert _other_language(indonesian, "id") == []
    assert _other_language(english, "en") == []


def test_an_entry_alone_writes_its_own_sentence(audited):
    entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "cohort.cancel")).scalar_one()
    db.session.expire_all()
    entry = db.session.get(AuditEntry, entry.id)
    assert entry.sentence.startswith("Admin Palu membatalkan angkatan Angkatan 1")  # the default language, Indonesian
    unknown = record_audit(None, "feature.unheard_of", audited[0].cohort)
    assert unknown.sentence == ""


def _more_of_everything(world, people: int) -> None:
    """`people` more learners, each named by entries of the kinds already on the page."""
    admin, cohort, organization = world.admin, world.cohort, world.organization
    for n in range(people):
        learner = make_learner(f"extra{n}@example.test", full_name=f"Peserta {n}")
        enrolment = Enrolment(cohort_id=cohort.id, user_id=learner.id, status="active")
        db.session.add(enrolment)
        db.session.flush()
        record_audit(admin, "enrolment.approve", enrolment, organization.id, user_id=learner.id)
        record_audit(admin, "membership.add", enrolment, organization.id, user_id=learner.id, role="facilitator")
        record_audit(admin, "activity.reject", ExternalActivity(1000 + n), organization.id, user_id=learner.id)
        record_audit(admin, "cohort.message", cohort, organization.id, recipients=[learner.id], characters=40)
        record_audit(admin, "instrument.create", Instrument(2000 + n), organization.id, key=f"k{n}", version=1)
    db.session.commit()


def _statements_of_log(app, client, url: str) -> list[str]:
    client.get(url)  # once to warm what a first request loads
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_the_log_page_costs_the_same_statements_for_few_and_many_entries(app, client, auth, audited):
    world = audited[0]
    auth.login(world.admin.email)
    url = f"/organizations/{world.organization.id}/audit"
    few = _statements_of_log(app, client, url)
    shown_before = len(_sentences(client.get(url).get_data(as_text=True)))
    _more_of_everything(world, 30)  # 150 more entries naming 30 more people, enrolments, activities, instruments
    many = _statements_of_log(app, client, url)
    assert len(_sentences(client.get(url).get_data(as_text=True))) == shown_before + 150
    assert len(many) == len(few), "\n".join(many)


def test_a_date_in_a_sentence_is_the_readers(audited):
    """A session at 01:00 UTC starts at 08:00 WIB, the default zone."""
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "attendance.session.create")
    ).scalar_one()
    assert "08.00 WIB" in entry.sentence
