import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep loggers configured by the app (and by tests) alive.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def render_item(type_, obj, autogen_context):
    """Write our UTC column type as a plain timezone-aware DateTime, so revisions import nothing of lms."""
    from lms.core.models import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Indexes only some databases get (0019, 0027: trigram indexes where PostgreSQL has pg_trgm): not in the models, so
# the comparison of models and database must not ask to drop them.
DATABASE_ONLY_INDEXES = {
    "ix_users_full_name_trgm",
    "ix_users_email_trgm",
    "ix_member_names_name_key_trgm",
    "ix_member_names_email_key_trgm",
}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and reflected and name in DATABASE_ONLY_INDEXES)


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_object", include_object)

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (copy, DROP, rename); with foreign keys enforced, dropping a table
            # that other rows reference fails (0022 on `users` with any data in place). Enforcement is off while the
            # migrations run (SQLite takes it only outside a transaction) and on again after; every reference is
            # checked before (a database whose references are broken already is not touched: on SQLite a failed
            # migration is not rolled back, its DDL commits as it goes) and after (a migration that broke one fails).
            _check_references(connection, "the database holds rows with broken references; nothing was migrated")
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # (else Alembic would find a transaction begun and leave committing to no one)
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        try:
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                _check_references(connection, "the migration left rows with broken references")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _check_references(connection, problem):
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.commit()
    if broken:
        raise RuntimeError(f"{problem}: {broken[:10]} (table, rowid, referenced table, key)")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
