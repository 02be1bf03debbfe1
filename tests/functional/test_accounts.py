import re

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.mail import OutboxMessage
from lms.extensions import db
from tests.conftest import Auth
from tests.factories import PASSWORD, make_user

REGISTRATION = {
    "full_name": "Ns. Dewi Lestari, S.Kep.",
    "email": "Dewi@Example.test",
    "password": "perawat-hebat-2026",
    "confirm": "perawat-hebat-2026",
    "profession_code": "perawat",
    "nik": "3201014501900001",
    "str_number": "qn00001073380217",
    "facility": "Puskesmas Tanalili",
    "timezone": "Asia/Makassar",
}


def _user_count() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


def test_register_creates_account_then_login_shows_masked_nik(client, app_ctx):
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    user = db.session.execute(select(User)).scalar_one()
    assert user.email == "dewi@example.test"
    assert user.nik == "3201014501900001"
    assert user.str_number == "QN00001073380217"
    assert user.timezone == "Asia/Makassar"
    assert user.password_hash != REGISTRATION["password"]

    assert Auth(client).login("dewi@example.test", REGISTRATION["password"]).status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "3201********0001" in page
    assert "3201014501900001" not in page
    assert "WITA" in page


def test_register_with_bad_nik_shows_error_and_creates_nothing(client, app_ctx):
    response = client.post("/register", data={**REGISTRATION, "nik": "12345"})
    assert response.status_code == 200
    assert "16" in response.get_data(as_text=True)
    assert _user_count() == 0


def test_register_with_mismatched_passwords_creates_nothing(client, app_ctx):
    response = client.post("/register", data={**REGISTRATION, "confirm": "something-else-1"})
    assert response.status_code == 200
    assert _user_count() == 0


def _outbox_to(email: str) -> list[OutboxMessage]:
    """Mail kept in the outbox (no SMTP server in the tests' config)."""
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == email)).scalars())


def test_registering_a_taken_email_answers_the_same_and_mails_the_owner(client, app_ctx):
    make_user("dewi@example.test", full_name="Dewi Asli")
    fresh = client.post("/register", data={**REGISTRATION, "email": "new@example.test"}, follow_redirects=True)
    taken = client.post("/register", data=REGISTRATION, follow_redirects=True)
    assert _user_count() == 2
    assert db.session.execute(select(User).where(User.email == "dewi@example.test")).scalar_one().full_name == (
        "Dewi Asli"
    )
    flash = re.compile(r'<div class="flash flash-success"[^>]*>(.*?)</div>', re.S)
    assert flash.search(fresh.get_data(as_text=True)).group(1) == flash.search(taken.get_data(as_text=True)).group(1)
    assert len(_outbox_to("dewi@example.test")) == 1 and _outbox_to("new@example.test") == []


def test_login_failure_message_does_not_reveal_registered_emails(client, app_ctx):
    make_user("known@example.test")
    unknown = client.post("/login", data={"email": "nobody@example.test", "password": "whatever-123"})
    wrong = client.post("/login", data={"email": "known@example.test", "password": "whatever-123"})
    assert unknown.status_code == wrong.status_code == 200
    pick = re.compile(r'<div class="flash flash-error"[^>]*>(.*?)</div>', re.S)
    assert pick.search(unknown.get_data(as_text=True)).group(1) == pick.search(wrong.get_data(as_text=True)).group(1)


def test_login_redirects_only_to_local_next(client, app_ctx):
    make_user("a@example.test")
    response = client.post("/login?next=https://evil.example/x", data={"email": "a@example.test", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/profile", data={"email": "a@example.test", "password": PASSWORD})
    assert response.headers["Location"] == "/profile"


def test_logout_needs_post_and_ends_session(client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").headers["Location"].startswith("/login")


def test_inactive_user_cannot_log_in(client, auth, app_ctx):
    make_user("gone@example.test", is_active_account=False)
    auth.login("gone@example.test")
    assert client.get("/profile").status_code == 302


def test_change_password(client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    wrong = client.post(
        "/profile/password",
        data={
            "current_password": "not-it-at-all",
            "new_password": "baru-sekali-123",
            "confirm": "baru-sekali-123",
        },
    )
    assert wrong.status_code == 200 and "flash-error" in wrong.get_data(as_text=True)
    ok = client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "new_password": "baru-sekali-123", "confirm": "baru-sekali-123"},
    )
    assert ok.status_code == 302
    auth.logout()
    assert auth.login("a@example.test", PASSWORD).status_code == 200  # old password refused
    assert auth.login("a@example.test", "baru-sekali-123").status_code == 302


def test_password_reset_by_emailed_link_works_once(client, auth, app_ctx):
    make_user("a@example.test")
    response = client.post("/password/forgot", data={"email": "a@example.test"})
    assert response.status_code == 302
    # Without an SMTP server the mail waits in the outbox (/admin/outbox), not in a log line.
    (mail,) = _outbox_to("a@example.test")
    link = re.search(r"http://localhost(/password/reset/\S+)", mail.text).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"new_password": "lupa-lagi-2026", "confirm": "lupa-lagi-2026"}).status_code == 302
    assert auth.login("a@example.test", "lupa-lagi-2026").status_code == 302
    auth.logout()
    # The link is spent: the password it was made for has changed.
    spent = client.get(link)
    assert spent.status_code == 302 and spent.headers["Location"].endswith("/password/forgot")


def test_password_reset_for_unknown_email_answers_the_same(client, app_ctx):
    response = client.post("/password/forgot", data={"email": "nobody@example.test"}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.execute(select(OutboxMessage)).first() is None


def test_tampered_reset_link_is_refused(client, app_ctx):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password/forgot")


def test_profile_edit_keeps_nik_when_left_empty_and_validates(client, auth, app_ctx):
    user = make_user("a@example.test", nik="3201010101900001")
    auth.login("a@example.test")
    form = client.get("/profile/edit").get_data(as_text=True)
    assert "3201010101900001" not in form and "3201********0001" in form
    data = {"full_name": "Nama Baru", "profession_code": "bidan", "nik": "", "timezone": "Asia/Jayapura"}
    assert client.post("/profile/edit", data=data).status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.profession_code, user.nik, user.timezone) == (
        "Nama Baru",
        "bidan",
        "3201010101900001",
        "Asia/Jayapura",
    )
    bad = client.post("/profile/edit", data={**data, "profession_code": "astronaut"})
    assert bad.status_code == 200
    db.session.refresh(user)
    assert user.profession_code == "bidan"


def test_api_tokens_listed_on_profile_and_revocable(client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    created = client.post("/profile/tokens", data={"name": "Aplikasi HP"}).get_data(as_text=True)
    token = re.search(r'data-testid="new-token">(lnt_[^<]+)<', created).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    profile = client.get("/profile").get_data(as_text=True)
    assert "Aplikasi HP" in profile and token not in profile
    token_id = re.search(r"/profile/tokens/(\d+)/revoke", profile).group(1)
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client, auth, app_ctx):
    from lms.accounts.services import create_api_token

    other = make_user("other@example.test")
    token, _plaintext = create_api_token(other, "theirs")
    db.session.commit()
    make_user("a@example.test")
    auth.login("a@example.test")
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_the_password_minimum_comes_from_the_setting(app, client):
    """The forms read PASSWORD_MIN_LENGTH (once hard-coded as 10 in three fields beside the setting)."""
    app.config["PASSWORD_MIN_LENGTH"] = 14
    try:
        client.post("/language", data={"locale": "en"})
        page = client.get("/register").get_data(as_text=True)
        assert "At least 14 characters." in page
        data = {"email": "panjang@example.test", "password": "twelve-chars", "confirm": "twelve-chars",
                "full_name": "Sari Dewi", "profession_code": "perawat", "timezone": "Asia/Jakarta"}  # fmt: skip
        response = client.post("/register", data=data)
        assert response.status_code == 200 and b"panjang@example.test" in response.data  # shown again, refused
        from lms.accounts.models import User
        from lms.extensions import db

        with app.app_context():
            assert db.session.execute(db.select(User).where(User.email == "panjang@example.test")).first() is None
    finally:
        app.config["PASSWORD_MIN_LENGTH"] = 10
