"""Fixtures: one database per test run (SQLite, or PostgreSQL from LMS_TEST_DATABASE_URL), emptied after each test."""

from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from lms import create_app, jobs
from lms.core.database import dispose_engines
from lms.courses.catalog_cache import catalog_cache
from lms.extensions import db, limiter
from lms.jobs import huey
from tests.factories import PASSWORD

TEST_DATABASE_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")


def _reset_schema(app) -> None:
    """Start every run from an empty database, so that the migrations build the whole schema."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a server would, even while the test holds one open
    (otherwise Flask reuses the test's context, and `g` and the database session leak between requests)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{instance / 'test.sqlite'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WTF_CSRF_ENABLED": False,
            # Most tests log in as admins with a password only; tests/functional/test_two_factor.py turns it on.
            "REQUIRE_2FA_FOR_ADMINS": False,
            "PUBLIC_URL": "http://localhost",
            "SIGNING_KEYS_DIR": str(instance / "keys"),
            # Uploads stay in the run's own folder, never in the checkout's instance/.
            "UPLOADS_DIR": str(instance / "uploads"),
            # Jobs run at once in the caller (TESTING); a test that starts a consumer gets this queue file.
            "JOBS_SQLITE_PATH": str(instance / "jobs.sqlite"),
            # Empty: the default (database on PostgreSQL, the folder on SQLite); LMS_TEST_STORAGE picks another.
            "STORAGE": os.environ.get("LMS_TEST_STORAGE", ""),
            # A confirmed member import runs within the request, so a test reads its result at once.
            "MEMBER_IMPORT_IN_BACKGROUND": False,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _reset_schema(app)
        upgrade(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context():
        dispose_engines()


def _empty_tables() -> None:
    db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def _clean_state(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            _empty_tables()
            limiter.reset()
            catalog_cache().forget_all()  # the app lives for the whole run: no test sees another's catalog


@pytest.fixture(autouse=True)
def _keep_the_job_queue():
    """A test that builds an app of its own (`lms init`, a migration check) points the global job queue at that app,
    not in immediate mode: put the queue back, so that the next test's jobs still run at once for the test app."""
    saved = (jobs._app, huey._immediate, huey.name, huey.storage_class, huey.storage_kwargs, huey.storage)
    yield
    jobs._app, huey._immediate, huey.name, huey.storage_class, huey.storage_kwargs, huey.storage = saved


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Auth:
    """Logs a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def api_token(client, email: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]
