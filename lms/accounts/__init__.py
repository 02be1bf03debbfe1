"""Accounts: users, organizations, memberships and roles, login, API tokens, profiles, member import, user admin."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from lms.accounts import audit_sentences, jobs_views, membership_views, two_factor_views, user_admin_views, views  # noqa: E402,F401
from lms.accounts.member_import import views as member_import_views  # noqa: E402,F401
