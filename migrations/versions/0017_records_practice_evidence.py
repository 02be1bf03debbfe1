"""records: practice_evidence, post-training evaluations answered at work shown on the competency record

Reviewed by hand: one row per post-training response (unique response_id), no SKP. Plain CREATE TABLE: the same on
SQLite and PostgreSQL.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('respondent', sa.String(length=20), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['instrument_responses.id'], name=op.f('fk_practice_evidence_response_id_instrument_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_evidence_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_evidence')),
    sa.UniqueConstraint('response_id', name=op.f('uq_practice_evidence_response_id'))
    )
    with op.batch_alter_table('practice_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_evidence_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('practice_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_evidence_user_id'))
    op.drop_table('practice_evidence')
