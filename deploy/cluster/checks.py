"""What the cluster test checks after the run: nothing acknowledged lost or doubled in the database, every
certificate verifies on both hosts, evidence crosses hosts, the report paths reach the reports pools."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, create_engine, text

from benchmarks.harness import HttpClient
from deploy.cluster.addresses import APP_PORT, HOSTS, host_address
from deploy.cluster.hosts import Cluster
from deploy.cluster.load import Run

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + secrets.token_bytes(2048)


def check_database(url: str, quiz_id: int, run: Run, data: dict) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        answers = connection.execute(
            text("SELECT at.user_id, an.question_id, an.response FROM answers an "
                 "JOIN attempts at ON at.id = an.attempt_id WHERE at.quiz_id = :quiz"), {"quiz": quiz_id}
        ).all()  # fmt: skip
        attempts = connection.execute(
            text("SELECT user_id, state, score FROM attempts WHERE quiz_id = :quiz"), {"quiz": quiz_id}
        ).all()
        certificates = connection.execute(
            text(
                "SELECT enrolment_id, count(*) FROM certificates WHERE enrolment_id IN :ids GROUP BY enrolment_id"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": data["enrolments"]},
        ).all()
    engine.dispose()
    stored: dict[tuple[int, int], list] = {}
    for user_id, question_id, response in answers:
        stored.setdefault((user_id, question_id), []).append(
            json.loads(response) if isinstance(response, str) else response
        )
    per_user: dict[int, list] = {}
    for attempt in attempts:
        per_user.setdefault(attempt.user_id, []).append(attempt)
    certificate_counts = dict(certificates)
    return {
        "acknowledged answers": len(run.saved),
        "lost answers": sum(1 for key, response in run.saved.items() if response not in stored.get(key, [])),
        "doubled answers": sum(len(values) - 1 for values in stored.values()),
        "acknowledged submissions": len(run.submitted),
        "lost submissions": sum(
            1
            for user_id, score in run.submitted.items()
            if not any(a.state == "graded" and Decimal(a.score) == score for a in per_user.get(user_id, []))
        ),  # fmt: skip
        "doubled attempts": sum(len(rows) - 1 for rows in per_user.values()),
        "acknowledged certificates": len(run.issued),
        "lost certificates": sum(1 for enrolment_id in run.issued if certificate_counts.get(enrolment_id, 0) < 1),
        "doubled certificates": sum(count - 1 for count in certificate_counts.values() if count > 1),
    }


def verify_everywhere(run: Run) -> tuple[int, int, set[str]]:
    """Every certificate issued during the run, verified on each host directly: (checked, valid on both, kids)."""
    valid, kids = 0, set()
    clients = [HttpClient(f"http://{host_address(n)}:{APP_PORT}") for n in HOSTS]
    for verify_url in run.issued.values():
        answers = [client.request("POST", "/api/v1/verify", {"qr": verify_url})[:2] for client in clients]
        valid += all(status == 200 and body["verdict"] == "valid" for status, body in answers)
        kids |= {body["key"]["kid"] for status, body in answers if status == 200 and body.get("key")}
    return len(run.issued), valid, kids


class Browser:
    """Cookie-keeping form posts to one host at a time (the session cookie is carried to the other host by hand)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, host: str, method: str, path: str, body: bytes | None = None, content_type: str = ""):
        connection = http.client.HTTPConnection(host, APP_PORT, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        headers |= {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data

    def csrf(self, host: str, path: str) -> str:
        status, page = self.request(host, "GET", path)
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"no form at {path} on {host}: {status}")
        return match.group(1).decode()


def evidence_crosses_hosts(url: str, data: dict) -> bool:
    """Upload evidence through host 1 (the browser form), download it through host 2 with the same session."""
    from urllib.parse import urlencode

    browser, first, second = Browser(), host_address(1), host_address(2)
    email, password = data["uploader"]
    form = urlencode({"csrf_token": browser.csrf(first, "/login"), "email": email, "password": password})
    status, _ = browser.request(first, "POST", "/login", form.encode(), "application/x-www-form-urlencoded")
    if status != 302:
        raise RuntimeError(f"login on host 1: {status}")
    fields = {
        "csrf_token": browser.csrf(first, "/my/record/activities/new"), "kind": "seminar", "ranah": "pembelajaran",
        "title": "Webinar klaster", "organizer": "RSUD", "held_on": (date.today() - timedelta(days=3)).isoformat(),
        "skp_claimed": "1", "organization_id": str(data["organization_id"]),
    }  # fmt: skip
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    header = f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="bukti.pdf"\r\n'
    parts.append(f"{header}Content-Type: application/pdf\r\n\r\n".encode() + PDF + f"\r\n--{boundary}--\r\n".encode())
    status, page = browser.request(first, "POST", "/my/record/activities/new", b"".join(parts),
                                   f"multipart/form-data; boundary={boundary}")  # fmt: skip
    if status != 302:
        raise RuntimeError(f"evidence upload on host 1: {status} {page[:300]!r}")
    engine = create_engine(url)
    with engine.connect() as connection:
        activity_id = connection.execute(
            text("SELECT a.id FROM external_activities a JOIN users u ON u.id = a.user_id WHERE u.email = :e"),
            {"e": email},
        ).scalar_one()
    engine.dispose()
    status, downloaded = browser.request(second, "GET", f"/records/activities/{activity_id}/evidence")
    return status == 200 and downloaded == PDF


def reports_go_to_their_pool(cluster: Cluster, data: dict) -> bool:
    """The report paths reach a host's reports pool through the proxy (in its access log), other pages do not."""
    org, client = data["organization_id"], HttpClient(cluster.proxy_url)
    paths = [f"/api/v1/organizations/{org}/member-standings?limit=5", "/api/v1/supervision/workers", "/api/v1/me"]
    answers = [client.request("GET", path, token=data["admin_token"])[0] for path in paths]
    time.sleep(0.5)  # the access log line is written after the answer
    logged = "".join((cluster.folder / f"reports{n}.log").read_text(errors="replace") for n in HOSTS)
    routed = [f"GET {path}" in logged for path in paths]
    return answers == [200, 403, 200] and routed == [True, True, False]
