"""Every audit action `lms/` writes has a sentence registered by its feature (read from the source with `ast`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms import create_app
from lms.core.audit import AUDIT_SENTENCES
from tests.architecture.audit_actions import audit_actions
from tests.architecture.floors import read_tree

LMS = Path(__file__).resolve().parents[2] / "lms"


@pytest.fixture(scope="module")
def registered() -> set[str]:
    """The actions with a sentence once the application has connected its features (as a server does)."""
    create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    return set(AUDIT_SENTENCES)


def test_every_audit_action_written_in_lms_has_a_sentence(registered):
    found = audit_actions(read_tree(LMS))
    assert not found.unknown, "\n".join(found.unknown)
    missing = {action: where for action, where in found.actions.items() if action not in registered}
    assert not missing, "no audit sentence for:\n" + "\n".join(f"{a} ({', '.join(w)})" for a, w in missing.items())
    # The dynamic ones were followed to their literals, not skipped.
    assert {"certificate.revoke", "certificate.issue", "signing_key.rotate", "course.lesson_move",
            "user.platform_admin_revoke", "enrolment.decline", "activity.reject"} <= set(found.actions)  # fmt: skip
    assert len(found.actions) >= 80


def test_no_sentence_waits_for_an_action_nothing_writes(registered):
    written = set(audit_actions(read_tree(LMS)).actions)
    assert registered <= written, sorted(registered - written)


# --- the reader itself ----------------------------------------------------------------------------------------------


FAKE = """
from lms.core.audit import record_audit

def literal(actor, obj):
    record_audit(actor, "fake.literal", obj, 1, reason="x")

def chosen(actor, obj, on):
    record_audit(actor, "fake.on" if on else "fake.off", obj)

def assigned(actor, obj, on):
    action = "fake.grant" if on else "fake.revoke"
    record_audit(actor, action, obj)

def _wrapper(actor, obj, action: str = "fake.default", **details):
    record_audit(actor, action, obj, **details)

def callers(actor, obj):
    _wrapper(actor, obj)
    _wrapper(actor, obj, action="fake.keyword")
    _wrapper(actor, obj, "fake.positional")

def bulk(rows):
    return [{"action": "fake.bulk", "object_type": "Thing", "object_id": "1"} for _ in rows]
"""


def test_the_reader_follows_literals_conditions_locals_and_wrappers():
    found = audit_actions({"lms/fake/services.py": FAKE})
    assert not found.unknown
    assert set(found.actions) == {
        "fake.literal", "fake.on", "fake.off", "fake.grant", "fake.revoke", "fake.default", "fake.keyword",
        "fake.positional", "fake.bulk",
    }  # fmt: skip


def test_an_unknown_action_fails_the_check(registered):
    source = 'from lms.core.audit import record_audit\ndef f(a, o):\n    record_audit(a, "certificate.vanish", o)\n'
    found = audit_actions({"lms/fake/services.py": source})
    assert [a for a in found.actions if a not in registered] == ["certificate.vanish"]
    assert found.actions["certificate.vanish"] == ["lms/fake/services.py:3"]


@pytest.mark.parametrize(
    "action",
    ['f"certificate.{kind}"', "ACTIONS[kind]", "kind.value"],
)
def test_an_action_the_reader_cannot_tell_is_reported(action):
    source = f"from lms.core.audit import record_audit\ndef f(a, o, kind):\n    record_audit(a, {action}, o)\n"
    found = audit_actions({"lms/fake/services.py": source})
    assert not found.actions
    assert len(found.unknown) == 1 and found.unknown[0].startswith("lms/fake/services.py:3")
