"""Quiz statistics on a known data set; every expected figure below was worked out by hand (see the comments)."""

import math

import pytest

from lms.quizzes.analysis import (
    Finding,
    Item,
    ItemFlag,
    LearnerScores,
    Option,
    Response,
    ScoredAttempt,
    group_size,
    item_analysis,
    learning_gain,
    normalized_gain,
    score_summary,
)

# Ten attempts ranked by score; 27% of 10 rounds to 3, so the upper group is attempts 1-3, the lower 8-10.
SCORES = {1: 95, 2: 90, 3: 85, 4: 70, 5: 65, 6: 60, 7: 45, 8: 30, 9: 20, 10: 10}

ITEMS = [
    Item(1, "Q1 single", (Option("A", 1), Option("B"), Option("C"), Option("D"))),
    Item(2, "Q2 true/false", (Option("True", 1), Option("False"))),
    Item(3, "Q3 short answer"),
    Item(4, "Q4 multiple", (Option("A", 0.5), Option("B", 0.5), Option("C", -0.5))),
    Item(5, "Q5 drawn at random", (Option("X", 1), Option("Y"))),
    Item(6, "Q6 hard", (Option("K", 1), Option("L"))),
]

# attempt: {question: (credit, chosen options)}; a question missing from an attempt was not drawn for it.
ANSWERS = {
    1: {1: (1, (0,)), 2: (1, (0,)), 3: (1, ()), 4: (1, (0, 1)), 5: (0, (1,)), 6: (1, (0,))},
    2: {1: (1, (0,)), 2: (1, (0,)), 3: (1, ()), 4: (0.5, (0,)), 5: (0, (1,)), 6: (0, (1,))},
    3: {1: (1, (0,)), 2: (1, (0,)), 3: (0, ()), 4: (1, (0, 1)), 5: (1, (0,)), 6: (0, (1,))},
    4: {1: (1, (0,)), 2: (1, (0,)), 3: (0, ()), 4: (0, (0, 2)), 6: (0, (1,))},
    5: {1: (0, (1,)), 2: (1, (0,)), 3: (1, ()), 4: (0.5, (1,)), 5: (1, (0,)), 6: (0, (1,))},
    6: {1: (1, (0,)), 2: (1, (0,)), 3: (0, ()), 4: (0, ()), 6: (0, (1,))},
    7: {1: (0, (1,)), 2: (1, (0,)), 3: (0, ()), 4: (0.5, (0,)), 6: (0, (1,))},
    8: {1: (0, (2,)), 2: (1, (0,)), 3: (1, ()), 4: (0, (2,)), 5: (1, (0,)), 6: (0, (1,))},
    9: {1: (0, (1,)), 2: (1, (0,)), 3: (0, ()), 4: (1, (0, 1)), 5: (1, (0,)), 6: (0, (1,))},
    10: {1: (0, ()), 2: (1, (0,)), 3: (0, ()), 4: (0, (2,)), 5: (0, (1,)), 6: (0, (1,))},
}


def attempts(order=None):
    ids = order or sorted(ANSWERS)
    return [
        ScoredAttempt(i, SCORES[i], tuple(Response(q, c, chosen) for q, (c, chosen) in ANSWERS[i].items())) for i in ids
    ]


@pytest.fixture
def stats():
    return {s.question_id: s for s in item_analysis(ITEMS, attempts())}


def test_group_size_is_27_percent_rounded_and_at_least_one():
    assert [group_size(n) for n in (0, 1, 2, 10, 100, 1000)] == [0, 1, 1, 3, 27, 270]


def test_a_good_item(stats):
    q1 = stats[1]
    # Right: attempts 1,2,3,4,6 -> p = 5/10; upper 1,2,3 all right, lower 8,9,10 all wrong -> D = 1 - 0.
    assert q1.responses == 10
    assert q1.difficulty == pytest.approx(0.5)
    assert q1.discrimination == pytest.approx(1.0)
    # Point-biserial: right mean 400/5 = 80, wrong mean 170/5 = 34, population SD sqrt(8010/10),
    # sqrt(pq) = 0.5 -> r = (80 - 34) * 0.5 / sqrt(801).
    assert q1.point_biserial == pytest.approx(23 / math.sqrt(801))
    assert [(o.text, o.keyed, o.count) for o in q1.options] == [("A", True, 5), ("B", False, 3), ("C", False, 1),
                                                               ("D", False, 0)]  # fmt: skip
    assert [o.share for o in q1.options] == pytest.approx([0.5, 0.3, 0.1, 0.0])
    # Only the distractor nobody chose is flagged: attempt 10 left the question blank, which chooses nothing.
    assert q1.findings == (Finding(ItemFlag.UNCHOSEN_OPTION, 3),)


def test_an_item_everybody_gets_right_is_too_easy_and_does_not_discriminate(stats):
    q2 = stats[2]
    assert q2.difficulty == pytest.approx(1.0)
    assert q2.discrimination == pytest.approx(0.0)
    assert q2.point_biserial is None  # the item does not vary
    assert q2.findings == (
        Finding(ItemFlag.TOO_EASY),
        Finding(ItemFlag.WEAK_DISCRIMINATION),
        Finding(ItemFlag.UNCHOSEN_OPTION, 1),
    )


def test_an_item_without_options(stats):
    q3 = stats[3]
    # Right: 1,2,5,8 -> p = 0.4; upper 1,2,3 -> 2/3; lower 8,9,10 -> 1/3; D = 1/3.
    assert q3.difficulty == pytest.approx(0.4)
    assert q3.discrimination == pytest.approx(1 / 3)
    assert q3.options == ()
    assert q3.findings == ()


def test_partial_credit_counts_as_its_fraction(stats):
    q4 = stats[4]
    # Credits 1, .5, 1, 0, .5, 0, .5, 0, 1, 0 -> p = 4.5/10; upper (1 + .5 + 1)/3, lower (0 + 1 + 0)/3 -> D = 0.5.
    assert q4.difficulty == pytest.approx(0.45)
    assert q4.discrimination == pytest.approx(0.5)
    # A: 1,2,3,4,7,9; B: 1,3,5,9; C: 4,8,10. A multiple-response option counts once per attempt.
    assert [(o.count, o.keyed) for o in q4.options] == [(6, True), (4, True), (3, False)]
    assert q4.findings == ()


def test_a_randomly_drawn_item_counts_only_the_attempts_given_it(stats):
    q5 = stats[5]
    # Given to 1,2,3,5,8,9,10; right: 3,5,8,9 -> p = 4/7. Upper 1,2,3 -> 1/3, lower 8,9,10 -> 2/3: D = -1/3.
    assert q5.responses == 7
    assert q5.difficulty == pytest.approx(4 / 7)
    assert q5.discrimination == pytest.approx(-1 / 3)
    assert q5.point_biserial < 0
    assert [o.count for o in q5.options] == [4, 3]
    assert [o.share for o in q5.options] == pytest.approx([4 / 7, 3 / 7])
    assert q5.findings == (Finding(ItemFlag.NEGATIVE_DISCRIMINATION),)


def test_a_hard_item(stats):
    q6 = stats[6]
    # Only attempt 1 is right: p = 0.1; upper 1/3, lower 0 -> D = 1/3.
    assert q6.difficulty == pytest.approx(0.1)
    assert q6.discrimination == pytest.approx(1 / 3)
    assert q6.findings == (Finding(ItemFlag.TOO_HARD),)
    assert q6.is_poor and not stats[3].is_poor


def test_the_groups_come_from_the_scores_not_the_order_given():
    shuffled = {s.question_id: s for s in item_analysis(ITEMS, attempts([7, 3, 10, 1, 5, 9, 2, 8, 4, 6]))}
    assert shuffled[1].discrimination == pytest.approx(1.0)
    assert shuffled[5].discrimination == pytest.approx(-1 / 3)


def test_without_attempts_nothing_is_computed_or_flagged():
    (q1,) = item_analysis(ITEMS[:1], [])
    assert (q1.responses, q1.difficulty, q1.discrimination, q1.point_biserial) == (0, None, None, None)
    assert [o.share for o in q1.options] == [None] * 4
    assert q1.findings == ()


def test_one_attempt_has_no_discrimination():
    (q1,) = item_analysis(ITEMS[:1], attempts([1]))
    assert q1.difficulty == 1.0
    assert q1.discrimination is None
    assert q1.point_biserial is None


def test_score_distribution_and_pass_rate():
    summary = score_summary(list(SCORES.values()), pass_mark=70)
    # 10 -> 10-19, 20 -> 20-29, 30, 45, 60 and 65, 70, 85, 90 and 95.
    assert [b.count for b in summary.bins] == [0, 1, 1, 1, 1, 0, 2, 1, 1, 2]
    assert [(b.low, b.high) for b in summary.bins][0] == (0, 10)
    assert [(b.low, b.high) for b in summary.bins][-1] == (90, 100)
    assert summary.count == 10
    assert summary.mean == pytest.approx(57)
    assert summary.median == pytest.approx(62.5)
    assert summary.passed == 4  # 95, 90, 85 and exactly 70
    assert summary.pass_rate == pytest.approx(0.4)
    assert summary.largest_bin == 2


def test_bin_edges():
    summary = score_summary([0, 9.99, 10, 99.5, 100], pass_mark=100)
    assert [b.count for b in summary.bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert summary.passed == 1


def test_no_scores():
    summary = score_summary([], pass_mark=70)
    assert (summary.count, summary.mean, summary.median, summary.pass_rate) == (0, None, None, None)
    assert sum(b.count for b in summary.bins) == 0


@pytest.mark.parametrize("score", [-1, 100.01])
def test_a_score_outside_0_to_100_is_a_bug(score):
    with pytest.raises(ValueError):
        score_summary([score], pass_mark=70)


def test_normalized_gain():
    assert normalized_gain(40, 70) == pytest.approx(0.5)
    assert normalized_gain(80, 60) == pytest.approx(-1.0)
    assert normalized_gain(0, 100) == pytest.approx(1.0)
    assert normalized_gain(100, 100) is None
    assert normalized_gain(100, 90) is None


def test_learning_gain_of_a_cohort():
    summary = learning_gain(
        [
            LearnerScores(1, 40, 70),  # g = 30/60 = 0.5
            LearnerScores(2, 60, 80),  # g = 20/40 = 0.5
            LearnerScores(3, 50, 50),  # g = 0
            LearnerScores(4, 100, 90),  # no room to gain: left out of the mean gain
            LearnerScores(5, 20, None),
            LearnerScores(6, None, 100),
            LearnerScores(7, None, None),
        ]
    )
    assert (summary.learners_pre, summary.learners_post, summary.learners_both) == (5, 5, 4)
    assert summary.mean_pre == pytest.approx(54)  # (40 + 60 + 50 + 100 + 20) / 5
    assert summary.mean_post == pytest.approx(78)  # (70 + 80 + 50 + 90 + 100) / 5
    assert summary.class_gain == pytest.approx(24 / 46)  # (78 - 54) / (100 - 54)
    assert summary.mean_learner_gain == pytest.approx(1 / 3)  # (0.5 + 0.5 + 0) / 3
    assert summary.learners_at_ceiling == 1


def test_learning_gain_without_data_or_with_a_perfect_pre_test():
    empty = learning_gain([])
    assert (empty.mean_pre, empty.mean_post, empty.class_gain, empty.mean_learner_gain) == (None, None, None, None)
    perfect = learning_gain([LearnerScores(1, 100, 100)])
    assert perfect.class_gain is None
    assert perfect.mean_learner_gain is None
    assert perfect.learners_at_ceiling == 1
    only_pre = learning_gain([LearnerScores(1, 30, None)])
    assert only_pre.class_gain is None and only_pre.learners_both == 0
