"""People with their SKP standing, by name then id, a page at a time with a keyset cursor: the one paging of the
organization dashboard and of regional supervision (their pages and their API)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, true, tuple_, union_all

from lms.accounts.models import User
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


WALK_ROWS = 1000
"""How many users in name order a search first walks from the cursor before it turns to the trigram indexes: about
2 ms of PostgreSQL CPU when it finds nothing; it finds a page when one user in twenty of that stretch matches."""


def _cursor_and_order(name, user_id, after: str | None, before: str | None):
    """The cursor condition on (name, id) and the order a page is read in (walking back: descending)."""
    key = tuple_(name, user_id)
    if before:
        return key < tuple_(*decode_cursor(before)), (name.desc(), user_id.desc())
    return (key > tuple_(*decode_cursor(after)) if after else true()), (name, user_id)


def _page_keys(standings, matching, limit: int, name, after, before):
    """The (user_id, sort_name) of the page's rows: one more than `limit`, from the cursor on, in `name` order."""
    cursor, order = _cursor_and_order(name, standings.c.user_id, after, before)
    keys = select(standings.c.user_id, name.label("sort_name")).where(matching, cursor)
    return keys.order_by(*order).limit(limit + 1)


def _walk(standings, matching, limit: int, after: str | None, before: str | None):
    """The page's keys among the first WALK_ROWS users by name from the cursor, in that order, each user's row looked
    up by itself (a subquery per user that the planner may not turn into a join, OFFSET 0: no hash of every member is
    built for a walk that may find nothing, and the walk stops at the page's last match)."""
    cursor, order = _cursor_and_order(User.full_name, User.id, after, before)
    first = select(User.id, User.full_name).where(cursor).order_by(*order).limit(WALK_ROWS).subquery("first_users")
    looked_up = select(standings.c.user_id).where(standings.c.user_id == first.c.id, matching).offset(0).exists()
    order = (first.c.full_name.desc(), first.c.id.desc()) if before else (first.c.full_name, first.c.id)
    return (
        select(first.c.id.label("user_id"), first.c.full_name.label("sort_name"))
        .where(looked_up)
        .order_by(*order)
        .limit(limit + 1)
    )


def page_query(
    standings, matching, limit: int, *, after: str | None = None, before: str | None = None, search: bool = False
):
    """One page of `standings` rows matching `matching`, by name, after the `after` cursor (or, walking back, before
    the `before` one), one row more than `limit` to tell whether another page follows. One statement, whose keys
    (user id and name) are chosen first; only the page's rows are then read in full, so that no plan joins every
    match to its cycle totals before sorting.

    Without `search` the keys come in the order of the (full_name, id) index of users, walked from the cursor on:
    no sort of every row, no counting past the earlier pages. A name search (`search`) is answered in two steps
    within the statement: the first WALK_ROWS users by name from the cursor, filtered, when that holds a whole page
    (a broad search: "kep" matches most nurses; and a page after the first of "rina", where the Rinas sit together:
    issue 19, 286 → 9 ms and 55 → 13 ms of PostgreSQL time on the 1M-certificate database); else, through
    the trigram indexes, every match sorted by `full_name || ''` (an order the name index cannot serve, so that the
    planner does not walk it for matches far down the alphabet: "rina" among 56,000 members walked 140,000 index
    entries). The walk runs first and the trigram branch only when the walk fell short (both plans EXPLAIN-checked in
    the suite on PostgreSQL)."""
    if not search:
        page = _page_keys(standings, matching, limit, standings.c.full_name, after, before).subquery("page")
    else:
        walked = _walk(standings, matching, limit, after, before).cte("walked")
        found = _page_keys(standings, matching, limit, standings.c.full_name.concat(""), after, before).subquery(
            "found"
        )
        enough = select(func.count()).select_from(walked).scalar_subquery() > limit
        page = union_all(
            select(walked.c.user_id, walked.c.sort_name).where(enough),
            select(found.c.user_id, found.c.sort_name).where(~enough),
        ).subquery("page")
    order = (page.c.sort_name.desc(), page.c.user_id.desc()) if before else (page.c.sort_name, page.c.user_id)
    return select(standings).join(page, page.c.user_id == standings.c.user_id).order_by(*order)


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
