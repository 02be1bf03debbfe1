"""`lms certificates issue|revoke|verify` and `lms keys list|rotate|withdraw|import|new-kek`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

certificates_group = AppGroup("certificates", help="Issue, revoke and verify certificates.")
keys_group = AppGroup("keys", help="Certificate signing keys: list, rotate, withdraw, import into the database.")


@keys_group.command("list")
def keys_list_command() -> None:
    """Every signing key: id, state (current / retired / withdrawn), dates; the one that signs now is marked *."""
    from lms.certificates.keys import key_store

    store = key_store()
    current = store.current()
    keys = store.entries()
    if not keys:
        click.echo("No signing keys yet: `lms init` or `lms keys rotate` creates one.")
        return
    for key in keys:
        mark = "*" if current is not None and key.public.kid == current.kid else " "
        line = f"{mark} {key.id}  {key.public.algorithm:<6} {key.state:<9} {key.source:<11}"
        line += f" from {_when(key.public.valid_from)}"
        if key.public.retired_at:
            line += f"  retired {_when(key.public.retired_at)}"
        if key.public.withdrawn_at:
            line += f"  withdrawn {_when(key.public.withdrawn_at)}: {key.public.withdrawn_reason}"
        click.echo(line)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@keys_group.command("rotate")
def keys_rotate_command() -> None:
    """Make a new signing key; the previous one is retired (what it signed stays valid)."""
    from lms.certificates import keys
    from lms.core.errors import DomainError
    from lms.extensions import db

    try:
        entry = keys.rotate(actor=None)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"New signing key {entry.id}; earlier keys are retired and still verify what they signed.")


@keys_group.command("import")
@click.option("--from", "folder", type=click.Path(file_okay=False, path_type=Path), help="Default: the key folder.")
def keys_import_command(folder: Path | None) -> None:
    """Copy the keys of a key folder (`instance/keys`) into the database (LMS_SIGNING_KEYS=database)."""
    from lms.certificates.keys import import_file_keys
    from lms.core.errors import DomainError
    from lms.extensions import db

    try:
        added = import_file_keys(folder)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Imported {len(added)} signing keys into the database." if added else "Nothing to import.")


@keys_group.command("new-kek", with_appcontext=False)
def keys_new_kek_command() -> None:
    """Print a new random key-encryption key for LMS_KEY_ENCRYPTION_KEY (keep it out of the database and backups)."""
    from lms.certificates.key_database import new_key_encryption_key

    click.echo(new_key_encryption_key())


@keys_group.command("withdraw")
@click.argument("kid")
@click.option("--reason", required=True, help="Why the key is no longer trusted (published with the key set).")
def keys_withdraw_command(kid: str, reason: str) -> None:
    """Withdraw a key: every certificate it signed becomes invalid (TIDAK SAH). Re-issue those certificates."""
    from lms.certificates import keys
    from lms.core.errors import DomainError
    from lms.extensions import db

    try:
        entry = keys.withdraw(kid, reason, actor=None)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Withdrew key {entry.id}: certificates it signed no longer verify.")


@certificates_group.command("issue")
@click.option("--cohort", "cohort_id", type=int, required=True, help="Issue to every eligible learner of this cohort.")
def certificates_issue_command(cohort_id: int) -> None:
    """Bulk issuance: a certificate for every eligible learner of the cohort who has none yet (safe to run again)."""
    from lms.certificates import services
    from lms.core.errors import DomainError
    from lms.core.models import utcnow
    from lms.courses.models import Cohort
    from lms.extensions import db

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"No cohort with id {cohort_id}.")
    try:
        issued = services.issue_for_cohort(None, cohort, utcnow())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    for certificate in issued:
        click.echo(f"{certificate.number}  {certificate.snapshot['holder_name']}")
    click.echo(f"{len(issued)} certificates issued for {cohort.version.course.code} / {cohort.name}.")


@certificates_group.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Shown to whoever verifies the certificate.")
def certificates_revoke_command(number: str, reason: str) -> None:
    """Revoke a certificate by its printed number."""
    from sqlalchemy import select

    from lms.certificates import services
    from lms.certificates.models import Certificate
    from lms.core.errors import DomainError
    from lms.core.models import utcnow
    from lms.extensions import db

    certificate = db.session.execute(select(Certificate).where(Certificate.number == number)).scalar_one_or_none()
    if certificate is None:
        raise click.ClickException(f"No certificate numbered {number}.")
    try:
        services.revoke_certificate(None, certificate, reason, utcnow())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Revoked {certificate.number}.")


@certificates_group.command("verify", with_appcontext=False)
@click.argument("source")
@click.option(
    "--at",
    "moment",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    help="Check as of this moment (UTC unless it carries an offset); default now.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the verdict as JSON (verdict, reason, checked_at, not_checked) for scripts.",
)
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved /.well-known/lentera-keys.json; without it the instance's key store is used.",
)
def certificates_verify_command(source: str, moment, as_json: bool, keys_file: Path | None) -> None:
    """Check a certificate's signature offline: SOURCE is the QR text (URL or token), a PDF or an image (PNG/JPEG).

    Needs no database and no network, only the published keys; whether the issuer has since revoked the
    certificate can only be answered online. Exit status 0: genuine signature; 1: not genuine; 2: expired.
    """
    from lms.certificates.offline import OfflineCheckError, check_offline, read_qr_text

    try:
        text = read_qr_text(source)
        now = None if moment is None else (moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        report = check_offline(text, _offline_key_document(keys_file), now)
    except OfflineCheckError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        import json

        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for line in report.lines():
            click.echo(line)
    raise SystemExit(report.exit_code)


def _offline_key_document(keys_file: Path | None) -> dict:
    import json

    from lms.certificates.offline import OfflineCheckError

    if keys_file is not None:
        try:
            return json.loads(keys_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise OfflineCheckError(f"{keys_file} is not a readable key set: {error}") from error
    from flask.cli import ScriptInfo

    from lms.certificates.keys import published_keyset_document
    from lms.config import MissingSecretKey

    try:
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    except MissingSecretKey as error:
        raise OfflineCheckError(f"{error} Or give a saved key set with --keys.") from error
    with app.app_context():
        document = published_keyset_document()
    document["generated_at"] = datetime.now(UTC).isoformat()  # read from the store this moment
    return document
