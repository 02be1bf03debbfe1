"""Pure rules of instruments: item kinds, the checklist pass rule, difficulty, evaluation keys, instrument files."""

from datetime import UTC, date, datetime

import pytest

from lms.courses.files import CourseFilesInvalid
from lms.instruments.charts import bar_chart
from lms.instruments.files import parse_instrument, read_instrument_folder, shipped_instruments
from lms.instruments.items import Answer, InvalidAnswer, Item, check_answers
from lms.instruments.rules import (
    EvaluationKey,
    add_months,
    checklist_result,
    distribution,
    facilitator_may_see,
    organizer_evaluation_open,
    step_difficulty,
)

STEPS = [
    Item("aman", "step", "Lingkungan aman", critical=True),
    Item("respons", "step", "Cek respons"),
    Item("kompresi", "step", "Kompresi 5-6 cm", critical=True),
    Item("catatan", "text", "Catatan", required=False),
]


def _answers(**values):
    return {key: Answer(value=value) for key, value in values.items()}


def test_checklist_passes_with_every_critical_step_correct_and_enough_points():
    result = checklist_result(STEPS, _answers(aman=2, respons=1, kompresi=2), pass_percent=80)
    assert (result.points, result.max_points, result.percent) == (5, 6, 83)
    assert result.passed


def test_a_missed_critical_step_fails_whatever_the_points():
    result = checklist_result(STEPS, _answers(aman=2, respons=2, kompresi=1), pass_percent=50)
    assert result.critical_missed == ("kompresi",)
    assert not result.passed


def test_too_few_points_fail_even_with_critical_steps_correct():
    assert not checklist_result(STEPS, _answers(aman=2, respons=0, kompresi=2), pass_percent=80).passed  # 4/6 = 67%
    # exactly at the mark passes (compared without rounding)
    assert checklist_result(STEPS[:2], _answers(aman=2, respons=2), pass_percent=100).passed


def test_step_difficulty_puts_the_most_missed_step_first():
    rows = step_difficulty(STEPS, [{"aman": 2, "respons": 1, "kompresi": 2}, {"aman": 2, "respons": 0, "kompresi": 1}])
    assert [(row.item.id, row.not_correct, row.scored) for row in rows] == [
        ("respons", 2, 2),
        ("kompresi", 1, 2),
        ("aman", 0, 2),
    ]
    assert rows[0].missed_percent == 100


def test_answers_are_checked_against_their_items():
    likert = Item("puas", "likert", "Puas?", scale=4)
    items = [likert, Item("saran", "text", "Saran", required=False)]
    assert check_answers(items, {"puas": "3"}) == {"puas": Answer(value=3)}
    with pytest.raises(InvalidAnswer, match="outside the scale 1–4"):
        check_answers(items, {"puas": 5})
    with pytest.raises(InvalidAnswer, match="not an item of this instrument version"):
        check_answers(items, {"puas": 3, "lain": 1})
    with pytest.raises(InvalidAnswer, match="Puas"):
        check_answers(items, {"saran": "bagus"})  # a required scale item left out
    with pytest.raises(InvalidAnswer):
        check_answers(items, {"puas": True})


def test_distribution_counts_every_point_and_the_mean():
    dist = distribution(Item("puas", "likert", "Puas?", scale=5), {4: 3, 5: 1})
    assert [count for _, _, count in dist.counts] == [0, 0, 0, 3, 1]
    assert dist.total == 4 and dist.mean == pytest.approx(4.25)


def test_facilitators_see_aggregates_only_from_five_responses():
    assert not facilitator_may_see(4)
    assert facilitator_may_see(5)


def test_evaluation_keys_round_trip_and_refuse_anything_else():
    key = EvaluationKey(12, "session", 3, 7)
    assert str(key) == "e12-s3-f7" and EvaluationKey.parse("e12-s3-f7") == key
    assert key.dedupe_key == "s3-f7"
    assert EvaluationKey.parse("e5-org") == EvaluationKey(5, "org")
    for bad in ("", "e5", "e5-s1", "x5-org", "e5-org-1", "e1-s1-f1; drop"):
        assert EvaluationKey.parse(bad) is None


def test_organizer_evaluation_opens_at_the_end_of_the_course():
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    ended, later = datetime(2026, 5, 9, tzinfo=UTC), datetime(2026, 5, 11, tzinfo=UTC)
    assert organizer_evaluation_open(date(2026, 5, 10), now.date(), [later], now)
    assert organizer_evaluation_open(date(2026, 6, 1), now.date(), [ended], now)
    assert not organizer_evaluation_open(date(2026, 6, 1), now.date(), [ended, later], now)
    assert not organizer_evaluation_open(date(2026, 6, 1), now.date(), [], now)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert add_months(date(2026, 1, 15), 3) == date(2026, 4, 15)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_instrument_file_errors_name_their_lines_and_nothing_is_returned():
    text = """key: rjp
title: RJP
purpose: checklist
items:
  - id: a
    type: step
    text: Langkah A
  - id: a
    type: step
    text: Langkah A lagi
  - id: b
    type: likert
    text: Tanpa skala
  - id: c
    type: slider
    text: Jenis tak dikenal
"""
    with pytest.raises(CourseFilesInvalid) as caught:
        parse_instrument(text, "courses/x/instruments/rjp.yaml")
    messages = [str(error) for error in caught.value.errors]
    assert messages[0].startswith("courses/x/instruments/rjp.yaml:8: duplicate item id 'a' (also on line 5)")
    assert messages[1].startswith("courses/x/instruments/rjp.yaml:11:") and "scale" in messages[1]
    assert messages[2].startswith("courses/x/instruments/rjp.yaml:15: unknown item type 'slider'")


def test_a_checklist_without_pass_percent_gets_the_default_and_round_trips():
    spec = parse_instrument("key: x1\ntitle: X\npurpose: checklist\nitems:\n  - {id: a, type: step, text: A}\n")
    assert spec.pass_percent == 80
    assert parse_instrument(spec.to_yaml()) == spec


def test_shipped_indonesian_defaults_and_the_course_checklist_parse(tmp_path):
    shipped = shipped_instruments()
    assert set(shipped) == {"evaluasi-fasilitator", "evaluasi-penyelenggaraan", "evaluasi-pasca-pelatihan"}
    assert all(len(spec.items) >= 5 for spec in shipped.values())
    from pathlib import Path

    (checklist,) = read_instrument_folder(Path(__file__).resolve().parents[2] / "courses" / "bhd-nakes")
    assert checklist.key == "rjp-dewasa" and any(item.critical for item in checklist.items)


def test_bar_chart_escapes_labels():
    svg = str(bar_chart([("<script>", 2), ("Baik", 0)], "a & b"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
