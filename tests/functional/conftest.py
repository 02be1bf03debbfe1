"""Fixtures of the functional tests that scan certificates and tell the verify view's answers from the fast path's
(lms.certificates.verify_fast_path): a module uses `own_verify_state` for all its tests with
`pytestmark = pytest.mark.usefixtures("own_verify_state")`."""

from __future__ import annotations

import pytest

from lms.certificates import verify_skeleton, verify_views
from lms.certificates.verify_fast_path import ENDPOINT as VIEW
from lms.core.lru import LruCache


@pytest.fixture
def own_verify_state(app, tmp_path, monkeypatch):
    """A key store of this test's own, and nothing kept from other tests' scans."""
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setattr(verify_views, "_pages", LruCache(verify_views.PAGE_CACHE_SIZE))
    monkeypatch.setattr(verify_skeleton, "_skeletons", LruCache(verify_skeleton.SKELETON_CACHE_SIZE))


@pytest.fixture
def view_calls(app, monkeypatch):
    """The scans the verify view answered (the rest were answered by the fast path, before Flask)."""
    calls = []
    view = app.view_functions[VIEW]

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, VIEW, counted)
    return calls
