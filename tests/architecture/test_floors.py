"""The house keeps its floors: no upward or sideways import, no package cycle, no unexplained long module."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.floors import LONG_MODULES, MAX_LINES, check_sources, long_modules, read_tree

LMS = Path(__file__).resolve().parents[2] / "lms"


def test_no_module_in_lms_reaches_up_or_sideways_and_packages_form_no_cycle():
    violations = check_sources(read_tree(LMS))
    assert not violations, "\n".join(map(str, violations))


def test_no_module_in_lms_is_longer_than_the_limit_without_a_reason():
    sizes = {path: source.count("\n") for path, source in read_tree(LMS).items()}
    assert not long_modules(sizes), "\n".join(map(str, long_modules(sizes)))
    # Reasons are for modules that are really long: a module that shrank loses its entry.
    assert all(sizes.get(path, 0) > MAX_LINES for path in LONG_MODULES), "LONG_MODULES lists a short module"


def test_the_core_knows_no_feature_and_lower_features_never_import_records():
    sources = read_tree(LMS)
    for path, source in sources.items():
        if path.startswith(("lms/certificates/", "lms/quizzes/", "lms/attendance/", "lms/courses/")):
            assert "lms.records" not in source, path
    assert not [v for v in check_sources(sources) if v.module.startswith("lms/core/")]


# --- the checker itself ----------------------------------------------------------------------------------------


def test_an_upward_import_is_reported_with_its_line():
    sources = {
        "lms/certificates/services/issuance.py": "from lms.courses.models import Course\n"
        "def f():\n    from lms.records.services import post\n",
        "lms/records/services.py": "import lms.certificates.models\n",
    }
    assert [str(v) for v in check_sources(sources)] == [
        "lms/certificates/services/issuance.py:3: lms.certificates reaches up to lms.records",
        "certificates:0: package cycle: certificates → records → certificates",
    ]


def test_a_core_module_importing_a_feature_is_reported():
    violations = check_sources({"lms/core/permissions.py": "from lms.accounts.models import User\n"})
    assert [str(v) for v in violations] == ["lms/core/permissions.py:1: lms.core reaches up to lms.accounts"]


def test_siblings_on_one_floor_do_not_import_each_other():
    violations = check_sources({"lms/quizzes/views.py": "from lms import attendance\n"})
    assert [str(v) for v in violations] == ["lms/quizzes/views.py:1: lms.quizzes imports its sibling lms.attendance"]


def test_a_package_cycle_is_reported():
    from tests.architecture.floors import package_cycles

    assert package_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_a_long_module_needs_a_reason():
    assert [v.module for v in long_modules({"lms/x.py": MAX_LINES + 1, "lms/y.py": MAX_LINES})] == ["lms/x.py"]


def test_no_label_table_in_a_views_or_forms_module():
    """An enum's words live in its `.label` (pages, CSVs, e-mails and audit sentences read them there)."""
    import re

    tables = [
        f"{path}: {name}"
        for path, source in read_tree(LMS).items()
        if path.endswith(("views.py", "forms.py"))
        for name in re.findall(r"^([A-Z_]*LABELS) = ", source, flags=re.M)
    ]
    assert not tables, tables
