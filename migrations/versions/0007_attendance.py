"""attendance: sessions, marks, webinar codes and entries, refused check-ins, status weights

Reviewed by hand: sessions and marks RESTRICT their cohort / session / learner so no attendance record is lost
by deleting something else; codes, code entries and refused tries go with their session; one mark per learner and
session (the database, not only the code, keeps check-ins from doubling).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('jpl', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_attendance_sessions_cohort_id_cohorts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_sessions'))
    )
    with op.batch_alter_table('attendance_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_sessions_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('attendance_session_facilitators',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_attendance_session_facilitators_session_id_attendance_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_session_facilitators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_attendance_session_facilitators'))
    )
    op.create_table('attendance_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('scan_id', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_attendance_marks_marked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_attendance_marks_session_id_attendance_sessions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_marks_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_attendance_marks_session_user')
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_marks_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_user_id'), ['user_id'], unique=False)

    op.create_table('attendance_checkin_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attendance_checkin_codes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_attendance_checkin_codes_session_id_attendance_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_checkin_codes')),
    sa.UniqueConstraint('session_id', 'code', name='uq_attendance_checkin_codes_session_code')
    )
    with op.batch_alter_table('attendance_checkin_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_checkin_codes_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_checkin_codes_session_id'), ['session_id'], unique=False)

    op.create_table('attendance_code_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['attendance_checkin_codes.id'], name=op.f('fk_attendance_code_entries_code_id_attendance_checkin_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_code_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_code_entries')),
    sa.UniqueConstraint('code_id', 'user_id', name='uq_attendance_code_entries_code_user')
    )
    with op.batch_alter_table('attendance_code_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_code_entries_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_code_entries_user_id'), ['user_id'], unique=False)

    op.create_table('attendance_refused_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_attendance_refused_checkins_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_attendance_refused_checkins_session_id_attendance_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_refused_checkins_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_refused_checkins'))
    )
    with op.batch_alter_table('attendance_refused_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_refused_checkins_session_id'), ['session_id'], unique=False)

    op.create_table('attendance_status_weights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('weight', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_attendance_status_weights_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_status_weights')),
    sa.UniqueConstraint('organization_id', 'status', name='uq_attendance_status_weights_organization_status')
    )
    with op.batch_alter_table('attendance_status_weights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_status_weights_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_status_weights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_status_weights_organization_id'))
    op.drop_table('attendance_status_weights')
    with op.batch_alter_table('attendance_refused_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_refused_checkins_session_id'))
    op.drop_table('attendance_refused_checkins')
    with op.batch_alter_table('attendance_code_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_code_entries_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_code_entries_code_id'))
    op.drop_table('attendance_code_entries')
    with op.batch_alter_table('attendance_checkin_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_checkin_codes_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_checkin_codes_code'))
    op.drop_table('attendance_checkin_codes')
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_marks_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_marks_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_marks_device_id'))
    op.drop_table('attendance_marks')
    op.drop_table('attendance_session_facilitators')
    with op.batch_alter_table('attendance_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_sessions_cohort_id'))
    op.drop_table('attendance_sessions')
