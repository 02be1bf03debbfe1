"""Migration 0021 merges `consent_records` into `consents` (one table, one model, one service) and its downgrade
splits them again: checked on a database of its own, migrated to 0020 with rows in both tables."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lms.core.database import dispose_engines
from lms.extensions import db
from tests.migrations import migration_app

GIVEN = "2026-01-02 03:04:05+00:00"


def test_0021_moves_every_consent_into_one_table_and_back(tmp_path):
    app = migration_app(tmp_path)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        try:
            upgrade(directory=directory, revision="0022")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO users (id, email, password_hash, full_name, timezone, is_platform_admin, "
                    "is_active_account, created_at) VALUES (1, 'a@x.test', '!', 'A', 'Asia/Jakarta', 0, 1, :at)"
                ), {"at": GIVEN})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO organizations (id, slug, name, kind, admins_require_two_factor, created_at) "
                    "VALUES (1, 'ppni', 'PPNI', 'professional', 0, :at)"
                ), {"at": GIVEN})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO consents (user_id, kind, wording, locale, given_at) "
                    "VALUES (1, 'registration', 'daftar', 'id', :at)"
                ), {"at": GIVEN})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO consent_records (user_id, purpose, organization_id, wording, locale, given_at, "
                    "withdrawn_at) VALUES (1, 'organization_record', 1, 'PPNI melihat', 'en', :at, :at)"
                ), {"at": GIVEN})  # fmt: skip
            upgrade(directory=directory, revision="0023")
            with db.engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT purpose, organization_id, wording, locale, withdrawn_at IS NOT NULL FROM consents "
                         "ORDER BY id")
                ).all()  # fmt: skip
                tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
                assert "consent_records" not in set(tables)
            assert [tuple(row) for row in rows] == [
                ("registration", None, "daftar", "id", 0),
                ("organization_record", 1, "PPNI melihat", "en", 1),
            ]
            downgrade(directory=directory, revision="0022")
            with db.engine.connect() as connection:
                kept = connection.execute(text("SELECT kind, wording FROM consents")).all()
                moved = connection.execute(text("SELECT purpose, organization_id FROM consent_records")).all()
            assert [tuple(row) for row in kept] == [("registration", "daftar")]
            assert [tuple(row) for row in moved] == [("organization_record", 1)]
        finally:
            dispose_engines()
