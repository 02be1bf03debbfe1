"""Every audit action `lms/` can write, read from the source with `ast` (never by running it).

An action is the second argument (or `action=`) of a `record_audit(...)` call, or the "action" of a row dict that also
names an "object_type" (a bulk insert into the audit table). A literal is taken as it is; `a if c else b` gives both;
a local name gives what it is assigned; a parameter gives its default and what every call of its function passes
(followed through wrappers such as `_audit_issue(..., action="...")`). Anything else — an f-string, a lookup in a
mapping, a `**kwargs` call — cannot be told and is reported, so the caller writes literals instead.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Found:
    actions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    """Each action and where it is written (`path:line`)."""
    unknown: list[str] = field(default_factory=list)
    """Calls whose action cannot be told from the source, with the reason."""


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


class _Module:
    def __init__(self, path: str, tree: ast.Module):
        self.path, self.tree = path, tree
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None


class _Reader:
    def __init__(self, sources: Mapping[str, str]):
        self.modules = [_Module(path, ast.parse(source)) for path, source in sources.items()]
        self.calls: dict[str, list[tuple[_Module, ast.Call]]] = defaultdict(list)
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Call) and _name(node.func):
                    self.calls[_name(node.func)].append((module, node))

    def values(self, expr: ast.expr, module: _Module, depth: int = 0) -> tuple[set[str], list[str]]:
        """The strings `expr` can be, and why some cannot be told."""
        where = f"{module.path}:{expr.lineno}"
        if depth > 5:
            return set(), [f"{where}: followed too far"]
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}, []
        if isinstance(expr, ast.IfExp):
            body, body_unknown = self.values(expr.body, module, depth)
            other, other_unknown = self.values(expr.orelse, module, depth)
            return body | other, body_unknown + other_unknown
        if isinstance(expr, ast.Name):
            return self._name_values(expr, module, depth)
        return set(), [f"{where}: the action is {ast.unparse(expr)!r}; write it as a literal"]

    def _name_values(self, expr: ast.Name, module: _Module, depth: int) -> tuple[set[str], list[str]]:
        where = f"{module.path}:{expr.lineno}"
        function = module.function_of(expr)
        if function is None:
            return set(), [f"{where}: {expr.id} is not a local name"]
        assigned = [
            node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
        ]
        if assigned:
            return self._union(self.values(value, module, depth + 1) for value in assigned)
        parameters = [*function.args.posonlyargs, *function.args.args]
        names = [p.arg for p in parameters]
        keyword_only = [p.arg for p in function.args.kwonlyargs]
        if expr.id not in names and expr.id not in keyword_only:
            return set(), [f"{where}: cannot tell where {expr.id} comes from"]
        found: list[tuple[set[str], list[str]]] = []
        default = self._default(function, expr.id)
        if default is not None:
            found.append(self.values(default, module, depth + 1))
        position = names.index(expr.id) if expr.id in names else 10**6
        callers = self.calls.get(function.name, [])
        if function.name.startswith("_"):  # a private helper is called from its own module only
            callers = [(m, c) for m, c in callers if m is module]
        if not callers and default is None:
            return set(), [f"{where}: nothing calls {function.name} with {expr.id}"]
        for caller_module, call in callers:
            value = _argument(call, position, expr.id)
            spread = any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)
            if value is None and spread:
                found.append((set(), [f"{caller_module.path}:{call.lineno}: {function.name} called with * or **"]))
            if value is None:
                continue  # the default holds, counted above
            found.append(self.values(value, caller_module, depth + 1))
        return self._union(found)

    @staticmethod
    def _default(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
        positional = [*function.args.posonlyargs, *function.args.args]
        defaults: dict[str, ast.expr] = {}
        if function.args.defaults:
            tail = positional[-len(function.args.defaults) :]
            defaults.update((p.arg, d) for p, d in zip(tail, function.args.defaults, strict=True))
        for parameter, default in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True):
            if default is not None:
                defaults[parameter.arg] = default
        return defaults.get(name)

    @staticmethod
    def _union(results) -> tuple[set[str], list[str]]:
        values: set[str] = set()
        unknown: list[str] = []
        for found, problems in results:
            values |= found
            unknown += problems
        return values, unknown


def audit_actions(sources: Mapping[str, str]) -> Found:
    """Every action the sources write to the audit log, and the calls whose action cannot be told."""
    reader = _Reader(sources)
    found = Found()

    def add(expr: ast.expr, module: _Module) -> None:
        values, unknown = reader.values(expr, module)
        for value in values:
            found.actions[value].append(f"{module.path}:{expr.lineno}")
        found.unknown.extend(unknown)

    for module, call in reader.calls.get("record_audit", []):
        action = _argument(call, 1, "action")
        if action is None:
            found.unknown.append(f"{module.path}:{call.lineno}: record_audit without an action")
        else:
            add(action, module)
    for module in reader.modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Dict):
                keys = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)}
                if "action" in keys and "object_type" in keys:
                    add(keys["action"], module)
    return found
