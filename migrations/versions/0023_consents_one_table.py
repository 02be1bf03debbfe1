"""consents in one table: the registration consents (`consents`, issue 18) and the membership and facility consents
(`consent_records`) become one table, one model, one service

Reviewed by hand: `consents.kind` is renamed `purpose` (its only value, `registration`, is a purpose already) and
gains `facility_id`; every row of `consent_records` is copied into `consents` in its order, keeping its user,
purpose, organization, facility, wording, language and times; then `consent_records` is dropped. Nothing refers to a
consent's id, so the copies' new ids lose nothing. Downgrade moves the non-registration rows back.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

COPIED = "user_id, purpose, organization_id, facility_id, wording, locale, given_at, withdrawn_at"


def upgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.alter_column('kind', new_column_name='purpose', existing_type=sa.String(length=30), existing_nullable=False)
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consents_facility_id_facilities'), 'facilities', ['facility_id'], ['id'], ondelete='SET NULL')
    op.execute(f"INSERT INTO consents ({COPIED}) SELECT {COPIED} FROM consent_records ORDER BY id")
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_user_id'))
    op.drop_table('consent_records')


def downgrade():
    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consent_records_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_consent_records_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_consent_records_facility_id_facilities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_user_id'), ['user_id'], unique=False)
    op.execute(f"INSERT INTO consent_records ({COPIED}) SELECT {COPIED} FROM consents WHERE purpose <> 'registration' ORDER BY id")
    op.execute("DELETE FROM consents WHERE purpose <> 'registration'")
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consents_facility_id_facilities'), type_='foreignkey')
        batch_op.drop_column('facility_id')
        batch_op.alter_column('purpose', new_column_name='kind', existing_type=sa.String(length=30), existing_nullable=False)
