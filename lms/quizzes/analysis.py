"""Pure quiz statistics: score distribution and pass rate, item analysis, pre-test vs post-test learning gain.

No Flask and no database: `lms.quizzes.reports` reads attempts into the small frozen dataclasses below, these
functions compute, and the report pages show the result. Scores are percentages (0-100); an item's credit is the
fraction of its marks a learner earned (1 = full marks).

Definitions (classical test theory):
- difficulty index p: the mean credit on the item over the attempts that were given it (higher = easier);
- discrimination index D (Kelley): attempts are ranked by their total score; the upper and lower groups are the top
  and bottom 27% (at least one attempt each); D = mean credit in the upper group - mean credit in the lower group.
  For right/wrong items that is the familiar (U - L) / n. Ties at a group's edge are broken by the order the
  attempts were given in, so the result is reproducible;
- point-biserial r: Pearson correlation between the credit on the item and the attempt's total score;
- normalized gain (Hake): g = (post - pre) / (100 - pre). The class-average gain uses the class means of everyone
  who took each test; the per-learner mean gain averages g over learners with both scores. A pre-test score of 100
  leaves no room to gain: g is undefined there, so those learners are counted apart and left out of the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import fmean, median

from flask_babel import lazy_gettext as _l

BIN_WIDTH = 10
"""Score distribution bins of 10 points: 0-9.99, 10-19.99, ..., 90-100 (the last one holds 100 too)."""

GROUP_SHARE = 0.27
"""Kelley's upper/lower group share for the discrimination index."""


# --- score distribution and pass rate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreBin:
    low: int
    high: int
    """Exclusive, except for the last bin, which ends at 100 inclusive."""
    count: int


@dataclass(frozen=True)
class ScoreSummary:
    count: int
    mean: float | None
    median: float | None
    passed: int
    pass_rate: float | None
    """Share (0-1) of scores at or above the pass mark; None without scores."""
    bins: tuple[ScoreBin, ...]

    @property
    def largest_bin(self) -> int:
        return max((b.count for b in self.bins), default=0)


def score_summary(scores: Sequence[float], pass_mark: float) -> ScoreSummary:
    """Distribution of `scores` (percentages) in bins of 10 points, with mean, median and pass rate."""
    counts = [0] * (100 // BIN_WIDTH)
    for score in scores:
        if not 0 <= score <= 100:
            raise ValueError(f"score {score} is not a percentage")
        counts[min(int(score // BIN_WIDTH), len(counts) - 1)] += 1
    passed = sum(1 for score in scores if score >= pass_mark)
    return ScoreSummary(
        count=len(scores),
        mean=fmean(scores) if scores else None,
        median=median(scores) if scores else None,
        passed=passed,
        pass_rate=passed / len(scores) if scores else None,
        bins=tuple(ScoreBin(i * BIN_WIDTH, (i + 1) * BIN_WIDTH, n) for i, n in enumerate(counts)),
    )


# --- item analysis -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A question as the analysis sees it: its options in stored order (none for short answer and numerical)."""

    question_id: int
    label: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Option:
    text: str
    fraction: float = 0.0
    """Credit for choosing it, so that the report can mark the keyed answer(s)."""


@dataclass(frozen=True)
class Response:
    """What one attempt did with one question it was given (unanswered: credit 0, nothing chosen)."""

    question_id: int
    credit: float
    chosen: tuple[int, ...] = ()
    """Indexes into the item's options."""


@dataclass(frozen=True)
class ScoredAttempt:
    attempt_id: int
    score: float
    """The attempt's total, as a percentage."""
    responses: tuple[Response, ...]


class ItemFlag(StrEnum):
    """Why an item is worth a second look; the report page words each one."""

    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"
    """Stronger learners did worse than weaker ones: often a wrong key or an ambiguous stem."""
    WEAK_DISCRIMINATION = "weak_discrimination"
    UNCHOSEN_OPTION = "unchosen_option"
    """A distractor nobody chose does no work."""

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            ItemFlag.TOO_HARD: _l("Too hard: p below 0.2, learners earned less than a fifth of the credit."),
            ItemFlag.TOO_EASY: _l("Too easy: p above 0.9, nearly everybody earned the credit."),
            ItemFlag.NEGATIVE_DISCRIMINATION: _l(
                "Negative discrimination: weaker learners did better than stronger ones. "
                "Check the answer key and wording."
            ),
            ItemFlag.WEAK_DISCRIMINATION: _l(
                "Weak discrimination (D below 0.2): it barely separates strong from weak."
            ),
            ItemFlag.UNCHOSEN_OPTION: _l("Option %(option)s was chosen by nobody."),
        }[self]


@dataclass(frozen=True)
class Thresholds:
    hard_below: float = 0.2
    easy_above: float = 0.9
    weak_below: float = 0.2


@dataclass(frozen=True)
class Finding:
    flag: ItemFlag
    option: int | None = None
    """For UNCHOSEN_OPTION: the option's index."""


@dataclass(frozen=True)
class OptionCount:
    index: int
    text: str
    keyed: bool
    """Chosen for positive credit (the right answer, or one of them)."""
    count: int
    share: float | None
    """Of the attempts given the item."""


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    label: str
    responses: int
    difficulty: float | None
    discrimination: float | None
    point_biserial: float | None
    options: tuple[OptionCount, ...]
    findings: tuple[Finding, ...]

    @property
    def is_poor(self) -> bool:
        return bool(self.findings)


def group_size(attempts: int) -> int:
    """How many attempts make the upper (and the lower) group: 27%, rounded, at least one."""
    return max(1, round(attempts * GROUP_SHARE)) if attempts else 0


def item_analysis(
    items: Sequence[Item], attempts: Sequence[ScoredAttempt], thresholds: Thresholds = Thresholds()
) -> list[ItemStats]:
    """Difficulty, discrimination, point-biserial and option counts for each item, with poor items flagged."""
    ranked = sorted(attempts, key=lambda a: -a.score)  # stable: ties keep the order given
    n = group_size(len(ranked))
    upper = {a.attempt_id for a in ranked[:n]} if len(ranked) >= 2 else set()
    lower = {a.attempt_id for a in ranked[-n:]} if len(ranked) >= 2 else set()
    given: dict[int, list[tuple[ScoredAttempt, Response]]] = {item.question_id: [] for item in items}
    for attempt in attempts:
        for response in attempt.responses:
            if response.question_id in given:
                given[response.question_id].append((attempt, response))
    return [_item_stats(item, given[item.question_id], upper, lower, thresholds) for item in items]


def _item_stats(
    item: Item,
    given: list[tuple[ScoredAttempt, Response]],
    upper: set[int],
    lower: set[int],
    thresholds: Thresholds,
) -> ItemStats:
    credits = [r.credit for _, r in given]
    difficulty = fmean(credits) if credits else None
    upper_credits = [r.credit for a, r in given if a.attempt_id in upper]
    lower_credits = [r.credit for a, r in given if a.attempt_id in lower]
    discrimination = fmean(upper_credits) - fmean(lower_credits) if upper_credits and lower_credits else None
    counts = [0] * len(item.options)
    for _, response in given:
        for index in set(response.chosen):
            if 0 <= index < len(counts):
                counts[index] += 1
    options = tuple(
        OptionCount(i, option.text, option.fraction > 0, counts[i], counts[i] / len(given) if given else None)
        for i, option in enumerate(item.options)
    )
    findings: list[Finding] = []
    if difficulty is not None:
        if difficulty < thresholds.hard_below:
            findings.append(Finding(ItemFlag.TOO_HARD))
        elif difficulty > thresholds.easy_above:
            findings.append(Finding(ItemFlag.TOO_EASY))
    if discrimination is not None:
        if discrimination < 0:
            findings.append(Finding(ItemFlag.NEGATIVE_DISCRIMINATION))
        elif discrimination < thresholds.weak_below:
            findings.append(Finding(ItemFlag.WEAK_DISCRIMINATION))
    if given:
        findings.extend(Finding(ItemFlag.UNCHOSEN_OPTION, o.index) for o in options if o.count == 0)
    return ItemStats(
        question_id=item.question_id,
        label=item.label,
        responses=len(given),
        difficulty=difficulty,
        discrimination=discrimination,
        point_biserial=_correlation(credits, [a.score for a, _ in given]),
        options=options,
        findings=tuple(findings),
    )


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary (or fewer than two pairs)."""
    if len(xs) < 2:
        return None
    mean_x, mean_y = fmean(xs), fmean(ys)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


# --- pre-test vs post-test ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerScores:
    """A learner's pre-test and post-test scores (percentages) in one cohort; None if not taken."""

    learner_id: int
    pre: float | None
    post: float | None


@dataclass(frozen=True)
class GainSummary:
    learners_pre: int
    learners_post: int
    learners_both: int
    mean_pre: float | None
    mean_post: float | None
    class_gain: float | None
    """Hake's <g> from the class means: (mean_post - mean_pre) / (100 - mean_pre)."""
    mean_learner_gain: float | None
    """The mean of each learner's own g, over learners with both scores and a pre-test below 100."""
    learners_at_ceiling: int
    """Learners with both scores whose pre-test was already 100 (no gain defined)."""


def normalized_gain(pre: float, post: float) -> float | None:
    """g = (post - pre) / (100 - pre); None when the pre-test score leaves no room to gain."""
    if pre >= 100:
        return None
    return (post - pre) / (100 - pre)


def learning_gain(learners: Sequence[LearnerScores]) -> GainSummary:
    pre = [s.pre for s in learners if s.pre is not None]
    post = [s.post for s in learners if s.post is not None]
    both = [s for s in learners if s.pre is not None and s.post is not None]
    gains = [normalized_gain(s.pre, s.post) for s in both]  # type: ignore[arg-type]
    defined = [g for g in gains if g is not None]
    mean_pre = fmean(pre) if pre else None
    mean_post = fmean(post) if post else None
    return GainSummary(
        learners_pre=len(pre),
        learners_post=len(post),
        learners_both=len(both),
        mean_pre=mean_pre,
        mean_post=mean_post,
        class_gain=normalized_gain(mean_pre, mean_post) if mean_pre is not None and mean_post is not None else None,
        mean_learner_gain=fmean(defined) if defined else None,
        learners_at_ceiling=len(gains) - len(defined),
    )
