"""Load benchmark of the post-test: 1,000 learners start it, save 20 answers one by one and submit, against gunicorn
(4 workers) and PostgreSQL; then checks in the database that no answer was lost or counted twice.

Run: .venv/bin/python benchmarks/quiz_load.py [--learners 1000] [--concurrency 32] [--threads 1]
Targets (issue 4): everything within 60 s, p95 answer-save < 150 ms, p95 submit < 300 ms. Uses its own PostgreSQL
database `bench_quizzes` (emptied first; LMS_BENCH_DATABASE_URL overrides), talks only to 127.0.0.1 and stops by
itself (jobs not started after the time limit are abandoned and counted as failed). Exit status 0 only on PASS.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    ROOT,
    HttpClient,
    Latencies,
    app_context,
    bench_instance,
    database_url,
    gunicorn_server,
    prepare_database,
    run_jobs,
    verdict,
)

QUESTIONS = 20
TRUE_FALSE_EVERY = 5
"""Every fifth question is true/false (answer: true); the others single choice with the right option first."""
TARGET_SECONDS = 60
TARGET_SAVE_P95_MS = 150
TARGET_SUBMIT_P95_MS = 300


def right_answers(learner: int) -> int:
    """How many questions learner number `learner` answers right (0-20): the expected score is 5 points each."""
    return learner % (QUESTIONS + 1)


def make_data(url: str, instance: Path, learners: int) -> tuple[int, list[tuple[int, str]], list[int]]:
    """A course, a cohort, `learners` enrolled users with API tokens and a 20-question post-test, made through the
    models and services (no password logins). Returns (quiz id, [(user id, token)], question ids in bank order)."""
    with app_context(url, instance):
        from lms.accounts.models import Organization, OrganizationKind, User
        from lms.accounts.services import create_api_token, hash_password
        from lms.courses import services as course_services
        from lms.courses.files import read_course
        from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
        from lms.extensions import db
        from lms.quizzes import services as quiz_services
        from lms.quizzes.models import Question, QuizKind
        from lms.quizzes.spec import Choice, QuestionKind, QuestionSpec

        db.session.add(Organization(slug="ppni", name="PPNI", kind=OrganizationKind.PROFESSIONAL))
        db.session.flush()
        version = course_services.import_course(read_course(ROOT / "courses" / "ppi-dasar"), publish=True).version
        today = date.today()
        cohort = Cohort(version=version, name="Angkatan beban", mode="daring", starts_on=today,
                        ends_on=today + timedelta(days=30))  # fmt: skip
        db.session.add(cohort)
        questions = []
        for n in range(QUESTIONS):
            if n % TRUE_FALSE_EVERY == TRUE_FALSE_EVERY - 1:
                spec = QuestionSpec(QuestionKind.TRUE_FALSE, f"Pernyataan nomor {n + 1} benar.", correct=True)
            else:
                choices = tuple(Choice(f"Pilihan {k + 1} soal {n + 1}", Decimal(1 if k == 0 else 0)) for k in range(4))
                spec = QuestionSpec(QuestionKind.SINGLE, f"Soal nomor {n + 1}?", choices=choices)
            question = Question(course_id=version.course_id, kind=spec.kind, title=f"Soal {n + 1}",
                                spec_data=spec.to_data(), tags=[])  # fmt: skip
            db.session.add(question)
            questions.append(question)
        db.session.flush()
        quiz = quiz_services.save_quiz(None, version, QuizKind.POST_TEST, title="Post-test beban")
        quiz_services.set_quiz_questions(None, quiz, [q.id for q in questions])
        password_hash = hash_password("not-used-by-the-benchmark")  # one hash for all: no logins are made
        users = [
            User(email=f"peserta{i}@bench.test", password_hash=password_hash, full_name=f"Peserta {i}",
                 profession_code="perawat")
            for i in range(learners)
        ]  # fmt: skip
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE) for u in users)
        tokens = [(user.id, create_api_token(user, "benchmark")[1]) for user in users]
        db.session.commit()
        return quiz.id, tokens, [q.id for q in questions]


def learner_job(learner: int, token: str, quiz_id: int, rank: dict[int, int], latencies: Latencies):
    """One learner: start, answer every question shown (in the shown order), submit, check the score."""

    def job(client: HttpClient) -> None:
        status, body, seconds = client.request("POST", f"/api/v1/quizzes/{quiz_id}/attempts", {}, token=token)
        latencies.add("start", seconds, status in (200, 201))
        if status not in (200, 201):
            raise RuntimeError(f"start: {status} {body}")
        attempt_id = body["id"]
        right = right_answers(learner)
        for shown in body["questions"]:
            question_id = shown["question_id"]
            is_right = rank[question_id] < right
            if shown["kind"] == "true_false":
                response: object = is_right
            else:
                response = 0 if is_right else 1  # the spec's option index, whatever order the options are shown in
            path = f"/api/v1/attempts/{attempt_id}/answers/{question_id}"
            status, body_, seconds = client.request("PUT", path, {"response": response}, token=token)
            latencies.add("save answer", seconds, status == 200)
            if status != 200:
                raise RuntimeError(f"save: {status} {body_}")
        status, body, seconds = client.request("POST", f"/api/v1/attempts/{attempt_id}/submit", {}, token=token)
        latencies.add("submit", seconds, status == 200)
        if status != 200:
            raise RuntimeError(f"submit: {status} {body}")
        if Decimal(body["score"]) != Decimal(5 * right):
            raise RuntimeError(f"learner {learner}: score {body['score']}, expected {5 * right}")

    return job


def check_database(url: str, quiz_id: int, tokens: list[tuple[int, str]]) -> list[str]:
    """Problems found in the database after the run (empty: every answer stored once, every attempt graded right)."""
    expected = {user_id: Decimal(5 * right_answers(i)) for i, (user_id, _) in enumerate(tokens)}
    engine = create_engine(url)
    problems = []
    with engine.connect() as connection:
        answers = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT (an.attempt_id, an.question_id)), count(an.response) "
                "FROM answers an JOIN attempts at ON at.id = an.attempt_id WHERE at.quiz_id = :quiz"
            ),
            {"quiz": quiz_id},
        ).one()
        attempts = connection.execute(
            text("SELECT user_id, state, score, number FROM attempts WHERE quiz_id = :quiz"), {"quiz": quiz_id}
        ).all()
    engine.dispose()
    wanted = len(tokens) * QUESTIONS
    if tuple(answers) != (wanted, wanted, wanted):
        problems.append(f"answer rows {answers[0]}, distinct {answers[1]}, answered {answers[2]}; expected {wanted}")
    graded = [a for a in attempts if a.state == "graded"]
    if len(attempts) != len(tokens) or len(graded) != len(tokens):
        problems.append(f"{len(attempts)} attempts, {len(graded)} graded; expected {len(tokens)} graded")
    wrong = [a for a in graded if a.score is None or Decimal(a.score) != expected.get(a.user_id)]
    if wrong:
        problems.append(f"{len(wrong)} attempts graded with a score other than the one the answers sent give")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32, help="learners taking the test at the same time")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    parser.add_argument("--time-limit", type=float, default=120, help="abandon learners not started by then")
    args = parser.parse_args()

    url = database_url("bench_quizzes")
    instance = bench_instance("quizzes")
    started = time.perf_counter()
    prepare_database(url, instance)
    quiz_id, tokens, question_ids = make_data(url, instance, args.learners)
    rank = {question_id: n for n, question_id in enumerate(question_ids)}
    print(f"data: {args.learners} learners with tokens, 1 cohort, {QUESTIONS}-question post-test "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    latencies = Latencies()
    jobs = [learner_job(i, token, quiz_id, rank, latencies) for i, (_, token) in enumerate(tokens)]
    # A generous start-up time: on a busy 2-core machine four workers importing the app can take a while.
    with gunicorn_server(url, instance, workers=args.workers, threads=args.threads, startup_timeout=120) as base_url:
        outcome = run_jobs(jobs, base_url=base_url, concurrency=args.concurrency, time_limit=args.time_limit)

    requests = sum(latencies.count(name) for name in ("start", "save answer", "submit"))
    print(f"\ngunicorn: {args.workers} workers x {args.threads} threads; {args.concurrency} learners at a time")
    latencies.print_summary()
    print(f"learners finished {outcome.finished}, failed {outcome.failed}; {requests} requests in "
          f"{outcome.elapsed:.1f} s = {requests / outcome.elapsed:.0f} requests/s")  # fmt: skip
    if outcome.first_error:
        print(f"first error: {outcome.first_error}")
    problems = check_database(url, quiz_id, tokens)
    for problem in problems:
        print(f"database: {problem}")

    ok = [
        verdict("all learners done", outcome.failed == 0, f"{outcome.finished}/{len(tokens)}"),
        verdict(
            "database",
            not problems,
            f"{len(tokens) * QUESTIONS} answer rows expected, each once; "
            f"{len(tokens)} graded attempts with the expected score",
        ),  # fmt: skip
        verdict("total time", outcome.elapsed < TARGET_SECONDS, f"{outcome.elapsed:.1f} s (target < 60 s)"),
        verdict(
            "p95 answer save",
            latencies.percentile("save answer", 95) * 1000 < TARGET_SAVE_P95_MS,
            f"{latencies.percentile('save answer', 95) * 1000:.0f} ms (target < {TARGET_SAVE_P95_MS} ms)",
        ),
        verdict(
            "p95 submit",
            latencies.percentile("submit", 95) * 1000 < TARGET_SUBMIT_P95_MS,
            f"{latencies.percentile('submit', 95) * 1000:.0f} ms (target < {TARGET_SUBMIT_P95_MS} ms)",
        ),
    ]
    print("PASS" if all(ok) else "FAIL")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
