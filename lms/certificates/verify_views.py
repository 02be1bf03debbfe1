"""Public verification pages: the QR's /v/<token> page, the manual number + code form, the published key set."""

from __future__ import annotations

from lms.certificates import bp  # noqa: F401
