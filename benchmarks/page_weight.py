"""Transfer size of the learner's pages as served to a phone (Accept-Encoding: gzip), against a 30 KB budget.

Run: .venv/bin/python benchmarks/page_weight.py
Builds a throwaway SQLite database with the demo data, enrols the demo nurse in a cohort and fetches each page
as a phone would: the HTML and every same-site stylesheet/script it links, counting the bytes the app sends (its
own compression, no re-packing here). Same-site images (the certificate preview) are counted in their own column
and stay out of the budget (issue 16: every learner page at most 30 KB apart from images); lesson media excluded.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from click.testing import CliRunner  # noqa: E402

from lms import create_app  # noqa: E402

BUDGET = 30 * 1024
PHONE = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "Mozilla/5.0 (Linux; Android 13) Mobile"}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "WTF_CSRF_ENABLED": False}
        )
        with app.app_context():
            from flask_migrate import upgrade

            from lms.accounts.services import find_user_by_email
            from lms.core.models import utcnow
            from lms.courses import services
            from lms.extensions import db

            upgrade(directory=app.extensions["migrate"].directory)
            CliRunner().invoke(app.cli, ["demo"], catch_exceptions=False)
            admin = find_user_by_email("ppni@lentera.test")
            version = services.published_course("PPI-DASAR")
            cohort = services.create_cohort(
                admin, version, name="Angkatan 1", mode="daring", place=None,
                starts_on=date.today(), ends_on=date.today() + timedelta(days=30),
            )  # fmt: skip
            enrolment = services.enrol(find_user_by_email("perawat@lentera.test"), cohort, utcnow())
            db.session.commit()
            longest = max(version.lessons, key=lambda lesson: len(lesson.body))
            from sqlalchemy import select

            from lms.certificates.models import Certificate
            from lms.quizzes.models import Quiz, QuizKind

            pre_test = db.session.execute(
                select(Quiz).where(Quiz.version_id == version.id, Quiz.kind == QuizKind.PRE_TEST)
            ).scalar_one()
            certificate = db.session.execute(select(Certificate)).scalars().first()
            pages = {
                "home": "/",
                "catalog": "/courses",
                "course": "/courses/PPI-DASAR",
                "my courses": "/my/courses",
                "enrolment": f"/enrolments/{enrolment.id}",
                "longest lesson": f"/lessons/{longest.id}",
                "quiz start": f"/quizzes/{pre_test.id}",
                "quiz attempt": None,  # the attempt started below, all questions on one page if so configured
                "my certificates": "/my/certificates",
                "certificate": f"/my/certificates/{certificate.public_id}",
                "verify (QR URL)": "/v/" + certificate.token,
                "my record": "/my/record",
                "check-in QR": "/my/checkin-qr",
            }

        client = app.test_client()
        client.post("/login", data={"email": "perawat@lentera.test", "password": "lentera-demo"})
        started = client.post(f"/quizzes/{pre_test.id}/attempts")
        pages["quiz attempt"] = started.headers["Location"]
        header = f"{'page':<16}{'html':>8}{'css+js':>9}{'total':>9}{'images':>9}"
        print(header + f"  (bytes as served; budget {BUDGET // 1024} KB)")
        worst, worst_name = 0, ""
        for name, path in pages.items():
            page = client.get(path, headers=PHONE)
            assert page.status_code == 200, (name, page.status_code)
            html = gzip.decompress(page.data) if page.headers.get("Content-Encoding") == "gzip" else page.data
            assets = set(re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html))
            images = set(re.findall(rb'<img [^>]*src="(/[^"]+)"', html))
            asset_bytes = sum(_served_bytes(client, a.decode()) for a in assets)
            image_bytes = sum(_served_bytes(client, i.decode().replace("&amp;", "&")) for i in images)
            total = len(page.data) + asset_bytes
            if total > worst:
                worst, worst_name = total, name
            print(f"{name:<16}{len(page.data):>8,}{asset_bytes:>9,}{total:>9,}{image_bytes:>9,}")
        print(f"heaviest learner page: {worst_name}, {worst:,} bytes as served ({worst / BUDGET:.0%} of the budget)")
        with app.app_context():
            from lms.core.database import dispose_engines

            dispose_engines()


def _served_bytes(client, path: str) -> int:
    """What goes over the wire for `path` on a phone's first visit (the app's own gzip where it applies)."""
    with client.get(path, headers=PHONE) as response:
        assert response.status_code == 200, (path, response.status_code)
        return len(response.get_data())


if __name__ == "__main__":
    main()
