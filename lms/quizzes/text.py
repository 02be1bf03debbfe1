"""Question text to safe HTML, whatever format it was written in (Markdown, HTML, plain, Moodle auto-format)."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markupsafe import Markup, escape

from lms.courses.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from lms.quizzes.spec import QuestionSpec, TextFormat

BLANK = "\u2026\u2026\u2026"
"""Shown where the answer goes in a question like "Tangan dicuci ……… detik." (GIFT's blank in mid-sentence)."""


def _plain(text: str) -> Markup:
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup(
        "".join(f"<p>{Markup('<br>').join(escape(line) for line in p.split(chr(10)))}</p>" for p in paragraphs)
    )


def _html(text: str) -> Markup:
    return Markup(
        nh3.clean(
            text,
            tags=ALLOWED_TAGS | {"img", "sub", "sup", "u"},
            attributes={**ALLOWED_ATTRIBUTES, "img": {"src", "alt"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


RENDERERS = {
    TextFormat.MARKDOWN: render_markdown,
    TextFormat.HTML: _html,
    TextFormat.PLAIN: _plain,
    TextFormat.MOODLE: _plain,
}


@lru_cache(maxsize=4096)
def render_text(text: str, text_format: TextFormat | str = TextFormat.MOODLE) -> Markup:
    """Kept per process: a quiz's twenty questions are rendered again for every learner who starts or submits it
    (a Markup is immutable, and the same text always gives the same HTML)."""
    return RENDERERS[TextFormat(text_format)](text or "")


def question_html(spec: QuestionSpec) -> Markup:
    """The question's text as HTML, with the blank marked where the answer goes."""
    text = spec.text
    if spec.blank_position is not None and 0 <= spec.blank_position <= len(text):
        text = f"{text[: spec.blank_position]}{BLANK}{text[spec.blank_position :]}"
    return render_text(text, spec.text_format)
