from sqlalchemy import select

from lms.accounts.models import Membership, Organization, Role, User
from lms.accounts.permissions import has_organization_role, organization_ids_for, scope_to_organizations


def _user(*memberships: tuple[int, Role], admin: bool = False) -> User:
    user = User(
        email="x@example.test",
        full_name="X",
        password_hash="-",
        is_platform_admin=admin,
        is_active_account=True,
    )
    user.memberships = [Membership(organization_id=org_id, role=role) for org_id, role in memberships]
    return user


class _Anonymous:
    is_authenticated = False


def test_organization_ids_follow_roles():
    user = _user((1, Role.ORG_ADMIN), (2, Role.FACILITATOR), (3, Role.ORG_ADMIN))
    assert organization_ids_for(user, [Role.ORG_ADMIN]) == {1, 3}
    assert organization_ids_for(user, [Role.FACILITATOR, Role.SUPERVISOR]) == {2}


def test_has_organization_role():
    user = _user((1, Role.ORG_ADMIN), (2, Role.FACILITATOR))
    assert has_organization_role(user, 1, [Role.ORG_ADMIN])
    assert not has_organization_role(user, 2, [Role.ORG_ADMIN])
    assert not has_organization_role(user, 99, [Role.ORG_ADMIN])
    assert has_organization_role(_user(admin=True), 99, [Role.ORG_ADMIN])
    assert not has_organization_role(_Anonymous(), 1, [Role.ORG_ADMIN])


def _sql(stmt) -> str:
    return str(stmt.compile(compile_kwargs={"literal_binds": True}))


def test_scope_limits_to_own_organizations():
    stmt = select(Organization)
    scoped = scope_to_organizations(stmt, Organization.id, _user((4, Role.ORG_ADMIN), (5, Role.MEMBER)))
    assert "organizations.id IN (4)" in _sql(scoped)


def test_scope_without_roles_matches_nothing_and_admin_sees_all():
    stmt = select(Organization)
    assert _sql(scope_to_organizations(stmt, Organization.id, _user((5, Role.MEMBER)))).endswith("WHERE false")
    assert _sql(scope_to_organizations(stmt, Organization.id, _user(admin=True))) == _sql(stmt)
