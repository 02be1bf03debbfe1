"""shared storage and signing keys: stored files and encrypted signing keys in the database

Reviewed by hand. `stored_files` holds uploaded and generated files when LMS_STORAGE is "database" (the default on
PostgreSQL): one row per file, the bytes in a bytea (BLOB on SQLite) column. `signing_keys` holds the certificate
signing keys when LMS_SIGNING_KEYS is "database": the public half and life of every key, and the private half of
the keys that can still sign, encrypted with AES-256-GCM under LMS_KEY_ENCRYPTION_KEY (never in clear).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:00:00

"""
import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )


def downgrade():
    op.drop_table("signing_keys")
    op.drop_table("stored_files")
