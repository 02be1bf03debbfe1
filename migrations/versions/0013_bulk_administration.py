"""bulk administration: cohort cancellation

Reviewed by hand: a cancelled cohort keeps its rows (enrolments, marks) for the record; `cancelled_at` and the reason
the learners are told mark it, and enrolment refuses while it is set.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
