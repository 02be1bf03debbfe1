"""The requirement registry: eligibility stops at the first open rule without asking later providers."""

from __future__ import annotations

from lms.courses import requirements
from lms.courses.requirements import Requirement, first_unmet, requirements_for, unmet


def test_first_unmet_stops_at_the_first_open_rule(monkeypatch):
    asked = []

    def provider(name, met):
        def provide(enrolment):
            asked.append(name)
            return [Requirement(name, name, met, f"{name} detail")]

        return provide

    monkeypatch.setattr(
        requirements,
        "_PROVIDERS",
        [(0, provider("lessons", True)), (20, provider("post_test", False)), (30, provider("attendance", False))],
    )
    assert first_unmet(object()).key == "post_test"
    assert asked == ["lessons", "post_test"]  # attendance was never computed
    assert [r.key for r in unmet(requirements_for(object()))] == ["post_test", "attendance"]


def test_information_only_rules_never_block(monkeypatch):
    monkeypatch.setattr(
        requirements, "_PROVIDERS", [(20, lambda e: [Requirement("pre_test", "Pre-test", None, "Score 40")])]
    )
    assert first_unmet(object()) is None
