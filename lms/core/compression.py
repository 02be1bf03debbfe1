"""Gzip of text responses (pages, JSON, CSS, JS, SVG) for clients that accept it: what a phone on slow data receives."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

from lms.core.lru import LruCache

COMPRESSIBLE_TYPES = frozenset(
    {
        "application/javascript",
        "application/json",
        "application/ld+json",
        "application/manifest+json",
        "application/problem+json",
        "application/xml",
        "image/svg+xml",
        "text/javascript",
    }
)
# Below this a gzip header and trailer cost more than they save.
MIN_BYTES = 500
GZIP_LEVEL = 6
# Static files are compressed once per version (their ETag), not on every request.
_static_bodies: LruCache[str, bytes] = LruCache(64)


def is_compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and (mimetype.startswith("text/") or mimetype in COMPRESSIBLE_TYPES)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (a `q=0` refuses it)."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() not in ("gzip", "x-gzip", "*"):
            continue
        params = params.strip()
        if not params.startswith("q="):
            return True
        try:
            return float(params[2:]) > 0
        except ValueError:
            return False
    return False


def gzip_bytes(body: bytes) -> bytes:
    """The gzip of a response body, the same bytes for the same body (no time stamp in the header)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def compress_response(response: Response) -> Response:
    if response.status_code != 200 or "Content-Encoding" in response.headers:
        return response
    if not is_compressible(response.mimetype):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return response
    static_file = response.direct_passthrough
    if response.is_streamed and not static_file:
        return response  # a generator (a long CSV): sent as it is made, not held to compress
    etag, weak = response.get_etag()
    cached = _static_bodies.get(etag) if static_file and etag else None
    if cached is None:
        response.direct_passthrough = False
        body = response.get_data()
        if len(body) < MIN_BYTES:
            return response
        cached = gzip_bytes(body)
        if static_file and etag:
            _static_bodies.put(etag, cached)
    else:
        response.direct_passthrough = False
        close = getattr(response.response, "close", None)
        if close is not None:
            close()  # the file send_file opened, not read: its compressed body is cached
    response.set_data(cached)
    response.headers["Content-Encoding"] = "gzip"
    if etag and not weak:
        # The same content in another coding: a weak validator, which If-None-Match still matches.
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    # Registered first so that it runs last: every other after_request sees the plain body.
    app.after_request_funcs.setdefault(None, []).insert(0, compress_response)
