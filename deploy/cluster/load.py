"""The cluster test's data and load: the post-test load of benchmarks/quiz_load.py as patient clients make it
(retried on a proxy error or a dropped connection), certificates issued through the proxy meanwhile, and what the
clients were told was done."""

from __future__ import annotations

import http.client
import threading
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.harness import HttpClient, Latencies, app_context
from benchmarks.quiz_load import right_answers

RETRIES = 8
RETRY_PAUSE = 0.25


def make_cluster_data(url: str, instance: Path, certificates: int) -> dict:
    """Besides the quiz load's data: an organization admin's token, learners who finished a course whose certificates
    wait for approval (issued through the proxy during the run), and a learner who will upload evidence."""
    with app_context(url, instance):
        from lms.accounts.services import create_api_token
        from lms.extensions import db
        from tests.factories import PASSWORD, make_user
        from tests.factories.certificates import finished_learner, make_certificate_world

        world = make_certificate_world(slug="ibi", code="CLUSTER-CERT")
        world.version.certificate_needs_approval = True
        db.session.commit()
        enrolments = [finished_learner(world.cohort, f"lulus{i}@cluster.test")[1].id for i in range(certificates)]
        admin_token = create_api_token(world.admin, "cluster test")[1]
        uploader = make_user("bukti@cluster.test")
        db.session.commit()
        return {
            "enrolments": enrolments,
            "admin_token": admin_token,
            "uploader": (uploader.email, PASSWORD),
            "organization_id": world.organization.id,
        }


class Run:
    """What the clients were told (acknowledged), and the timing split at the kill."""

    def __init__(self):
        self.lock = threading.Lock()
        self.saved: dict[tuple[int, int], object] = {}
        self.submitted: dict[int, Decimal] = {}
        self.issued: dict[int, str] = {}  # enrolment id -> verify URL
        self.finished = 0
        self.killed_at: float | None = None
        self.retried = 0
        self.load_done = threading.Event()

    def phase(self) -> str:
        return " (one host)" if self.killed_at is not None else ""


def call(run: Run, client: HttpClient, latencies: Latencies, name: str, method: str, path: str, body=None, *,
         token: str, ok=(200,)):  # fmt: skip
    """One request as a patient client makes it: retried on a proxy error or a dropped connection, a bounded number
    of times; the latency counted is the whole wait, under the phase (both hosts up, or one) it started in."""
    phase = run.phase()
    started = time.perf_counter()
    for attempt in range(RETRIES):
        try:
            status, answer, _ = client.request(method, path, body, token=token)
        except (OSError, http.client.HTTPException):
            status, answer = 0, None
        if status not in (0, 502, 503, 504):
            break
        with run.lock:
            run.retried += 1
        time.sleep(RETRY_PAUSE * (attempt + 1))
    latencies.add(name + phase, time.perf_counter() - started, status in ok)
    if status not in ok:
        raise RuntimeError(f"{name}: {status} {answer}")
    return status, answer


def learner_job(run: Run, latencies: Latencies, learner: int, user_id: int, token: str, quiz_id: int, rank: dict):
    def job(client: HttpClient) -> None:
        _, body = call(run, client, latencies, "start", "POST", f"/api/v1/quizzes/{quiz_id}/attempts", {},
                       token=token, ok=(200, 201))  # fmt: skip
        attempt_id, right = body["id"], right_answers(learner)
        for shown in body["questions"]:
            question_id = shown["question_id"]
            is_right = rank[question_id] < right
            response = is_right if shown["kind"] == "true_false" else (0 if is_right else 1)
            path = f"/api/v1/attempts/{attempt_id}/answers/{question_id}"
            call(run, client, latencies, "save answer", "PUT", path, {"response": response}, token=token)
            with run.lock:
                run.saved[(user_id, question_id)] = response
        _, result = call(run, client, latencies, "submit", "POST", f"/api/v1/attempts/{attempt_id}/submit", {},
                         token=token)  # fmt: skip
        with run.lock:
            run.submitted[user_id] = Decimal(result["score"])
            run.finished += 1

    return job


def issue_certificates(run: Run, proxy_url: str, data: dict, stop: threading.Event, learners: int) -> None:
    """Issue the waiting certificates through the proxy, spread over the load (the n-th once n/count of the learners
    are done), so that some are signed before the key rotation, some after, some after the kill."""
    client, latencies = HttpClient(proxy_url), Latencies()
    count = len(data["enrolments"])
    for n, enrolment_id in enumerate(data["enrolments"]):
        while run.finished < learners * n / count and not run.load_done.is_set() and not stop.wait(0.2):
            pass
        if stop.is_set():
            return
        path = f"/api/v1/enrolments/{enrolment_id}/certificate"
        try:
            _, body = call(run, client, latencies, "issue", "POST", path, {}, token=data["admin_token"], ok=(201,))
        except RuntimeError:
            continue  # not acknowledged (e.g. issued by a request whose answer was lost): checked in the database
        with run.lock:
            run.issued[enrolment_id] = body["verify_url"]
