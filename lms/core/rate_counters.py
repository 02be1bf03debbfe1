"""The request budgets' counts in the database, for a deployment without Redis: every worker and host sees them."""

from __future__ import annotations

import random
import time

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class RateCounter(db.Model):
    """Hits of one budget key in one fixed window; rows of finished windows are swept now and then."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(Integer, index=True)
    """Unix time at which the window is over."""


class DatabaseCounters:
    """Hits per key and window in the `rate_counters` table: one upsert on a connection of its own, so that a count
    stays even when the request's transaction rolls back (a failed login writes nothing else)."""

    SWEEP_CHANCE = 0.01

    def hit(self, key: str, window: int, seconds: int) -> int:
        name = f"{key}:{window}"
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(RateCounter)
            .values(key=name, hits=1, expires_at=(window + 1) * seconds)
            .on_conflict_do_update(index_elements=[RateCounter.key], set_={"hits": RateCounter.hits + 1})
            .returning(RateCounter.hits)
        )
        with db.engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if random.random() < self.SWEEP_CHANCE:
                connection.execute(delete(RateCounter).where(RateCounter.expires_at < int(time.time())))
        return int(hits)

    def peek(self, key: str, window: int) -> int:
        with db.engine.connect() as connection:
            hits = connection.execute(select(RateCounter.hits).where(RateCounter.key == f"{key}:{window}")).scalar()
        return int(hits or 0)

    def reset(self) -> None:
        try:
            with db.engine.begin() as connection:
                connection.execute(delete(RateCounter))
        except SQLAlchemyError:  # a database never migrated (an app built only to read its config) has no counts
            pass
