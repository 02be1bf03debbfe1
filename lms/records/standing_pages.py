"""People with their SKP standing, by name then id, a page at a time with a keyset cursor: the one paging of the
organization dashboard and of regional supervision (their pages and their API)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, tuple_

from lms.core.keyset import decode_cursor, encode_cursor
from lms.extensions import db

TRIGRAM_SEARCH_MIN = 3
"""A name search of this many characters or more can be answered from the trigram indexes (PostgreSQL)."""


def name_or_email_contains(full_name, email, text: str):
    """The person's name or e-mail contains `text` (any case) as SQL: the search box of both lists."""
    needle = text.strip().lower()
    return or_(
        func.lower(full_name).contains(needle, autoescape=True),
        func.lower(email).contains(needle, autoescape=True),
    )


def searches_by_trigrams(name: str) -> bool:
    """A name search of three characters or more: answered from the trigram indexes (PostgreSQL), not by walking the
    names in order (the matches may all sit far down the alphabet: "rina" among 56,000 members walked 140,000
    index entries)."""
    return len(name.strip()) >= TRIGRAM_SEARCH_MIN


def page_query(
    standings, matching, limit: int, *, after: str | None = None, before: str | None = None, search: bool = False
):
    """One page of `standings` rows matching `matching`, by name, after the `after` cursor (or, walking back, before
    the `before` one), one row more than `limit` to tell whether another page follows. Ordered like the
    (full_name, id) index of users, so a page walks the index from the cursor on instead of sorting every row or
    counting past the earlier pages; with `search`, the same order on `full_name || ''`, which that index cannot
    serve: the planner then finds the matches through the trigram indexes and sorts only them (both plans
    EXPLAIN-checked in the suite on PostgreSQL).

    The page's keys are chosen first (by name and id, on users' columns and whatever `matching` needs) and only its
    rows are then read in full: a broad search ("rina", a tenth of all users) sorts its matches' names without
    joining every match to its cycle totals first (issue 19: 46 → 31 ms of PostgreSQL CPU per view)."""
    name = standings.c.full_name.concat("") if search else standings.c.full_name
    key = tuple_(name, standings.c.user_id)
    keys = select(standings.c.user_id, name.label("sort_name")).where(matching)
    if before:
        keys = keys.where(key < tuple_(*decode_cursor(before)))
        order = (name.desc(), standings.c.user_id.desc())
    else:
        if after:
            keys = keys.where(key > tuple_(*decode_cursor(after)))
        order = (name, standings.c.user_id)
    page = keys.order_by(*order).limit(limit + 1).subquery("page")
    again = (page.c.sort_name.desc(), page.c.user_id.desc()) if before else (page.c.sort_name, page.c.user_id)
    return select(standings).join(page, page.c.user_id == standings.c.user_id).order_by(*again)


@dataclass(frozen=True)
class StandingRows:
    rows: list
    """At most `limit` rows, by name then id (also when walking back)."""
    next_cursor: str | None
    """Pass as `after` for the next page; None on the last page."""
    previous_cursor: str | None
    """Pass as `before` for the previous page; None on the first page."""


def page_of_standings(
    standings, matching, limit: int, *, after: str | None = None, before: str | None = None, search: bool = False
) -> StandingRows:
    """Read one page (`page_query`) and the cursors to the pages around it: one statement."""
    rows = db.session.execute(page_query(standings, matching, limit, after=after, before=before, search=search)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if before:
        rows.reverse()
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    next_cursor = previous_cursor = None
    if last and (more or before):
        next_cursor = encode_cursor(last.full_name, last.user_id)
    if first and (more if before else after):
        previous_cursor = encode_cursor(first.full_name, first.user_id)
    elif after and not rows:
        previous_cursor = after  # past the end: the page before the cursor
    return StandingRows(rows, next_cursor, previous_cursor)
