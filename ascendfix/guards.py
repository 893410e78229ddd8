"""Is a statement guarded? Shared by the import checker and the codemods (stdlib ``ast`` only).

A statement is *guarded* when it sits where a failure to import (or an API that is missing) is expected and
handled:

- in the body of a ``try`` whose ``except`` catches ``ImportError`` (or ``ModuleNotFoundError``, ``Exception``,
  ``BaseException``, a bare ``except``) — :func:`catches`, with the exception names as a parameter;
- in the branch of an ``if`` that runs only under a type checker (the body of ``if TYPE_CHECKING:``, the ``else``
  of ``if not TYPE_CHECKING:``) — :func:`type_checking_branch`; :func:`if_kind` answers ``"type_checking"`` for
  the first form;
- in either branch of an ``if`` that tests a version or an availability (``sys.version_info >= ...``,
  ``is_torch_available()``, ``PY3``-style names with "version"/"available") — ``"conditional"``.

:func:`walk` visits a statement list the way Python runs it and yields every statement with whether it is
guarded and whether it runs when the module is imported (not inside a function body).
"""

import ast
import re

# what `except` must catch for an import failure to be handled
IMPORT_ERROR_CATCHERS = frozenset(["ImportError", "ModuleNotFoundError", "Exception", "BaseException"])

TRY_TYPES = tuple(t for t in (getattr(ast, "Try", None), getattr(ast, "TryStar", None)) if t is not None)
MATCH = getattr(ast, "Match", None)

_VERSION_WORD = re.compile(r"version|_available$|^available", re.I)


def _is_type_checking_flag(node):
    return (isinstance(node, ast.Name) and node.id == "TYPE_CHECKING") or (
        isinstance(node, ast.Attribute) and node.attr == "TYPE_CHECKING")  # typing.TYPE_CHECKING, t.TYPE_CHECKING


def type_checking_branch(test):
    """Which branch of an ``if`` runs only under a type checker (never when the program runs), for its test:
    ``"body"`` for ``if TYPE_CHECKING:`` (and ``typing.TYPE_CHECKING``, ``TYPE_CHECKING and ...``), ``"orelse"``
    for ``if not TYPE_CHECKING:`` (whose body is what runs), None when both branches can run
    (``if TYPE_CHECKING or ...:``, no TYPE_CHECKING at all)."""
    if _is_type_checking_flag(test):
        return "body"
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return "body" if any(type_checking_branch(v) == "body" for v in test.values) else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return {"body": "orelse", "orelse": "body"}.get(type_checking_branch(test.operand))
    return None


def if_kind(test):
    """``"type_checking"`` (the body runs only under a type checker: ``if TYPE_CHECKING:``), ``"conditional"``
    (a version or availability test) or None, for the test expression of an ``if``. ``if not TYPE_CHECKING:``
    is not "type_checking": its body runs (:func:`type_checking_branch` tells which branch never does)."""
    if type_checking_branch(test) == "body":
        return "type_checking"
    for node in ast.walk(test):
        ident = None
        if isinstance(node, ast.Name):
            ident = node.id
        elif isinstance(node, ast.Attribute):
            ident = node.attr
        if ident is not None and _VERSION_WORD.search(ident):
            return "conditional"
    return None


def catches(handlers, names=IMPORT_ERROR_CATCHERS):
    """Does one of a ``try``'s ``except`` handlers catch any of ``names`` (a bare ``except`` catches all)?"""
    for h in handlers:
        if h.type is None:
            return True
        types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        for t in types:
            name = t.id if isinstance(t, ast.Name) else (t.attr if isinstance(t, ast.Attribute) else None)
            if name in names:
                return True
    return False


def walk(stmts, guarded=False, toplevel=True):
    """Yield ``(statement, guarded, toplevel)`` for every statement of ``stmts`` and of the bodies nested in it,
    in source order.

    ``toplevel`` is False inside a function body (it runs when called, not when the module is imported);
    class bodies keep their context. Both branches of an ``if`` are guarded by a version/availability test, the
    branch that runs only under a type checker (:func:`type_checking_branch`) always; ``try`` bodies when an ``except`` catches
    ImportError or broader (its handlers, ``else`` and ``finally`` are not).
    """
    for node in stmts:
        yield node, guarded, toplevel
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for item in walk(node.body, guarded, False):
                yield item
        elif isinstance(node, ast.ClassDef):
            for item in walk(node.body, guarded, toplevel):
                yield item
        elif isinstance(node, ast.If):
            kind, tc = if_kind(node.test), type_checking_branch(node.test)
            for item in walk(node.body, guarded or kind == "conditional" or tc == "body", toplevel):
                yield item
            for item in walk(node.orelse, guarded or kind == "conditional" or tc == "orelse", toplevel):
                yield item
        elif isinstance(node, TRY_TYPES):
            for item in walk(node.body, guarded or catches(node.handlers), toplevel):
                yield item
            for h in node.handlers:
                for item in walk(h.body, guarded, toplevel):
                    yield item
            for part in (node.orelse, node.finalbody):
                for item in walk(part, guarded, toplevel):
                    yield item
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in walk(node.body, guarded, toplevel):
                yield item
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            for part in (node.body, node.orelse):
                for item in walk(part, guarded, toplevel):
                    yield item
        elif MATCH is not None and isinstance(node, MATCH):
            for case in node.cases:
                for item in walk(case.body, guarded, toplevel):
                    yield item
