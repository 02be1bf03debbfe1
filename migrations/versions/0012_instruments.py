"""instruments: versioned instruments, course instrument settings, responses with answers, supervisor invitations

Reviewed by hand: a response RESTRICTs its instrument (answers must keep the items they answered) and goes with its
enrolment; one response per enrolment and dedupe key (the database, not only the code, keeps a resent evaluation or
an offline checklist score from doubling); answers go with their response.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 22:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('instruments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('pass_percent', sa.Integer(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_instruments_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruments')),
    sa.UniqueConstraint('organization_id', 'key', 'version', name='uq_instruments_organization_key_version')
    )
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruments_organization_id'), ['organization_id'], unique=False)

    op.create_table('instrument_course_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('checklist_keys', sa.JSON(), nullable=False),
    sa.Column('require_checklists', sa.Boolean(), nullable=False),
    sa.Column('require_evaluations', sa.Boolean(), nullable=False),
    sa.Column('post_training_months', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_instrument_course_settings_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_course_settings')),
    sa.UniqueConstraint('course_id', name=op.f('uq_instrument_course_settings_course_id'))
    )
    op.create_table('instrument_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('respondent_role', sa.String(length=20), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('facilitator_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('max_points', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_instrument_responses_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_instrument_responses_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facilitator_id'], ['users.id'], name=op.f('fk_instrument_responses_facilitator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_instrument_responses_instrument_id_instruments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_instrument_responses_session_id_attendance_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_responses')),
    sa.UniqueConstraint('enrolment_id', 'dedupe_key', name='uq_instrument_responses_enrolment_dedupe_key')
    )
    with op.batch_alter_table('instrument_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_responses_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index('ix_instrument_responses_instrument_facilitator', ['instrument_id', 'facilitator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_responses_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('instrument_supervisor_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_name', sa.String(length=120), nullable=False),
    sa.Column('supervisor_email', sa.String(length=254), nullable=True),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_instrument_supervisor_invitations_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_supervisor_invitations')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_instrument_supervisor_invitations_enrolment_id'))
    )
    op.create_table('instrument_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['instrument_responses.id'], name=op.f('fk_instrument_answers_response_id_instrument_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_answers'))
    )
    with op.batch_alter_table('instrument_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_answers_response_id'), ['response_id'], unique=False)



def downgrade():
    with op.batch_alter_table('instrument_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_answers_response_id'))

    op.drop_table('instrument_answers')
    op.drop_table('instrument_supervisor_invitations')
    with op.batch_alter_table('instrument_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_responses_instrument_id'))
        batch_op.drop_index('ix_instrument_responses_instrument_facilitator')
        batch_op.drop_index(batch_op.f('ix_instrument_responses_enrolment_id'))

    op.drop_table('instrument_responses')
    op.drop_table('instrument_course_settings')
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruments_organization_id'))

    op.drop_table('instruments')
