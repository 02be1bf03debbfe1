"""Accounts: users, organizations, memberships and roles, login, API tokens, profiles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from lms.accounts import jobs_views, two_factor_views, views  # noqa: E402,F401
