"""Recording a filled-in instrument once: the response row and its answers, whatever purpose it serves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.core.models import utcnow
from lms.extensions import db
from lms.instruments.items import Answer as CheckedAnswer
from lms.instruments.models import Instrument, InstrumentAnswer, InstrumentResponse


def existing_response(enrolment_id: int, dedupe_key: str) -> InstrumentResponse | None:
    return db.session.execute(
        select(InstrumentResponse).where(
            InstrumentResponse.enrolment_id == enrolment_id, InstrumentResponse.dedupe_key == dedupe_key
        )
    ).scalar_one_or_none()


def record_response(
    instrument: Instrument,
    enrolment_id: int,
    dedupe_key: str,
    answers: dict[str, CheckedAnswer],
    *,
    respondent_role: str,
    answered_at: datetime | None = None,
    **fields,
) -> tuple[InstrumentResponse, bool]:
    """Insert the response and its answers, or return the one already recorded under the same key (False): a
    resend, a double click or two requests at once keep the first answer and never make two. One INSERT ... ON
    CONFLICT DO NOTHING for the response, one multi-row INSERT for its answers."""
    now = utcnow()
    values = {
        "instrument_id": instrument.id,
        "purpose": instrument.purpose,
        "enrolment_id": enrolment_id,
        "dedupe_key": dedupe_key,
        "respondent_role": respondent_role,
        "answered_at": min(answered_at or now, now),
        "received_at": now,
        "remarks": fields.pop("remarks", "") or "",
        **fields,
    }
    dialect = db.session.get_bind().dialect.name
    insert_into = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_into(InstrumentResponse)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["enrolment_id", "dedupe_key"])
        .returning(InstrumentResponse.id)
    )
    response_id = db.session.execute(stmt).scalar_one_or_none()
    if response_id is None:
        return existing_response(enrolment_id, dedupe_key), False
    rows = [
        {"response_id": response_id, "item_id": item_id, "value": answer.value, "text": answer.text}
        for item_id, answer in answers.items()
    ]
    if rows:
        db.session.execute(insert(InstrumentAnswer), rows)
    instrument.freeze()
    return db.session.get(InstrumentResponse, response_id), True


def answer_values(response_ids: list[int]) -> dict[int, dict[str, InstrumentAnswer]]:
    """The answers of many responses in one query, by response id and item id."""
    found: dict[int, dict[str, InstrumentAnswer]] = {response_id: {} for response_id in response_ids}
    if not response_ids:
        return found
    for answer in db.session.execute(
        select(InstrumentAnswer).where(InstrumentAnswer.response_id.in_(response_ids))
    ).scalars():
        found[answer.response_id][answer.item_id] = answer
    return found
