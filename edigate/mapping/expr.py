"""Computed values: jinja2 expressions run in an immutable sandbox, compiled once at load.

An expression sees ``value`` (the text its ``from`` path read, or None), ``el(path)``
(any element in the same loop, as text) and the map's tables through ``code(table, key)``
and ``xref(table, key)``. Names starting with ``_`` are refused when the map is loaded,
so ``''.__class__.__mro__`` is a configuration error with the map's file:line; anything
the sandbox still stops at run time is raised as a `ConfigError` naming the same line.
Each evaluation runs within `edigate.mapping.sandbox.Limits` (size, steps, time); going past
them, dividing by zero or an overflow is an `ExpressionFailed` naming the file:line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import DecimalException
from typing import Any

from jinja2 import TemplateError, nodes
from jinja2.exceptions import SecurityError

from edigate.config.schema import did_you_mean
from edigate.errors import ConfigError, ConfigProblem, DataError
from edigate.mapping.sandbox import BUDGET, Budget, Limits, environment

__all__ = ["Expression", "ExpressionFailed", "compile_expression", "el_arguments"]


class Expression:
    """One compiled expression and where it was written, callable with a context."""

    __slots__ = ("_fn", "file", "limits", "line", "path", "text")

    def __init__(self, text: str, file: str, line: int | None, path: str,
                 fn: Callable[..., Any], limits: Limits = Limits()) -> None:
        self.text = text
        self.file = file
        self.line = line
        self.path = path
        self._fn = fn
        self.limits = limits

    def __call__(self, context: Mapping[str, Any]) -> Any:
        """The value; `ConfigError` if the sandbox refuses, `ExpressionFailed` if the data
        makes it fail (``Decimal('abc')``), which callers report as a finding."""
        try:
            return self._fn(**context, **{BUDGET: Budget(self.limits)})
        except SecurityError as exc:
            raise self.error(f"expression refused by the sandbox: {exc}") from exc
        except (TemplateError, ArithmeticError, ValueError, TypeError, LookupError, MemoryError,
                RecursionError) as exc:
            raise ExpressionFailed(f"{self.where}: expression {self.text!r} failed: {_why(exc)}") from exc

    @property
    def where(self) -> str:
        """``file:line: path``, as configuration problems are located."""
        return str(ConfigProblem(self.file, self.line, self.path, "")).removesuffix(": ")

    def error(self, message: str) -> ConfigError:
        return ConfigError([ConfigProblem(self.file, self.line, self.path, message)])


def _why(exc: BaseException) -> str:
    if isinstance(exc, DecimalException):  # its text is a list of signal classes
        return f"decimal {type(exc).__name__.lower().replace('divisionbyzero', 'division by zero')}"
    return str(exc) or type(exc).__name__


class ExpressionFailed(DataError):
    """An expression could not compute a value from this input (not a map mistake)."""

    code = "map.expr"


def compile_expression(text: str, file: str, line: int | None, path: str,
                       names: frozenset[str] = frozenset({"value"}),
                       check: Callable[[nodes.Node], str | None] | None = None,
                       limits: Limits = Limits()) -> Expression:
    """Compile ``text``; raise `ConfigError` (file:line) for bad syntax, private names,
    names other than ``names`` and the globals, or what ``check`` says of the tree."""
    problem = ConfigProblem(file, line, path, "")
    env = environment(limits)
    try:
        tree = env.parse("{{ " + text + " }}")
    except TemplateError as exc:
        problem.message = f"invalid expression {text!r}: {exc}"
        raise ConfigError([problem]) from exc
    private = _private_name(tree)
    if private is not None:
        problem.message = (f"expression {text!r} uses {private!r}: names starting with '_' "
                           "are not allowed in map expressions (sandbox)")
        raise ConfigError([problem])
    message = _unknown_name(tree, names) or _unknown_filter(tree) or (check(tree) if check else None)
    if message is not None:
        problem.message = f"expression {text!r}: {message}"
        raise ConfigError([problem])
    try:  # unknown filters and tests are found only when the tree is compiled
        fn = env.compile_expression(text, undefined_to_none=True)
    except TemplateError as exc:
        problem.message = f"expression {text!r}: {exc.message or exc}"
        raise ConfigError([problem]) from exc
    return Expression(text, file, line, path, fn, limits)


def el_arguments(tree: nodes.Node) -> Iterator[str | None]:
    """The path of each ``el(...)`` call in a parsed expression; None where it is not one string."""
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "el":
            arg = call.args[0] if len(call.args) == 1 else None
            yield arg.value if isinstance(arg, nodes.Const) and isinstance(arg.value, str) else None


def _unknown_name(tree: nodes.Node, names: frozenset[str]) -> str | None:
    known = names | set(environment().globals)
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in known:
            return f"unknown name {node.name!r}{did_you_mean(node.name, sorted(known))}"
    return None


def _unknown_filter(tree: nodes.Node) -> str | None:
    """A misspelt filter or test anywhere, even in a branch jinja2 would only check when it
    runs (``value | titel if value``): a map mistake, said with its file:line at load."""
    env = environment()
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        kind, known = ("filter", env.filters) if isinstance(node, nodes.Filter) else ("test", env.tests)
        if node.name not in known:
            return f"unknown {kind} {node.name!r}{did_you_mean(node.name, sorted(known))}"
    return None


def _private_name(tree: nodes.Node) -> str | None:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name, nodes.Const)):
        name = _name_of(node)
        if name is not None and name.startswith("_"):
            return name
    return None


def _name_of(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    if isinstance(node, nodes.Name):
        return str(node.name)
    if isinstance(node, nodes.Const):  # attr('__class__'), map(attribute='__x__') ...
        value = node.value
        return value if isinstance(value, str) and value.startswith("__") else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        value = node.arg.value
        return value if isinstance(value, str) else None
    return None
