from lms.extensions import db
from tests.factories import make_user


def test_indonesian_by_default_english_by_switch(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page and "Masuk" in page
    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_language_switch_ignores_unknown_locale_and_foreign_next(client):
    response = client.post("/language", data={"locale": "xx", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"
    assert '<html lang="id">' in client.get("/").get_data(as_text=True)


def test_language_choice_is_remembered_for_the_user(client, auth, app_ctx):
    user = make_user("a@example.test")
    auth.login("a@example.test")
    client.post("/language", data={"locale": "en"})
    db.session.refresh(user)
    assert user.locale == "en"
    auth.logout()
    other = client.application.test_client()
    other.post("/login", data={"email": "a@example.test", "password": "rahasia-sekali-123"})
    assert '<html lang="en">' in other.get("/profile").get_data(as_text=True)


def test_times_shown_in_users_zone(client, auth, app_ctx):
    make_user("a@example.test", timezone="Asia/Jayapura")
    auth.login("a@example.test")
    client.post("/profile/tokens", data={"name": "HP"})
    assert "WIT" in client.get("/profile").get_data(as_text=True)


def test_validation_messages_are_translated(client):
    page = client.post("/register", data={"email": "x"}).get_data(as_text=True)
    assert "Kolom ini wajib diisi." in page
    client.post("/language", data={"locale": "en"})
    page = client.post("/register", data={"email": "x"}).get_data(as_text=True)
    assert "This field is required." in page
