"""accounts: the TOTP secret is stored encrypted (users.totp_secret → users.totp_secret_sealed)

Reviewed by hand: every enrolled person's base32 secret is sealed with AES-256-GCM (lms.core.secret_box) under
LMS_KEY_ENCRYPTION_KEY when set, else under a key derived from SECRET_KEY, bound to the user id; the clear column is
dropped. The downgrade opens them again into the clear column (it needs the same keys).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 02:30:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from lms.core.secret_box import open_sealed, seal


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

users = sa.table(
    'users',
    sa.column('id', sa.Integer()),
    sa.column('totp_secret', sa.String()),
    sa.column('totp_secret_sealed', sa.String()),
)


def _context(user_id: int) -> str:
    return f"lentera-totp:{user_id}"  # as lms.accounts.two_factor binds it


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_sealed', sa.String(length=200), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None)))
    for user_id, secret in rows.all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(totp_secret_sealed=seal(secret, _context(user_id), current_app.config))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.totp_secret_sealed).where(users.c.totp_secret_sealed.is_not(None))
    )
    for user_id, sealed in rows.all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(totp_secret=open_sealed(sealed, _context(user_id), current_app.config))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret_sealed')
