"""Lentera: continuing competency training and QR-verified certificates for Indonesian health workers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import configure_mappers

from lms.config import MissingSecretKey
from lms.core.application import Lentera

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _database_uri(app: Flask) -> str:
    url = app.config.get("DATABASE_URL") or ""
    if not url:
        return "sqlite:///" + os.path.join(app.instance_path, "lms.sqlite")
    # psycopg 3 is our PostgreSQL driver; accept the plain scheme people copy from elsewhere.
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then LMS_* environment variables, then `config`."""
    app = Lentera(
        __name__,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object("lms.config.DefaultConfig")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LMS")
    if config:
        app.config.from_mapping(config)
    app.config["COURSES_DIR"] = app.config.get("COURSES_DIR") or str(PROJECT_ROOT / "courses")
    app.config.setdefault("TRANSLATIONS_DIR", str(Path(__file__).resolve().parent / "translations"))
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_uri(app)

    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise MissingSecretKey(
                "No secret key: run `lms init` to write one into the instance folder, "
                "or set the LMS_SECRET_KEY environment variable."
            )
        app.config["SECRET_KEY"] = "development-only-not-secret"
    if app.config["PUBLIC_URL"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    _check_settings(app)
    os.makedirs(app.instance_path, exist_ok=True)
    from lms.core import routing

    routing.init_app(app)  # before any route is added: every `<int:...>` uses the bounded converter
    _init_extensions(app)
    _register_blueprints(app)
    # Every model is imported now: set up their relationships here, not in a worker's first request.
    configure_mappers()
    _wrap_wsgi_app(app)
    return app


def _check_settings(app: Flask) -> None:
    """Refuse to start on a setting that cannot work (lms.core.settings.SettingError names it), not at first use."""
    from lms.certificates.key_database import keys_in_database
    from lms.core.proxies import parse_trusted_proxies
    from lms.core.storage import storage_name

    storage_name(app)
    keys_in_database(app)
    parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))


def _init_extensions(app: Flask) -> None:
    from lms import cli
    from lms.core import compression, database, errors, i18n, menu, security, urls
    from lms.extensions import db, limiter, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    compression.init_app(app)
    i18n.init_app(app)
    menu.init_app(app)
    urls.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from lms.accounts import login

    login.init_app(app)
    from lms import jobs

    jobs.init_app(app)


def _wrap_wsgi_app(app: Flask) -> None:
    """WSGI middleware, innermost first: the trusted proxies' outermost, so that every layer sees the client's
    address and scheme."""
    from lms.certificates.verify_fast_path import VerifyFastPath
    from lms.core import proxies

    app.wsgi_app = VerifyFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    proxies.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from lms import accounts, attendance, certificates, courses, instruments, notifications, quizzes, records, search
    from lms.api import register_api
    from lms.core import views as core_views

    app.register_blueprint(core_views.bp)
    for feature in (accounts, courses, quizzes, attendance, certificates, instruments, records, notifications, search):
        app.register_blueprint(feature.bp)
    # Registries and event listeners, lowest floor first: the order of the requirement list does not depend on
    # which module happened to be imported first.
    for feature in (courses, quizzes, attendance, certificates, instruments, records, notifications):
        feature.connect()
    register_api(app)
    # Keep models imported so that migrations and create_all see every table.
    from lms.accounts.member_import import models as member_import_models  # noqa: F401
    from lms.attendance import models as attendance_models  # noqa: F401
    from lms.certificates import key_database  # noqa: F401
    from lms.certificates import models as certificates_models  # noqa: F401
    from lms.core import audit, rate_counters, stored_files  # noqa: F401
    from lms.instruments import models as instruments_models  # noqa: F401
    from lms.jobs import models as jobs_models  # noqa: F401
    from lms.notifications import models as notifications_models  # noqa: F401
    from lms.quizzes import models as quizzes_models  # noqa: F401
    from lms.records import models as records_models  # noqa: F401
