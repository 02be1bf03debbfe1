"""Large question files are imported by a background job with a progress bar; every problem is listed (`line N:
message`) before anything is written; importing the same file again adds nothing."""

from __future__ import annotations

import io
import re

import pytest
from huey.storage import SqliteStorage
from sqlalchemy import func, select

from lms.extensions import db
from lms.jobs import huey
from lms.jobs.models import JobRun
from lms.quizzes import services
from lms.quizzes.models import Question, QuizKind
from tests.conftest import api_token
from tests.factories.quizzes import make_course

QUESTION = "::Q{n}:: Berapa detik mencuci tangan, langkah {n}? {{=40 ~10 ~5}}\n\n"


def gift(count: int, broken: dict[int, str] | None = None) -> str:
    """`count` questions; `broken` replaces question n with other text."""
    broken = broken or {}
    return "".join(broken.get(n, QUESTION.format(n=n)) for n in range(1, count + 1))


def count_questions() -> int:
    return db.session.execute(select(func.count(Question.id))).scalar_one()


@pytest.fixture
def course_admin(app_ctx, client, auth):
    organization, admin, version = make_course()
    auth.login(admin.email)
    return organization, admin, version


def upload(client, organization, text: str, **fields):
    data = {"file": (io.BytesIO(text.encode()), "soal.gift"), "format": "gift", "category": "impor", **fields}
    return client.post(
        f"/organizations/{organization.id}/courses/PPI-DASAR/questions/import",
        data=data,
        content_type="multipart/form-data",
    )


def test_a_large_file_is_imported_by_a_job_with_progress_and_a_second_run_adds_nothing(client, course_admin):
    organization, admin, version = course_admin
    quiz = services.save_quiz(admin, version, QuizKind.POST_TEST, title="Post-test")
    db.session.commit()
    text = gift(250)
    response = upload(client, organization, text, quiz_id=str(quiz.id))
    assert response.status_code == 302
    run_id = int(re.search(r"job=(\d+)", response.headers["Location"]).group(1))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-job-run="{run_id}"' in page and "<progress" in page
    assert "250 soal diimpor; 0 sudah ada di bank soal." in page
    assert count_questions() == 250
    db.session.refresh(quiz)
    assert len(quiz.quiz_questions) == 250
    headers = {"Authorization": f"Bearer {api_token(client, admin.email)}"}
    progress = client.get(f"/api/v1/jobs/{run_id}", headers=headers).get_json()
    assert (progress["kind"], progress["state"], progress["done"], progress["total"], progress["percent"]) == (
        "quizzes.import_questions", "finished", 250, 250, 100,
    )  # fmt: skip

    again = upload(client, organization, text, quiz_id=str(quiz.id))
    second = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "0 soal diimpor; 250 sudah ada di bank soal." in second
    assert count_questions() == 250
    db.session.refresh(quiz)
    assert len(quiz.quiz_questions) == 250


def test_a_file_over_256_kb_goes_to_the_job_too(app, client, course_admin):
    organization, _admin, _version = course_admin
    long_text = "Cuci tangan " * 2000
    text = gift(20).replace("Berapa detik", long_text + "Berapa detik")
    assert len(text.encode()) > app.config["QUESTION_IMPORT_JOB_BYTES"]
    response = upload(client, organization, text)
    assert response.status_code == 302 and "job=" in response.headers["Location"]
    assert count_questions() == 20


def test_every_problem_of_a_large_file_is_listed_by_line_and_nothing_is_written(client, course_admin):
    organization, _admin, _version = course_admin
    text = gift(240, broken={3: "::Q3:: Tanpa jawaban {=40 ~10\n\n", 230: "::Q230:: Benar? {=}\n\n"})
    response = upload(client, organization, text)
    assert response.status_code == 422
    listed = response.get_data(as_text=True).split('data-testid="import-errors"')[1].split("</section>")[0]
    lines = [text[: text.index(f"::Q{n}::")].count("\n") + 1 for n in (3, 230)]  # lines 5 and 459
    assert re.findall(r"<li>baris (\d+): ", listed) == [str(line) for line in lines]
    assert count_questions() == 0
    assert db.session.execute(select(func.count(JobRun.id))).scalar_one() == 0  # no job queued


@pytest.fixture
def queued(app, tmp_path):
    huey._immediate = False
    huey.storage = SqliteStorage(huey.name, filename=str(tmp_path / "queue.sqlite"))
    yield huey
    huey.storage.flush_queue()
    huey._immediate = True
    huey.storage = huey.create_storage()


def test_the_page_shows_the_queued_job_until_a_worker_runs_it(client, course_admin, queued):
    organization, _admin, _version = course_admin
    response = upload(client, organization, gift(210))
    assert response.status_code == 302 and count_questions() == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<progress" in page and "job-progress.js" in page and "0 dari 0" in page
    # A worker takes the job from the queue (the file is in shared storage, read there).
    task = queued.dequeue()
    queued.execute(task)
    db.session.expire_all()
    assert count_questions() == 210
    finished = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "210 soal diimpor" in finished and "job-progress.js" not in finished
