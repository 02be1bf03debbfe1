"""Migration 0021 seals the TOTP secrets already stored in clear, and its downgrade opens them again."""

from __future__ import annotations

import pyotp
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.core import secret_box
from lms.core.database import dispose_engines
from lms.extensions import db
from tests.migrations import migration_app

BEFORE, AFTER = "0021", "0022"


def test_migration_seals_existing_secrets_and_the_downgrade_opens_them(tmp_path):
    app = migration_app(tmp_path)
    secret = pyotp.random_base32()
    directory = app.extensions["migrate"].directory
    try:
        with app.app_context():
            upgrade(directory=directory, revision=BEFORE)
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, password_hash, full_name, timezone, is_platform_admin, "
                        "is_active_account, session_version, totp_secret, created_at) VALUES (7, 'a@example.test', "
                        "'x', 'A', 'Asia/Jakarta', false, true, 1, :secret, '2026-01-01 00:00:00')"
                    ),
                    {"secret": secret},
                )
            upgrade(directory=directory, revision=AFTER)
            columns = {column["name"] for column in inspect(db.engine).get_columns("users")}
            assert "totp_secret" not in columns
            with db.engine.connect() as connection:
                stored = connection.execute(text("SELECT totp_secret_sealed FROM users WHERE id = 7")).scalar_one()
            assert secret not in stored
            assert secret_box.open_sealed(stored, "lentera-totp:7", app.config) == secret

            downgrade(directory=directory, revision=BEFORE)
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT totp_secret FROM users WHERE id = 7")).scalar_one() == secret
    finally:
        with app.app_context():
            dispose_engines()
