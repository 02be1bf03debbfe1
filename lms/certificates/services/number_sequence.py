"""Certificate numbers reserved from the organization's locked sequence rows (the pure rules: ../numbering.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.accounts.models import Organization
from lms.certificates import numbering
from lms.certificates.models import Certificate, NumberSequence
from lms.extensions import db


def _local_now(now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def _sequence_row(organization_id: int, scope: str, year: int) -> NumberSequence:
    """The sequence row, locked until the transaction ends; created on first use (a concurrent creator's row is
    kept: INSERT … ON CONFLICT DO NOTHING, then the locked read waits for its transaction)."""
    values = {"organization_id": organization_id, "scope": scope, "year": year, "last_value": 0}
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(NumberSequence).values(**values).on_conflict_do_nothing())
    return db.session.execute(
        select(NumberSequence)
        .where(
            NumberSequence.organization_id == organization_id,
            NumberSequence.scope == scope,
            NumberSequence.year == year,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def reserve_numbers(organization: Organization, course_code: str, pattern: str, now: datetime, count: int) -> list[str]:
    """`count` new certificate numbers, each handed out once and never again (the sequence row is locked until
    the transaction ends, so two issuances can never take the same number)."""
    local = _local_now(now)
    parts = numbering.NumberParts(organization.slug, course_code, local.year, local.month)
    scope = numbering.number_scope(pattern, parts)
    row = _sequence_row(organization.id, scope, numbering.sequence_year(pattern, local.year))
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        candidates = [numbering.format_number(scope, row.last_value + i) for i in range(1, wanted + 1)]
        row.last_value += wanted
        # Another pattern may once have produced the same text (e.g. the admin changed it back and forth).
        taken: set[str] = set()
        for start in range(0, len(candidates), 1000):
            chunk = candidates[start : start + 1000]
            taken.update(db.session.execute(select(Certificate.number).where(Certificate.number.in_(chunk))).scalars())
        numbers.extend(n for n in candidates if n not in taken)
    db.session.flush()
    return numbers
