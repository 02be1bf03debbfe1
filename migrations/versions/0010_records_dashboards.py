"""records dashboards: per-worker SKP cycle totals

Reviewed by hand: one row per worker (CASCADE with the user) holding the current SIP cycle and the SKP earned in it
per ranah in integer cents and the SKP state, a copy of skp_entries kept exact by lms.records.standings;
fresh_from/fresh_until (the days on which the row holds) are indexed so the dashboard finds the rows to recompute in
one index lookup. The upgrade fills the rows of the
workers who already have a SIP or ledger entries, with the same code the services use.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:10:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skp_cycle_totals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('has_licence', sa.Boolean(), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('cycle_starts_on', sa.Date(), nullable=False),
    sa.Column('cycle_ends_on', sa.Date(), nullable=False),
    sa.Column('fresh_from', sa.Date(), nullable=True),
    sa.Column('fresh_until', sa.Date(), nullable=False),
    sa.Column('cycle_start_day', sa.Integer(), nullable=False),
    sa.Column('cycle_days', sa.Integer(), nullable=False),
    sa.Column('pembelajaran_cents', sa.BigInteger(), nullable=False),
    sa.Column('pelayanan_cents', sa.BigInteger(), nullable=False),
    sa.Column('pengabdian_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_skp_cycle_totals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_skp_cycle_totals'))
    )
    with op.batch_alter_table('skp_cycle_totals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skp_cycle_totals_fresh_from'), ['fresh_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_skp_cycle_totals_fresh_until'), ['fresh_until'], unique=False)

    from lms.records.standings import recompute_rows

    bind = op.get_bind()
    workers = bind.execute(sa.text('SELECT user_id FROM practice_licences UNION SELECT user_id FROM skp_entries'))
    ids = [row[0] for row in workers]
    if ids:
        with Session(bind=bind) as session:
            recompute_rows(session, ids, datetime.now(UTC).date())


def downgrade():
    with op.batch_alter_table('skp_cycle_totals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skp_cycle_totals_fresh_until'))
        batch_op.drop_index(batch_op.f('ix_skp_cycle_totals_fresh_from'))
    op.drop_table('skp_cycle_totals')
