"""Language and time zone of each request: Bahasa Indonesia by default, English by choice; WIB/WITA/WIT."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    DateTimeFormat,
    DateTimePattern,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_request_context, request, session
from flask.globals import _cv_app, _cv_request
from flask_babel import LazyString, format_date, get_locale, get_timezone, get_translations
from jinja2 import pass_context, pass_eval_context
from jinja2.runtime import Context
from markupsafe import Markup

from lms.core.numbers import format_local_decimal
from lms.core.security import signed_in_user
from lms.core.templating import markup_text
from lms.extensions import babel


class TimeZone(StrEnum):
    """Indonesia's three time zones: WIB, WITA, WIT."""

    WIB = "Asia/Jakarta"
    WITA = "Asia/Makassar"
    WIT = "Asia/Jayapura"

    @property
    def label(self) -> str:
        return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}[self.value]


def select_locale() -> str:
    config = current_app.config
    languages = config["LANGUAGES"]
    context = _cv_request.get(None)  # the request's context itself, not each of its things through a proxy
    if context is None:  # command line: the default language
        return config["BABEL_DEFAULT_LOCALE"]
    chosen = context.session.get("locale")
    if chosen in languages:
        return chosen
    user = signed_in_user()
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    return config["BABEL_DEFAULT_LOCALE"]


def chosen_locale() -> str | None:
    """?locale=en from the language buttons of a page that reloads itself in the language chosen (below); honoured
    whoever follows the link."""
    locale = request.args.get("locale")
    return locale if locale in current_app.config["LANGUAGES"] else None


def without_session() -> bool:
    """An anonymous visitor with nothing in a session. A page of theirs without a form of its own offers the language
    buttons that reload it with ?locale= (base.html, `language_per_page`) rather than the form that stores the choice
    with a CSRF token, whose token would start a session: then a verifier's phone gets no cookie of ours from such a
    page, and its later scans stay on the verify page's fast path (lms.certificates.verify_fast_path)."""
    return not session and not signed_in_user().is_authenticated


def _selected_locale() -> Locale:
    """select_locale's language as the process's one Locale object for it: Flask-Babel parses a name into a new
    object on every request, and caches keyed on the language (the date texts below) then compare two objects
    attribute by attribute instead of by identity."""
    return _locale(select_locale())


def select_timezone() -> str:
    if has_request_context():
        user = signed_in_user()
        if user is not None and user.is_authenticated and user.timezone:
            return str(user.timezone)
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


ZONE_LABELS = {zone.value: zone.label for zone in TimeZone}
NAMED_FORMATS = ("short", "medium", "long", "full")


@cache
def _datetime_format(locale: Locale, format: str):
    """What Babel's format_datetime looks up and parses on every call, done once per language and format: the
    combining pattern ("{1} {0}") with the date and time patterns, or one parsed pattern for a custom format."""
    if format in NAMED_FORMATS:
        return (
            get_datetime_format(format, locale).replace("'", ""),
            get_date_format(format, locale),
            get_time_format(format, locale),
        )
    return parse_pattern(format)


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_local_datetime(value: datetime, format: str, locale: Locale | str, zone_name: str) -> str:
    """Babel's format_datetime(value, format, tzinfo=zone, locale=locale) followed by the zone's short name
    (WIB/WITA/WIT), without looking up and parsing the patterns again on every call (the same text: a test compares
    the two). Pages, e-mails and the verify page's many dates all go through here."""
    if isinstance(locale, str):
        locale = _locale(locale)
    moment = value.astimezone(_zone(zone_name))
    patterns = _datetime_format(locale, format)
    if isinstance(patterns, tuple):
        combined, date_pattern, time_pattern = patterns
        text = combined.replace("{0}", _time_text(time_pattern, moment, locale)).replace(
            "{1}", _date_text(date_pattern, moment.date(), locale)
        )
    else:
        text = patterns.apply(moment, locale)
    return f"{text} {ZONE_LABELS.get(zone_name, zone_name)}"


@cache
def _date_pattern(locale: Locale, format: str):
    """Babel's date pattern for a named format ("medium") or a custom one, looked up and parsed once."""
    return get_date_format(format, locale) if format in NAMED_FORMATS else parse_pattern(format)


_PATTERN_FIELD = re.compile(r"%\((\w+)\)s")
_CLOCK_FIELDS = frozenset("Hhms")


@cache
def _clock_writer(pattern: DateTimePattern, locale: Locale) -> Callable[[datetime], str] | None:
    """A time pattern made of hours, minutes, seconds and am/pm ("HH.mm.ss", "h:mm:ss a") as a function that writes
    what Babel's `pattern.apply` writes, by arithmetic (Babel looks each field up through its locale data: most of
    a date's cost on the verify page); None for a pattern with any other field (Babel writes it)."""
    names = set(_PATTERN_FIELD.findall(pattern.format))
    fields, periods = [], {}
    for name in names:
        if name[0] == "a":  # am/pm: the locale's word for the hour's half of the day, as Babel words it
            periods[name] = tuple(DateTimeFormat(datetime(2000, 1, 1, hour), locale)[name] for hour in (0, 12))
        elif name[0] in _CLOCK_FIELDS and name == name[0] * len(name):
            fields.append((name, name[0], len(name)))
        else:
            return None
    template = pattern.format

    def write(moment: datetime) -> str:
        hour = moment.hour
        values = {name: texts[hour >= 12] for name, texts in periods.items()}
        for name, field, width in fields:
            if field == "H":
                number = hour
            elif field == "h":
                number = hour % 12 or 12
            elif field == "m":
                number = moment.minute
            else:
                number = moment.second
            values[name] = str(number).zfill(width)  # as Babel pads a number ("%0*d")
        return template % values

    return write


def _time_text(pattern: DateTimePattern, moment: datetime, locale: Locale) -> str:
    write = _clock_writer(pattern, locale)
    return pattern.apply(moment, locale) if write is None else write(moment)


_DATE_TEXTS_KEPT = 4096
_date_texts: dict[tuple, str] = {}


def _date_text(pattern, value: date, locale: Locale) -> str:
    """A parsed date pattern applied to a calendar date, kept per pattern, language and day: the same few days are
    written over and over (a page of dates; a verify scan writes three, and certificates share their days)."""
    key = (pattern, locale, value)
    text = _date_texts.get(key)
    if text is None:
        if len(_date_texts) >= _DATE_TEXTS_KEPT:
            _date_texts.clear()
        text = _date_texts[key] = pattern.apply(value, locale)
    return text


def format_local_date(value: date, format: str, locale: Locale) -> str:
    """Babel's format_date(value, format, locale=locale) for a calendar date (the same text: a test compares them)."""
    return _date_text(_date_pattern(locale, format), value, locale)


def local_date(value: date | datetime | None, format: str = "medium") -> str:
    """flask_babel's `format_date`, with a calendar date's pattern looked up once per language and format (the
    record page formats a date on every line); a datetime (moved into the viewer's zone first) or None (today)
    goes through flask_babel itself."""
    locale = get_locale()
    if type(value) is not date or locale is None:
        return format_date(value, format)
    return format_local_date(value, format, locale)


def current_zone_name() -> str:
    """The viewer's zone name ("Asia/Makassar"), chosen once per request (flask_babel keeps it: a pytz zone)."""
    zone = get_timezone()
    return getattr(zone, "zone", None) or str(zone)


def local_datetime(value: datetime | None, format: str = "medium") -> str:
    """A UTC datetime shown in the viewer's zone, with the zone's short name (WIB/WITA/WIT)."""
    if value is None:
        return ""
    return format_local_datetime(value, format, get_locale(), current_zone_name())


def local_today(now: datetime | None = None) -> date:
    """Today's date where the viewer is (WIB/WITA/WIT), not in UTC: from midnight to 07:00 WIB (08:00 WITA,
    09:00 WIT) the UTC date is still yesterday's."""
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(select_timezone())).date()


def local_date_of(moment: datetime) -> date:
    """The viewer's calendar date of a UTC moment (a session at 23:30 UTC is the next day in WITA)."""
    return moment.astimezone(ZoneInfo(select_timezone())).date()


def local_number(value: Decimal | float | int | None, places: int | None = 2) -> str:
    """A number in the viewer's notation: `17,00` in Indonesian, `17.00` in English."""
    return format_local_decimal(value, str(get_locale()), places)


def _page_locale(context: Context) -> str:
    """The page's language as the context processor below gave it to the template (`current_locale`), read from
    the template's own variables rather than through flask_babel's proxies for every value (about 15 calls each);
    the request's where a template has no such variable (one rendered outside Flask's render_template, a macro
    imported without context)."""
    return context.parent.get("current_locale") or str(get_locale())


@pass_context
def _page_number(context: Context, value: Decimal | float | int | None, places: int | None = 2) -> str:
    """The `number` filter: local_number with the page's language (a record page writes hundreds of numbers)."""
    return format_local_decimal(value, _page_locale(context), places)


@pass_context
def _page_date(context: Context, value: date | datetime | None, format: str = "medium") -> str:
    """The `dateformat` filter: local_date with the page's language for a calendar date (one per ledger line)."""
    if type(value) is not date:
        return local_date(value, format)
    return format_local_date(value, format, _locale(_page_locale(context)))


def request_locale() -> Locale | None:
    """Flask-Babel's `get_locale()`, read where it keeps the locale once chosen for the request (its namespace in
    the app context's `g`) rather than through the `g` proxy (a dozen calls); chosen by `get_locale()` itself the
    first time, and outside a request (None)."""
    app_context = _cv_app.get(None)
    if app_context is not None:
        babel_context = app_context.g.__dict__.get("_flask_babel")
        if babel_context is not None:
            locale = babel_context.__dict__.get("babel_locale")
            if locale is not None:
                return locale
    return get_locale()


def page_translations() -> Translations | NullTranslations:
    """Flask-Babel's translations for the current locale, looked up once per request and locale for the templates.

    Flask-Babel finds them anew for every string (several lookups through context proxies and the locale turned into
    a string: 15 µs a string, 1 ms for the 70 strings of the record page). The locale object is compared by identity,
    so `force_locale` (an e-mail in its recipient's language) and a language changed during the request get theirs.
    Read from the app context's `g` itself (where Flask-Babel keeps the locale), not through the `g` proxy: a page
    translates dozens of strings, and the proxy's lookups were most of each one's calls.
    """
    app_context = _cv_app.get(None)
    if app_context is None:
        return get_translations()
    kept_by = app_context.g.__dict__
    babel_context = kept_by.get("_flask_babel")
    kept = kept_by.get("_lentera_translations")
    if kept is None or babel_context is None or kept[0] is not getattr(babel_context, "babel_locale", None):
        locale = request_locale()
        kept = kept_by["_lentera_translations"] = (locale, _translations_of(app_context.app, locale))
    return kept[1]


def _translations_of(app: Flask, locale: Locale | None) -> Translations | NullTranslations:
    """Flask-Babel's translations for `locale`, the same object it keeps per language (loaded once per process),
    kept per app and language here: its own lookup asked for the locale again and made its name each time."""
    known = app.extensions.setdefault("lentera_translations", {})
    translations = known.get(locale)
    if translations is None:
        translations = known[locale] = get_translations()
    return translations


def gettext(string: str, **variables) -> str:
    """flask_babel's `gettext`, through the translations kept for the request (page_translations): a third of its
    calls, for strings a request translates many times (a review's "True" and "False" for every question)."""
    translated = page_translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """flask_babel's `lazy_gettext` (the same LazyString), translated by `gettext` above when used."""
    return LazyString(gettext, string, **variables)


_NOT_ONLY_NAMED_TEXTS = re.compile(r"%(?!%|\(\w+\)s)")
"""A conversion other than `%(name)s` and `%%` (a width, `%(n)d`, a positional `%s`)."""
_new_markup = str.__new__  # Markup(text) for a str: what Markup's own __new__ ends in


def _escaped_format(translated: str, variables: dict) -> Markup:
    """`Markup(translated) % variables`: each value escaped (as `escape` writes it) into a trusted format string.
    With only `%(name)s` fields the values are escaped here, once each, and the text formatted as a str: Markup's
    `%` wraps the values and each one read in helper objects (eight calls a value); other fields go through it."""
    if _NOT_ONLY_NAMED_TEXTS.search(translated) is not None:
        return Markup(translated) % variables
    return _new_markup(Markup, translated % {name: markup_text(value) for name, value in variables.items()})


_PAGE_TEXTS_KEPT = 4096
_page_texts: dict[tuple[int, str], tuple[Translations | NullTranslations, Markup]] = {}


@pass_eval_context
def _page_gettext(eval_context, string: str, **variables) -> str:
    """Jinja's new-style `_()`: escaped like the template, always a format string (so `%%` is `%`).

    A string without variables in an escaped template (most of a page's) is translated and made Markup once per
    catalog (its translations object, compared by identity, as page_translations keeps it), not on every page: the
    Markup and its formatting were a dozen calls a string."""
    translations = page_translations()
    if not eval_context.autoescape:
        return translations.ugettext(string) % variables
    if variables:
        return _escaped_format(translations.ugettext(string), variables)
    key = (id(translations), string)
    kept = _page_texts.get(key)
    if kept is None or kept[0] is not translations:
        if len(_page_texts) >= _PAGE_TEXTS_KEPT:
            _page_texts.clear()
        kept = _page_texts[key] = (translations, Markup(translations.ugettext(string)) % {})
    return kept[1]


@pass_eval_context
def _page_ngettext(eval_context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    translated = page_translations().ungettext(singular, plural, num)
    return _escaped_format(translated, variables) if eval_context.autoescape else translated % variables


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=_selected_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )
    # The two a page calls dozens of times, without the extension's three calls through the context each.
    app.jinja_env.globals.update(_=_page_gettext, gettext=_page_gettext, ngettext=_page_ngettext)
    app.jinja_env.filters["localdatetime"] = local_datetime
    app.jinja_env.filters["format_date"] = app.jinja_env.filters["dateformat"] = _page_date
    app.jinja_env.filters["number"] = _page_number
    app.context_processor(lambda: {"current_locale": str(request_locale())})
    app.jinja_env.globals["content_lang"] = app.config["CONTENT_LANGUAGE"]
