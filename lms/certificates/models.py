"""Tables of the certificates feature."""

from __future__ import annotations
