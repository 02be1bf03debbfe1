"""People with their SKP standing, by name then id, a page at a time with a keyset cursor: the one paging of the
organization dashboard and of regional supervision (their pages and their API)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, true, tuple_, union_all

from lms.core.keyset import decode_cursor, encode_cursor
from lms.extensions import db
from lms.records.models import MemberName

TRIGRAM_SEARCH_MIN = 3
"""A name search of this many characters or more can be answered from the trigram indexes (PostgreSQL): shorter
texts have no trigram to look up."""


def name_or_email_contains(full_name, email, text: str):
    """The person's name or e-mail contains `text` (any case) as SQL: the search box of both lists."""
    needle = text.strip().lower()
    return or_(
        func.lower(full_name).contains(needle, autoescape=True),
        func.lower(email).contains(needle, autoescape=True),
    )


def searches_by_trigrams(name: str) -> bool:
    """A name search of three characters or more: when the walk from the cursor falls short, answered from the
    trigram indexes (PostgreSQL), not by walking on (the matches may all sit far down the alphabet: "rina" among
    56,000 members walked 140,000 index entries)."""
    return len(name.strip()) >= TRIGRAM_SEARCH_MIN


WALK_ROWS = 1000
"""How many members in name order a search first walks from the cursor before it turns to the trigram indexes: their
keys come from the name index alone, about 0.5 ms of PostgreSQL when it finds nothing; it finds a page when one member
in twenty of that stretch matches."""


@dataclass(frozen=True)
class MemberSearch:
    """A name search among an organization's confirmed members: read from `member_names` (the organization's rows,
    her name and keys in one index), not from every user."""

    organization_id: int
    text: str
    """Matched, in any case, within her name or e-mail (as `name_or_email_contains`)."""


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


def _named(names, search: MemberSearch):
    """`names` rows (member_names) whose name or e-mail contains the search text, as `name_or_email_contains` says of
    the users: the keys hold `lower()` of both, written by the database."""
    needle = search.text.strip().lower()
    return or_(names.c.name_key.contains(needle, autoescape=True), names.c.email_key.contains(needle, autoescape=True))


def _standing_matches(standings, matching, user_id, *, one_by_one: bool):
    """Her standings row meets `matching` (the filters besides the name); `one_by_one`: a subquery per member that the
    planner may not turn into a join (OFFSET 0): no hash of every member is built for a walk that may find nothing,
    and the walk stops at the page's last match."""
    row = select(standings.c.user_id).where(standings.c.user_id == user_id, matching)
    return (row.offset(0) if one_by_one else row).exists()


def _member_keys(standings, matching, search: MemberSearch, limit: int, after, before, *, walk: int | None):
    """The page's (user_id, sort_name) among the organization's members named like the search, in name order from
    the cursor: among the first `walk` members only (the walk), or among them all (`walk` None)."""
    names = MemberName.__table__.alias("member_names_in_order")
    cursor, order = _cursor_and_order(names.c.full_name, names.c.user_id, after, before)
    in_organization = names.c.organization_id == search.organization_id
    if walk:
        # Only the columns of the name index: its entries alone answer the walk (PostgreSQL: an index-only scan).
        columns = (names.c.user_id, names.c.full_name, names.c.name_key, names.c.email_key)
        source = select(*columns).where(in_organization, cursor).order_by(*order).limit(walk).subquery("first_members")
        conditions = []
        order = (
            (source.c.full_name.desc(), source.c.user_id.desc()) if before else (source.c.full_name, source.c.user_id)
        )
    else:
        source, conditions = names, [in_organization, cursor]
    conditions.append(_named(source, search))
    if matching is not None:
        conditions.append(_standing_matches(standings, matching, source.c.user_id, one_by_one=True))
    keys = select(source.c.user_id, source.c.full_name.label("sort_name")).where(*conditions)
    return keys.order_by(*order).limit(limit + 1)


def _trigram_keys(standings, matching, search: MemberSearch, limit: int, after, before):
    """The page's (user_id, sort_name) among every member named like the search after the cursor, through the trigram
    indexes of `member_names` (with the organization in them where btree_gin is available), sorted by
    `full_name || ''`: an order the name index cannot serve, so that the planner does not walk it instead."""
    names = MemberName.__table__.alias("found_names")
    sort_name = names.c.full_name.concat("")
    cursor, order = _cursor_and_order(sort_name, names.c.user_id, after, before)
    conditions = [names.c.organization_id == search.organization_id, _named(names, search), cursor]
    if matching is not None:
        conditions.append(_standing_matches(standings, matching, names.c.user_id, one_by_one=False))
    return select(names.c.user_id, sort_name.label("sort_name")).where(*conditions).order_by(*order).limit(limit + 1)


def page_query(
    standings,
    matching,
    limit: int,
    *,
    after: str | None = None,
    before: str | None = None,
    search: MemberSearch | None = None,
):
    """One page of `standings` rows matching `matching`, by name, after the `after` cursor (or, walking back, before
    the `before` one), one row more than `limit` to tell whether another page follows. One statement, whose keys
    (user id and name) are chosen first; only the page's rows are then read in full, so that no plan joins every
    match to its cycle totals before sorting.

    Without `search` the keys come in the order of the (full_name, id) index of users, walked from the cursor on:
    no sort of every row, no counting past the earlier pages. With `search` (an organization's members whose name or
    e-mail holds a text; `matching` then holds only the other filters, None for none) they come from `member_names`:
    the organization's members in name order from the cursor, each checked on the keys in the index entry. A text of
    three characters or more (`searches_by_trigrams`) is answered in two steps within the statement: the first
    WALK_ROWS members from the cursor, when that stretch holds a whole page (a broad search: "kep" matches most
    nurses; a page after the first of "rina", where the Rinas sit together); else every match after the cursor
    through the trigram indexes, of which only the names are sorted (issue 19: page 1 of "rina", 5,477 of 56,000
    members, on the 1M-certificate database: the statement 42 → 6 ms, 12,464 → 1,561 buffers; through the users'
    trigram indexes it had read and sorted all 20,000 users named so). The walk runs first and the trigram step only
    when the walk fell short (EXPLAIN-checked in the suite on PostgreSQL)."""
    if search is None:
        page = _page_keys(standings, matching, limit, standings.c.full_name, after, before).subquery("page")
    elif not searches_by_trigrams(search.text):
        page = _member_keys(standings, matching, search, limit, after, before, walk=None).subquery("page")
    else:
        walked = _member_keys(standings, matching, search, limit, after, before, walk=WALK_ROWS).cte("walked")
        found = _trigram_keys(standings, matching, search, limit, after, before).subquery("found")
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
    standings,
    matching,
    limit: int,
    *,
    after: str | None = None,
    before: str | None = None,
    search: MemberSearch | None = None,
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
