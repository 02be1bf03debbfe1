"""Session objects made from values a Core statement read or wrote, as if the ORM had loaded them: for the hot
paths where the ORM's own work cost more than the statement (every API call's user, a started attempt)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value

from lms.extensions import db

T = TypeVar("T")


@cache
def mapped_columns(model: type) -> tuple[tuple[Column, str], ...]:
    """(column, attribute name) of every column of the model's table, in the table's order: select the columns,
    then give `loaded_object` the row's values with the names."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    return tuple((column, mapper.get_property_by_column(column).key) for column in mapper.local_table.columns)


def loaded_object(
    model: type[T], values: Iterable[tuple[str, Any]], *, known: dict[str, Any] | None = None, refresh: bool = False
) -> T:
    """The session's object of `model` with these column values ((attribute name, value) pairs, every column of
    its table): the one the session holds already (tests share a session with their requests), or one made from
    the values, with the relationships `known` already (e.g. no memberships; objects the session holds already).
    The values are set as loaded ones: no attribute event fires and nothing is written back; other relationships
    are read when first used, a many-to-one from the session's identity map first. With `refresh`, an object the
    session holds gets these values and relationships too (as a query with populate_existing would: a row read
    under a lock is the truth, whatever the session held)."""
    session = db.session()
    mapper = model.__mapper__  # type: ignore[attr-defined]
    values = dict(values)
    key = mapper.identity_key_from_primary_key(tuple(values[name] for name in _primary_key_names(model)))
    held = session.identity_map.get(key)
    if held is not None:
        if refresh:
            for name, value in (*values.items(), *(known or {}).items()):
                set_committed_value(held, name, value)
        return held
    if not mapper.configured:  # a worker's first request may come here before any query has set them up
        configure_mappers()
    made = mapper.class_manager.new_instance()
    instance_dict(made).update(values)  # as the ORM's loading fills it
    for name, value in (known or {}).items():
        set_committed_value(made, name, value)
    make_transient_to_detached(made)  # all of it counts as loaded; relationships not known are read when used
    # Attached as session.add attaches a detached object, without its cascade along every relationship (most of
    # add's calls): the relationships are unloaded but the `known` ones, whose objects the session holds already.
    session._update_impl(instance_state(made))
    return made


@cache
def _primary_key_names(model: type) -> tuple[str, ...]:
    mapper = model.__mapper__  # type: ignore[attr-defined]
    return tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
