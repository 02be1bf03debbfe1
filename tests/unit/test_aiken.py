"""Aiken reader: questions, options lettered A. or A), ANSWER: X; line-numbered errors, reading goes on after one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.aiken import read_aiken
from lms.quizzes.spec import Choice, QuestionKind, TextFormat

TWO = """\
Berapa lama handrub berbasis alkohol?
A. 5-10 detik
B. 20-30 detik
C. 40-60 detik
ANSWER: B

Warna kantong limbah infeksius?
A) Hitam
B) Kuning
ANSWER: B
"""


def test_reads_questions_with_both_option_styles():
    result = read_aiken(TWO)
    assert not result.errors
    first, second = result.questions
    assert first.kind == QuestionKind.SINGLE
    assert first.text == "Berapa lama handrub berbasis alkohol?"
    assert first.text_format == TextFormat.PLAIN
    assert first.choices == (
        Choice("5-10 detik", Decimal(0)),
        Choice("20-30 detik", Decimal(1)),
        Choice("40-60 detik", Decimal(0)),
    )
    assert (first.line, second.line) == (1, 7)
    assert [c.fraction for c in second.choices] == [0, 1]


def test_questions_without_blank_lines_between_and_multi_line_text():
    result = read_aiken("Baris satu\nbaris dua?\nA. x\nB. y\nANSWER: A\nQ2\nA. x\nB. y\nANSWER:B\n")
    assert [q.text for q in result.questions] == ["Baris satu\nbaris dua?", "Q2"]
    assert [q.line for q in result.questions] == [1, 6]
    assert result.questions[1].choices[1].fraction == 1


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q\nA. x\nB. y\nANSWER: E\n", 4, "none of the options"),
        ("Q\nA. x\nANSWER: A\n", 3, "at least two"),
        ("Q\nA. x\nC. y\nANSWER: A\n", 3, "expected B, found C"),
        ("A. x\nB. y\nANSWER: A\n", 1, "before any question"),
        ("Q\nANSWER: A\n", 2, "before the options"),
        ("Q\nA. x\nB. y\n\nQ2\nA. x\nB. y\nANSWER: A\n", 4, "without an ANSWER"),
        ("Q\nA. x\nB. y", 3, "without an ANSWER"),
        ("Q\nA. x\nB. y\nlagi teks\nANSWER: A\n", 4, "another option"),
    ],
)
def test_errors_have_the_line(text, line, words):
    result = read_aiken(text)
    assert [e.line for e in result.errors][:1] == [line], [str(e) for e in result.errors]
    assert words in str(result.errors[0].message)


def test_reading_goes_on_after_a_broken_question():
    result = read_aiken("Q1\nA. x\nC. y\nANSWER: A\n\nQ2\nA. x\nB. y\nANSWER: B\n")
    assert [q.text for q in result.questions] == ["Q2"]
    assert [e.line for e in result.errors] == [3]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(["Q", "A. x", "B) y", "ANSWER: A", "ANSWER: Z", ""]),
                                     max_size=20).map("\n".join)))  # fmt: skip
def test_reader_never_raises(text):
    result = read_aiken(text)
    for question in result.questions:
        assert sum(c.fraction for c in question.choices) == 1
