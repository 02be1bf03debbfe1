"""certificates: a notice on every change of a certificate row (PostgreSQL)

Reviewed by hand: a statement-level trigger on certificates sends NOTIFY lentera_certificates after any UPDATE,
DELETE or TRUNCATE (a status change, a revocation of a re-issued certificate, a cleanup). Each worker process keeps
the verify page's status rows in memory only while it listens on that channel, and forgets them all on a notice
(lms.certificates.status_cache). PostgreSQL folds equal notices of one transaction into one, and sends them at
commit, so a bulk change costs one notice. INSERT is left out: a certificate not yet seen has nothing to forget, and
a re-issue updates the certificate it replaces. SQLite has no NOTIFY: nothing to do there (no cache either).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 14:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION lentera_certificates_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('lentera_certificates', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER certificates_changed AFTER UPDATE OR DELETE OR TRUNCATE ON certificates "
        "FOR EACH STATEMENT EXECUTE FUNCTION lentera_certificates_changed()"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER certificates_changed ON certificates")
    op.execute("DROP FUNCTION lentera_certificates_changed()")
