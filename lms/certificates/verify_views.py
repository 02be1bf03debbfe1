"""Public verification pages: the QR's /v/<token> page, the manual number + code form, the published key set."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, jsonify, render_template

from lms.certificates import bp, keys
from lms.certificates.verification import Verdict, signed_fields, verify_by_number, verify_qr
from lms.certificates.verify_forms import ManualVerifyForm
from lms.extensions import limiter

VERIFY_LIMIT_SCOPE = "certificate-verify"
KEYS_MAX_AGE = 3600


def verify_rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# One budget per client address for every way of asking (page, form, API): scraping one cannot bypass another.
verify_limit = limiter.shared_limit(verify_rate_limit, scope=VERIFY_LIMIT_SCOPE)


def _render_result(result, form=None, status: int = 200):
    response = current_app.make_response(
        (
            render_template(
                "certificates/verify.html",
                result=result,
                fields=signed_fields(result),
                Verdict=Verdict,
                form=form,
                keys_url=keys.KEYS_DOCUMENT_PATH,
            ),
            status,
        )
    )
    # The verdict is live (a revocation shows at once): never let a cache keep an old one. A shared link names a
    # person: keep it out of search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/V/<token>")
@bp.get("/v/<token>")
@verify_limit
def verify_page(token: str):
    """The page a scanned QR opens: one verdict, the signed fields, and an in-browser signature check."""
    return _render_result(verify_qr(token))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.shared_limit(verify_rate_limit, scope=VERIFY_LIMIT_SCOPE, methods=["POST"])
def verify_form():
    """The manual check for a certificate on paper: its number and verification code together."""
    form = ManualVerifyForm()
    if form.validate_on_submit():
        return _render_result(verify_by_number(form.number.data, form.code.data), form=form)
    return render_template("certificates/verify_form.html", form=form), (422 if form.errors else 200)


@bp.get("/verify/offline")
def verify_offline_shell():
    """The page the service worker shows for /v/<token> without signal; verify.js checks the signature from the
    cached key set and shows the status last seen online."""
    return render_template("certificates/verify_offline.html", keys_url=keys.KEYS_DOCUMENT_PATH)


@bp.get(keys.KEYS_DOCUMENT_PATH)
def published_keys():
    """Every signing key ever used (current, retired, withdrawn) and the code lists, for anyone to verify offline."""
    document = keys.published_keyset_document()
    document["generated_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    response = jsonify(document)
    response.headers["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope covers /v/ (a worker only controls its folder)."""
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_bytes()
    # Browsers check for a new worker on each visit; no-cache lets them revalidate instead of keeping an old one.
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})
