"""`call_service`: how a view's service call commits, or rolls back and shows the refusal where the view asked."""

from __future__ import annotations

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from lms.accounts.models import Organization
from lms.core.errors import Conflict, DomainError, InvalidInput, NotFound
from lms.core.service_calls import call_service
from lms.extensions import db
from tests.factories import make_organization


class PatternRefused(InvalidInput):
    pass


class SettingsForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    pattern = StringField()


def _renaming(organization_id: int, error: DomainError | None):
    """A service that renames an organization (flushed, not committed), then is refused with `error`, if any."""

    def service():
        db.session.get(Organization, organization_id).name = "Renamed"
        db.session.flush()
        if error is not None:
            raise error
        return "done"

    return service


def _name_in_database(organization_id: int) -> str:
    db.session.expire_all()
    return db.session.execute(select(Organization.name).where(Organization.id == organization_id)).scalar_one()


def test_a_refusal_is_rolled_back_and_flashed_and_success_is_committed(app):
    with app.test_request_context("/"):
        organization = make_organization(name="Original")
        refused = call_service(_renaming(organization.id, Conflict("Not now.")))
        assert not refused.ok and refused.status == 409 and refused.result is None
        assert _name_in_database(organization.id) == "Original"
        assert get_flashed_messages(with_categories=True) == [("error", "Not now.")]
        done = call_service(_renaming(organization.id, None))
        assert done.ok and done.result == "done" and done.status == 200
        assert _name_in_database(organization.id) == "Renamed"


def test_the_kind_of_refusal_chooses_the_field_it_is_shown_beside(app):
    with app.test_request_context("/", method="POST", data={"name": "x", "pattern": "y"}):
        organization = make_organization()
        form = SettingsForm()
        assert form.validate()
        fields = {PatternRefused: "pattern"}
        call_service(_renaming(organization.id, PatternRefused("Bad pattern.")), form=form, fields=fields)
        assert form.pattern.errors == ["Bad pattern."] and form.name.errors == []
        # Another kind goes beside `field`, or is flashed when no field is named.
        call_service(_renaming(organization.id, InvalidInput("Bad name.")), form=form, field="name", fields=fields)
        assert form.name.errors == ["Bad name."]
        call_service(_renaming(organization.id, InvalidInput("Bad at all.")), form=form, fields=fields)
        assert get_flashed_messages() == ["Bad at all."]
        assert _name_in_database(organization.id) != "Renamed"


def test_quiet_refusals_are_left_to_the_view_to_show(app):
    with app.test_request_context("/"):
        organization_id = make_organization(name="Original").id
        every = call_service(_renaming(organization_id, NotFound()), quiet=True)
        assert isinstance(every.error, NotFound) and every.status == 404
        some = call_service(_renaming(organization_id, Conflict("Used.")), quiet=(Conflict,))
        assert isinstance(some.error, Conflict)
        assert get_flashed_messages() == []
        assert _name_in_database(organization_id) == "Original"
    with app.test_request_context("/"):  # a request reads its flashed messages once
        call_service(_renaming(organization_id, InvalidInput("Shown.")), quiet=(Conflict,))
        assert get_flashed_messages() == ["Shown."]


def test_a_kept_refusal_commits_what_the_service_did_and_is_still_shown(app):
    with app.test_request_context("/"):
        organization = make_organization(name="Original")
        outcome = call_service(_renaming(organization.id, Conflict("Time is up.")), keep=(Conflict,))
        assert isinstance(outcome.error, Conflict)
        assert _name_in_database(organization.id) == "Renamed"
        assert get_flashed_messages() == ["Time is up."]
        other = make_organization(name="Other")
        call_service(_renaming(other.id, InvalidInput("No.")), keep=(Conflict,))
        assert _name_in_database(other.id) == "Other"
