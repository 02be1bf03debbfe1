"""Budgets of the doors to an account: failures per account across all addresses, and requests per address.

Per account, only failures count, wherever they come from: after ACCOUNT_LOGIN_FAILURE_LIMIT wrong passwords the
account refuses every login attempt (even the right password, or guessing would go on) until the window ends, so
its owner waits minutes at most, never hours. Unknown e-mails count the same way, so a refusal never tells which
e-mails have an account. Per address the ceiling is high (LOGIN_RATE_LIMIT): a class of thirty behind one NAT logs
in within a minute. The counts live where every worker sees them (lms.core.rate_limits, `shared`).
"""

from __future__ import annotations

import hashlib

from flask import current_app

from lms.core.rate_limits import parse_rate
from lms.extensions import limiter

LOGIN_FAILURES = "login-failures"
RESET_REQUESTS = "reset-requests"


def account_key(email: str) -> str:
    """The e-mail as a counter key: a digest, so the counters hold no address (personal data)."""
    normalized = email.strip().lower()
    return hashlib.sha256(f"lentera-throttle:{normalized}".encode()).hexdigest()[:32]


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def register_rate_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def refuse_locked_account(email: str) -> None:
    """429 while the account has used up its failed-login budget."""
    rate = parse_rate(current_app.config["ACCOUNT_LOGIN_FAILURE_LIMIT"])
    limiter.refuse_if_spent(LOGIN_FAILURES, rate, who=account_key(email))


def record_login_failure(email: str) -> None:
    rate = parse_rate(current_app.config["ACCOUNT_LOGIN_FAILURE_LIMIT"])
    limiter.count(LOGIN_FAILURES, rate, who=account_key(email))


def count_account_request(email: str, scope: str = RESET_REQUESTS) -> None:
    """Count a request that sends mail to an account (reset link, "already registered"); 429 over the budget."""
    rate = parse_rate(current_app.config["ACCOUNT_MAIL_LIMIT"])
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter.hit(scope, rate, who=account_key(email), shared=True)
