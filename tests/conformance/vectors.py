"""Reading tests/data/verification-vectors.json: the cases every verifier (server, CLI, verify.js) must agree on."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from lms.certificates.keys import keyset_from_document
from lms.certificates.token import KeySet
from lms.certificates.verification import LiveStatus

VECTORS_FILE = Path(__file__).resolve().parents[1] / "data" / "verification-vectors.json"


@cache
def document() -> dict:
    return json.loads(VECTORS_FILE.read_text(encoding="utf-8"))


def vectors() -> list[dict]:
    return document()["vectors"]


def key_document(vector: dict) -> dict:
    return document()["key_sets"][vector["key_set"]]


def keyset(vector: dict) -> KeySet:
    return keyset_from_document(key_document(vector))


def moment(vector: dict) -> datetime:
    return datetime.fromisoformat(vector["moment"].replace("Z", "+00:00"))


def lookup(vector: dict):
    """The issuer's status as the vector states it (None: the certificate is not in the issuer's records)."""
    state = vector["status"]

    def status(certificate_id: bytes, now: datetime) -> LiveStatus | None:
        return None if state is None else LiveStatus(state=state, reason="test" if state != "valid" else None)

    return status
