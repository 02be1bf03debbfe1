"""member names: each confirmed member's name and e-mail keys per organization, kept by triggers, for the dashboard's
name search

Reviewed by hand. A name search of the organization dashboard matched `lower(full_name)` / `lower(email)` of every
user through the trigram indexes of `users` (0019), then kept the organization's members: "rina" on the
1M-certificate database read and sorted the 20,000 users whose name holds it to show 50 of the 5,600 members among
them (36 ms of PostgreSQL per page). `member_names` holds one row per confirmed membership: her name (the sort
key), `lower(full_name)` and `lower(email)` as the database computes them. A search walks the organization's names in
order from the cursor with the keys in the index entry (PostgreSQL: INCLUDE, no table row read), or, when that stretch
holds no page, reads the organization's matches from the trigram indexes made here: on (organization_id, key) where
btree_gin is available (both ship with PostgreSQL's contrib package), else on the key alone.

Triggers keep the rows exact on every write, whoever makes it (the ORM, a bulk statement, COPY): a membership
inserted, updated (status, user, organization) or deleted; a user's name or e-mail changed. On PostgreSQL the
membership trigger reads her name FOR SHARE, so that it waits for a concurrent change of that name (whose trigger
cannot see this uncommitted row) and then reads the new one. A user or organization deleted takes her rows with it
(CASCADE). Beware: on SQLite, a later batch_alter_table that recreates `users` or `worker_memberships` drops their
triggers (the dashboard tests then fail): create them again in that revision.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

KEYS = "full_name, lower(full_name), lower(email)"
COLUMNS = "(user_id, organization_id, full_name, name_key, email_key)"
TRIGRAM_INDEXES = {"ix_member_names_name_key_trgm": "name_key", "ix_member_names_email_key_trgm": "email_key"}

POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION lentera_member_names_membership() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF OLD.status = 'confirmed' THEN
                DELETE FROM member_names WHERE user_id = OLD.user_id AND organization_id = OLD.organization_id;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.status = 'confirmed' AND NEW.user_id IS NOT NULL THEN
                INSERT INTO member_names {COLUMNS}
                SELECT id, NEW.organization_id, {KEYS} FROM users WHERE id = NEW.user_id FOR SHARE
                ON CONFLICT (user_id, organization_id) DO UPDATE SET full_name = excluded.full_name,
                    name_key = excluded.name_key, email_key = excluded.email_key;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER member_names_membership_written AFTER INSERT OR DELETE OR UPDATE OF user_id, organization_id, "
    "status ON worker_memberships FOR EACH ROW EXECUTE FUNCTION lentera_member_names_membership()",
    """
    CREATE FUNCTION lentera_member_names_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE member_names SET full_name = NEW.full_name, name_key = lower(NEW.full_name),
            email_key = lower(NEW.email) WHERE user_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER member_names_user_renamed AFTER UPDATE OF full_name, email ON users FOR EACH ROW "
    "WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name OR OLD.email IS DISTINCT FROM NEW.email) "
    "EXECUTE FUNCTION lentera_member_names_user()",
]
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER member_names_membership_inserted AFTER INSERT ON worker_memberships
    WHEN NEW.status = 'confirmed' AND NEW.user_id IS NOT NULL
    BEGIN
        INSERT OR REPLACE INTO member_names {COLUMNS}
        SELECT id, NEW.organization_id, {KEYS} FROM users WHERE id = NEW.user_id;
    END
    """,
    f"""
    CREATE TRIGGER member_names_membership_updated AFTER UPDATE OF user_id, organization_id, status
    ON worker_memberships
    BEGIN
        DELETE FROM member_names WHERE user_id = OLD.user_id AND organization_id = OLD.organization_id;
        INSERT OR REPLACE INTO member_names {COLUMNS}
        SELECT id, NEW.organization_id, {KEYS} FROM users WHERE id = NEW.user_id AND NEW.status = 'confirmed';
    END
    """,
    """
    CREATE TRIGGER member_names_membership_deleted AFTER DELETE ON worker_memberships
    BEGIN
        DELETE FROM member_names WHERE user_id = OLD.user_id AND organization_id = OLD.organization_id;
    END
    """,
    """
    CREATE TRIGGER member_names_user_renamed AFTER UPDATE OF full_name, email ON users
    BEGIN
        UPDATE member_names SET full_name = NEW.full_name, name_key = lower(NEW.full_name),
            email_key = lower(NEW.email) WHERE user_id = NEW.id;
    END
    """,
]
POSTGRESQL_DROPS = [
    "DROP TRIGGER member_names_user_renamed ON users",
    "DROP FUNCTION lentera_member_names_user()",
    "DROP TRIGGER member_names_membership_written ON worker_memberships",
    "DROP FUNCTION lentera_member_names_membership()",
]
SQLITE_DROPS = [
    "DROP TRIGGER member_names_user_renamed",
    "DROP TRIGGER member_names_membership_deleted",
    "DROP TRIGGER member_names_membership_updated",
    "DROP TRIGGER member_names_membership_inserted",
]


def _available(bind, extension: str) -> bool:
    found = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = :name"), {"name": extension})
    return found.first() is not None


def upgrade():
    op.create_table('member_names',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.Text(), nullable=False),
    sa.Column('email_key', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_member_names_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_names_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'organization_id', name=op.f('pk_member_names'))
    )
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    # Triggers first: from here on (PostgreSQL: they lock both tables until the commit) no write is missed.
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(
        f"INSERT INTO member_names {COLUMNS} SELECT users.id, worker_memberships.organization_id, {KEYS} "
        "FROM worker_memberships JOIN users ON users.id = worker_memberships.user_id "
        "WHERE worker_memberships.status = 'confirmed'"
    )
    with op.batch_alter_table('member_names', schema=None) as batch_op:
        batch_op.create_index('ix_member_names_organization_id_full_name_user_id', ['organization_id', 'full_name', 'user_id'], unique=False, postgresql_include=['name_key', 'email_key'])
    if postgresql and _available(bind, "pg_trgm"):
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        organization = ""
        if _available(bind, "btree_gin"):
            op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
            organization = "organization_id, "
        for name, column in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON member_names USING gin ({organization}{column} gin_trgm_ops)")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DROPS if postgresql else SQLITE_DROPS:
        op.execute(statement)
    if postgresql:
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table('member_names', schema=None) as batch_op:
        batch_op.drop_index('ix_member_names_organization_id_full_name_user_id')
    op.drop_table('member_names')
