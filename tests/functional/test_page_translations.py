"""Templates translate and format dates through per-request shortcuts (lms.core.i18n): the same text as
flask_babel's own, in the language in force at each moment of the request."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale, format_date, refresh

from lms.core.i18n import local_date, local_number

PAGE = "{{ _('Course catalog') }}|{{ _('%(n)d unread', n=3) }}|{{ ngettext('%(num)d course', '%(num)d courses', 2) }}"


def test_template_strings_follow_the_language_also_when_it_changes_during_the_request(app):
    with app.test_request_context("/"):
        indonesian = render_template_string(PAGE)
        with force_locale("en"):  # an e-mail in its recipient's language, rendered during a page
            english = render_template_string(PAGE)
        again = render_template_string(PAGE)
    assert english == "Course catalog|3 unread|2 courses"
    assert indonesian == again == "Katalog pelatihan|3 belum dibaca|2 pelatihan"


def test_a_percent_sign_and_markup_are_kept_as_jinja_has_them(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ _('100%% sure') }}") == "100% sure"
        assert render_template_string("{{ _('Hello %(name)s', name='<b>') }}") == "Hello &lt;b&gt;"


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("format", ["short", "medium", "long", "full", "d MMM y"])
def test_dates_read_as_flask_babel_writes_them(app, locale, format):
    with app.test_request_context("/"), force_locale(locale):
        for day in (date(2026, 1, 1), date(2026, 3, 4), date(2031, 12, 31)):
            assert local_date(day, format) == format_date(day, format)
        moment = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)  # a datetime: moved into the viewer's zone first
        assert local_date(moment, format) == format_date(moment, format)
        refresh()


NUMBERS_AND_DATES = (
    "{{ 1234.5|number }}|{{ 2|number(0) }}|{{ 2.25|number(None) }}|{{ day|dateformat }}|{{ day|dateformat('long') }}"
)


def _numbers_and_dates() -> str:
    day = date(2026, 3, 4)
    return "|".join(
        (local_number(1234.5), local_number(2, 0), local_number(2.25, None), local_date(day), local_date(day, "long"))
    )


def test_number_and_date_filters_write_what_local_number_and_local_date_write_in_the_language_in_force(app):
    """The filters read the page's language from the template (not flask_babel per value): still the request's,
    also when it changes during the request (an e-mail in its recipient's language)."""
    with app.test_request_context("/"):
        indonesian = render_template_string(NUMBERS_AND_DATES, day=date(2026, 3, 4))
        assert indonesian == _numbers_and_dates() == "1.234,50|2|2,25|4 Mar 2026|4 Maret 2026"
        with force_locale("en"):
            english = render_template_string(NUMBERS_AND_DATES, day=date(2026, 3, 4))
            assert english == _numbers_and_dates() == "1,234.50|2|2.25|Mar 4, 2026|March 4, 2026"
        moment = datetime(2026, 3, 4, 20, 30, tzinfo=UTC)  # a datetime still goes through the viewer's zone
        assert render_template_string("{{ m|dateformat }}", m=moment) == format_date(moment, "medium")


def test_number_and_date_filters_without_the_page_language_in_the_context_use_the_requests(app):
    """A template rendered outside render_template (no context processors) still gets the request's language."""
    with app.test_request_context("/"), force_locale("en"):
        text = app.jinja_env.from_string(NUMBERS_AND_DATES).render(day=date(2026, 3, 4))
        assert text == "1,234.50|2|2.25|Mar 4, 2026|March 4, 2026"


def test_kept_translations_are_read_without_asking_flask_babel_again_and_still_follow_the_language(app):
    """Once kept, page_translations answers from the request's `g` alone (no get_locale per string), and still gives
    another language's catalog under force_locale, the first again after it, and a new one after refresh()."""
    from unittest.mock import patch

    import lms.core.i18n as i18n

    with app.test_request_context("/"):
        indonesian = i18n.page_translations()
        with patch.object(i18n, "get_locale", side_effect=AssertionError("asked again")):
            assert i18n.page_translations() is indonesian and i18n.gettext("Course catalog") == "Katalog pelatihan"
        with force_locale("en"):
            assert i18n.gettext("Course catalog") == "Course catalog"
        assert i18n.page_translations() is indonesian
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        try:
            refresh()  # the language chosen anew (e.g. changed during the request)
            assert i18n.gettext("Course catalog") == "Course catalog"
        finally:
            app.config["BABEL_DEFAULT_LOCALE"] = "id"


def test_translated_labels_are_made_once_per_language_and_follow_the_language_in_force(app):
    from unittest.mock import patch

    import lms.core.labels as labels
    from lms.courses.curriculum import Ranah

    with app.test_request_context("/"):
        indonesian = labels.translated_labels(Ranah)
        assert indonesian[Ranah.PELAYANAN] == "Pelayanan" and indonesian["pengabdian"] == "Pengabdian"
        with force_locale("en"):
            english = labels.translated_labels(Ranah)
            assert english[Ranah.PELAYANAN] == "Pelayanan (service)"
        with patch.object(labels, "labels_of", side_effect=AssertionError("translated again")):
            assert labels.translated_labels(Ranah) is indonesian
            with force_locale("en"):
                assert labels.translated_labels(Ranah) is english
    # another request in the same language: the same labels
    with app.test_request_context("/"), patch.object(labels, "labels_of", side_effect=AssertionError("again")):
        assert labels.translated_labels(Ranah) is indonesian


def test_template_strings_without_variables_are_translated_once_per_language(app):
    from unittest.mock import patch

    from lms.core.i18n import page_translations

    page = "{{ _('Course catalog') }}|{{ _('100%% sure') }}|{{ _('Hello %(name)s', name='<b>') }}"
    with app.test_request_context("/"):
        first = render_template_string(page)
        with force_locale("en"):
            english = render_template_string(page)
        translations = page_translations()
        with patch.object(translations, "ugettext", side_effect=lambda s: "(asked again)"):
            again = render_template_string(page)
    assert first == "Katalog pelatihan|100% sure|Hello &lt;b&gt;"
    assert english == "Course catalog|100% sure|Hello &lt;b&gt;"
    assert again == "Katalog pelatihan|100% sure|(asked again)"  # only the string with variables asked again


def test_request_locale_is_flask_babels_locale_in_force(app):
    from unittest.mock import patch

    from flask_babel import get_locale

    import lms.core.i18n as i18n

    with app.app_context():
        assert i18n.request_locale() == get_locale()  # no request: as flask_babel has it
    with app.test_request_context("/"):
        chosen = i18n.request_locale()  # chosen through flask_babel the first time
        assert str(chosen) == "id" and chosen is get_locale()
        with patch.object(i18n, "get_locale", side_effect=AssertionError("asked again")):
            assert i18n.request_locale() is chosen
            with force_locale("en"):
                assert str(i18n.request_locale()) == "en"
            assert i18n.request_locale() is chosen
