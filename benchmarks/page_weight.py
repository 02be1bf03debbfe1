"""Transfer size of the learner's pages (HTML + stylesheet, gzip), against the 100 KB budget of DESIGN.md.

Run: .venv/bin/python benchmarks/page_weight.py
Builds a throwaway SQLite database with the demo data, enrols the demo nurse in a cohort and measures each page
as a phone would fetch it (the HTML and every same-site stylesheet/script it links; lesson media excluded).
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

BUDGET = 100 * 1024


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
        print(f"{'page':<16}{'html gzip':>12}{'assets gzip':>14}{'total':>10}  budget {BUDGET // 1024} KB")
        worst = 0
        for name, path in pages.items():
            html = client.get(path).get_data()
            assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
            asset_bytes = sum(len(gzip.compress(client.get(a.decode()).get_data())) for a in set(assets))
            html_bytes = len(gzip.compress(html))
            total = html_bytes + asset_bytes
            worst = max(worst, total)
            print(f"{name:<16}{html_bytes:>12,}{asset_bytes:>14,}{total:>10,}")
        print(f"heaviest learner page: {worst:,} bytes gzip ({worst / BUDGET:.0%} of the budget)")
        with app.app_context():
            from lms.core.database import dispose_engines

            dispose_engines()


if __name__ == "__main__":
    main()
