"""Lentera's Jinja code generator writes the same pages as Jinja's own, with fewer pieces yielded."""

from __future__ import annotations

import traceback
from decimal import Decimal

import pytest
from jinja2 import (
    DictLoader,
    Environment,
    StrictUndefined,
    UndefinedError,
    pass_context,
    pass_environment,
    pass_eval_context,
)
from markupsafe import Markup, escape

from lms.core.templating import LenteraCodeGenerator, LenteraContext, markup_text


class LenteraJinja(Environment):
    code_generator_class = LenteraCodeGenerator
    context_class = LenteraContext


class Html:
    def __html__(self):
        return "<b>already safe</b>"


@pass_context
def with_context(context, name):
    return f"{name}={context.get(name)}"


@pass_eval_context
def with_eval_context(eval_context, text):
    return f"{text}:{eval_context.autoescape}"


@pass_environment
def with_environment(environment, text):
    return f"{text}:{type(environment).__name__ in ('Environment', 'LenteraJinja')}"


class CallableWithContext:
    @pass_context
    def __call__(self, context, name):
        return f"callable {name}={context.get(name)}"


class WithMethods:
    def plain(self, text):
        return f"method {text}"

    @pass_context
    def with_context(self, context, name):
        return f"method {name}={context.get(name)}"


def stops():
    raise StopIteration


def plain(*args, **kwargs):
    return f"<{args}|{sorted(kwargs.items())}>"


class Node:
    """Attributes, a property that raises AttributeError, and items (Jinja's getattr falls back to them)."""

    def __init__(self, name, child=None):
        self.name = name
        self.child = child
        self.items = {"only_item": f"item of {name}", "name": "item name"}

    @property
    def broken(self):
        raise AttributeError("broken")

    def __getitem__(self, key):
        return self.items[key]


class Plain:
    def __str__(self):
        return "a < b & \"c\" 'd'"


TEMPLATES = {
    "base.html": (
        "<!doctype html><title>{% block title %}{{ site }}{% endblock %} · {{ site }}</title>\n"
        '<body data-n="{{ n }}">{% block content %}{% endblock %}<p>{{ footer }}</p></body>'
    ),
    "page.html": (
        '{% extends "base.html" %}{% block title %}{{ title }} {{ super() }}{% endblock %}\n'
        "{% block content %}<h1>{{ title }}</h1>{{ safe }}{{ html }}{{ plain }}{{ n }} {{ -n }} {{ f }} {{ flag }}"
        "{{ none }}{{ missing }}\n"
        "{% for row in rows %}<tr class=\"{{ 'odd' if loop.index is odd }}\"><td>{{ row.name }}</td>"
        "{% if row.note %}<td>{{ row.note }}</td>{% endif %}<td>{{ loop.index }}/{{ loop.length }}</td></tr>\n"
        "{% else %}<p>{{ empty }}</p>{% endfor %}"
        "{% set block %}<i>{{ title }}</i> & {{ n }}{% endset %}[{{ block }}]"
        '{% macro cell(value, label) %}<td data-label="{{ label }}">{{ value }}{{ caller() if caller }}</td>'
        "{% endmacro %}"
        "{{ cell(title, plain) }}{% call cell(n, 'x') %}<em>{{ title }}</em>{% endcall %}"
        "{% include 'part.html' %}{% autoescape false %}{{ title }}{{ n }}{% endautoescape %}"
        "{{ title ~ safe }}{{ title|e }}{{ safe|safe }}{% raw %}{{ raw }}{% endraw %}{{ 'x' }}{{ 1 + 2 }}"
        "{% endblock %}"
    ),
    "part.html": "<aside>{{ title }} {{ n }}</aside>{% for x in rows %}{{ x.name }},{% endfor %}",
    "mail.txt": "Dear {{ title }}, {{ n }} & {{ safe }}\n"
    "{% for row in rows %}- {{ row.name }} {{ row.note }}\n{% endfor %}"
    "{{ n }} {{ title }}",
    "maybe.html": "<p>{{ title }} {{ n }}</p>{% if flag %}{% extends 'base.html' %}{% endif %}<p>{{ n }} {{ n }}</p>"
    "{% block content %}[{{ title }} {{ n }}]{% endblock %}",
    "calls.html": "{{ call(1, 'a', k='<v>') }} {{ with_context('n') }} {{ with_eval_context('t') }}"
    "{{ with_environment('e') }} {{ callable('title') }} [{{ stops() }}] {{ call() }} {{ bound('x') }}"
    "{% for x in rows %}{% set inner = loop.index %}{{ with_context('inner') }} {{ call(x, loop.index) }}{% endfor %}"
    "{% block b %}{% set in_block = 5 %}{{ with_context('in_block') }}{{ call(k=1) }}{% endblock %}"
    "{{ methods.plain('<p>') }} {{ methods.with_context('n') }}"
    "{% for x in [1] %}{% set inner = 7 %}{{ methods.with_context('inner') }}{% endfor %}"
    "{% macro m(a) %}{{ with_context('a') }}{{ call(a) }}{{ varargs }}{% endmacro %}{{ m(1, 2) }}",
    "attrs.html": "{{ tree.name }} {{ tree.child.name }} {{ tree.child.child.name }} {{ tree.only_item }}"
    "{{ tree.child.only_item }} [{{ tree.broken }}] [{{ tree.nope }}] [{{ tree.child.child.child.name }}]"
    "{% if tree.child.name == 'b' and tree.name %}{{ call(tree.name, k=tree.child.name) }}{% endif %}"
    "{{ rows[0].name if rows else tree.name }} {{ (tree.child or tree).name.upper() }} {{ site.upper() }}"
    "{% for r in rows if r.name %}{{ r.name }}{{ loop.index }}{% endfor %}{{ tree.items.name }} {{ 'x'.upper() }}",
    "loose.html": "{% if flag %}{{ title }}{% endif %}<p>{{ n }}</p>{{ plain }} and {{ html }}",
}

VALUES = {
    "site": "Lentera <&>",
    "title": "Tom & <Jerry> \"quoted\" 'single'",
    "safe": Markup("<strong>safe</strong>"),
    "html": Html(),
    "plain": Plain(),
    "n": 42,
    "f": 2.5,
    "flag": True,
    "none": None,
    "footer": "ftr",
    "empty": "none <here>",
    "rows": [{"name": "A&B", "note": "<n>"}, {"name": "C", "note": ""}, {"name": 7, "note": 0}],
    "call": plain,
    "with_context": with_context,
    "with_eval_context": with_eval_context,
    "with_environment": with_environment,
    "callable": CallableWithContext(),
    "stops": stops,
    "bound": "a-b".split,
    "methods": WithMethods(),
    "tree": Node("a<", Node("b", Node("c&"))),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize(("rows", "flag"), [(VALUES["rows"], True), ([], False)])
def test_pages_are_written_as_jinja_writes_them(name, autoescape, rows, flag):
    values = VALUES | {"rows": rows, "flag": flag}
    jinja = Environment(loader=DictLoader(TEMPLATES), autoescape=autoescape)
    lentera = LenteraJinja(loader=DictLoader(TEMPLATES), autoescape=autoescape)
    expected = jinja.get_template(name).render(values)
    assert lentera.get_template(name).render(values) == expected


def test_an_output_node_is_yielded_as_one_piece():
    """Jinja yields each text and each `{{ … }}` on its own (seven pieces here, each passed up through every
    template and block around it); Lentera's code yields the node once."""
    source = '<a href="{{ url }}" title="{{ title }}">{{ text }}</a>'
    values = {"url": "/x?a=1&b=2", "title": "<t>", "text": "Text"}
    jinja = Environment(autoescape=True).from_string(source)
    lentera = LenteraJinja(autoescape=True).from_string(source)
    assert len(list(jinja.generate(values))) == 7
    assert list(lentera.generate(values)) == ["".join(jinja.generate(values))]


def template_lines_of_error(environment_class) -> list[int]:
    source = "one {{ a }}\n<p>{{ a }}\n{{ a }} {{ b.c.d }}</p>{{ a }}"
    environment = environment_class(loader=DictLoader({"t.html": source}), undefined=StrictUndefined)
    with pytest.raises(UndefinedError) as raised:
        environment.get_template("t.html").render(a=1)
    return [
        frame.lineno for frame in traceback.extract_tb(raised.value.__traceback__) if frame.filename == "<template>"
    ]


def test_errors_still_name_the_template_line():
    assert template_lines_of_error(LenteraJinja) == template_lines_of_error(Environment) == [3]


@pytest.mark.parametrize(
    "value",
    ["", "plain", "<script>&\"'", Markup("<b>x</b>"), Html(), Plain(), 0, -17, 10**30, 2.5, True, None,
     b"bytes", ["<l>"]],
)  # fmt: skip
def test_markup_text_is_the_text_escape_writes(value):
    text = markup_text(value)
    assert type(text) in (str, Markup)
    assert text == str(escape(value))


def test_a_plain_function_is_called_without_asking_what_it_wants_passed():
    from unittest.mock import patch

    from jinja2.utils import _PassArg

    template = LenteraJinja(autoescape=True).from_string(
        "{{ call(1, k=2) }}{% for x in [1] %}{{ call(x) }}{% endfor %}"
    )
    with patch.object(_PassArg, "from_obj", side_effect=AssertionError("asked")):
        assert template.render(call=plain) == "&lt;(1,)|[(&#39;k&#39;, 2)]&gt;&lt;(1,)|[]&gt;"


@pytest.mark.parametrize(
    "translated",
    ["Hello %(name)s", "%(name)s & %(other)s <b>", "100%% of %(name)s", "%%(name)s", "%(n)d items of %(name)s",
     "%(name)-6s|", "%(name)r", "no fields", "%(name)s%(name)s"],
)  # fmt: skip
@pytest.mark.parametrize("name", ["<script>&\"'", Markup("<b>safe</b>"), 7, Decimal("2.50"), None, Html(), Plain()])
def test_a_translated_format_string_is_filled_as_markups_percent_fills_it(translated, name):
    from lms.core.i18n import _escaped_format

    variables = {"name": name, "other": "x>y", "n": 3, "unused": "<u>"}
    text = _escaped_format(translated, variables)
    assert type(text) is Markup
    assert text == Markup(translated) % variables
