"""Grading and response checks of every question type, without Flask or a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.quizzes.spec import Choice, NumericAnswer, QuestionKind, QuestionSpec
from lms.quizzes.types import (
    QUESTION_TYPES,
    InvalidAnswer,
    comparable_text,
    grade_response,
    normalize_or_blank,
    parse_number,
)

D = Decimal


def single() -> QuestionSpec:
    return QuestionSpec(
        QuestionKind.SINGLE,
        "Berapa lama minimal mencuci tangan dengan sabun?",
        choices=(
            Choice("10 detik", D(0), "Terlalu singkat."),
            Choice("40-60 detik", D(1), "Benar."),
            Choice("5 detik", D(0)),
        ),
        general_feedback="Lihat panduan WHO.",
    )


def multiple() -> QuestionSpec:
    return QuestionSpec(
        QuestionKind.MULTIPLE,
        "Pilih momen kebersihan tangan menurut WHO.",
        choices=(
            Choice("Sebelum kontak dengan pasien", D("0.5"), "Ya."),
            Choice("Setelah kontak dengan pasien", D("0.5")),
            Choice("Sebelum makan siang di kantin", D("-0.5"), "Bukan salah satu dari lima momen."),
            Choice("Saat membuka pintu kantor", D("-0.5")),
        ),
    )


def true_false(correct: bool = True) -> QuestionSpec:
    return QuestionSpec(
        QuestionKind.TRUE_FALSE,
        "Handrub berbasis alkohol cukup untuk tangan yang tampak kotor.",
        correct=correct,
        feedback_true="Tangan yang tampak kotor harus dicuci dengan sabun dan air.",
        feedback_false="Benar: cuci dengan sabun dan air.",
    )


def short() -> QuestionSpec:
    return QuestionSpec(
        QuestionKind.SHORT,
        "Singkatan alat pelindung diri adalah ...",
        choices=(Choice("APD", D(1), "Tepat."), Choice("alat pelindung diri", D(1)), Choice("PPE", D("0.5"))),
    )


def numerical() -> QuestionSpec:
    return QuestionSpec(
        QuestionKind.NUMERICAL,
        "Konsentrasi klorin untuk dekontaminasi tumpahan darah (%)?",
        numeric=(
            NumericAnswer(D("0.5"), D("0.05"), D(1), "Tepat."),
            NumericAnswer(D("0.1"), D(0), D("0.5"), "Itu untuk permukaan biasa."),
        ),
    )


def test_registry_has_one_class_per_kind():
    assert set(QUESTION_TYPES) == {kind.value for kind in QuestionKind}
    assert all(QUESTION_TYPES[kind].kind == kind for kind in QUESTION_TYPES)
    assert len({type(t).template for t in QUESTION_TYPES.values()}) == len(QUESTION_TYPES)


# --- single choice -------------------------------------------------------------------------------------------------


def test_single_choice_grades_the_chosen_option():
    t, spec = QUESTION_TYPES["single"], single()
    assert t.grade(spec, t.normalize_response(spec, "1")) == 1
    assert t.grade(spec, t.normalize_response(spec, 0)) == 0
    assert t.grade(spec, t.normalize_response(spec, [2])) == 0
    assert t.answer_feedback(spec, 0) == ["Terlalu singkat."]
    assert t.answer_feedback(spec, 2) == []
    assert t.right_answers(spec) == ["40-60 detik"]
    assert t.response_text(spec, 1) == "40-60 detik"


@pytest.mark.parametrize("raw", ["3", 3, -1, "x", True, None, {"a": 1}, [0, 1]])
def test_single_choice_refuses_what_is_not_an_option(raw):
    with pytest.raises(InvalidAnswer):
        QUESTION_TYPES["single"].normalize_response(single(), raw)


def test_single_choice_partial_credit_option_and_clamping():
    spec = QuestionSpec(
        QuestionKind.SINGLE, "q", choices=(Choice("a", D(1)), Choice("b", D("0.5")), Choice("c", D("-0.5")))
    )
    t = QUESTION_TYPES["single"]
    assert t.grade(spec, 1) == D("0.5")
    assert t.grade(spec, 2) == 0  # a penalty never takes a question below zero


# --- multiple response ---------------------------------------------------------------------------------------------


def test_multiple_response_partial_credit_negative_weights_and_floor_at_zero():
    t, spec = QUESTION_TYPES["multiple"], multiple()
    assert t.grade(spec, t.normalize_response(spec, ["0", "1"])) == 1
    assert t.grade(spec, t.normalize_response(spec, ["1"])) == D("0.5")
    assert t.grade(spec, t.normalize_response(spec, [0, 1, 2])) == D("0.5")
    assert t.grade(spec, t.normalize_response(spec, [0, 2, 3])) == 0  # 0.5 - 1.0 floors at 0
    assert t.grade(spec, t.normalize_response(spec, [2])) == 0
    assert t.grade(spec, []) == 0


def test_multiple_response_normalizes_to_sorted_unique_indexes_and_gives_feedback_per_choice():
    t, spec = QUESTION_TYPES["multiple"], multiple()
    assert t.normalize_response(spec, ["2", "0", "2"]) == [0, 2]
    assert t.normalize_response(spec, "1") == [1]
    assert t.answer_feedback(spec, [0, 2]) == ["Ya.", "Bukan salah satu dari lima momen."]
    assert t.right_answers(spec) == ["Sebelum kontak dengan pasien", "Setelah kontak dengan pasien"]
    with pytest.raises(InvalidAnswer):
        t.normalize_response(spec, [0, 9])


def test_multiple_response_credit_never_exceeds_one():
    spec = QuestionSpec(QuestionKind.MULTIPLE, "q", choices=(Choice("a", D("0.75")), Choice("b", D("0.75"))))
    assert QUESTION_TYPES["multiple"].grade(spec, [0, 1]) == 1


# --- true/false ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [(True, True), ("true", True), ("Benar", True), (False, False), ("false", False), ("0", False)]
)
def test_true_false_reads_booleans_and_words(raw, expected):
    assert QUESTION_TYPES["true_false"].normalize_response(true_false(), raw) is expected


def test_true_false_grades_and_shows_the_feedback_of_the_answer_given():
    t = QUESTION_TYPES["true_false"]
    spec = true_false(correct=False)
    assert t.grade(spec, False) == 1
    assert t.grade(spec, True) == 0
    assert t.answer_feedback(spec, True) == ["Tangan yang tampak kotor harus dicuci dengan sabun dan air."]
    assert t.answer_feedback(spec, False) == ["Benar: cuci dengan sabun dan air."]
    with pytest.raises(InvalidAnswer):
        t.normalize_response(spec, "maybe")


# --- short answer --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "credit"),
    [("APD", 1), ("apd", 1), ("  Alat   Pelindung\tDiri ", 1), ("ppe", D("0.5")), ("masker", 0), ("AP D", 0)],
)
def test_short_answer_accepts_several_answers_case_and_space_insensitively(typed, credit):
    t, spec = QUESTION_TYPES["short"], short()
    assert t.grade(spec, t.normalize_response(spec, typed)) == credit


def test_short_answer_stores_the_text_with_spaces_collapsed_and_refuses_too_long_text():
    t, spec = QUESTION_TYPES["short"], short()
    assert t.normalize_response(spec, "  cuci   tangan ") == "cuci tangan"
    assert t.answer_feedback(spec, "apd") == ["Tepat."]
    assert t.right_answers(spec) == ["APD", "alat pelindung diri"]
    assert comparable_text(" A  b ") == "a b"
    with pytest.raises(InvalidAnswer):
        t.normalize_response(spec, "x" * 501)
    with pytest.raises(InvalidAnswer):
        t.normalize_response(spec, ["APD"])


# --- numerical -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored", "credit"),
    [
        ("0.5", "0.5", 1),
        ("0,5", "0.5", 1),  # Indonesian decimal comma
        (" 0,55 ", "0.55", 1),  # on the edge of the tolerance
        ("0,56", "0.56", 0),
        ("0.45", "0.45", 1),
        ("0,1", "0.1", D("0.5")),
        ("0.10", "0.1", D("0.5")),
        ("1", "1", 0),
        (0.5, "0.5", 1),
    ],
)
def test_numerical_tolerance_and_decimal_comma(typed, stored, credit):
    t, spec = QUESTION_TYPES["numerical"], numerical()
    response = t.normalize_response(spec, typed)
    assert response == stored
    assert t.grade(spec, response) == credit


def test_numerical_range_is_stored_as_midpoint_and_tolerance():
    spec = QuestionSpec(QuestionKind.NUMERICAL, "Suhu lemari vaksin (°C)?", numeric=(NumericAnswer(D(5), D(3)),))
    t = QUESTION_TYPES["numerical"]
    assert [t.grade(spec, t.normalize_response(spec, x)) for x in ("2", "8", "1,9", "8.1")] == [1, 1, 0, 0]
    assert t.right_answers(spec) == ["between 2 and 8"]
    assert t.answer_feedback(numerical(), "0.1") == ["Itu untuk permukaan biasa."]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,5", D("1234.5")),
        ("1,234.5", D("1234.5")),
        ("1.000.000", D(1000000)),
        ("-2,5", D("-2.5")),
        (",5", D("0.5")),
    ],
)
def test_parse_number_reads_both_decimal_habits(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1..2", "1e5", "--1", True])
def test_numerical_refuses_what_is_not_a_number(text):
    with pytest.raises(InvalidAnswer):
        QUESTION_TYPES["numerical"].normalize_response(numerical(), text)


# --- shared rules ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "blank"),
    [(single(), ""), (multiple(), []), (multiple(), [""]), (short(), "   "), (numerical(), ""), (true_false(), None)],
)
def test_a_cleared_answer_is_stored_as_not_answered_and_earns_nothing(spec, blank):
    assert normalize_or_blank(spec, blank) is None
    assert grade_response(spec, None) == 0


def test_every_type_checks_its_question():
    assert QUESTION_TYPES["single"].check_spec(QuestionSpec(QuestionKind.SINGLE, "q", choices=(Choice("a", D(0)),)))
    assert QUESTION_TYPES["multiple"].check_spec(
        QuestionSpec(QuestionKind.MULTIPLE, "q", choices=(Choice("a", D("0.5")), Choice("b", D(0))))
    )
    assert QUESTION_TYPES["true_false"].check_spec(QuestionSpec(QuestionKind.TRUE_FALSE, "q"))
    assert QUESTION_TYPES["short"].check_spec(QuestionSpec(QuestionKind.SHORT, "q"))
    assert QUESTION_TYPES["numerical"].check_spec(QuestionSpec(QuestionKind.NUMERICAL, "q"))
    for spec in (single(), multiple(), true_false(), short(), numerical()):
        assert QUESTION_TYPES[spec.kind.value].check_spec(spec) == []


def test_stored_responses_survive_the_spec_json_round_trip():
    for spec in (single(), multiple(), true_false(), short(), numerical()):
        again = QuestionSpec.from_data(spec.to_data())
        assert again == spec
