"""Views run their services through `lms.core.service_calls.call_service`: none catches a `DomainError` by hand."""

from __future__ import annotations

from tests.architecture.refusals import hand_caught_refusals, is_views_module
from tests.architecture.test_floors import LMS, read_tree


def test_no_views_module_in_lms_catches_a_domain_error_by_hand():
    sources = read_tree(LMS)
    assert any(is_views_module(path) for path in sources)
    violations = hand_caught_refusals(sources)
    assert not violations, "\n".join(map(str, violations))


# --- the checker itself ----------------------------------------------------------------------------------------


def test_every_form_of_catching_a_domain_error_in_a_views_module_is_reported_with_its_line():
    source = (
        "from lms.core import errors\n"
        "from lms.core.errors import DomainError\n"
        "def a():\n"
        "    try:\n"
        "        run()\n"
        "    except DomainError as error:\n"
        "        flash(error)\n"
        "def b():\n"
        "    try:\n"
        "        run()\n"
        "    except (KeyError, errors.DomainError):\n"
        "        pass\n"
    )
    assert [str(v) for v in hand_caught_refusals({"lms/quizzes/admin_views.py": source})] == [
        "lms/quizzes/admin_views.py:6: catches DomainError by hand: run the service through call_service",
        "lms/quizzes/admin_views.py:11: catches DomainError by hand: run the service through call_service",
    ]


def test_other_modules_and_other_exceptions_are_left_alone():
    catching = "try:\n    run()\nexcept DomainError:\n    pass\n"
    assert not hand_caught_refusals({"lms/core/service_calls.py": catching, "lms/quizzes/api.py": catching})
    assert not hand_caught_refusals({"lms/quizzes/views.py": "try:\n    run()\nexcept ValueError:\n    pass\n"})


def test_which_modules_are_views_modules():
    views = ["lms/quizzes/views.py", "lms/courses/cohort_admin_views.py", "lms/records/views_extra.py"]
    others = ["lms/quizzes/api.py", "lms/courses/reviews.py", "lms/core/service_calls.py"]
    assert [path for path in views + others if is_views_module(path)] == views
