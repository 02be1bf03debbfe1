from lms.accounts.models import Role
from tests.conftest import api_token
from tests.factories import make_organization, make_user


def test_token_then_me_shows_masked_nik_and_roles(client, app_ctx):
    org = make_organization("ppni", name="PPNI")
    make_user("a@example.test", nik="3201010101900001", role=Role.FACILITATOR, organization=org)
    token = api_token(client, "a@example.test")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.get_json()
    assert body["email"] == "a@example.test"
    assert body["nik_masked"] == "3201********0001"
    assert "3201010101900001" not in me.get_data(as_text=True)
    assert body["memberships"] == [
        {
            "id": body["memberships"][0]["id"],
            "organization_id": org.id,
            "organization_name": "PPNI",
            "role": "facilitator",
        }
    ]
    assert "Set-Cookie" not in me.headers  # token calls do not start browser sessions


def test_wrong_password_gives_json_401(client, app_ctx):
    make_user("a@example.test")
    response = client.post("/api/v1/auth/token", json={"email": "a@example.test", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_token_request_validation_error_is_json_422(client, app_ctx):
    response = client.post("/api/v1/auth/token", json={"email": "not-an-email"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["details"]["json"]) == {"email", "password"}


def test_me_without_or_with_bad_token_is_401(client, app_ctx):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lnt_forged"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_revoking_token_through_api(client, app_ctx):
    make_user("a@example.test")
    token = api_token(client, "a@example.test")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_inactive_users_token_stops_working(client, app_ctx):
    from lms.extensions import db

    user = make_user("a@example.test")
    token = api_token(client, "a@example.test")
    user.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_openapi_document_is_generated(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/auth/token", "/api/v1/me", "/api/v1/organizations/{organization_id}/members"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "#/components/schemas/Me" in str(spec["paths"]["/api/v1/me"]["get"]["responses"]["200"])


def test_openapi_tells_which_endpoints_answer_429_and_how_long_to_wait(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/verify", "/api/v1/auth/token"):
        refused = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in refused["headers"]
        assert "#/components/schemas/ApiError" in str(refused["content"])


def test_token_use_is_recorded_even_by_a_get(client, app_ctx):
    from sqlalchemy import select

    from lms.accounts.models import ApiToken
    from lms.extensions import db

    make_user("reader@example.test")
    token = api_token(client, "reader@example.test")
    assert db.session.execute(select(ApiToken.last_used_at)).scalar_one() is None
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["email"] == "reader@example.test"
    db.session.expire_all()
    assert db.session.execute(select(ApiToken.last_used_at)).scalar_one() is not None
