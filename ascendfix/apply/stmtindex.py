"""Let a libcst transform visit only the statements an ``ast`` scan found interesting.

libcst nodes carry no line numbers (PositionProvider costs more than the parse), and a full
``CSTTransformer`` pass over a big modeling file costs about as much as parsing it. But the
statements of a file appear in the same pre-order in both trees: every ``ast.stmt`` is exactly one
libcst ``BaseSmallStatement`` or ``BaseCompoundStatement`` (``a; b`` is two small statements in one
``SimpleStatementLine``; ``elif`` is a nested ``If`` in both). So a scan numbers the statements,
marks those holding a site (and their ancestors), and the transformer skips every other statement
subtree by counting. Node types are compared on the way; any mismatch raises :class:`Desync` and
the caller falls back to a full visit.

Usage in a codemod::

    idx = StatementIndex(tree)                     # in scan()
    needed = idx.needed(idx.enclosing(node) for node in sites)
    ...
    class T(PrunedTransformer): ...                 # in transform()
    new = module.visit(T(idx, needed))             # except Desync: full visit
"""

import ast
import bisect

import libcst as cst

# ast statement type name -> libcst class name (where they differ)
_CST_NAME = {
    "AsyncFunctionDef": "FunctionDef",
    "AsyncFor": "For",
    "AsyncWith": "With",
    "Delete": "Del",
}
_BODY_FIELDS = ("body", "orelse", "finalbody")


class Desync(Exception):
    """The ast and libcst statement sequences disagree; visit the whole module instead."""


def _child_stmt_lists(stmt):
    # same order as libcst visits them: body, handlers, orelse, finalbody / cases
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith)):
        return [stmt.body]
    if isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        return [stmt.body] + [h.body for h in stmt.handlers] + [stmt.orelse, stmt.finalbody]
    if type(stmt).__name__ == "Match":
        return [c.body for c in stmt.cases]
    return []


class StatementIndex:
    """Statements of an ``ast.Module`` numbered in pre-order, with subtree sizes and parents."""

    def __init__(self, tree):
        self.nodes = []
        self.sizes = []
        self.parents = []
        self.names = []
        self._number(tree.body, -1)
        self._starts = [getattr(n, "lineno", 0) for n in self.nodes]
        self._pos = {id(n): i for i, n in enumerate(self.nodes)}

    def _number(self, stmts, parent):
        for s in stmts:
            i = len(self.nodes)
            self.nodes.append(s)
            self.sizes.append(0)
            self.parents.append(parent)
            name = type(s).__name__
            self.names.append(_CST_NAME.get(name, name))
            for lst in _child_stmt_lists(s):
                self._number(lst, i)
            self.sizes[i] = len(self.nodes) - i - 1

    def needed(self, indices):
        """The given statement indices plus all their ancestors."""
        out = set()
        for i in indices:
            while i is not None and i >= 0 and i not in out:
                out.add(i)
                i = self.parents[i]
        return out

    def at_lines(self, lines):
        """Indices of statements whose own span (lineno..end_lineno) contains one of ``lines``."""
        lines = sorted(set(lines))
        out = []
        for i, n in enumerate(self.nodes):
            lo, hi = n.lineno, getattr(n, "end_lineno", n.lineno) or n.lineno
            k = bisect.bisect_left(lines, lo)
            if k < len(lines) and lines[k] <= hi:
                out.append(i)
        return out

    def own_nodes(self, i):
        """The ast nodes of statement ``i`` itself, excluding its child statements (ast.walk order)."""
        stmt = self.nodes[i]
        children = _child_stmt_lists(stmt)
        if not children:
            for n in ast.walk(stmt):
                yield n
            return
        skip = set(id(s) for lst in children for s in lst)
        stack = [stmt]
        while stack:
            n = stack.pop()
            yield n
            for c in ast.iter_child_nodes(n):
                if id(c) in skip:
                    continue
                if isinstance(c, ast.excepthandler) or type(c).__name__ == "match_case":
                    # their bodies are child statements; keep type/name/pattern/guard
                    for cc in ast.iter_child_nodes(c):
                        if id(cc) not in skip:
                            stack.append(cc)
                    continue
                stack.append(c)


class PrunedTransformer(cst.CSTTransformer):
    """A CSTTransformer that only descends into statements in ``needed`` (others are kept as-is)."""

    def __init__(self, index=None, needed=None):
        super().__init__()
        self._index = index
        self._needed = needed
        self._counter = 0

    def on_visit(self, node):
        if self._index is not None and isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            i = self._counter
            if i >= len(self._index.names) or self._index.names[i] != type(node).__name__:
                raise Desync("statement {} is {} in libcst, {} in ast".format(
                    i, type(node).__name__, self._index.names[i] if i < len(self._index.names) else "missing"))
            self._counter += 1
            if i not in self._needed:
                self._counter += self._index.sizes[i]
                return False
        return super().on_visit(node)
