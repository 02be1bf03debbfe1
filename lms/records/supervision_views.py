"""Pages of regional supervision: the area's workers with SKP standing and SIP renewals, a chart per regency, CSV."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.csv_export import csv_download
from lms.core.i18n import local_today
from lms.core.labels import labels_of
from lms.core.service_calls import call_service
from lms.courses.curriculum import Ranah
from lms.records import bp, dashboards, supervision
from lms.records.charts import bar_chart
from lms.records.csv_columns import standing_cells, standing_header
from lms.records.skp import SkpState


def _today() -> date:
    return local_today()


def filters_from(args) -> supervision.SupervisionFilters:
    """Filters from query arguments (the page and the API use the same names)."""
    months = args.get("renewal_within_months", "")
    short = args.get("short", "")
    return supervision.SupervisionFilters(
        short=supervision.SHORT_OF_SKP if short == "true" else short[:20],
        renewal_within_months=int(months) if months.isdigit() else None,
        facility=args.get("facility", "")[:40],
        regency=args.get("regency", "")[:80],
        name=args.get("q", "")[:120],
    )


def _filter_args(filters: supervision.SupervisionFilters) -> dict[str, str]:
    args = {
        "short": filters.short,
        "renewal_within_months": str(filters.renewal_within_months or ""),
        "facility": filters.facility,
        "regency": filters.regency,
        "q": filters.name,
    }
    return {key: value for key, value in args.items() if value}


def _require_supervisor() -> None:
    if not dashboards.can_supervise(current_user):
        abort(403)


@bp.route("/supervision")
@login_required
def supervision_page():
    _require_supervisor()
    filters, today = filters_from(request.args), _today()
    error, after = None, request.args.get("after") or None
    outcome = call_service(
        lambda: supervision.supervised_workers(current_user, filters, today, after=after), quiet=True
    )
    if outcome.ok:
        page = outcome.result
    else:
        error, page = str(outcome.error.message), supervision.WorkerPage([], None)
    return render_template(
        "records/dashboard/supervision.html",
        page=page,
        filters=filters,
        filter_args=_filter_args(filters),
        facilities=supervision.area_facilities(current_user, filters.regency),
        regencies=supervision.area_regencies(current_user),
        windows=supervision.RENEWAL_WINDOWS,
        state_labels=labels_of(SkpState),
        ranah_labels=labels_of(Ranah),
        short_in_ranah=supervision.SHORT_IN_ANY_RANAH,
        error=error,
        first_page=not request.args.get("after"),
    ), (422 if error else 200)


@bp.route("/supervision/chart.svg")
@login_required
def supervision_chart():
    """Per regency: workers, those short of SKP and SIP renewals due within 3/6/12 months, as an SVG the page
    embeds as an image: the counts read the whole area, so the worker list does not wait for them."""
    _require_supervisor()
    outcome = call_service(
        lambda: supervision.area_summary(current_user, filters_from(request.args), _today()), quiet=True
    )
    if not outcome.ok:
        abort(422, description=str(outcome.error.message))
    summary = outcome.result
    chart = bar_chart([(s.regency, s.workers, s.short) for s in summary])
    svg = render_template(
        "records/dashboard/supervision_chart.svg", chart=chart, summary=summary, windows=supervision.RENEWAL_WINDOWS
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.route("/supervision/workers.csv")
@login_required
def supervision_csv():
    _require_supervisor()
    outcome = call_service(
        lambda: supervision.all_supervised_workers(current_user, filters_from(request.args), _today()), quiet=True
    )
    if not outcome.ok:
        abort(422, description=str(outcome.error.message))
    workers = outcome.result
    header = [_("Name"), _("E-mail"), _("Facility"), _("Facility code"), _("Regency / city"), *standing_header()]
    rows = [
        [w.standing.full_name, w.standing.email, w.facility_name, w.facility_code, w.regency,
         *standing_cells(w.standing)]
        for w in workers
    ]  # fmt: skip
    return csv_download([header, *rows], "pengawasan-nakes.csv")
