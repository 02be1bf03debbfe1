"""jobs: a person's WhatsApp number, messages to a cohort

Reviewed by hand: `users.phone` is optional and stored in E.164 (+628…), only ever shown to those who would contact
her (a facilitator of her cohort, an admin of her organization). `cohort_messages` keeps what an organization admin
or facilitator wrote to a cohort's learners; the job that delivers it writes one notification per learner, its
reminder marker (kind cohort_message, subject message:<id>) making a retried job tell nobody twice. A message goes
with its cohort (CASCADE); its sender may be erased (SET NULL).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
    op.create_table('cohort_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_messages_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_cohort_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_messages'))
    )
    with op.batch_alter_table('cohort_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_messages_cohort_id'), ['cohort_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_messages_cohort_id'))
    op.drop_table('cohort_messages')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')
