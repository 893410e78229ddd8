"""Statements of a file's stdlib ``ast``, numbered in pre-order, with their parents.

A codemod's scan uses it to go from interesting lines to the statements holding them
(:meth:`StatementIndex.at_lines`) and to visit only those statements' own nodes; the engine's
:class:`ascendfix.apply.source.SourceEdit` uses it to find the whole lines libcst must see around a
statement. Compound statements' child statements are numbered after them (``elif`` is a nested
``If``; ``except`` bodies belong to their ``Try``).
"""

import ast
import bisect

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
    """Statements of an ``ast.Module`` numbered in pre-order, with their parents."""

    def __init__(self, tree):
        self.nodes = []
        self.parents = []
        self._number(tree.body, -1)
        self._pos = {id(n): i for i, n in enumerate(self.nodes)}
        self._children = None

    @classmethod
    def of(cls, tree):
        """The index of ``tree``, built once and shared by every codemod and the engine (cached on the tree)."""
        idx = getattr(tree, "_ascendfix_stmts", None)
        if idx is None:
            idx = cls(tree)
            tree._ascendfix_stmts = idx  # holds the statements, not the tree: no reference cycle
        return idx

    def position(self, stmt):
        """Index of the ``ast`` statement ``stmt`` (KeyError when it is not a statement of this tree)."""
        return self._pos[id(stmt)]

    def children(self, i):
        """Indices of the statements whose parent is ``i`` (-1: the module's top-level statements)."""
        if self._children is None:
            kids = {}
            for j, p in enumerate(self.parents):
                kids.setdefault(p, []).append(j)
            self._children = kids
        return self._children.get(i, [])

    def _number(self, stmts, parent):
        for s in stmts:
            i = len(self.nodes)
            self.nodes.append(s)
            self.parents.append(parent)
            for lst in _child_stmt_lists(s):
                self._number(lst, i)

    def needed(self, indices):
        """The given statement indices plus all their ancestors."""
        out = set()
        for i in indices:
            while i is not None and i >= 0 and i not in out:
                out.add(i)
                i = self.parents[i]
        return out

    def at_lines(self, lines):
        """Indices of statements whose span (first decorator or lineno..end_lineno) contains one of ``lines``."""
        lines = sorted(set(lines))
        out = []
        for i, n in enumerate(self.nodes):
            lo, hi = n.lineno, getattr(n, "end_lineno", n.lineno) or n.lineno
            decorators = getattr(n, "decorator_list", None)
            if decorators:  # a def's lineno is its `def` line; its decorators come before
                lo = min([lo] + [d.lineno for d in decorators])
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
