"""Demo competency record for `lms demo`: the demo nurse's SIP, one approved and one pending outside activity
(idempotent: running it again changes nothing)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.accounts.models import Organization
from lms.accounts.services import find_user_by_email
from lms.core.models import utcnow
from lms.extensions import db
from lms.records import services
from lms.records.models import ExternalActivity

DEMO_LEARNER = "perawat@lentera.test"
DEMO_REVIEWER = "ppni@lentera.test"
# A one-page PDF is enough evidence for a demo; real uploads are checked the same way.
DEMO_EVIDENCE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_ACTIVITIES = [
    # title, organizer, kind, ranah, days ago, SKP claimed, approved
    ("Bakti Sosial Pemeriksaan Kesehatan Gratis Desa Tanjung Palas", "Puskesmas Tanalili", "community",
     "pengabdian", 120, "2", True),
    ("Webinar Manajemen Luka Kronis", "DPW PPNI Kalimantan Utara", "seminar", "pembelajaran", 20, "1.5", False),
]  # fmt: skip


def load_demo() -> list[str]:
    learner = find_user_by_email(DEMO_LEARNER)
    reviewer = find_user_by_email(DEMO_REVIEWER)
    ppni = db.session.execute(select(Organization).where(Organization.slug == "ppni")).scalar_one_or_none()
    if learner is None or reviewer is None or ppni is None:
        return []
    today = utcnow().date()
    if services.licence_of(learner) is None:
        services.set_licence(
            learner, sip_number="503/SIP-P/0421/DPMPTSP/2024", starts_on=date(2024, 3, 1), area="normal", today=today
        )
    for title, organizer, kind, ranah, days_ago, skp, approved in DEMO_ACTIVITIES:
        exists = db.session.execute(
            select(ExternalActivity.id).where(ExternalActivity.user_id == learner.id, ExternalActivity.title == title)
        ).first()
        if exists:
            continue
        activity = services.report_activity(
            learner,
            organization=ppni,
            kind=kind,
            ranah=ranah,
            title=title,
            organizer=organizer,
            held_on=today - timedelta(days=days_ago),
            skp_claimed=Decimal(skp),
            evidence=DEMO_EVIDENCE,
            evidence_filename="sertifikat.pdf",
            today=today,
        )
        if approved:
            services.review_activity(reviewer, activity, approve=True, skp_granted=Decimal(skp), now=utcnow())
    db.session.flush()
    return [f"Competency record: {DEMO_LEARNER} has a SIP, one approved and one pending activity."]
