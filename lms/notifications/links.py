"""Links in notifications: paths on this site built with or without a request (jobs have none), and their absolute
form for e-mail and the API."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def site_path(endpoint: str, **values) -> str:
    """The path of `endpoint` (what url_for gives inside a request), also from a job."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build(endpoint, values)


def absolute_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path if path.startswith("/") else path
