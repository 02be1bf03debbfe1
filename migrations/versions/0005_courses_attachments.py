"""course-lesson attachments (issue 3)

Reviewed by hand: attachments belong to one version's lesson and go with it (CASCADE); a new draft version copies
the rows, which then share the stored file (storage_key is indexed so that a file is removed only when no row
refers to it any more).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lesson_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_attachments_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_attachments'))
    )
    with op.batch_alter_table('lesson_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_attachments_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_attachments_storage_key'), ['storage_key'], unique=False)


def downgrade():
    with op.batch_alter_table('lesson_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_attachments_storage_key'))
        batch_op.drop_index(batch_op.f('ix_lesson_attachments_lesson_id'))

    op.drop_table('lesson_attachments')
