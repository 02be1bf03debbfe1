"""Question files as Moodle writes them: inputs taken from Moodle's own GIFT and Aiken tests
(question/format/gift/tests/giftformat_test.php, question/format/aiken/tests/), each checked against the parse
Moodle's tests expect; ID numbers and tags in `//` comments; options without a space; the short-answer wildcard;
files that are not UTF-8.

Our own tests: the inputs are Moodle's, the expectations are Moodle's expected values translated to our QuestionSpec.
Where Lentera deliberately differs (essays and matching are skipped, not imported) the test says so.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from lms.quizzes.aiken import read_aiken
from lms.quizzes.gift import IDNUMBER, OTHER_FEEDBACK, comment_marks, read_gift
from lms.quizzes.gift_writer import write_gift
from lms.quizzes.question_files import UnreadableFile, decode_question_file
from lms.quizzes.spec import Choice, QuestionKind, QuestionSpec, TextFormat
from lms.quizzes.types import QUESTION_TYPES, matches_accepted


def one(text: str) -> QuestionSpec:
    result = read_gift(text)
    assert not result.errors, [str(e) for e in result.errors]
    assert not result.skipped, [str(s) for s in result.skipped]
    assert len(result.questions) == 1
    return result.questions[0]


def C(text: str, fraction: str | int = 0, feedback: str = "") -> Choice:
    return Choice(text, Decimal(fraction), feedback)


# --- GIFT: Moodle's import tests --------------------------------------------------------------------------------


def test_moodle_import_multichoice():
    q = one(
        "\n// multiple choice with specified feedback for right and wrong answers\n"
        "::Q2:: What's between orange and green in the spectrum?\n{\n"
        "    =yellow # right; good!\n"
        "    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n}"
    )
    assert (q.kind, q.title, q.text) == (QuestionKind.SINGLE, "Q2", "What's between orange and green in the spectrum?")
    assert q.text_format == TextFormat.MOODLE
    assert q.choices == (
        C("yellow", 1, "right; good!"),
        C("red", 0, "wrong, it's yellow"),
        C("blue", 0, "wrong, it's yellow"),
    )


def test_moodle_import_multichoice_multi():
    q = one(
        "\n// multiple choice, multiple response with specified feedback for right and wrong answers\n"
        "::colours:: What's between orange and green in the spectrum?\n{\n"
        "    ~%50%yellow # right; good!\n"
        "    ~%-100%red # [html]wrong\n"
        "    ~%50%off-beige # right; good!\n"
        "    ~%-100%[plain]blue # wrong\n}"
    )
    assert q.kind == QuestionKind.MULTIPLE  # Moodle: single => 0
    assert [c.text for c in q.choices] == ["yellow", "red", "off-beige", "blue"]
    assert [c.fraction for c in q.choices] == [Decimal("0.5"), -1, Decimal("0.5"), -1]
    assert [c.feedback for c in q.choices] == ["right; good!", "wrong", "right; good!", "wrong"]


def test_moodle_import_multichoice_multi_tricky():
    q = one(
        "::colours:: What's between orange and green in the spectrum?\n{\n"
        "    ~%100%yellow # right; good!\n    ~%-50%red # wrong\n    ~%-50%blue # wrong\n}"
    )
    assert q.kind == QuestionKind.MULTIPLE
    assert [c.fraction for c in q.choices] == [1, Decimal("-0.5"), Decimal("-0.5")]


def test_moodle_import_numerical():
    q = one("\n// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert (q.kind, q.text) == (QuestionKind.NUMERICAL, "What is a number from 1 to 5?")
    assert [(n.value, n.tolerance, n.fraction) for n in q.numeric] == [(3, 2, 1)]
    assert q.extra[OTHER_FEEDBACK] == "Completely wrong"  # Moodle: answer '*' with fraction 0 and this feedback


@pytest.mark.parametrize("general", ["", "\n    ####[html]Here is some general feedback!"])
def test_moodle_import_shortanswer(general):
    q = one(
        "\n// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n"
        "    =Frog#Good!\n    =%50%Cat#What is it with Moodlers and cats?\n    =%0%*#Completely wrong" + general + "\n}"
    )
    assert q.kind == QuestionKind.SHORT
    assert q.choices == (
        C("Frog", 1, "Good!"),
        C("Cat", "0.5", "What is it with Moodlers and cats?"),
        C("*", 0, "Completely wrong"),
    )
    assert q.general_feedback == ("Here is some general feedback!" if general else "")


def test_moodle_import_truefalse():
    q = one(
        "\n// true/false\n::Q1:: 42 is the Absolute Answer to everything.{\n"
        "FALSE#42 is the Ultimate Answer.#You gave the right answer.}"
    )
    assert (q.kind, q.correct) == (QuestionKind.TRUE_FALSE, False)
    assert q.feedback_true == "42 is the Ultimate Answer."
    assert q.feedback_false == "You gave the right answer."


@pytest.mark.parametrize("word", ["T", "TRUE"])
def test_moodle_import_truefalse_true_answer(word):
    q = one("// name 0-11\n::2-08 TSL::TSL is blablabla.{" + word + "}")
    assert (q.title, q.text, q.correct) == ("2-08 TSL", "TSL is blablabla.", True)
    assert q.feedback_true == q.feedback_false == ""


def test_moodle_import_backslash_and_pre_content_read_as_moodle_reads_them():
    # Moodle's inputs are essays ({}); the same text with a true/false answer block checks the escapes.
    q = one("\n// essay\n::double backslash:: A \\\\ B \\\\\\\\ C{T}")
    assert q.text == "A \\ B \\\\ C"
    q = one(
        "\n::Q001::[html]<p>What would running the test method print?</p>\n<pre>\n    public void test() \\{\n"
        "        method1();\n    \\}\n</pre>\n{T}"
    )
    assert q.text_format == TextFormat.HTML
    assert q.text == (
        "<p>What would running the test method print?</p>\n<pre>\npublic void test() {\nmethod1();\n}\n</pre>"
    )


@pytest.mark.parametrize(
    ("gift", "kind"),
    [
        ("\n// essay\n::Q8:: How are you? {}", "essay"),
        (
            "\n// question: 2  name: Moodle activities\n::Moodle activities::[html]Match the <b>activity</b> to the "
            "description.{\n    =[html]An activity supporting asynchronous discussions. -> Forum\n"
            "    =[moodle]A teacher asks a question. -> Choice\n    = -> Chat\n}",
            "matching",
        ),
    ],
)
def test_moodle_essay_and_matching_are_recognised_and_skipped(gift, kind):
    result = read_gift(gift)
    assert not result.errors and not result.questions
    assert [s.kind for s in result.skipped] == [kind]


def test_moodle_import_question_with_tags_and_idnumber():
    q = one(
        "\n// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
        "// And an idnumber: [id:myid].\n::Question name:: How are you? {T}"
    )
    assert q.tags == ("tag", "other-tag")
    assert q.extra[IDNUMBER] == "myid"


@pytest.mark.parametrize(
    ("comment", "idnumber", "tags"),
    [
        ("", "", ()),
        ("// A basic comment.", "", ()),
        ("// A comment with [id:frog] <-- an idnumber.", "frog", ()),
        ("// Look tags: [tag:frog] [tag:toad].", "", ("frog", "toad")),
        ("// [tag:add] [tag:basic] [id:four]", "four", ("add", "basic")),
        ("// [tag:  basic] Here is  \n// a [id:   four   ] que[tag:add   ]stion.", "four", ("basic", "add")),
        ("// Ceci n'est pas une [tag:\n\\ frog].", "", ()),
        ("// [id:i\\]d].", "i]d", ()),
        ("// [tag:t\\]ag].", "", ("t]ag",)),
    ],
    ids=[
        "blank",
        "nothing",
        "idnumber",
        "tags",
        "everything",
        "mixed up",
        "split over line",
        "escaped ] id",
        "escaped ] tag",
    ],  # fmt: skip
)
def test_moodle_extract_idnumber_and_tags_from_comment(comment, idnumber, tags):
    assert comment_marks(comment) == (idnumber, tags)


# --- GIFT: Moodle's export tests, read back ----------------------------------------------------------------------


def test_moodle_exported_multichoice_reads_back_as_moodle_wrote_it():
    q = one(
        "// question: 666  name: Q8\n::Q8::What's between orange and green in the spectrum?{\n"
        "\t=yellow#right; good!\n\t~red#[html]wrong, it's yellow\n\t~[plain]blue#wrong, it's yellow\n}\n\n"
    )
    assert q.choices == (C("yellow", 1, "right; good!"), C("red", 0, "wrong, it's yellow"),
                         C("blue", 0, "wrong, it's yellow"))  # fmt: skip


def test_moodle_exported_numerical_and_shortanswer_read_back():
    q = one(
        "// question: 666  name: Q5\n::Q5::What is a number from 1 to 5?{#\n\t=%100%3:2#\n\t~#Completely wrong\n}\n"
    )
    assert [(n.value, n.tolerance) for n in q.numeric] == [(3, 2)]
    assert q.extra[OTHER_FEEDBACK] == "Completely wrong"
    q = one(
        "// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n\t=%100%Frog#Good!\n"
        "\t=%50%Cat#What is it with Moodlers and cats?\n\t=%0%*#Completely wrong\n\t####[html]Here is some general "
        "feedback!\n}\n"
    )
    assert [c.fraction for c in q.choices] == [1, Decimal("0.5"), 0]
    assert q.general_feedback == "Here is some general feedback!"


def test_moodle_exported_tags_and_idnumber_read_back_and_are_written_the_same_way():
    moodle = (
        "// question: 42  name: True/false question\n// [id:myid] [tag:tag1] [tag:tag2]\n"
        "::True/false question::[html]The answer is true.{TRUE#This is the wrong answer.#This is the right answer."
        "####You should have selected true.}\n\n"
    )
    q = one(moodle)
    assert (q.tags, q.extra[IDNUMBER], q.correct) == (("tag1", "tag2"), "myid", True)
    assert (q.feedback_true, q.feedback_false) == ("This is the right answer.", "This is the wrong answer.")
    assert q.general_feedback == "You should have selected true."
    written = write_gift([q])
    assert written.startswith(
        "// question: 1  name: True/false question\n// [id:myid] [tag:tag1] [tag:tag2]\n::True/false question::[html]"
    )
    again = one(written)
    assert (again.tags, again.extra, again.text) == (q.tags, q.extra, q.text)


def test_export_writes_moodles_header_comment_before_every_question_and_category():
    questions = [
        QuestionSpec(QuestionKind.TRUE_FALSE, "Cuci tangan\n  enam langkah?", category="PPI/pre", correct=True),
        QuestionSpec(QuestionKind.TRUE_FALSE, "Kedua", title="Q2", category="PPI/pre", correct=False),
        QuestionSpec(QuestionKind.TRUE_FALSE, "x " * 59 + "x", category="PPI/post", correct=True),
    ]
    lines = [line for line in write_gift(questions).splitlines() if line.startswith("// question:")]
    assert lines == [
        "// question: 0  name: Switch category to PPI/pre",
        "// question: 1  name: Cuci tangan enam langkah?",
        "// question: 2  name: Q2",
        "// question: 0  name: Switch category to PPI/post",
        "// question: 3  name: " + "x " * 39 + "x…",
    ]
    back = read_gift(write_gift(questions))
    assert not back.errors and not back.skipped
    assert [(q.category, q.title, q.text, q.tags) for q in back.questions] == [
        (q.category, q.title, q.text, q.tags) for q in questions
    ]


def test_a_question_name_in_moodles_header_gives_no_tags_but_the_next_comment_line_does():
    q = one("// question: 7  name: Soal [tag:bukan] [id:bukan]\n// [tag:ya]\n::Soal [tag\\:bukan]::Benar? {T}\n")
    assert (q.tags, q.extra.get(IDNUMBER)) == (("ya",), None)
    titled = QuestionSpec(QuestionKind.TRUE_FALSE, "Benar?", title="Soal [id:x] [tag:y]", correct=True)
    assert replace(one(write_gift([titled])), line=0) == titled


def test_tags_and_idnumber_with_brackets_survive_the_round_trip():
    q = QuestionSpec(QuestionKind.TRUE_FALSE, "Benar?", correct=True, tags=("a]b", "ppi"), extra={IDNUMBER: "x]1"})
    back = one(write_gift([q]))
    assert (back.tags, back.extra[IDNUMBER]) == (("a]b", "ppi"), "x]1")


def test_a_comment_after_a_blank_line_belongs_to_the_next_question_only():
    result = read_gift("// [tag:first]\nSatu? {T}\n\n// [tag:second]\n\nDua? {F}\n")
    assert [q.tags for q in result.questions] == [("first",), ()]


# --- Aiken: Moodle's fixtures ---------------------------------------------------------------------------------------

MOODLE_AIKEN_ERRORS = """A question with too few answers
A) Only answer
ANSWER: A

A) Question not started

ANSWER: Question not started

A good question
A) Correct
B) Incorrect
ANSWER: A

A question started but not finished
A) Correct-ish
B) Incorrect-ish

A second good question
A)Incorrect (No space)
B)Correct (No space)
ANSWER: B

A third good question with HTML chars such as > < &
A) Correct (< > &)
B) Incorrect (< > &)
ANSWER: A"""


def test_moodle_aiken_errors_fixture_gives_moodles_three_questions_and_errors():
    result = read_aiken(MOODLE_AIKEN_ERRORS)
    assert [q.text for q in result.questions] == [
        "A good question",
        "A second good question",
        "A third good question with HTML chars such as > < &",
    ]
    first, second, third = result.questions
    assert first.choices == (C("Correct", 1), C("Incorrect"))
    assert second.choices == (C("Incorrect (No space)"), C("Correct (No space)", 1))
    # Moodle stores these HTML-escaped; ours are plain text, escaped when shown.
    assert third.choices == (C("Correct (< > &)", 1), C("Incorrect (< > &)"))
    # Moodle: "at least 2 answers on line 3", "not started on line 5", "not started on line 7", and the unfinished
    # question (we report it where it ends, the blank line 17; Moodle at the next question's start).
    assert [e.line for e in result.errors] == [3, 5, 7, 17]


def test_moodle_aiken_questions_fixture():
    result = read_aiken(
        "The Moodle project was started by:\nA) Petr Skoda\nB) Martin Dougiamas\nC) Eloy Lafuente\nD) Tim Hunt\n"
        'ANSWER: B\n\nMoodle\'s abilities include handling user input that includes <html class="cool"> & images:\n'
        "A) True\nB) False\nANSWER: A\n"
    )
    assert not result.errors
    assert [[c.fraction for c in q.choices] for q in result.questions] == [[0, 1, 0, 0], [1, 0]]
    assert result.questions[1].text == (
        'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
    )
    assert result.questions[1].text_format == TextFormat.PLAIN


@pytest.mark.parametrize("option", ["A)Text", "A.Text", "A) Text", "A. Text", "A)\tText"])
def test_aiken_options_with_or_without_a_space(option):
    result = read_aiken(f"Soal?\n{option}\n{option.replace('A', 'B', 1).replace('Text', 'Lain')}\nANSWER: A\n")
    assert not result.errors, [str(e) for e in result.errors]
    assert [c.text for c in result.questions[0].choices] == ["Text", "Lain"]


# --- Short-answer wildcard (Moodle's qtype_shortanswer) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "accepted", "matches"),
    [
        ("Cuci tangan", "cuci*", True),
        ("cuci  TANGAN pakai sabun", "cuci*sabun", True),
        ("anything at all", "*", True),
        ("", "*", True),
        ("a*b", "a\\*b", True),
        ("axb", "a\\*b", False),
        ("ab", "a*b", True),
        ("a.b", "a.b", True),
        ("acb", "a.b", False),  # no other character is special
        ("x(y", "x(*", True),
        ("tangan", "cuci*", False),
        ("cuci", "cuci**", True),
    ],
)
def test_short_answer_wildcard(typed, accepted, matches):
    assert matches_accepted(typed, accepted) is matches


def test_first_matching_answer_decides_as_in_moodle():
    spec = one("::Shortanswer::Which is the best animal?{=Frog#Good! =%50%Cat#Cats. =%0%*#Completely wrong}")
    short = QUESTION_TYPES["short"]
    assert short.grade(spec, "frog") == 1
    assert short.grade(spec, "CAT") == Decimal("0.5")
    assert short.grade(spec, "dog") == 0
    assert short.answer_feedback(spec, "dog") == ["Completely wrong"]


def test_an_escaped_asterisk_is_a_literal_answer_in_gift_too():
    spec = one("Hasil 2\\*3 ditulis? {=2\\*3}")
    assert spec.choices[0].text == "2\\*3"
    assert QUESTION_TYPES["short"].grade(spec, "2*3") == 1
    assert QUESTION_TYPES["short"].grade(spec, "2x3") == 0


# --- Encodings ------------------------------------------------------------------------------------------------------


def test_utf8_with_or_without_bom_is_read_without_notice():
    assert decode_question_file("Higiene – é".encode()).text == "Higiene – é"
    decoded = decode_question_file(b"\xef\xbb\xbfSoal {T}")
    assert (decoded.text, decoded.notice) == ("Soal {T}", None)


def test_windows_1252_is_read_with_a_notice_naming_the_line():
    decoded = decode_question_file("Baris satu {T}\n\nCaf\u00e9 \u2013 \u201cdua\u201d {F}\n".encode("cp1252"))
    assert decoded.text == "Baris satu {T}\n\nCaf\u00e9 \u2013 \u201cdua\u201d {F}\n"
    assert "Windows-1252" in str(decoded.notice) and "line 3" in str(decoded.notice)


@pytest.mark.parametrize("data", ["Soal {T}".encode("utf-16"), b"PK\x03\x04\x00\x00", b"abc \x81\x8d {T}"])
def test_bytes_that_are_not_text_get_one_line(data):
    with pytest.raises(UnreadableFile) as raised:
        decode_question_file(data)
    assert "\n" not in str(raised.value.message) and "UTF-8" in str(raised.value.message)


# --- GIFT: inputs from Moodle's examples.txt (question/format/gift), with the parse Moodle's format.php gives ------


def test_moodle_examples_special_characters_are_escaped_text():
    q = one("Which answer equals 5? {\n     ~ \\= 2 + 2\n     = \\= 2 + 3\n     ~ \\= 2 + 4  }")
    assert q.choices == (C("= 2 + 2"), C("= 2 + 3", 1), C("= 2 + 4"))
    q = one(
        "::GIFT Control Characters::\nWhich of the following is NOT a control character for the GIFT import format? {\n"
        "   ~ \\~     # \\~ is a control character.\n   ~ \\{     # \\{ is a control character.\n"
        "   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n"
        "              it is used to escape the control characters.\n}"
    )
    assert [c.text for c in q.choices] == ["~", "{", "\\"]
    assert q.choices[2].feedback.startswith("Correct! \\ (backslash)")


def test_moodle_examples_numerical_with_feedback_over_two_lines_and_a_range():
    q = one(
        "//this comment will be ignored by the filter\n::Numerical example::\nWhen was Ulysses S. Grant born? {#\n"
        "     =1822:0      #Correct! 100% credit\n     =%50%1822:2  #He was born in 1822.\n"
        "                  You get 50% credit for being close.\n}"
    )
    assert [(n.value, n.tolerance, n.fraction) for n in q.numeric] == [(1822, 0, 1), (1822, 2, Decimal("0.5"))]
    assert q.numeric[1].feedback == "He was born in 1822.\nYou get 50% credit for being close."
    q = one("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.")
    assert (q.numeric[0].value, q.numeric[0].tolerance) == (Decimal("3.1415"), Decimal("0.0005"))


def test_moodle_examples_missing_word_and_markdown_and_multiple_answers():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.text[: q.blank_position] == "Grant is " and q.text[q.blank_position :] == " in Grant's tomb."
    q = one("[markdown]Who's buried in **Grant's tomb**?{\n=no one#excellent answer!\n=nobody#excellent answer!}")
    assert (q.kind, q.text_format, q.text) == (
        QuestionKind.SHORT,
        TextFormat.MARKDOWN,
        "Who's buried in **Grant's tomb**?",
    )
    q = one(
        "What two people are entombed in Grant's tomb? {\n    ~%-50%No one\n    ~%50%Grant\n    ~%50%Grant's wife\n"
        "    ~%-50%Grant's father }"
    )
    assert q.kind == QuestionKind.MULTIPLE
    assert [c.fraction for c in q.choices] == [Decimal("-0.5"), Decimal("0.5"), Decimal("0.5"), Decimal("-0.5")]


def test_aiken_writer_round_trips_and_refuses_what_aiken_cannot_hold():
    from lms.quizzes.aiken import write_aiken

    text = (
        "Berapa momen cuci tangan?\nA. Tiga\nB. Lima\nANSWER: B\n\n"
        "APD dilepas\ndi mana?\nA. Ruang\nB. Anteroom\nANSWER: B\n"
    )
    questions = read_aiken(text).questions
    assert write_aiken(questions) == text
    assert [q.choices for q in read_aiken(write_aiken(questions)).questions] == [q.choices for q in questions]
    for bad in (
        QuestionSpec(QuestionKind.TRUE_FALSE, "Benar?", correct=True),
        QuestionSpec(QuestionKind.SINGLE, "A. Soal yang terbaca sebagai opsi", choices=(C("x", 1), C("y"))),
        QuestionSpec(QuestionKind.SINGLE, "Dua benar?", choices=(C("x", 1), C("y", 1))),
    ):
        with pytest.raises(ValueError):
            write_aiken([bad])
