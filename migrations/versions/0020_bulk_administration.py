"""bulk administration: cohort cancellation, member imports

Reviewed by hand: a cancelled cohort keeps its rows (enrolments, marks) for the record; `cancelled_at` and the reason
the learners are told mark it, and enrolment refuses while it is set. `member_imports` is one uploaded member list
(its id makes "confirm" idempotent) and `member_import_rows` its checked rows, applied chunk by chunk: the index
(import_id, applied, row) finds the next chunk of an interrupted import; rows go with their import (CASCADE).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 22:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_nik', ['nik'], unique=False)
    op.create_table('member_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_member_imports_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_member_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_imports'))
    )
    with op.batch_alter_table('member_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_imports_organization_id'), ['organization_id'], unique=False)
    op.create_table('member_import_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('invitation_due', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_import_rows_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_id'], ['member_imports.id'], name=op.f('fk_member_import_rows_import_id_member_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_import_rows'))
    )
    with op.batch_alter_table('member_import_rows', schema=None) as batch_op:
        batch_op.create_index('ix_member_import_rows_import_id_applied_row', ['import_id', 'applied', 'row'], unique=False)


def downgrade():
    op.drop_table('member_import_rows')
    with op.batch_alter_table('member_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_imports_organization_id'))
    op.drop_table('member_imports')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_nik')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
