"""The one way a view runs a service call: commit on success; on a refusal roll back and show the user why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash

from lms.core.errors import DomainError
from lms.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceCall(Generic[T]):
    """What came of a service call: its result, or the domain error that refused it."""

    result: T | None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The HTTP status for the page shown again after a refusal (200 when it went through)."""
        return 200 if self.error is None else self.error.status_code


def call_service(
    call: Callable[[], T],
    *,
    form=None,
    field: str | None = None,
    fields: Mapping[type[DomainError], str] | None = None,
    quiet: bool | tuple[type[DomainError], ...] = False,
    keep: tuple[type[DomainError], ...] = (),
) -> ServiceCall[T]:
    """Run `call` and commit. A `DomainError` rolls the transaction back and its message is shown beside the form
    field it names (`InvalidField`), or beside the field `fields` gives for its kind, or beside `field` of `form`
    when given, or else flashed on top of the page.

    `quiet`: refusals the view shows itself (on a page of its own, as a 404 …), neither flashed nor put beside a
    field; True for every refusal. `keep`: refusals after which what the service did still stands, so it is
    committed (a quiz deadline that passed while answering: the attempt was graded with what had been saved).

    Views keep only form → `call_service` → redirect or page; API endpoints let domain errors reach the JSON error
    handler (lms.core.errors) instead.
    """
    try:
        result = call()
    except DomainError as error:
        if isinstance(error, keep):
            db.session.commit()
        else:
            db.session.rollback()
        if quiet is True or (quiet and isinstance(error, quiet)):
            return ServiceCall(None, error)
        chosen = next((name for kind, name in (fields or {}).items() if isinstance(error, kind)), None)
        target = getattr(error, "field", None) or chosen or field
        if form is not None and target is not None:
            getattr(form, target).errors.append(str(error.message))  # a plain str: Jinja escapes it
        else:
            flash(str(error.message), "error")
        return ServiceCall(None, error)
    db.session.commit()
    return ServiceCall(result)
