"""`lms certificates issue|revoke|verify` and `lms keys list|rotate|withdraw`."""

from __future__ import annotations

from flask.cli import AppGroup

certificates_group = AppGroup("certificates", help="Issue, revoke and verify certificates.")
keys_group = AppGroup("keys", help="Certificate signing keys: list, rotate, withdraw.")
