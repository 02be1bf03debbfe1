"""certificate rules per course version

Reviewed by hand: four switches on course_versions, with server defaults so that existing rows get the rules
every course had so far (lessons, post-test and attendance required; automatic issuance).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_lessons', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('require_post_test', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('require_attendance', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(
            sa.Column('certificate_needs_approval', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('certificate_needs_approval')
        batch_op.drop_column('require_attendance')
        batch_op.drop_column('require_post_test')
        batch_op.drop_column('require_lessons')
