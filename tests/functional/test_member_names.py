"""The dashboard's member names (member_names, kept by the triggers of migration 0027) equal the confirmed memberships
with their holders' names and lower-case keys after any series of changes, made through the services or around the
ORM (bulk statements), and the dashboard's name search finds members by the name they have now."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update

from lms.accounts import memberships
from lms.accounts.models import MembershipStatus, Organization, Role, User, WorkerMembership
from lms.accounts.services import update_profile
from lms.core.models import utcnow
from lms.extensions import db
from lms.records import dashboards
from lms.records.dashboards import MemberFilters
from lms.records.models import MemberName
from lms.records.standings import local_date_in
from tests.factories import confirm_member, make_organization, make_user
from tests.factories.memberships import MEMBERSHIP_ACTIONS, change_membership, join, membership_of

TODAY = local_date_in(None, utcnow())


def stored() -> set[tuple]:
    return set(
        db.session.execute(
            select(
                MemberName.user_id,
                MemberName.organization_id,
                MemberName.full_name,
                MemberName.name_key,
                MemberName.email_key,
            )
        ).all()
    )


def truth() -> set[tuple]:
    """Every confirmed membership with her name as the users table holds it now."""
    return set(
        db.session.execute(
            select(
                User.id,
                WorkerMembership.organization_id,
                User.full_name,
                func.lower(User.full_name),
                func.lower(User.email),
            )
            .join(WorkerMembership, WorkerMembership.user_id == User.id)
            .where(WorkerMembership.status == MembershipStatus.CONFIRMED)
        ).all()
    )


def rename(user: User, full_name: str) -> None:
    update_profile(
        user,
        full_name=full_name,
        profession_code=user.profession_code,
        nik=None,
        str_number=user.str_number,
        facility=user.facility,
        timezone=user.timezone or "Asia/Jakarta",
    )


NAMES = st.sampled_from(["Rina Marlina", "SITI Aminah", "Ni Luh Putu", "Ahmad Fauzi", "Dewi Lestari"])
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from([*MEMBERSHIP_ACTIONS, "rename", "email", "bulk_rename", "bulk_join"]),
        st.integers(0, 2),  # which worker
        NAMES,
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_member_names_equal_the_confirmed_memberships_after_any_series_of_changes(app_ctx, actions):
    ppni, ibi = make_organization(), make_organization()
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
    ibi_admin = make_user(role=Role.ORG_ADMIN, organization=ibi)
    workers = [make_user(full_name=f"Pekerja {n}") for n in range(3)]
    try:
        for step, (action, who, name) in enumerate(actions):
            worker = workers[who]
            row = membership_of(worker, ppni)
            if action in MEMBERSHIP_ACTIONS:
                change_membership(action, worker, (ppni, admin), (ibi, ibi_admin))
            elif action == "rename":
                rename(worker, f"{name} {step}")
            elif action == "email":
                worker.email = f"{name.split()[0]}.{step}.{worker.id}@Contoh.TEST"
            elif action == "bulk_rename":  # an UPDATE statement around the ORM (as an import would write)
                db.session.execute(update(User).where(User.id == worker.id).values(full_name=f"{name} massal"))
            elif action == "bulk_join" and row is None:  # an INSERT around the ORM
                db.session.execute(
                    insert(WorkerMembership),
                    [{"user_id": worker.id, "organization_id": ppni.id, "status": MembershipStatus.CONFIRMED,
                      "requested_at": utcnow(), "created_at": utcnow()}],
                )  # fmt: skip
            db.session.commit()
            db.session.expire_all()
            assert stored() == truth(), (step, action)
    finally:
        db.session.rollback()


def test_member_names_follow_deletions_invitations_and_moves(app_ctx):
    ppni, ibi = make_organization(), make_organization()
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
    worker, other = make_user(full_name="Rina Marlina"), make_user(full_name="Made Wirawan")
    join(worker, ppni, admin)
    join(other, ppni, admin)
    # An invitation to an address without an account yet: no member, no row.
    db.session.execute(
        insert(WorkerMembership),
        [{"user_id": None, "invited_email": "baru@contoh.test", "organization_id": ppni.id,
          "status": MembershipStatus.INVITED, "requested_at": utcnow(), "created_at": utcnow()}],
    )  # fmt: skip
    db.session.commit()
    assert stored() == truth() and len(stored()) == 2
    # A membership moved to another organization by a bulk UPDATE; then deleted outright.
    db.session.execute(
        update(WorkerMembership).where(WorkerMembership.user_id == other.id).values(organization_id=ibi.id)
    )
    db.session.commit()
    assert stored() == truth() and (other.id, ibi.id) in {row[:2] for row in stored()}
    db.session.execute(delete(WorkerMembership).where(WorkerMembership.user_id == other.id))
    db.session.commit()
    assert stored() == truth() and {row[0] for row in stored()} == {worker.id}
    # A user deleted takes her rows with her; so does an organization (both without audit entries, which stay).
    bidan, leaver = make_organization(), make_user(full_name="Siti Aminah")
    confirm_member(leaver, bidan)
    confirm_member(make_user(full_name="Dewi Lestari"), bidan)
    assert stored() == truth() and len(stored()) == 3
    db.session.delete(db.session.get(User, leaver.id))
    db.session.commit()
    assert stored() == truth() and len(stored()) == 2
    db.session.delete(db.session.get(Organization, bidan.id))
    db.session.commit()
    assert stored() == truth() and {row[0] for row in stored()} == {worker.id}


def test_the_dashboard_search_finds_members_by_the_name_they_have_now(app_ctx):
    ppni = make_organization()
    admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
    worker = make_user(full_name="Rina Marlina")
    join(worker, ppni, admin)

    def found(text: str) -> list[int]:
        page = dashboards.member_standings(admin, ppni.id, MemberFilters(name=text), TODAY)
        return [m.user_id for m in page.members]

    assert found("marlina") == found("ri") == [worker.id]
    rename(worker, "Rina Kusuma")
    db.session.commit()
    assert found("marlina") == [] and found("KUSUMA") == found("ku") == [worker.id]
    worker.email = "perawat.teladan@contoh.test"
    db.session.commit()
    assert found("teladan") == [worker.id]
    memberships.leave_organization(worker, membership_of(worker, ppni).id)
    db.session.commit()
    assert found("kusuma") == found("ku") == []


def test_a_membership_confirmed_while_her_name_changes_gets_the_new_name_on_postgresql(app_ctx):
    """Two transactions at once: one renames her, the other confirms her membership. The confirming trigger reads her
    name FOR SHARE: it waits for the rename to commit and reads the new name (the rename's trigger could not see the
    uncommitted row)."""
    import threading

    import pytest

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    ppni = make_organization()
    worker = make_user(full_name="Nama Lama")
    membership = memberships.request_membership(worker, ppni, membership_number=None, locale="id")
    db.session.commit()
    renaming, confirming = db.engine.connect(), db.engine.connect()
    try:
        renaming.execute(update(User).where(User.id == worker.id).values(full_name="Nama Baru"))

        confirmation = (
            update(WorkerMembership)
            .where(WorkerMembership.id == membership.id)
            .values(status=MembershipStatus.CONFIRMED)
        )

        def confirm():
            with app_ctx.app_context():  # the engine's listeners read the app's settings
                confirming.execute(confirmation)
                confirming.commit()

        thread = threading.Thread(target=confirm)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the rename
        renaming.commit()
        thread.join(10)
        assert not thread.is_alive()
    finally:
        renaming.close()
        confirming.close()
    assert stored() == truth() == {(worker.id, ppni.id, "Nama Baru", "nama baru", worker.email.lower())}
