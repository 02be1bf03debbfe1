"""GIFT reader and writer: every construct of Moodle's syntax we read, errors and skips at the right line, the
round trip through write_gift, and a fuzz test that no text makes the reader raise."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.gift import OTHER_FEEDBACK, read_gift
from lms.quizzes.gift_writer import write_gift
from lms.quizzes.question_files import QuestionFileError, read_question_file
from lms.quizzes.spec import Choice, NumericAnswer, QuestionKind, QuestionSpec, TextFormat


def one(text: str) -> QuestionSpec:
    """The single question of `text`, which must read without errors or skips."""
    result = read_gift(text)
    assert not result.errors, [str(e) for e in result.errors]
    assert not result.skipped, [str(s) for s in result.skipped]
    assert len(result.questions) == 1
    return result.questions[0]


def error_of(text: str) -> QuestionFileError:
    result = read_gift(text)
    assert not result.questions
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]


def C(text: str, fraction: str | int = 0, feedback: str = "") -> Choice:
    return Choice(text, Decimal(fraction), feedback)


# Kinds


def test_single_choice():
    q = one("Ibu kota Indonesia? {=Jakarta ~Bandung ~Surabaya}")
    assert q.kind == QuestionKind.SINGLE
    assert q.text == "Ibu kota Indonesia?"
    assert q.choices == (C("Jakarta", 1), C("Bandung"), C("Surabaya"))
    assert q.blank_position is None
    assert q.text_format == TextFormat.MOODLE


def test_single_choice_with_partial_credit_and_penalty():
    q = one("Q {=a ~%50%b ~%-25%c}")
    assert q.kind == QuestionKind.SINGLE
    assert [c.fraction for c in q.choices] == [1, Decimal("0.5"), Decimal("-0.25")]


def test_multiple_response_weights():
    q = one("Pilih dua. {~%50%a ~%50%b ~%-100%c ~d}")
    assert q.kind == QuestionKind.MULTIPLE
    assert q.choices == (C("a", "0.5"), C("b", "0.5"), C("c", -1), C("d"))


def test_multiple_response_thirds_round_to_one_hundred():
    q = one("Q {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert q.kind == QuestionKind.MULTIPLE
    assert q.choices[0].fraction == Decimal("0.3333333")


@pytest.mark.parametrize(("word", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false_words(word, correct):
    q = one(f"Bumi bulat. {{{word}}}")
    assert (q.kind, q.correct, q.feedback_true, q.feedback_false) == (QuestionKind.TRUE_FALSE, correct, "", "")


def test_true_false_feedback_first_for_wrong_answer_then_right():
    # Moodle: {T#shown to who answers wrong#shown to who answers right}.
    q = one("Benar? {T#Salah, jawabannya benar.#Tepat!}")
    assert q.correct is True
    assert q.feedback_false == "Salah, jawabannya benar."
    assert q.feedback_true == "Tepat!"
    q = one("Benar? {FALSE#Keliru.#Betul, ini salah.}")
    assert q.correct is False
    assert q.feedback_true == "Keliru."
    assert q.feedback_false == "Betul, ini salah."


def test_short_answer_several_accepted():
    q = one("Dua tambah dua? {=empat =4}")
    assert q.kind == QuestionKind.SHORT
    assert q.choices == (C("empat", 1), C("4", 1))


def test_short_answer_feedback_and_weight():
    q = one("Q {=a#tepat =%50%b#setengah}")
    assert q.choices == (C("a", 1, "tepat"), C("b", "0.5", "setengah"))


def test_numerical_tolerance():
    q = one("Nilai pi? {#3.14:0.01}")
    assert q.kind == QuestionKind.NUMERICAL
    assert q.numeric == (NumericAnswer(Decimal("3.14"), Decimal("0.01")),)


def test_numerical_exact():
    assert one("Q {#30}").numeric == (NumericAnswer(Decimal(30), Decimal(0)),)


def test_numerical_range_is_stored_as_midpoint():
    q = one("Antara satu dan dua? {#1..2}")
    assert q.numeric == (NumericAnswer(Decimal("1.5"), Decimal("0.5")),)


def test_numerical_weighted_alternatives_and_feedback():
    q = one("Q {#=%100%2:0#pas =%50%2:1#hampir ~#jauh}")
    assert q.numeric == (
        NumericAnswer(Decimal(2), Decimal(0), Decimal(1), "pas"),
        NumericAnswer(Decimal(2), Decimal(1), Decimal("0.5"), "hampir"),
    )
    assert q.extra == {OTHER_FEEDBACK: "jauh"}


def test_numerical_negative_range():
    assert one("Q {#-5..-1}").numeric == (NumericAnswer(Decimal(-3), Decimal(2)),)


# Text around the answers


def test_blank_in_the_middle_of_a_sentence():
    q = one("Handrub dilakukan selama {=20-30 =20 sampai 30} detik.")
    assert q.kind == QuestionKind.SHORT
    assert q.text == "Handrub dilakukan selama  detik."
    assert q.blank_position == len("Handrub dilakukan selama ")
    assert q.text[: q.blank_position] == "Handrub dilakukan selama "


def test_blank_at_the_start():
    q = one("{=Dua =2} tambah dua sama dengan empat.")
    assert q.blank_position == 0
    assert q.text == " tambah dua sama dengan empat."


def test_answers_at_the_end_leave_no_blank():
    assert one("Q? {=a ~b}   ").blank_position is None


def test_multi_line_question():
    q = one("::Judul::Baris pertama\nbaris kedua {\n  =benar\n  ~salah\n}")
    assert q.text == "Baris pertama\nbaris kedua"
    assert q.choices == (C("benar", 1), C("salah"))
    assert q.title == "Judul"


def test_title():
    q = one("::Kebersihan tangan 1:: Berapa momen? {=5 ~6}")
    assert q.title == "Kebersihan tangan 1"
    assert q.text == "Berapa momen?"


def test_comments_are_ignored():
    result = read_gift("// komentar\n::A:: Q1 {T}\n// di tengah\n\n// hanya komentar\n\n::B:: Q2 {F}\n")
    assert [q.title for q in result.questions] == ["A", "B"]
    assert not result.errors and not result.skipped


def test_blank_lines_separate_questions_and_lines_are_counted():
    result = read_gift("\n\nQ1 {T}\n\n\n// c\nQ2\n{F}\n")
    assert [(q.text, q.line) for q in result.questions] == [("Q1", 3), ("Q2", 7)]


def test_category_applies_to_following_questions():
    result = read_gift("$CATEGORY: PPI/pre-test\n\nQ1 {T}\n\n$CATEGORY: PPI/post-test\n\nQ2 {T}\n\nQ3 {F}")
    assert [q.category for q in result.questions] == ["PPI/pre-test", "PPI/post-test", "PPI/post-test"]


def test_category_directly_followed_by_a_question():
    result = read_gift("$CATEGORY: X\n::Q:: Q1 {T}")
    assert [(q.category, q.title, q.line) for q in result.questions] == [("X", "Q", 2)]


@pytest.mark.parametrize("name", ["markdown", "html", "plain", "moodle"])
def test_text_formats(name):
    q = one(f"::t::[{name}]Teks **tebal** {{=a#[{name}]umpan ~b####[{name}]umum}}")
    assert q.text_format == TextFormat(name)
    assert q.text == "Teks **tebal**"
    assert q.choices[0].feedback == "umpan"
    assert q.general_feedback == "umum"


def test_unknown_bracket_word_is_text():
    assert one("[catatan] Q {T}").text == "[catatan] Q"


def test_escapes():
    q = one(r"Tanda \~ \= \# \{ \} \: dan \\ serta\nbaris {=a\=b\#c ~d\~e#umpan\: x}")
    assert q.text == "Tanda ~ = # { } : dan \\ serta\nbaris"
    assert q.choices == (C("a=b#c", 1), C("d~e", 0, "umpan: x"))


def test_escaped_backslash_before_a_marker():
    # `\\=` is a backslash followed by a real `=` marker, as in Moodle.
    q = one(r"Q {=a\\ =b}")
    assert q.choices == (C("a\\", 1), C("b", 1))


def test_escaped_colons_in_title():
    assert one(r"::Rasio 30\:2:: Q {T}").title == "Rasio 30:2"


def test_answer_feedback():
    q = one("Q {=a#Benar, karena x. ~b#Bukan.}")
    assert q.choices == (C("a", 1, "Benar, karena x."), C("b", 0, "Bukan."))


def test_general_feedback_with_every_kind():
    for text in ("Q {=a ~b ####umum}", "Q {T####umum}", "Q {=a####umum}", "Q {#2####umum}", "Q {T#x#y####umum}"):
        assert one(text).general_feedback == "umum", text


def test_lines_of_questions_and_windows_newlines():
    result = read_gift("\ufeffQ1 {T}\r\n\r\nQ2 {F}\r\n")
    assert [(q.text, q.line) for q in result.questions] == [("Q1", 1), ("Q2", 3)]


# Unsupported types are skipped, with their line


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Pasangkan. {=kucing -> ikan =sapi -> rumput}", "matching"),
        ("Jelaskan PPI. {}", "essay"),
        ("Jelaskan PPI. {####umpan balik}", "essay"),
        ("Bagian berikut tentang APD.", "description"),
    ],
)
def test_unsupported_types_are_skipped(text, kind):
    result = read_gift(f"Q1 {{T}}\n\n// komentar\n{text}\n\nQ3 {{F}}")
    assert [(s.line, s.kind) for s in result.skipped] == [(4, kind)]
    assert str(result.skipped[0]).startswith("line 4: ")
    assert [q.text for q in result.questions] == ["Q1", "Q3"]
    assert not result.errors


# Errors, with their line


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q1 {T}\n\nQ2 {=a\n~b", 3, "never closed"),
        ("Q1 {T}\n\nQ2\n=a ~b}", 4, "closes no answer block"),
        ("Q {=a} lalu {=b}", 1, "one answer block"),
        ("::judul Q {T}", 1, "title"),
        ("::t:: {T}", 1, "no text"),
        ("Q {\n~a\n~b\n}", 1, "no right answer"),
        ("Q {\n=a\n}\n", 1, "SHORT"),  # one `=` answer alone is a short answer, not an error
        ("Q {=a ~}", 1, "empty"),
        ("Q {\n=a\n~%150%b\n}", 3, "weight"),
        ("Q {=%50%a ~b}", 1, "= marks the right answer"),
        ("Q {~%50%a ~%30%b ~c}", 1, "add up to 80%"),
        ("Q {~%60%a ~%60%b}", 1, "add up to 120%"),
        ("Q {#\n=%100%2:0\n=%50%abc\n}", 3, "'abc' is not a number"),
        ("Q {#1,5}", 1, "is not a number"),
        ("Q {#5..1}", 1, "empty"),
        ("Q {#2:-1}", 1, "negative"),
        ("Q {#%50%2}", 1, "full marks"),
        ("Q {=%50%a =%20%b}", 1, "full marks"),
        ("Q {#}", 1, "at least one answer"),
        ("Q {#=%-10%2}", 1, "between 0 and 100"),
    ],
)
def test_errors_have_the_line(text, line, words):
    result = read_gift(text)
    if words == "SHORT":
        assert result.questions[0].kind == QuestionKind.SHORT and not result.errors
        return
    error = result.errors[-1]
    assert error.line == line, str(error)
    assert words in str(error.message)
    assert str(error) == f"line {line}: {error.message}"


def test_only_one_choice_is_an_error():
    assert "at least two" in str(error_of("Q {~%100%a}").message)


def test_a_broken_question_does_not_stop_the_others():
    result = read_gift("Q1 {T}\n\nQ2 {=a ~b\n\nQ3 {F}")
    assert [q.text for q in result.questions] == ["Q1", "Q3"]
    assert [e.line for e in result.errors] == [3]


def test_messages_are_translatable_lazy_strings():
    message = error_of("Q {#abc}").message
    assert not isinstance(message, str)
    assert "'abc'" in str(message)


def test_read_question_file_dispatches_by_format():
    assert read_question_file("Q {T}", "gift").questions[0].kind == QuestionKind.TRUE_FALSE
    assert read_question_file("Q\nA. x\nB. y\nANSWER: A", "aiken").questions[0].kind == QuestionKind.SINGLE
    with pytest.raises(ValueError, match="unknown question file format"):
        read_question_file("", "xml")


# Round trip through write_gift


def same(written: list[QuestionSpec]) -> list[QuestionSpec]:
    text = write_gift(written)
    result = read_gift(text)
    assert not result.errors and not result.skipped, (text, [str(e) for e in result.errors])
    return [replace(q, line=0) for q in result.questions]


ROUND_TRIP = [
    QuestionSpec(QuestionKind.SINGLE, "Ibu kota?", title="Q1", choices=(C("Jakarta", 1, "ya"), C("Bogor", 0, "bukan"))),
    QuestionSpec(QuestionKind.SINGLE, "Partial", choices=(C("a", 1), C("b", "0.5"), C("c", "-0.25"))),
    QuestionSpec(QuestionKind.MULTIPLE, "Pilih", choices=(C("a", "0.5"), C("b", "0.5"), C("c", -1), C("d", 0))),
    QuestionSpec(QuestionKind.MULTIPLE, "3", choices=(C("a", "0.3333333"), C("b", "0.3333333"), C("c", "0.33334"))),
    QuestionSpec(QuestionKind.TRUE_FALSE, "Benar", correct=True, feedback_true="tepat", feedback_false="keliru"),
    QuestionSpec(QuestionKind.TRUE_FALSE, "Salah", correct=False, feedback_false="tepat"),
    QuestionSpec(QuestionKind.TRUE_FALSE, "Tanpa umpan", correct=False, general_feedback="umum"),
    QuestionSpec(QuestionKind.SHORT, "Isian", choices=(C("a", 1, "fb"), C("b", "0.5"))),
    QuestionSpec(QuestionKind.NUMERICAL, "Angka", numeric=(NumericAnswer(Decimal("1.5"), Decimal("0.1")),)),
    QuestionSpec(
        QuestionKind.NUMERICAL,
        "Beberapa",
        numeric=(
            NumericAnswer(Decimal(2), Decimal(0), Decimal(1), "pas"),
            NumericAnswer(Decimal("-2.5"), Decimal(1), Decimal("0.5")),
        ),
        extra={OTHER_FEEDBACK: "lain"},
    ),
    QuestionSpec(QuestionKind.SHORT, "Cuci tangan  detik.", blank_position=12, choices=(C("40-60", 1),)),
    QuestionSpec(QuestionKind.SINGLE, " di awal.", blank_position=0, choices=(C("a", 1), C("b"))),
    QuestionSpec(
        QuestionKind.SINGLE,
        "Teks **md**\nbaris dua",
        text_format=TextFormat.MARKDOWN,
        general_feedback="[html] bukan format",
        choices=(C("[plain] x", 1), C("b")),
    ),
    QuestionSpec(QuestionKind.TRUE_FALSE, "[html] tampak seperti format", correct=True),
    QuestionSpec(QuestionKind.TRUE_FALSE, "// bukan komentar", correct=True),
    QuestionSpec(QuestionKind.TRUE_FALSE, "$CATEGORY: bukan kategori", correct=True),
    QuestionSpec(
        QuestionKind.SINGLE,
        r"Semua tanda ~ = # { } : \ \n",
        title="Judul: ~={}#",
        choices=(C("%50% persen", 0, "a#b"), C("x=y", 1, "~")),
        general_feedback="{umum}",
    ),
    QuestionSpec(QuestionKind.SHORT, "Persen", choices=(C("%5", 1),)),
]


@pytest.mark.parametrize("question", ROUND_TRIP, ids=lambda q: q.text[:20])
def test_round_trip_every_construct(question):
    assert same([question]) == [question]


def test_round_trip_keeps_categories():
    questions = [
        QuestionSpec(QuestionKind.TRUE_FALSE, "a", category="X/pre", correct=True),
        QuestionSpec(QuestionKind.TRUE_FALSE, "b", category="X/pre", correct=False),
        QuestionSpec(QuestionKind.TRUE_FALSE, "c", category="X/post", correct=True),
        QuestionSpec(QuestionKind.TRUE_FALSE, "d", category="", correct=True),
    ]
    text = write_gift(questions)
    assert text.count("$CATEGORY:") == 3
    assert "$CATEGORY:\n" in text
    assert same(questions) == questions


# Property tests

printable = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), include_characters="\n\t"),
    min_size=1,
    max_size=12,
)
words = printable.map(lambda s: s.strip(" \t\n\r\0\x0b")).filter(bool)


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(QuestionKind))
    text = draw(words)
    blank = draw(st.one_of(st.none(), st.integers(0, len(text) - 1)))
    if blank is not None and not text[blank:].strip(" \t\n\r\0\x0b"):
        blank = None
    common = {
        "text": text,
        "blank_position": blank,
        "title": draw(st.one_of(st.just(""), words)),
        "text_format": draw(st.sampled_from(TextFormat)),
        "general_feedback": draw(st.one_of(st.just(""), words)),
    }
    if kind == QuestionKind.TRUE_FALSE:
        return QuestionSpec(kind, correct=draw(st.booleans()), feedback_true=draw(st.one_of(st.just(""), words)),
                            feedback_false=draw(st.one_of(st.just(""), words)), **common)  # fmt: skip
    if kind == QuestionKind.NUMERICAL:
        numbers = st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
        answers = draw(st.lists(st.tuples(numbers, numbers.map(abs), st.sampled_from(["1", "0.5", "0"])), min_size=1))
        numeric = [NumericAnswer(v, t, Decimal(f)) for v, t, f in answers]
        numeric[0] = replace(numeric[0], fraction=Decimal(1))
        return QuestionSpec(kind, numeric=tuple(numeric), **common)
    texts = draw(st.lists(words.filter(lambda w: "->" not in w), min_size=2, max_size=5))
    feedback = draw(st.lists(st.one_of(st.just(""), words), min_size=len(texts), max_size=len(texts)))
    if kind == QuestionKind.SINGLE:
        fractions = [Decimal(1)] + [Decimal(draw(st.sampled_from(["0", "0.5", "-0.5"]))) for _ in texts[1:]]
    elif kind == QuestionKind.MULTIPLE:
        fractions = [Decimal(1)] + [Decimal(draw(st.sampled_from(["0", "-1", "-0.25"]))) for _ in texts[1:]]
    else:
        fractions = [Decimal(1)] + [Decimal(draw(st.sampled_from(["1", "0.5", "0"]))) for _ in texts[1:]]
    choices = tuple(Choice(t, f, fb) for t, f, fb in zip(texts, fractions, feedback, strict=True))
    return QuestionSpec(kind, choices=choices, **common)


@settings(max_examples=300, deadline=None)
@given(st.lists(questions(), min_size=1, max_size=4))
def test_round_trip_any_questions(generated):
    assert same(generated) == generated


gift_alphabet = st.sampled_from(list("{}~=#:%\\-> \n[]T.12ab/$CATEGORY") + ["::", "####", "->", "[html]", "\n\n"])


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(), st.lists(gift_alphabet, max_size=60).map("".join)))
def test_reader_never_raises(text):
    result = read_gift(text)
    for error in result.errors:
        assert str(error).startswith(f"line {error.line}: ")
    for skipped in result.skipped:
        assert skipped.kind in {"matching", "essay", "description"}
    for question in result.questions:
        assert question.text.strip(" \t\n\r\0\x0b") or question.blank_position is not None


def test_an_arrow_in_a_feedback_is_words_not_a_matching_pair():
    """Found by the round-trip property: a choice whose feedback says "->" came back as a skipped matching
    question. Only an arrow in an answer's own text makes Moodle's `=a -> b` pairs."""
    result = read_gift("Say yes {\n\t=yes#see A -> B\n\t=ya#-> ok\n}\n\nPair {\n\t=a -> b\n\t=c -> d\n}\n")
    assert [q.kind for q in result.questions] == [QuestionKind.SHORT]
    assert [c.feedback for c in result.questions[0].choices] == ["see A -> B", "-> ok"]
    assert [s.kind for s in result.skipped] == ["matching"]
