"""Pages of regional supervision: the area's workers with SKP standing and SIP renewals, a chart per regency, CSV."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from lms.accounts.identity import profession_name
from lms.core.csv_export import csv_download
from lms.core.errors import DomainError
from lms.core.labels import labels_of
from lms.core.models import utcnow
from lms.courses.curriculum import Ranah
from lms.records import bp, dashboards, supervision
from lms.records.charts import bar_chart
from lms.records.skp import SkpState


def _today() -> date:
    return utcnow().date()


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
    try:
        page = supervision.supervised_workers(current_user, filters, today, after=after)
    except DomainError as failure:
        error = str(failure.message)
        page = supervision.WorkerPage([], None)
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
    try:
        summary = supervision.area_summary(current_user, filters_from(request.args), _today())
    except DomainError as failure:
        abort(422, description=str(failure.message))
    chart = bar_chart([(s.regency, s.workers, s.short) for s in summary])
    svg = render_template(
        "records/dashboard/supervision_chart.svg", chart=chart, summary=summary, windows=supervision.RENEWAL_WINDOWS
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.route("/supervision/workers.csv")
@login_required
def supervision_csv():
    _require_supervisor()
    try:
        workers = supervision.all_supervised_workers(current_user, filters_from(request.args), _today())
    except DomainError as failure:
        abort(422, description=str(failure.message))
    header = ["nama", "email", "profesi", "fasyankes", "kode_fasyankes", "kabupaten_kota", "status_skp", "skp",
              "target_skp"]  # fmt: skip
    header += [f"skp_{r.value}" for r in Ranah] + [f"minimum_{r.value}" for r in Ranah]
    header += [f"kurang_{r.value}" for r in Ranah] + ["kekurangan_skp", "perpanjangan_sip"]
    rows = [
        [w.standing.full_name, w.standing.email, profession_name(w.standing.profession_code), w.facility_name,
         w.facility_code, w.regency, str(SkpState(w.standing.state).label), str(w.standing.earned),
         str(w.standing.target), *[str(w.standing.earned_per_ranah[r.value]) for r in Ranah],
         *[str(w.standing.minimum_per_ranah[r.value]) for r in Ranah],
         *["1" if r.value in w.standing.short_ranah else "0" for r in Ranah], str(w.standing.missing),
         w.standing.renewal_on.isoformat() if w.standing.renewal_on else ""]
        for w in workers
    ]  # fmt: skip
    return csv_download([header, *rows], "pengawasan-nakes.csv")
