"""catalog: a notice on every change of what the catalog page is made of (PostgreSQL)

Reviewed by hand: statement-level triggers on course_versions, courses, cohorts and organizations send
NOTIFY lentera_catalog after any INSERT, UPDATE, DELETE or TRUNCATE (a version published or archived, a cohort
opened, moved or cancelled, a course or organization renamed). Each worker process keeps the rendered catalog while
it listens on that channel and forgets it on a notice (lms.courses.catalog_cache), so a publish shows at once on
every host. PostgreSQL folds equal notices of one transaction into one and sends them at commit. These tables change
seldom (authoring and cohort administration, never a learner's request), so the notices cost nothing that matters.
SQLite has no NOTIFY: there the catalog is kept for a short time instead.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLES = ("course_versions", "courses", "cohorts", "organizations")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION lentera_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('lentera_catalog', '');
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER catalog_changed_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION lentera_catalog_changed()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER catalog_changed_{table} ON {table}")
    op.execute("DROP FUNCTION lentera_catalog_changed()")
