"""Migrations run over a database in use, not only an empty one: on SQLite a batch migration rebuilds a table (copy,
DROP, rename), which failed with foreign keys enforced as soon as other rows referenced it (0022 on `users`)."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.core.database import dispose_engines
from lms.extensions import db
from tests.migrations import migration_app


def _counts(*tables: str) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in tables}


def _foreign_keys_enforced() -> bool:
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_sqlite_database_with_the_demo_data_goes_down_and_up_through_every_migration(tmp_path):
    app = migration_app(tmp_path)
    directory = app.extensions["migrate"].directory
    try:
        with app.app_context():
            upgrade(directory=directory)
            result = app.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            kept = _counts("users", "memberships", "organizations")
            assert kept["users"] > 5

            downgrade(directory=directory, revision="0021")  # 0022's downgrade rebuilds `users`: referenced rows
            assert _counts("users", "memberships", "organizations") == kept
            upgrade(directory=directory)  # and 0022's upgrade rebuilds it again
            assert _counts("users", "memberships", "organizations") == kept
            assert _foreign_keys_enforced()  # the app's connections enforce them again after a migration

            downgrade(directory=directory, revision="base")
            assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
            upgrade(directory=directory)
            assert "member_names" in inspect(db.engine).get_table_names()
            assert _foreign_keys_enforced()
            with db.engine.connect() as connection:
                triggers = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
                assert {"member_names_membership_inserted", "member_names_user_renamed"} <= set(triggers)
    finally:
        with app.app_context():
            dispose_engines()


def test_sqlite_database_with_a_broken_reference_is_not_migrated(tmp_path):
    app = migration_app(tmp_path)
    directory = app.extensions["migrate"].directory
    try:
        with app.app_context():
            upgrade(directory=directory, revision="0021")
            with db.engine.connect() as connection:
                # A reference broken before the migration (written with enforcement off): the migration refuses to
                # start (on SQLite a migration that fails halfway is not rolled back).
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.execute(
                    text(
                        "INSERT INTO memberships (id, user_id, organization_id, role, created_at) "
                        "VALUES (1, 999, 999, 'learner', '2026-01-01 00:00:00')"
                    )
                )
                connection.commit()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            with pytest.raises(SystemExit):  # (Flask-Migrate logs the error and exits, as `lms db upgrade` does)
                upgrade(directory=directory, revision="0022")
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0021"
            assert "totp_secret" in {column["name"] for column in inspect(db.engine).get_columns("users")}
    finally:
        with app.app_context():
            dispose_engines()
