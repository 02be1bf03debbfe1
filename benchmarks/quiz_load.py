"""Load benchmark of the post-test: learners start it, save 20 answers one by one and submit, against gunicorn
(4 sync workers) and PostgreSQL; prints the server CPU each kind of request costs, then checks in the database that
no answer was lost or counted twice.

Run: .venv/bin/python benchmarks/quiz_load.py [--learners 1000] [--concurrency 32] [--threads 1]
Everyone starts, then everyone answers, then everyone submits (a class at the same signal), so that each kind of
request runs alone: its server CPU per request is utime + stime from /proc of the gunicorn workers and of their
PostgreSQL backends (found by the application_name the server connects with), read before and after the phase,
once every worker has started and gone idle (a worker still importing the app would count in the first phase); the
`client` column is this script's own CPU per request, on the same cores.
Targets: 60 s per 1,000 learners, p95 answer-save < 150 ms, p95 submit < 300 ms (issue 4); server CPU per save and
per submit < 5 ms, per start < 8 ms, and 2,000 learners on the 2-core machine (issue 19: `--learners 2000`). Uses
its own PostgreSQL database `bench_quizzes` (emptied first; LMS_BENCH_DATABASE_URL overrides), talks only to
127.0.0.1 and stops by itself (jobs not started after the time limit are abandoned and counted as failed). Exit
status 0 only on PASS.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    ROOT,
    HttpClient,
    Latencies,
    ServerCpu,
    app_context,
    bench_instance,
    database_url,
    gunicorn_process,
    load_average,
    machine_speed,
    prepare_database,
    run_jobs,
    traced_url,
    verdict,
)

QUESTIONS = 20
TRUE_FALSE_EVERY = 5
"""Every fifth question is true/false (answer: true); the others single choice with the right option first."""
TARGET_SECONDS = 60
TARGET_SAVE_P95_MS = 150
TARGET_SUBMIT_P95_MS = 300
TARGET_CPU_MS = {"start": 8.0, "save answer": 5.0, "submit": 5.0}
"""Server CPU per request (gunicorn worker + its PostgreSQL backend), issue 19."""


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


@dataclass
class Learner:
    number: int
    token: str
    attempt_id: int | None = None
    shown: list = field(default_factory=list)


def start_job(learner: Learner, quiz_id: int, latencies: Latencies):
    def job(client: HttpClient) -> None:
        status, body, seconds = client.request("POST", f"/api/v1/quizzes/{quiz_id}/attempts", {}, token=learner.token)
        latencies.add("start", seconds, status in (200, 201))
        if status not in (200, 201):
            raise RuntimeError(f"start: {status} {body}")
        learner.attempt_id, learner.shown = body["id"], body["questions"]

    return job


def save_job(learner: Learner, rank: dict[int, int], latencies: Latencies):
    """Answer every question shown, one request each, in the shown order."""

    def job(client: HttpClient) -> None:
        if learner.attempt_id is None:
            raise RuntimeError(f"learner {learner.number} has no attempt")
        right = right_answers(learner.number)
        for shown in learner.shown:
            question_id = shown["question_id"]
            is_right = rank[question_id] < right
            if shown["kind"] == "true_false":
                response: object = is_right
            else:
                response = 0 if is_right else 1  # the spec's option index, whatever order the options are shown in
            path = f"/api/v1/attempts/{learner.attempt_id}/answers/{question_id}"
            status, body, seconds = client.request("PUT", path, {"response": response}, token=learner.token)
            latencies.add("save answer", seconds, status == 200)
            if status != 200:
                raise RuntimeError(f"save: {status} {body}")

    return job


def submit_job(learner: Learner, latencies: Latencies):
    def job(client: HttpClient) -> None:
        if learner.attempt_id is None:
            raise RuntimeError(f"learner {learner.number} has no attempt")
        path = f"/api/v1/attempts/{learner.attempt_id}/submit"
        status, body, seconds = client.request("POST", path, {}, token=learner.token)
        latencies.add("submit", seconds, status == 200)
        if status != 200:
            raise RuntimeError(f"submit: {status} {body}")
        right = right_answers(learner.number)
        if Decimal(body["score"]) != Decimal(5 * right):
            raise RuntimeError(f"learner {learner.number}: score {body['score']}, expected {5 * right}")

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
    parser.add_argument("--time-limit", type=float, help="abandon jobs not started by then (default 300 s per 1,000)")
    args = parser.parse_args()
    speed = machine_speed()
    args.time_limit = args.time_limit or 300 * max(args.learners, 1000) / 1000

    url = database_url("bench_quizzes")
    instance = bench_instance("quizzes")
    started = time.perf_counter()
    prepare_database(url, instance)
    quiz_id, tokens, question_ids = make_data(url, instance, args.learners)
    rank = {question_id: n for n, question_id in enumerate(question_ids)}
    print(f"data: {args.learners} learners with tokens, 1 cohort, {QUESTIONS}-question post-test "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    latencies = Latencies()
    learners = [Learner(i, token) for i, (_, token) in enumerate(tokens)]
    phases = [
        ("start", [start_job(learner, quiz_id, latencies) for learner in learners]),
        ("save answer", [save_job(learner, rank, latencies) for learner in learners]),
        ("submit", [submit_job(learner, latencies) for learner in learners]),
    ]
    served_url, application_name = traced_url(url)
    cpu_rows, outcomes = [], []
    # A generous start-up time: on a busy 2-core machine four workers importing the app can take a while.
    with gunicorn_process(served_url, instance, workers=args.workers, threads=args.threads, startup_timeout=120) as (
        base_url,
        process,
    ):
        cpu = ServerCpu(process.pid, url, application_name)
        print(f"workers started and idle after {cpu.wait_until_idle(args.workers):.1f} s")
        started = time.perf_counter()
        # Everyone starts, then everyone answers, then everyone submits (as a class does at the same signal): each
        # kind of request runs alone, so the server CPU between the phases is that kind's.
        for name, jobs in phases:
            before, client_before = cpu.snapshot(), time.process_time()
            left = args.time_limit - (time.perf_counter() - started)
            outcomes.append(run_jobs(jobs, base_url=base_url, concurrency=args.concurrency, time_limit=left))
            after, client = cpu.snapshot(), (time.process_time() - client_before) * 1000
            requests = latencies.count(name)
            workers, backends = (
                ServerCpu.spent(b, a) * 1000 / max(requests, 1) for b, a in zip(before, after, strict=True)
            )
            cpu_rows.append(
                (name, requests, workers, backends, client / max(requests, 1), outcomes[-1].elapsed, load_average())
            )
        elapsed = time.perf_counter() - started

    requests = sum(latencies.count(name) for name, _jobs in phases)
    failed = max(outcome.failed for outcome in outcomes)
    first_error = next((outcome.first_error for outcome in outcomes if outcome.first_error), None)
    print(speed)
    print(f"\ngunicorn: {args.workers} workers x {args.threads} threads; {args.concurrency} learners at a time")
    latencies.print_summary()
    print(f"\n{'server CPU per request':<24}{'requests':>9}{'ms':>8}{'(app':>8}{'+ PG)':>7}{'client':>8}{'phase s':>9}"
          "  load (1, 5, 15 min)")  # fmt: skip
    for name, count, workers, backends, client, seconds, load in cpu_rows:
        print(f"{name:<24}{count:>9}{workers + backends:>8.2f}{workers:>8.2f}{backends:>7.2f}{client:>8.2f}"
              f"{seconds:>9.1f}  {load}")  # fmt: skip
    print(f"learners finished {len(tokens) - failed}, failed {failed}; {requests} requests in "
          f"{elapsed:.1f} s = {requests / elapsed:.0f} requests/s")  # fmt: skip
    if first_error:
        print(f"first error: {first_error}")
    problems = check_database(url, quiz_id, tokens)
    for problem in problems:
        print(f"database: {problem}")

    ok = [
        verdict("all learners done", failed == 0, f"{len(tokens) - failed}/{len(tokens)}"),
        verdict(
            "database",
            not problems,
            f"{len(tokens) * QUESTIONS} answer rows expected, each once; "
            f"{len(tokens)} graded attempts with the expected score",
        ),  # fmt: skip
        verdict(
            "total time",
            elapsed < TARGET_SECONDS * len(tokens) / 1000,
            f"{elapsed:.1f} s (target < {TARGET_SECONDS * len(tokens) / 1000:.0f} s: 60 s per 1,000 learners)",
        ),
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
    ok += [
        verdict(
            f"server CPU per {name}",
            count > 0 and ms < TARGET_CPU_MS[name],
            f"{ms:.2f} ms (target < {TARGET_CPU_MS[name]} ms)",
        )  # fmt: skip
        for name, count, workers, backends, _client, _s, _load in cpu_rows
        for ms in [workers + backends]
    ]
    print("PASS" if all(ok) else "FAIL")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
