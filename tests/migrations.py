"""An app on a SQLite file of its own, for tests that run the migrations themselves (up, down, with rows between)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from lms import create_app


def migration_app(tmp_path: Path, secret_key: str = "migration-secret") -> Flask:
    """Nothing migrated yet: the test upgrades to the revision it needs (`app.extensions["migrate"].directory`)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secret_key,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'migrate.sqlite'}",
            "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
            "UPLOADS_DIR": str(tmp_path / "uploads"),
            "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
        }
    )
