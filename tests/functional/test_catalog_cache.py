"""The catalog page's body is kept per process and language, and forgotten when a course version is published."""

from contextlib import contextmanager

from sqlalchemy import event

from lms.courses.catalog_cache import TTL_SECONDS, catalog_cache
from lms.courses.models import CourseStatus
from lms.courses.services import import_course
from lms.extensions import db
from tests.factories import make_course_spec, make_organization


@contextmanager
def statements(app):
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _catalog(client, **query) -> str:
    response = client.get("/courses", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_view_reads_no_course_from_the_database(app, app_ctx, client):
    make_organization("ppni", name="PPNI")
    import_course(make_course_spec("PPI-DASAR"), publish=True)
    db.session.commit()
    first = _catalog(client)
    assert "Pelatihan PPI-DASAR" in first
    with statements(app) as seen:
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


def test_a_publish_in_another_process_shows_after_the_time_to_live(app, app_ctx, client):
    make_organization("ppni", name="PPNI")
    version = import_course(make_course_spec("PPI-DASAR")).version
    db.session.commit()
    assert "PPI-DASAR" not in _catalog(client)
    version.status = CourseStatus.PUBLISHED  # as another process would: no event reaches this one
    db.session.commit()
    assert "PPI-DASAR" not in _catalog(client)
    cache = catalog_cache()
    cache.ttl = 0
    try:
        assert "PPI-DASAR" in _catalog(client)
    finally:
        cache.ttl = TTL_SECONDS
