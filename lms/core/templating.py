"""The Jinja environment Lentera's pages render with: Jinja's, with the template code it writes made cheaper."""

from __future__ import annotations

from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

import markupsafe
from flask.templating import Environment
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import Context
from jinja2.utils import _PassArg, internalcode
from markupsafe import Markup, escape

_escape_text = getattr(markupsafe, "_escape_inner", None) or (lambda text: str(escape(text)))
"""MarkupSafe's escaping of a plain str to a plain str (what `escape` does before wrapping the text in Markup)."""


def markup_text(value: Any) -> str:
    """The text `escape(value)` writes into a page, as a plain str: the page joins its pieces into one str anyway,
    so the Markup object `escape` makes (its `__new__` asks `hasattr` again) is work thrown away. A str, a Markup
    and an int take a shortcut; anything else goes through `escape` itself."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is Markup:
        return value
    if kind is int:
        return str(value)  # digits and a minus sign: nothing to escape
    return escape(value)


class LenteraCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing the same pages with fewer calls:

    - Outside a buffer (a page's blocks, not a macro's body), Jinja yields each piece of an output node (the text
      and `{{ … }}` between two tags) separately; a page that extends base.html passes each yield up through every
      template and block it sits in (three generators for a row of the record's history). Here a node's pieces
      are joined and yielded once; so is a block, the parent template and an included one.
    - A `{{ value }}` is escaped with markup_text's shortcuts written into the code, instead of through `escape`.
    - An attribute read (`a.b`) is Python's getattr, with Jinja's `environment.getattr` only where that fails.

    The temporary names these use (`_out_value`, `_ga_object`, …) are assigned with `:=` inside one expression
    and read only within it, so nesting them is safe (an inner one is done before the outer one reads its own).
    """

    def writeline(self, x: str, node: nodes.Node | None = None, extra: int = 0) -> None:
        # A block, the parent template and an included one, rendered whole and yielded once: with `yield from`,
        # each of their pieces resumed every generator around them.
        if x.startswith("yield from "):
            x = f"yield ''.join({x.removeprefix('yield from ')})"
        super().writeline(x, node, extra)

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import markup_text, _escape_text")
        super().visit_Template(node, frame)

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        """`{{ a.b }}` as Python's `getattr(a, "b", missing)`, and only where that finds nothing Jinja's
        `environment.getattr` (which tries it again, then `a["b"]`, then gives the undefined): the same value
        without a Python call for each attribute read (a history row reads a dozen)."""
        if self.environment.is_async or self.environment.sandboxed:
            super().visit_Getattr(node, frame)
            return
        self.write("(_ga_value if (_ga_value := getattr((_ga_object := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr(_ga_object, {node.attr!r}))")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if frame.buffer is not None or (frame.require_output_check and self.has_known_extends):
            super().visit_Output(node, frame)
            return
        body = self._output_body(node, frame)
        if len(body) < 2:
            super().visit_Output(node, frame)
            return
        if frame.require_output_check:
            self.writeline("if parent_template is None:")
            self.indent()
        finalize = self._make_finalize()
        self.writeline("yield ''.join((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
            else:
                self.newline(item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                self.write(",")
        self.outdent()
        self.writeline("))")
        if frame.require_output_check:
            self.outdent()

    def _output_body(self, node: nodes.Output, frame: Frame) -> list:
        """Jinja's grouping of an output node's children (CodeGenerator.visit_Output): runs of constant text as
        lists, the rest as the nodes evaluated when the page renders."""
        finalize = self._make_finalize()
        body: list = []
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except (nodes.Impossible, Exception):
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        return body

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        # markup_text's two shortcuts written out (a Markup as it is, a str escaped), then markup_text itself.
        self.write("(_out_value if (_out_type := type(_out_value := ")
        if finalize.src is not None:
            self.write(finalize.src)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_post(node, frame, finalize)
            return
        if finalize.src is not None:
            self.write(")")
        self.write(")) is Markup else _escape_text(_out_value) if _out_type is str else markup_text(_out_value))")


_PLAIN_CALLABLES = frozenset({FunctionType, MethodType, BuiltinFunctionType})
"""Callables whose `__call__` is a method-wrapper, which never asks for an argument to be passed."""


class LenteraContext(Context):
    """Jinja's template context, with a shortcut for the call a template makes most: a plain function or method
    (`_()`, `url_for`, `csrf_token`, `c.renew_soon(today)`, …). Jinja asks any callable for the argument it wants
    passed (`pass_context` and the like), on the callable and its `__call__`, through three Python functions and
    `hasattr`s, and pops two keywords: eight calls for each. A function's or method's `__call__` never asks for one;
    only its own `jinja_pass_arg` counts (a bound method shows its function's)."""

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names: keywords are free)
        if type(__obj) in _PLAIN_CALLABLES:
            pass_arg = getattr(__obj, "jinja_pass_arg", None)
            if pass_arg is None or pass_arg is _PassArg.eval_context:
                if "_block_vars" in kwargs:
                    del kwargs["_block_vars"]
                if "_loop_vars" in kwargs:
                    del kwargs["_loop_vars"]
                if pass_arg is not None:
                    args = (__self.eval_ctx, *args)
                try:
                    return __obj(*args, **kwargs)
                except StopIteration:
                    return __self.environment.undefined(
                        "value was undefined because a callable raised a StopIteration exception"
                    )
        return super().call(__obj, *args, **kwargs)


class LenteraEnvironment(Environment):
    code_generator_class = LenteraCodeGenerator
    context_class = LenteraContext
