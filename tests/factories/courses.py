"""Builders for course authoring tests: published courses, valid form data, small real files of each type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from lms.courses import services
from lms.courses.models import Cohort, CourseVersion, Enrolment
from lms.extensions import db
from tests.factories import make_course_spec

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def make_published_course(code: str = "PPI-DASAR", organization: str = "ppni", **changes) -> CourseVersion:
    """A course imported from a small spec and published (version 1)."""
    version = services.import_course(make_course_spec(code, organization=organization, **changes), publish=True).version
    db.session.commit()
    return version


def make_open_cohort(actor, version: CourseVersion, **changes) -> Cohort:
    now = datetime.now(UTC)
    fields = dict(
        name="Angkatan 1",
        mode="daring",
        place=None,
        starts_on=date.today() + timedelta(days=7),
        ends_on=date.today() + timedelta(days=10),
        enrol_opens_at=now - timedelta(days=1),
        enrol_closes_at=now + timedelta(days=5),
    )
    fields.update(changes)
    cohort = services.create_cohort(actor, version, **fields)
    db.session.commit()
    return cohort


def make_enrolment(user, cohort: Cohort) -> Enrolment:
    enrolment = services.enrol(user, cohort, datetime.now(UTC))
    db.session.commit()
    return enrolment


def course_form_data(**changes) -> dict:
    """What a browser sends from the course form when everything is filled in correctly."""
    data = {
        "code": "HIV-DASAR",
        "title": "Konseling dan Tes HIV Dasar",
        "summary": "Pelatihan dasar konseling dan tes HIV di fasyankes primer.",
        "kind": "pelatihan",
        "target_professions": ["perawat", "bidan"],
        "skp_ranah": "pembelajaran",
        "skp_value": "",
        "accreditation_number": "",
        "pass_mark": "75",
        "attendance_threshold": "90",
        "validity_months": "24",
        "competencies": "HIV-KT: Melakukan konseling pra-tes\nHIV-TES: Melakukan tes cepat HIV",
        "require_lessons": "y",
        "require_post_test": "y",
        "require_attendance": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def subject_form_data(**changes) -> dict:
    data = {"title": "Kebijakan Program HIV", "type": "dasar", "jpl_t": "2", "jpl_p": "1", "jpl_pl": "0",
            "objectives": "Menjelaskan kebijakan\nMenjelaskan alur layanan"}  # fmt: skip
    data.update(changes)
    return data


def lesson_form_data(**changes) -> dict:
    data = {"title": "Pengantar", "minutes": "20", "body": "Isi **pelajaran**.\n\n## Langkah\n\n- satu\n- dua",
            "video_url": ""}  # fmt: skip
    data.update(changes)
    return data


def publish_through_review(client, course_url: str):
    """Publish a course's draft as an admin does: open the review page, confirm what it showed."""
    page = client.get(f"{course_url}/publish")
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="reviewed" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"{course_url}/publish", data={"reviewed": token})
