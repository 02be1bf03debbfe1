"""Account rules: registration, authentication, passwords, profiles, organizations, memberships, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.api_tokens import (  # noqa: F401  (re-exported: the views and the API read them from here)
    TOKEN_PREFIX,
    create_api_token,
    revoke_all_api_tokens,
    revoke_api_token,
    revoke_token_by_value,
    user_for_api_token,
    user_tokens,
)
from lms.accounts.consent import give_consent
from lms.accounts.events import role_changed
from lms.accounts.identity import PhoneInvalid, is_valid_nik, normalize_nik, normalize_phone, professions
from lms.accounts.jobs import send_password_reset_link
from lms.accounts.models import ConsentPurpose, Membership, Organization, OrganizationKind, Role, TimeZone, User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidField, InvalidInput, PermissionDenied
from lms.core.mail import deliver_mail, send_mail_after_commit
from lms.core.models import utcnow
from lms.extensions import db

PLATFORM_ADMIN = "platform_admin"
"""The `role` of a role change about the platform admin flag (a flag on the user, not a Role in an organization)."""


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
        deliver_mail(
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


def request_password_reset(email: str, link: str, locale: str) -> None:
    """Queue the reset e-mail for `email` (`link`: the reset page's address with LINK_TOKEN for the token). Whether
    the address has an account is looked up by the job: the request does the same work for any address."""
    send_password_reset_link(normalize_email(email), link, locale)


def send_password_reset(email: str, reset_url: Callable[[str], str]) -> None:
    """E-mail a reset link if the address has an account; say nothing either way (run by the job)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = reset_url(password_reset_token(user))
    send_mail_after_commit(
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
    phone: str | None = None,
) -> User:
    """Save her profile; `phone` (a WhatsApp number as typed) is stored in E.164, empty removes it."""
    try:
        phone = normalize_phone(phone)
    except PhoneInvalid as error:
        raise InvalidField("phone", PhoneInvalid.message) from error
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
    user.phone = phone
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
    if changes.keys() & SUPERVISION_FIELDS:
        _announce_supervision_change(actor, organization)
    return organization


SUPERVISION_FIELDS = {"kind", "province", "regency"}
"""What a supervisor role in an organization carries follows from these: a health office supervises its region."""


def supervision_area(organization: Organization) -> str | None:
    """The region a supervisor in `organization` supervises: its regency and province when it is a health office."""
    if OrganizationKind(organization.kind) != OrganizationKind.HEALTH_OFFICE or not organization.province:
        return None
    return ", ".join(part for part in (organization.regency, organization.province) if part)


def _announce_supervision_change(actor: User | None, organization: Organization) -> None:
    """Each supervisor of the organization is told (and the log says) what she supervises now."""
    area = supervision_area(organization)
    supervisors = db.session.execute(
        select(Membership).where(Membership.organization_id == organization.id, Membership.role == Role.SUPERVISOR)
    ).scalars()
    for membership in supervisors:
        record_audit(
            actor, "role.supervision_change", membership, organization.id, user_id=membership.user_id, area=area
        )
        announce_role_change(actor, membership.user_id, organization.id, Role.SUPERVISOR.value, "supervision", area)


def announce_role_change(
    actor: User | None, user_id: int, organization_id: int | None, role: str, change: str, area: str | None = None
) -> None:
    role_changed.send(
        user_id=user_id,
        organization_id=organization_id,
        role=role,
        change=change,
        changed_by_id=getattr(actor, "id", None),
        area=area,
    )


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
    announce_role_change(actor, membership.user_id, organization_id, Role(membership.role).value, "removed")
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


def make_platform_admin(*, email: str, full_name: str, password: str) -> tuple[User, bool]:
    """Create a platform admin account, or promote an existing one; returns the user and whether it is new."""
    user = find_user_by_email(email)
    if user is not None:
        if not user.is_platform_admin:
            user.is_platform_admin = True
            record_audit(None, "user.platform_admin_grant", user, user_id=user.id)
            announce_role_change(None, user.id, None, PLATFORM_ADMIN, "granted")
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
