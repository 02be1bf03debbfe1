"""Organization-admin report pages for quizzes: score distribution, pass rate, item analysis, learning gain, CSV."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, render_template
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.core.csv_export import csv_download, rounded
from lms.core.labels import labels_of
from lms.extensions import db
from lms.quizzes import bp, reports
from lms.quizzes.analysis import (
    GainSummary,
    ItemFlag,
    ItemStats,
    ScoreSummary,
    item_analysis,
    learning_gain,
    normalized_gain,
    score_summary,
)
from lms.quizzes.models import Quiz, QuizKind


def option_letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


@dataclass(frozen=True)
class Bar:
    """One bar of the server-drawn score chart (SVG units)."""

    x: int
    y: float
    height: float
    label: str
    count: int


CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BASE = 520, 240, 24, 200
BAR_STEP, BAR_WIDTH = 50, 38


def chart_bars(summary: ScoreSummary) -> list[Bar]:
    """Bars scaled to the tallest bin; the SVG is drawn by the template, so no script is needed."""
    tallest = summary.largest_bin or 1
    bars = []
    for i, score_bin in enumerate(summary.bins):
        height = (CHART_BASE - CHART_TOP) * score_bin.count / tallest
        label = f"{score_bin.low}–{score_bin.high if i == len(summary.bins) - 1 else score_bin.high - 1}"
        bars.append(Bar(10 + i * BAR_STEP, CHART_BASE - height, height, label, score_bin.count))
    return bars


def _flag_texts(stats: ItemStats) -> list[str]:
    return [
        str(
            ItemFlag(f.flag).label % {"option": option_letter(f.option)}
            if f.option is not None
            else ItemFlag(f.flag).label
        )
        for f in stats.findings
    ]


def _quiz_in(organization_id: int, quiz_id: int) -> Quiz:
    quiz = reports.quiz_in_organization(quiz_id, organization_id)
    if quiz is None:
        abort(404)
    return quiz


def _quiz_report(organization_id: int, quiz_id: int):
    quiz = _quiz_in(organization_id, quiz_id)
    data = reports.quiz_report_data(quiz)
    summary = score_summary([g.grade for g in data.grades], quiz.effective_pass_mark)
    return data, summary, item_analysis(data.items, data.first_attempts)


def _number(value: float | None, digits: int = 2) -> str:
    """A figure for data-* attributes: a dot for decimals whatever the reader's language."""
    return "" if value is None else f"{value:.{digits}f}"


def shown_number(value: float | None, digits: int = 2) -> str:
    """A figure for people, in their language's number format ("0,52" in Indonesian)."""
    return "—" if value is None else format_decimal(value, format="0." + "0" * digits if digits else "0")


def shown_percent(share: float | None) -> str:
    return "—" if share is None else format_percent(share, format="0.#%")


TEMPLATE_HELPERS = dict(num=shown_number, pct=shown_percent, raw=_number, kind_labels=labels_of(QuizKind))


# --- pages -------------------------------------------------------------------------------------------------------


@bp.route("/organizations/<int:organization_id>/quiz-reports")
@organization_role_required(Role.ORG_ADMIN)
def report_index(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    rows = reports.organization_quizzes(organization.id)
    versions: dict[int, list] = {}
    for quiz, attempts, learners in rows:
        versions.setdefault(quiz.version_id, []).append((quiz, attempts, learners))
    with_gain = {
        version_id
        for version_id, quizzes in versions.items()
        if {QuizKind.PRE_TEST, QuizKind.POST_TEST} <= {quiz.kind for quiz, *_rest in quizzes}
    }
    return render_template(
        "quizzes/reports/index.html",
        organization=organization,
        versions=list(versions.values()),
        with_gain=with_gain,
        **TEMPLATE_HELPERS,
    )


@bp.route("/organizations/<int:organization_id>/quizzes/<int:quiz_id>/report")
@organization_role_required(Role.ORG_ADMIN)
def quiz_report(organization_id: int, quiz_id: int):
    data, summary, items = _quiz_report(organization_id, quiz_id)
    return render_template(
        "quizzes/reports/quiz.html",
        organization=db.get_or_404(Organization, organization_id),
        quiz=data.quiz,
        data=data,
        summary=summary,
        bars=chart_bars(summary),
        chart=dict(width=CHART_WIDTH, height=CHART_HEIGHT, base=CHART_BASE, bar_width=BAR_WIDTH),
        items=items,
        flag_texts={s.question_id: _flag_texts(s) for s in items},
        letter=option_letter,
        **TEMPLATE_HELPERS,
    )


@bp.route("/organizations/<int:organization_id>/quizzes/<int:quiz_id>/report/items.csv")
@organization_role_required(Role.ORG_ADMIN)
def quiz_report_items_csv(organization_id: int, quiz_id: int):
    data, _summary, items = _quiz_report(organization_id, quiz_id)
    widest = max((len(s.options) for s in items), default=0)
    header = [_("Question number"), _("Question"), _("Responses"), _("Difficulty (p)"), _("Discrimination (D)"),
              _("Point-biserial (r)"), _("Flags")]  # fmt: skip
    header += [_("Option %(letter)s chosen", letter=option_letter(i)) for i in range(widest)]
    rows: list[list[object]] = [header]
    for s in items:
        row: list[object] = [s.question_id, s.label, s.responses, rounded(s.difficulty, 3)]
        row += [rounded(s.discrimination, 3), rounded(s.point_biserial, 3), "; ".join(_flag_texts(s))]
        row += [o.count for o in s.options]
        rows.append(row)
    return csv_download(rows, f"item-analysis-quiz-{data.quiz.id}.csv")


@bp.route("/organizations/<int:organization_id>/quizzes/<int:quiz_id>/report/scores.csv")
@organization_role_required(Role.ORG_ADMIN)
def quiz_report_scores_csv(organization_id: int, quiz_id: int):
    data = _quiz_report(organization_id, quiz_id)[0]
    pass_mark = data.quiz.effective_pass_mark
    rows: list[list[object]] = [[_("Cohort"), _("Name"), _("E-mail"), _("Attempts"), _("Grade"), _("Passed")]]
    rows += [[g.cohort_name, g.name, g.email, g.attempts, rounded(g.grade), g.grade >= pass_mark] for g in data.grades]
    return csv_download(rows, f"scores-quiz-{data.quiz.id}.csv")


def _gain_report(organization_id: int, version_id: int):
    version = reports.version_in_organization(version_id, organization_id)
    if version is None:
        abort(404)
    data = reports.gain_report_data(version)
    summaries: list[tuple[reports.CohortScores, GainSummary]] = [(c, learning_gain(c.scores)) for c in data.cohorts]
    overall = learning_gain([s for c in data.cohorts for s in c.scores])
    return data, summaries, overall


@bp.route("/organizations/<int:organization_id>/course-versions/<int:version_id>/learning-gain")
@organization_role_required(Role.ORG_ADMIN)
def gain_report(organization_id: int, version_id: int):
    data, summaries, overall = _gain_report(organization_id, version_id)
    return render_template(
        "quizzes/reports/gain.html",
        organization=db.get_or_404(Organization, organization_id),
        data=data,
        summaries=summaries,
        overall=overall,
        **TEMPLATE_HELPERS,
    )


@bp.route("/organizations/<int:organization_id>/course-versions/<int:version_id>/learning-gain.csv")
@organization_role_required(Role.ORG_ADMIN)
def gain_report_csv(organization_id: int, version_id: int):
    data = _gain_report(organization_id, version_id)[0]
    rows: list[list[object]] = [
        [_("Cohort"), _("Name"), _("E-mail"), _("Pre-test"), _("Post-test"), _("Normalized gain")]
    ]
    for cohort in data.cohorts:
        for pre, post in cohort.learners:
            learner = pre or post
            gain = normalized_gain(pre.grade, post.grade) if pre is not None and post is not None else None
            rows.append(
                [
                    cohort.cohort.name,
                    learner.name,
                    learner.email,
                    rounded(pre.grade if pre else None),
                    rounded(post.grade if post else None),
                    rounded(gain, 3),
                ]
            )
    course = data.version.course
    return csv_download(rows, f"learning-gain-{course.code}-v{data.version.number}.csv")
