"""The floors of `lms/` and the rules that keep them: read every import with `ast`, never run the code.

A package may import its own modules and the packages on lower floors; never a higher floor, never a sibling on its
own floor (siblings meet only through the floor below: a registry or a domain event). The API, the command line and
the application factory stand on top. A module over `MAX_LINES` lines needs a written reason in `LONG_MODULES`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Lowest first. `core` also holds the unbound extensions and the configuration; `jobs` is plumbing like the core
# (features define their jobs on it, it knows no feature).
FLOORS: list[set[str]] = [
    {"core", "extensions", "config", "jobs"},
    {"accounts"},
    {"courses"},
    {"quizzes", "attendance"},
    {"certificates", "instruments"},
    {"records"},
    {"notifications", "reports", "search"},
    {"api", "cli", "__init__"},
]

MAX_LINES = 600

LONG_MODULES: dict[str, str] = {
    "lms/courses/files.py": "the course-file format in one place: reader, validator and writer share its grammar "
    "and every `file:line` message, so that what the writer emits the reader accepts",
    "lms/certificates/layouts.py": "the two printed layouts drawn with ReportLab, coordinate by coordinate; split "
    "by layout they would repeat the shared frame, QR and signature drawing",
}


def floor_of(package: str) -> int:
    for number, packages in enumerate(FLOORS):
        if package in packages:
            return number
    raise KeyError(f"package lms.{package} is on no floor: add it to FLOORS in tests/architecture/floors.py")


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.message}"


def package_of(module_path: str) -> str:
    """`lms/quizzes/services/bank.py` → "quizzes"; `lms/cli.py` → "cli"; `lms/__init__.py` → "__init__"."""
    parts = Path(module_path).with_suffix("").parts
    return parts[1]


def imported_packages(source: str, module_path: str) -> Iterable[tuple[str, int]]:
    """The `lms` packages a module imports (at any depth: lazy imports count), with the line of each import."""
    tree = ast.parse(source, filename=module_path)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "lms":  # `from lms import quizzes` names a package; `from lms import create_app` the root
                known = set().union(*FLOORS)
                names = [f"lms.{alias.name if alias.name in known else '__init__'}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            continue  # relative: inside its own package
        for name in names:
            parts = name.split(".")
            if parts[0] == "lms" and len(parts) > 1:
                yield parts[1], node.lineno


def check_sources(sources: Mapping[str, str]) -> list[Violation]:
    """Every import that reaches up a floor or sideways to a sibling, and every package cycle."""
    violations = []
    edges: dict[str, set[str]] = {}
    for module_path, source in sorted(sources.items()):
        package = package_of(module_path)
        for imported, line in imported_packages(source, module_path):
            if imported == package:
                continue
            if floor_of(imported) != floor_of(package) or floor_of(package) not in (0, len(FLOORS) - 1):
                # The plumbing floor and the top floor are each one unit: their members may use one another.
                edges.setdefault(package, set()).add(imported)
            if floor_of(imported) > floor_of(package):
                violations.append(Violation(module_path, line, f"lms.{package} reaches up to lms.{imported}"))
            elif floor_of(imported) == floor_of(package) and floor_of(package) not in (0, len(FLOORS) - 1):
                violations.append(Violation(module_path, line, f"lms.{package} imports its sibling lms.{imported}"))
    violations += [Violation(cycle[0], 0, "package cycle: " + " → ".join(cycle)) for cycle in package_cycles(edges)]
    return violations


def package_cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Each cycle of the package graph once (a depth-first search that reports back edges)."""
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def long_modules(sizes: Mapping[str, int]) -> list[Violation]:
    return [
        Violation(path, MAX_LINES, f"{lines} lines: split it by concern or give the reason in LONG_MODULES")
        for path, lines in sorted(sizes.items())
        if lines > MAX_LINES and path not in LONG_MODULES
    ]


def read_tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root.parent)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
