"""Account rules: registration, authentication, passwords, profiles, organizations, memberships, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.consent import give_consent
from lms.accounts.identity import is_valid_nik, normalize_nik, professions
from lms.accounts.models import (
    ApiToken,
    ConsentPurpose,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    TimeZone,
    User,
)
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.mail import send_mail
from lms.core.models import utcnow
from lms.extensions import db

TOKEN_PREFIX = "lnt_"


class InvalidResetLink(InvalidInput):
    def default_message(self):
        return _l("This password reset link is invalid or has expired. Please ask for a new one.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str, email: str = "") -> None:
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise InvalidInput(
            _l(
                "The password must have at least %(n)d characters.",
                n=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        )
    if email and password.strip().lower() == normalize_email(email):
        raise InvalidInput(_l("The password must not be your e-mail address."))


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == normalize_email(email))).scalar_one_or_none()


def _clean_profile(
    *, full_name: str, profession_code: str | None, nik: str | None, str_number: str | None, timezone: str
) -> dict:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise InvalidInput(_l("Enter your name as written on your STR."))
    if profession_code and profession_code not in professions():
        raise InvalidInput(_l("Choose a profession from the list."))
    nik = normalize_nik(nik)
    if nik is not None and not is_valid_nik(nik):
        raise InvalidInput(_l("A NIK has 16 digits, as on the KTP."))
    if timezone not in {tz.value for tz in TimeZone}:
        raise InvalidInput(_l("Choose WIB, WITA or WIT."))
    return {
        "full_name": full_name,
        "profession_code": profession_code or None,
        "nik": nik,
        "str_number": (str_number or "").strip().upper() or None,
        "timezone": TimeZone(timezone),
    }


def register_user(
    *,
    email: str,
    password: str,
    full_name: str,
    profession_code: str | None,
    nik: str | None = None,
    str_number: str | None = None,
    facility: str | None = None,
    timezone: str = TimeZone.WIB.value,
    login_url: str = "",
    consent_wording: str | None = None,
    locale: str = "id",
) -> User | None:
    """Create an account. For an e-mail already registered, nothing is created and its owner is told by e-mail,
    so the caller's answer is the same either way and never reveals who has an account. `consent_wording`: the
    consent as shown to the person, kept with the time (lms.accounts.consent)."""
    email = normalize_email(email)
    profile = _clean_profile(
        full_name=full_name,
        profession_code=profession_code,
        nik=nik,
        str_number=str_number,
        timezone=timezone,
    )
    check_password_rules(password, email)
    password_hash = hash_password(password)  # on both paths, so their times do not tell registered e-mails apart
    if find_user_by_email(email) is not None:
        send_mail(
            email,
            str(_l("Lentera: someone tried to register with your e-mail")),
            str(
                _l(
                    "Someone tried to create a Lentera account with this e-mail address, which already has one. "
                    "If it was you, log in at %(url)s or reset your password there.",
                    url=login_url,
                )
            ),
        )
        return None
    user = User(
        email=email,
        password_hash=password_hash,
        facility=(facility or "").strip() or None,
        **profile,
    )
    db.session.add(user)
    db.session.flush()
    if consent_wording:
        give_consent(user, ConsentPurpose.REGISTRATION, consent_wording, locale=locale)
    return user


# A real hash to check against when the e-mail is unknown, so both paths cost one hash check: made once per method
# (not with `setdefault`, whose default would be computed, a second hash, on every call).
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY_HASH[method]


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password):
        raise InvalidInput(_l("The current password is not correct."))
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    # Whoever else knew the old password may still be logged in: end those sessions (the view keeps this one).
    user.end_all_sessions()


def log_out_everywhere(user: User) -> None:
    """End every login session of the user, on every device (the view opens a new one for the current device)."""
    user.end_all_sessions()
    record_audit(user, "account.sessions_ended", user)


def _reset_serializer(salt: str = "lms-password-reset") -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


INVITATION_SALT = "lms-invitation"
"""An invitation (an imported member's set-password link) is a reset token that lives longer
(INVITATION_MAX_AGE): the same page sets the password, and it too stops working once a password is set."""


def _password_fingerprint(user: User) -> str:
    # Part of the token so that a link stops working once the password has changed (one use only).
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "p": _password_fingerprint(user)})


def send_password_reset(email: str, reset_url: Callable[[str], str]) -> None:
    """E-mail a reset link if the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = reset_url(password_reset_token(user))
    send_mail(
        user.email,
        str(_l("Lentera: reset your password")),
        str(
            _l(
                "Open this link within one hour to choose a new password:\n%(link)s\n\n"
                "If you did not ask for this, ignore this message.",
                link=link,
            )
        ),
    )


def invitation_token(user: User) -> str:
    return _reset_serializer(INVITATION_SALT).dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User:
    """The user of a reset link (one hour) or of an invitation's set-password link (INVITATION_MAX_AGE)."""
    config = current_app.config
    try:
        data = _reset_serializer().loads(token, max_age=config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired as error:
        raise InvalidResetLink() from error
    except BadSignature:
        try:
            data = _reset_serializer(INVITATION_SALT).loads(token, max_age=config["INVITATION_MAX_AGE"])
        except (SignatureExpired, BadSignature) as error:
            raise InvalidResetLink() from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("p") != _password_fingerprint(user):
        raise InvalidResetLink()
    return user


def reset_password(token: str, new_password: str, *, revoke_api_tokens: bool = False) -> User:
    """Set a new password from a reset link. Every login session ends (whoever took the account is thrown out);
    with `revoke_api_tokens`, every API token stops working too."""
    user = user_for_reset_token(token)
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.end_all_sessions()
    revoked = revoke_all_api_tokens(user) if revoke_api_tokens else 0
    record_audit(user, "account.password_reset", user, tokens_revoked=revoked)
    return user


def update_profile(
    user: User,
    *,
    full_name: str,
    profession_code: str | None,
    nik: str | None,
    str_number: str | None,
    facility: str | None,
    timezone: str,
) -> User:
    profile = _clean_profile(
        full_name=full_name,
        profession_code=profession_code,
        nik=nik,
        str_number=str_number,
        timezone=timezone,
    )
    if profile["nik"] is None:
        # An empty NIK field keeps the stored one: the form never shows it unmasked.
        profile.pop("nik")
    for key, value in profile.items():
        setattr(user, key, value)
    user.facility = (facility or "").strip() or None
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_l("That language is not available."))
    user.locale = locale


# --- organizations and memberships -------------------------------------------------------------------------


def create_organization(
    actor: User, *, slug: str, name: str, kind: str, province: str | None = None, regency: str | None = None
) -> Organization:
    if not actor.is_platform_admin:
        raise PermissionDenied()
    slug = slug.strip().lower()
    if db.session.execute(select(Organization.id).where(Organization.slug == slug)).first():
        raise Conflict(_l("An organization with the short name %(slug)s already exists.", slug=slug))
    organization = Organization(
        slug=slug,
        name=name.strip(),
        kind=OrganizationKind(kind),
        province=(province or "").strip() or None,
        regency=(regency or "").strip() or None,
    )
    db.session.add(organization)
    db.session.flush()
    record_audit(actor, "organization.create", organization, organization.id, name=organization.name)
    return organization


PLATFORM_GOVERNED_FIELDS = ("kind", "province", "regency", "admins_require_two_factor")
"""An organization's kind and region decide what it supervises (a health office supervises its area), and whether
its admins need two-factor is a security rule set from above: only the platform admin sets them."""


def update_organization(
    actor: User,
    organization: Organization,
    *,
    name: str,
    **governed: str | None,
) -> Organization:
    """Change an organization's name, and (platform admin only) its kind, province and regency when given."""
    require_organization_role(actor, organization.id)
    unknown = set(governed) - set(PLATFORM_GOVERNED_FIELDS)
    if unknown:
        raise TypeError(f"not organization fields: {sorted(unknown)}")
    values = {"name": name.strip()}
    if "kind" in governed:
        values["kind"] = OrganizationKind(governed["kind"])
    for field in ("province", "regency"):
        if field in governed:
            values[field] = (governed[field] or "").strip() or None
    if "admins_require_two_factor" in governed:
        values["admins_require_two_factor"] = bool(governed["admins_require_two_factor"])
    changes = {}
    for field, value in values.items():
        if getattr(organization, field) != value:
            if field in PLATFORM_GOVERNED_FIELDS and actor is not None and not actor.is_platform_admin:
                raise PermissionDenied(
                    _l(
                        "Only the platform admin sets an organization's kind, region and two-factor rule: "
                        "they decide what it supervises and how its admins log in."
                    )
                )
            changes[field] = [str(getattr(organization, field)), str(value)]
    for field, (_old, _new) in changes.items():
        setattr(organization, field, values[field])
    if changes:
        record_audit(actor, "organization.update", organization, organization.id, changes=changes)
    return organization


def remove_membership(actor: User, membership: Membership) -> None:
    organization_id = membership.organization_id
    require_organization_role(actor, organization_id)
    if membership.user_id == actor.id and membership.role == Role.ORG_ADMIN and not actor.is_platform_admin:
        raise InvalidInput(_l("You cannot remove your own admin role; ask another admin."))
    record_audit(
        actor,
        "membership.remove",
        membership,
        organization_id,
        user_id=membership.user_id,
        role=Role(membership.role).value,
    )
    # A session opened with the role must not keep it: the person logs in again and gets the roles left.
    membership.user.end_all_sessions()
    db.session.delete(membership)


def organization_members(organization: Organization) -> list[Membership]:
    return list(
        db.session.execute(
            select(Membership)
            .join(User)
            .where(Membership.organization_id == organization.id)
            .order_by(Membership.role, func.lower(User.full_name))
        ).scalars()
    )


# --- API tokens ----------------------------------------------------------------------------------------------


def _token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a bearer token; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip()[:80] or "API",
        digest=_token_digest(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 4],
    )
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every live token of the user; returns how many were live."""
    now = utcnow()
    live = [token for token in user_tokens(user) if token.revoked_at is None]
    for token in live:
        token.revoked_at = now
    return len(live)


def revoke_token_by_value(plaintext: str) -> None:
    token = db.session.execute(_TOKEN_LOOKUP, {"digest": _token_digest(plaintext)}).unique().scalar_one_or_none()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        ).scalars()
    )


_TOKEN_LOOKUP = (
    select(ApiToken)
    .where(ApiToken.digest == bindparam("digest"))
    .options(joinedload(ApiToken.user).joinedload(User.memberships))
)
"""One query for the token, its user and the user's memberships, built once: every API call goes through it."""


def user_for_api_token(plaintext: str) -> User | None:
    """The active user holding this live token; touches `last_used_at` at most every five minutes."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(_TOKEN_LOOKUP, {"digest": _token_digest(plaintext)}).unique().scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        _touch_token(token.id, now)
        set_committed_value(token, "last_used_at", now)
    return token.user


def _touch_token(token_id: int, now) -> None:
    """Record when a token was used, on a connection of its own: the request's session keeps its loaded user
    (committing it would expire the user and memberships) and a GET that commits nothing still keeps the time."""
    with db.engine.begin() as connection:
        connection.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def make_platform_admin(*, email: str, full_name: str, password: str) -> tuple[User, bool]:
    """Create a platform admin account, or promote an existing one; returns the user and whether it is new."""
    user = find_user_by_email(email)
    if user is not None:
        if not user.is_platform_admin:
            user.is_platform_admin = True
            record_audit(None, "user.platform_admin_grant", user, user_id=user.id)
        return user, False
    check_password_rules(password, email)
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        full_name=" ".join(full_name.split()),
        is_platform_admin=True,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(None, "user.platform_admin_grant", user, user_id=user.id)
    return user, True
