"""The `lms` command: Flask's commands (run, db, shell) plus init, demo and user administration."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
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
        from lms.certificates.keys import create_first_key
        from lms.extensions import db

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


def init_app(app: Flask) -> None:
    from lms.accounts.member_import.cli import members_group
    from lms.attendance.cli import attendance_group
    from lms.certificates.cli import certificates_group, keys_group
    from lms.courses.cli import courses_group
    from lms.instruments.cli import instruments_group
    from lms.quizzes.cli import questions_group

    app.cli.add_command(demo_command)
    groups = (users_group, members_group, courses_group, questions_group, attendance_group, certificates_group)
    for group in (*groups, keys_group, instruments_group):
        app.cli.add_command(group)


def _add_offline_commands() -> None:
    # `lms certificates verify --keys FILE` runs on a verifier's machine: no secret key, no database. Registered on
    # `lms` itself, the group is found without Flask building the app just to look the command up.
    from lms.certificates.cli import certificates_group

    main.add_command(certificates_group)


_add_offline_commands()
