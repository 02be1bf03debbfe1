"""The OpenAPI document tells the truth: every operation has an operationId, token-guarded ones list 401 and 403,
errors are described as returned, and real responses of the administration endpoints validate against it."""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import timedelta
from types import SimpleNamespace

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import select

from lms.accounts.models import Role
from lms.certificates.models import Certificate
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_user
from tests.factories.attendance import make_session, make_training
from tests.factories.certificates import finished_learner, issue, make_certificate_world
from tests.factories.courses import make_enrolment

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_has_a_unique_operation_id(spec):
    ids = [operation.get("operationId") for _p, _m, operation in _operations(spec)]
    assert all(ids) and len(ids) == len(set(ids))


def test_token_guarded_operations_list_401_and_403_and_errors_have_the_returned_shape(spec):
    for path, method, operation in _operations(spec):
        if operation.get("security"):
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) or status == "default":
                schema = _json_schema(response, spec)["content"]["application/json"]["schema"]
                assert schema == _json_schema({"$ref": "#/components/schemas/ApiError"}, spec), (path, method, status)
    error = spec["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"]
    assert spec["components"]["schemas"]["ApiErrorDetail"]["required"] == ["code", "message"]


def _json_schema(node, spec):
    """An OpenAPI 3.0 schema as JSON Schema: references resolved, `nullable` as a null type."""
    if isinstance(node, list):
        return [_json_schema(item, spec) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _json_schema(target, spec)
    converted = {key: _json_schema(value, spec) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in converted:
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def _documented_schema(spec, method: str, url: str, status: int):
    path = url.split("?")[0]
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method in item:
            responses = item[method]["responses"]
            response = responses.get(str(status)) or responses.get("default")
            assert response is not None, f"{method.upper()} {template} does not document {status}"
            if "$ref" in response:
                response = _json_schema(response, spec)
            return _json_schema(deepcopy(response["content"]["application/json"]["schema"]), spec)
    raise AssertionError(f"{method.upper()} {path} is not in the document")


def strict(schema):
    """Objects documented with their properties may not carry undocumented ones: the document lists every field."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    elif isinstance(schema, list):
        schema = [strict(item) for item in schema]
    return schema


def check(client, spec, method: str, url: str, *, token: str | None = None, json=None, status: int):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.open(url, method=method.upper(), json=json, headers=headers)
    assert response.status_code == status, (url, response.get_json())
    body = response.get_json()
    errors = sorted(Draft7Validator(strict(_documented_schema(spec, method, url, status))).iter_errors(body), key=str)
    assert not errors, f"{method.upper()} {url} {status}: {[e.message for e in errors][:5]}"
    return body


@pytest.fixture
def world(app_ctx):
    training = make_training(learners=2)
    session = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=3))
    other = make_training(slug="ibi", code="ASUHAN-BBL", learners=0)
    newcomer = make_user("baru@example.test", full_name="Peserta Baru")
    platform = make_user("root@example.test", is_platform_admin=True)
    pending = make_user("minta@example.test")
    training.cohort.needs_approval = True
    db.session.commit()
    make_enrolment(pending, training.cohort)
    return SimpleNamespace(t=training, session=session, other=other, newcomer=newcomer, platform=platform)


def test_real_responses_of_the_administration_endpoints_match_the_document(world, client, spec):
    admin = api_token(client, world.t.admin.email)
    cohort = world.t.cohort.id
    check(client, spec, "get", f"/api/v1/organizations/{world.t.organization.id}/cohorts", token=admin, status=200)
    check(client, spec, "get", f"/api/v1/cohorts/{cohort}", token=admin, status=200)
    check(client, spec, "patch", f"/api/v1/cohorts/{cohort}", token=admin, json={"place": "Aula 2"}, status=200)
    body = {"user_ids": [world.newcomer.id], "emails": ["nobody@example.test"]}
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/enrolments", token=admin, json=body, status=200)
    listed = check(client, spec, "get", f"/api/v1/cohorts/{cohort}/enrolments", token=admin, status=200)
    pending = [e["id"] for e in listed if e["status"] == "pending"]
    decision = {"enrolment_ids": pending, "decision": "approve"}
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/enrolments/decisions", token=admin, json=decision,
          status=200)  # fmt: skip
    check(client, spec, "get", f"/api/v1/cohorts/{cohort}/sessions", token=admin, status=200)
    check(client, spec, "get", f"/api/v1/sessions/{world.session.id}/marks", token=admin, status=200)
    check(client, spec, "post", f"/api/v1/sessions/{world.session.id}/marks/all-present", token=admin, status=200)
    marks = check(client, spec, "get", f"/api/v1/sessions/{world.session.id}/marks", token=admin, status=200)
    assert {m["status"] for m in marks} == {"hadir"}
    check(client, spec, "get", "/api/v1/search?q=peserta", token=admin, status=200)
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/close-enrolment", token=admin, status=200)
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/cancel", token=admin, json={"reason": "Banjir"}, status=200)

    root = api_token(client, world.platform.email)
    users = check(client, spec, "get", "/api/v1/users?q=peserta", token=root, status=200)
    assert users["total"] >= 2 and isinstance(users["total"], int)
    check(client, spec, "patch", f"/api/v1/users/{world.newcomer.id}", token=root, json={"is_active": False},
          status=200)  # fmt: skip
    check(client, spec, "post", f"/api/v1/users/{world.t.learners[0].id}/password-reset", token=root, status=200)


def test_real_error_responses_match_the_document(world, client, spec):
    admin = api_token(client, world.t.admin.email)
    other_admin = api_token(client, world.other.admin.email)
    learner = api_token(client, world.t.learners[0].email)
    cohort = world.t.cohort.id
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/enrolments", json={"user_ids": [1]}, status=401)
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/enrolments", token=other_admin, json={"user_ids": [1]},
          status=404)  # fmt: skip
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/enrolments", token=admin, json={}, status=422)
    check(client, spec, "get", "/api/v1/search?q=peserta", token=learner, status=403)
    check(client, spec, "get", "/api/v1/users", token=admin, status=403)
    world.t.cohort.capacity = 2
    db.session.commit()
    many = {"user_ids": [world.newcomer.id, world.platform.id]}
    check(client, spec, "post", f"/api/v1/cohorts/{cohort}/enrolments", token=admin, json=many, status=409)
    check(client, spec, "get", f"/api/v1/sessions/{world.session.id}/marks", token=other_admin, status=404)


def test_numbers_are_typed_as_numbers_in_the_administration_schemas(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Cohort", "AdminEnrolment", "BulkEnrolmentResult", "DecisionResult", "ParticipantMark",
                 "AdminUser", "UserPage", "SearchResult", "Person", "CohortHit"):  # fmt: skip
        for field, schema in schemas[name]["properties"].items():
            assert "type" in schema or "$ref" in schema or "items" in schema, (name, field)
            if field == "id" or field.endswith("_id"):
                assert schema["type"] == "integer", (name, field)
            if field.endswith("_ids"):
                assert schema["items"]["type"] == "integer", (name, field)


NUMERIC_NAME = re.compile(
    r"(^|_)(skp|jpl|score|grade|fraction|mean|percent|total|earned|minimum|missing|target|count|responses|sent|done|"
    r"number|version|minutes|seconds|mark|capacity|left|allowed|removals|index|id)(_|$)"
)
STRING_NAMED_NUMERIC = {
    # Identifiers and codes that are text by design, named like numbers.
    ("Certificate", "id"), ("Certificate", "number"), ("CertificateHit", "number"), ("Item", "id"), ("Asked", "id"),
    ("Entry", "source_id"), ("ScoreIn", "client_id"), ("ScanOutcome", "scan_id"), ("Distribution", "item"),
    ("Me", "str_number"), ("AdminUser", "str_number"), ("Person", "str_number"), ("MemberRow", "membership_number"),
    ("Confirm", "membership_number"), ("Invitation", "membership_number"), ("MyMembership", "membership_number"),
    ("MembershipRequest", "membership_number"), ("CourseDetail", "accreditation_number"), ("Code", "code"),
    ("Certificate", "replaces"), ("Certificate", "replaced_by"), ("Key", "kid"), ("ResponseOut", "id"),
    ("Signature", "kid"), ("Entry", "counts"), ("MarkItem", "scan_id"), ("ScoreOutcome", "client_id"),
    ("CertificateHit", "public_id"), ("CourseReport", "responses"), ("Enrolment", "missing"),
    ("CourseSummary", "target_professions"), ("CourseDetail", "target_professions"),
}  # fmt: skip


def test_every_number_in_every_schema_is_typed_as_a_number(spec):
    """SKP, JPL, scores, counts and ids are JSON numbers (decimals too), typed so in the document (README, API)."""
    wrong = []
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if (name, field) in STRING_NAMED_NUMERIC or not NUMERIC_NAME.search(field) or field.startswith("skp_ranah"):
                continue
            if prop.get("format") in ("date", "date-time") or {"$ref", "allOf", "anyOf", "oneOf"} & set(prop):
                continue
            typed = prop.get("items", {}).get("type") if prop.get("type") == "array" else prop.get("type")
            if typed not in ("number", "integer", "boolean"):
                wrong.append((name, field, prop.get("type")))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_learners_record_certificates_and_courses_carry_numbers_as_the_document_says(client, spec, app_ctx):
    world = make_certificate_world()
    learner, enrolment = finished_learner(world.cohort, "siti@example.test")
    if db.session.execute(select(Certificate)).first() is None:
        issue(world.admin, enrolment)
    token = api_token(client, learner.email)
    record = check(client, spec, "get", "/api/v1/me/record", token=token, status=200)
    assert isinstance(record["standing"]["target"], int | float) and isinstance(record["jpl_total"], int | float)
    assert all(isinstance(e["skp"], int | float) for e in record["entries"]) and record["entries"]
    (certificate,) = check(client, spec, "get", "/api/v1/me/certificates", token=token, status=200)
    assert isinstance(certificate["skp"], float) and isinstance(certificate["jpl"], float)
    courses = check(client, spec, "get", "/api/v1/courses", token=token, status=200)
    assert all(isinstance(c["skp"], float) for c in courses)
    detail = check(client, spec, "get", f"/api/v1/enrolments/{enrolment.id}", token=token, status=200)
    assert isinstance(detail["progress"]["percent"], int)


def test_the_role_needed_is_the_one_that_answers(world, client):
    # A facilitator of the cohort runs its sessions but does not administer its enrolments.
    token = api_token(client, world.t.facilitator.email)
    assert world.t.facilitator.has_role(Role.FACILITATOR)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/cohorts/{world.t.cohort.id}/sessions", headers=headers).status_code == 200
    assert client.get(f"/api/v1/cohorts/{world.t.cohort.id}/enrolments", headers=headers).status_code == 404
