"""The `lms` command: Flask's commands (run, db, shell) plus init, demo and user administration."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade


def _create_app():
    from lms import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Lentera learning-management system.")


def _instance_path() -> Path:
    from lms import PROJECT_ROOT

    return Path(os.environ.get("LMS_INSTANCE_PATH") or PROJECT_ROOT / "instance")


def ensure_secret_key(instance: Path) -> bool:
    """Write a random SECRET_KEY into instance/config.py unless one is configured; True when written."""
    if os.environ.get("LMS_SECRET_KEY"):
        return False
    instance.mkdir(parents=True, exist_ok=True)
    config_file = instance / "config.py"
    text = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    if "SECRET_KEY" in text:
        return False
    line = f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
    header = "" if text else "# Settings of this deployment (written by `lms init`; never commit this file).\n"
    config_file.write_text(header + text + line, encoding="utf-8")
    config_file.chmod(0o600)
    return True


@main.command("init", with_appcontext=False)
def init_command() -> None:
    """Prepare a deployment: secret key, database migrated to the newest revision, a certificate signing key."""
    from lms import create_app

    instance = _instance_path()
    if ensure_secret_key(instance):
        click.echo(f"Wrote a new secret key to {instance / 'config.py'}")
    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        click.echo(f"Database is at the newest revision: {_safe_url(app)}")
        from lms.certificates.key_database import keys_in_database
        from lms.certificates.keys import create_first_key, import_file_keys
        from lms.extensions import db

        if keys_in_database(app):
            # A deployment moving to several hosts: the keys it signed with so far go into the database.
            imported = import_file_keys()
            if imported:
                click.echo(f"Imported {len(imported)} signing keys from the key folder into the database")
        created = create_first_key()
        db.session.commit()
        if created is not None:
            click.echo(f"Created the certificate signing key {created.id}")


def _safe_url(app: Flask) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


@click.command("demo")
def demo_command() -> None:
    """Create the demo organizations and users (safe to run again)."""
    from lms.accounts.demo import DEMO_PASSWORD, load_demo_accounts
    from lms.attendance.demo import load_demo as load_demo_attendance
    from lms.certificates.demo import load_demo as load_demo_certificates
    from lms.courses.demo import load_demo_courses
    from lms.extensions import db
    from lms.instruments.demo import load_demo as load_demo_instruments
    from lms.quizzes.demo import load_demo as load_demo_quizzes
    from lms.records.demo import load_demo as load_demo_records

    users = load_demo_accounts()
    courses = load_demo_courses()
    # In this order: certificates need the quizzes' and attendance's demo records of the same learner, and the
    # competency record shows the certificates.
    loaders = (
        load_demo_quizzes,
        load_demo_attendance,
        load_demo_certificates,
        load_demo_instruments,
        load_demo_records,
    )
    lines = [line for load in loaders for line in load()]
    db.session.commit()
    click.echo(f"Demo data ready on {_safe_url(current_app)}.")
    click.echo("Courses: " + ", ".join(f"{r.course.code} v{r.version.number}" for r in courses))
    for line in lines:
        click.echo(line)
    click.echo(f"Logins (password: {DEMO_PASSWORD}):")
    for user, description in users:
        click.echo(f"  {user.email:<28} {description}")
    if current_app.config.get("REQUIRE_2FA_FOR_ADMINS", True):
        click.echo(
            "Two-factor authentication is required for admins here (REQUIRE_2FA_FOR_ADMINS): the admin logins are "
            "asked to set it up with an authenticator app at their first login (`make run` turns the requirement off)."
        )
    else:
        click.echo("Two-factor authentication: optional for everyone here; set it up under Profile.")


users_group = click.Group("users", help="Manage user accounts.")


@users_group.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.password_option()
def create_admin_command(email: str, full_name: str, password: str) -> None:
    """Create a platform admin, or make an existing user one."""
    from lms.accounts.services import make_platform_admin
    from lms.core.errors import DomainError
    from lms.extensions import db

    try:
        user, created = make_platform_admin(email=email, full_name=full_name, password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(("Created platform admin " if created else "Made platform admin: ") + user.email)


storage_group = click.Group("storage", help="Uploaded and generated files.")


@storage_group.command("copy")
@click.argument("source", type=click.Choice(["local", "database"]))
@click.argument("target", type=click.Choice(["local", "database"]))
def storage_copy_command(source: str, target: str) -> None:
    """Copy every stored file from one backend to another (e.g. `local database` before setting LMS_STORAGE)."""
    from lms.core.storage import STORAGE_BACKENDS
    from lms.extensions import db

    def backend(name: str):
        found = STORAGE_BACKENDS[name]
        return (found if isinstance(found, type) else found()).from_app(current_app)

    source_storage, target_storage = backend(source), backend(target)
    copied = 0
    for key in list(source_storage.keys()):
        if not target_storage.exists(key):
            target_storage.put(key, source_storage.read(key))
            copied += 1
    db.session.commit()
    click.echo(f"Copied {copied} files from {source} to {target}.")


@click.command("backup")
@with_appcontext
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path) -> None:
    """Back up the database, the stored files and the signing keys into FOLDER (new or empty)."""
    from lms.certificates.key_database import keys_in_database
    from lms.core.backup import BackupProblem, backup

    try:
        manifest = backup(current_app, folder, keys_in_database=keys_in_database(current_app))
    except BackupProblem as problem:
        raise click.ClickException(str(problem)) from problem
    click.echo(f"Backed up {manifest['dialect']} database, files ({manifest['storage']}) and signing keys "
               f"({manifest['signing_keys']}) into {folder}")  # fmt: skip
    if manifest["signing_keys"] == "database":
        click.echo("The signing keys are encrypted: keep LMS_KEY_ENCRYPTION_KEY safe apart from the backup.")


@click.command("restore")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(folder: Path) -> None:
    """Restore a backup made by `lms backup` into this deployment, which must be empty (a new database)."""
    from lms.certificates.key_database import keys_in_database
    from lms.core.backup import BackupProblem, restore

    try:
        manifest = restore(current_app, folder, keys_in_database=keys_in_database(current_app))
    except BackupProblem as problem:
        raise click.ClickException(str(problem)) from problem
    click.echo(f"Restored the backup of {manifest['made_at']} into {_safe_url(current_app)}")


def init_app(app: Flask) -> None:
    from lms.accounts.member_import.cli import members_group
    from lms.attendance.cli import attendance_group
    from lms.certificates.cli import certificates_group, keys_group
    from lms.courses.cli import courses_group
    from lms.instruments.cli import instruments_group
    from lms.quizzes.cli import questions_group

    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    groups = (users_group, members_group, storage_group, courses_group, questions_group, attendance_group)
    for group in (*groups, certificates_group, keys_group, instruments_group):
        app.cli.add_command(group)


def _add_offline_commands() -> None:
    # `lms certificates verify --keys FILE` runs on a verifier's machine: no secret key, no database. Registered on
    # `lms` itself, the group is found without Flask building the app just to look the command up.
    from lms.certificates.cli import certificates_group

    main.add_command(certificates_group)
    # `lms worker --help` works without a broker, and `lms run` brings its consumer thread.
    from lms.jobs.cli import run_with_jobs_command, worker_command

    main.add_command(worker_command)
    main.add_command(run_with_jobs_command, "run")


_add_offline_commands()
