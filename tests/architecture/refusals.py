"""Where views catch a `DomainError` by hand instead of running the service through `call_service`."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath

from tests.architecture.floors import Violation


def is_views_module(path: str) -> bool:
    """`views.py`, `admin_views.py`, `views_extra.py` …: the modules that turn HTTP into a service call."""
    name = PurePosixPath(path).stem
    return name == "views" or name.endswith("_views") or name.startswith("views_")


def _names_domain_error(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Tuple):
        return any(_names_domain_error(element) for element in node.elts)
    return (isinstance(node, ast.Name) and node.id == "DomainError") or (
        isinstance(node, ast.Attribute) and node.attr == "DomainError"
    )


def _handlers(source: str) -> Iterator[ast.ExceptHandler]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler):
            yield node


def hand_caught_refusals(sources: Mapping[str, str]) -> list[Violation]:
    """Every `except DomainError` (alone, in a tuple, or as `errors.DomainError`) in a views module."""
    return [
        Violation(path, handler.lineno, "catches DomainError by hand: run the service through call_service")
        for path, source in sorted(sources.items())
        if is_views_module(path)
        for handler in _handlers(source)
        if _names_domain_error(handler.type)
    ]
