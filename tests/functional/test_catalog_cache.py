"""The catalog page's body is kept per process and language, and forgotten when a course version is published."""

from datetime import date, timedelta

import pytest

from lms import create_app
from lms.core.database import dispose_engines
from lms.core.i18n import local_today
from lms.courses.catalog_cache import CatalogCache, catalog_cache
from lms.courses.models import Cohort, CohortMode, CourseStatus
from lms.courses.services import import_course
from lms.extensions import db
from tests.factories import make_course_spec, make_organization
from tests.functional.test_verify_status_cache import wait_until
from tests.statements import counted_statements as statements


def _catalog(client, **query) -> str:
    response = client.get("/courses", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _listening_catalog(some_app, client) -> str:
    """The app's catalog, once its cache hears the notices where there are any (it starts over then)."""
    _catalog(client)
    with some_app.app_context():
        cache = catalog_cache()
    if cache.notices is not None:
        assert wait_until(lambda: cache.listening), "the catalog's listener did not start"
    return _catalog(client)


def test_a_second_view_reads_no_course_from_the_database(app, app_ctx, client):
    make_organization("ppni", name="PPNI")
    import_course(make_course_spec("PPI-DASAR"), publish=True)
    db.session.commit()
    first = _listening_catalog(app, client)
    assert "Pelatihan PPI-DASAR" in first
    with statements() as seen:
        again = _catalog(client)
    assert again == first
    assert not [s for s in seen if "course_versions" in s]
    # Another language or other filters are another body.
    assert "Pelatihan PPI-DASAR" not in _catalog(client, search="tidak-ada")


def test_publishing_shows_the_course_at_once(app, app_ctx, client):
    make_organization("ppni", name="PPNI")
    import_course(make_course_spec("PPI-DASAR"), publish=True)
    db.session.commit()
    assert "BIDAN-1" not in _catalog(client)
    import_course(make_course_spec("BIDAN-1"), publish=True)
    db.session.commit()
    assert "BIDAN-1" in _catalog(client)


def test_without_change_notices_a_publish_elsewhere_shows_after_the_time_to_live(app, app_ctx, client, monkeypatch):
    """SQLite, or the listener down: a change made by another process (no event, no notice here) shows once the
    body's time is up."""
    monkeypatch.setitem(app.extensions, "lentera_catalog_cache", CatalogCache())  # hears no notices
    make_organization("ppni", name="PPNI")
    version = import_course(make_course_spec("PPI-DASAR")).version
    db.session.commit()
    assert "PPI-DASAR" not in _catalog(client)
    version.status = CourseStatus.PUBLISHED  # as another process would: no event reaches this one
    db.session.commit()
    assert "PPI-DASAR" not in _catalog(client)
    catalog_cache().ttl = 0
    assert "PPI-DASAR" in _catalog(client)


@pytest.fixture
def second_app(app):
    """Another instance of the app on the same database, as another worker or host runs it."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("change notices are PostgreSQL's (LISTEN/NOTIFY); on SQLite a body is kept TTL_SECONDS")
    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "SIGNING_KEYS_DIR", "UPLOADS_DIR", "STORAGE")
    other = create_app({key: app.config[key] for key in keys} | {"JOBS_SQLITE_PATH": app.config["JOBS_SQLITE_PATH"]})
    other.test_client_class = app.test_client_class
    yield other
    with other.app_context():
        db.session.remove()
        dispose_engines()


def test_a_publish_shows_at_once_on_another_instance(app, app_ctx, second_app):
    make_organization("ppni", name="PPNI")
    import_course(make_course_spec("PPI-DASAR"), publish=True)
    db.session.commit()
    elsewhere = second_app.test_client()
    assert "Pelatihan PPI-DASAR" in _listening_catalog(second_app, elsewhere)
    with statements() as seen:
        _catalog(elsewhere)
    assert not [s for s in seen if "course_versions" in s], "the second instance reads its kept body"

    import_course(make_course_spec("BIDAN-1"), publish=True)  # here: no event reaches the other instance
    db.session.commit()

    # The notice arrives a few milliseconds after the commit; no time to live is waited for.
    assert wait_until(lambda: "BIDAN-1" in _catalog(elsewhere), 2.0)


def test_a_cohort_change_shows_at_once_on_another_instance(app, app_ctx, second_app):
    make_organization("ppni", name="PPNI")
    version = import_course(make_course_spec("PPI-DASAR"), publish=True).version
    db.session.commit()
    elsewhere = second_app.test_client()
    assert "Aula RSUD Tarakan" not in _listening_catalog(second_app, elsewhere)
    today = date.today()
    db.session.add(
        Cohort(version=version, name="Angkatan Maret", mode=CohortMode.LURING, place="Aula RSUD Tarakan",
               starts_on=today, ends_on=today + timedelta(days=9))
    )  # fmt: skip
    db.session.commit()
    assert wait_until(lambda: "Aula RSUD Tarakan" in _catalog(elsewhere), 2.0)


def test_a_new_day_renders_the_body_again(app, app_ctx, client, monkeypatch):
    """The next cohort shown depends on the visitor's day: a body kept from yesterday is not today's."""
    make_organization("ppni", name="PPNI")
    import_course(make_course_spec("PPI-DASAR"), publish=True)
    db.session.commit()
    _listening_catalog(app, client)
    tomorrow = local_today() + timedelta(days=1)  # the visitor's day (Jakarta; UTC's is behind after 17:00)
    monkeypatch.setattr("lms.courses.views.local_today", lambda: tomorrow)
    with statements() as seen:
        _catalog(client)
    assert [s for s in seen if "course_versions" in s]
