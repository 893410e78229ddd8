"""Binding an expression to a fresh name by a statement inserted before the one holding it.

A rewrite that needs a value twice (``x.dtype`` for ``<call>.masked_fill(m, 0)``; ``s`` three times for
``s.removesuffix(p)``) must not evaluate a call or arithmetic twice. ``name = <expr>`` on its own line,
just before the statement, evaluates it once; that is the same program when the expression is evaluated
unconditionally, exactly once, and first in its statement (nothing with side effects runs before it),
which :func:`problem` checks. A statement, not ``:=``: MindSpore's graph mode rejects assignment
expressions ("Unsupported expression 'NamedExpr'", MindSpore 2.7.0).
"""

import ast
import sys

from ascendfix.astutil import iter_children

_INDEX = getattr(ast, "Index") if sys.version_info < (3, 9) else None
_EXTSLICE = getattr(ast, "ExtSlice") if sys.version_info < (3, 9) else None
HOISTABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)


def parents(stmt):
    """id(node) -> parent node, over the statement's own expression nodes."""
    out = {}
    stack = [stmt]
    while stack:
        n = stack.pop()
        for c in iter_children(n):
            if isinstance(c, ast.stmt):
                continue
            out[id(c)] = n
            stack.append(c)
    return out


def path_to(node, parents):
    """Ancestors of ``node`` up to (not including) its statement, innermost first."""
    out = []
    p = parents.get(id(node))
    while p is not None and not isinstance(p, ast.stmt):
        out.append(p)
        p = parents.get(id(p))
    return out



_PURE = (ast.Name, ast.Constant)


def pure(node):
    """Evaluating it has no side effect (names, constants, attribute and constant-index lookups)."""
    if node is None or isinstance(node, _PURE):
        return True
    if isinstance(node, ast.Attribute):
        return pure(node.value)
    if isinstance(node, ast.Subscript):
        return pure(node.value) and pure(node.slice)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(pure(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        return all(pure(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, ast.UnaryOp):
        return pure(node.operand)
    if isinstance(node, ast.keyword):
        return pure(node.value)
    if _INDEX is not None and isinstance(node, _INDEX):
        return pure(node.value)
    if _EXTSLICE is not None and isinstance(node, _EXTSLICE):
        return all(pure(d) for d in node.dims)
    return False


def evaluated_before(parent, child):
    """The parts of ``parent`` evaluated before ``child``, or None when ``child`` is not evaluated
    unconditionally (exactly once) whenever ``parent`` is."""
    p = parent
    if isinstance(p, ast.Call):
        order = [p.func] + list(p.args) + list(p.keywords)
    elif isinstance(p, ast.keyword):
        order = [p.value]
    elif isinstance(p, ast.Attribute):
        order = [p.value]
    elif isinstance(p, ast.Subscript):
        order = [p.value, p.slice]
    elif isinstance(p, ast.BinOp):
        order = [p.left, p.right]
    elif isinstance(p, ast.UnaryOp):
        order = [p.operand]
    elif isinstance(p, ast.Compare):
        order = [p.left] + p.comparators[:1]  # later comparisons run only if the first holds
    elif isinstance(p, ast.BoolOp):
        order = p.values[:1]
    elif isinstance(p, ast.IfExp):
        order = [p.test]
    elif isinstance(p, (ast.Tuple, ast.List, ast.Set)):
        order = list(p.elts)
    elif isinstance(p, ast.Dict):
        order = [x for kv in zip(p.keys, p.values) for x in kv]
    elif isinstance(p, ast.Starred):
        order = [p.value]
    elif _INDEX is not None and isinstance(p, _INDEX):
        order = [p.value]
    elif isinstance(p, (ast.Assign, ast.AnnAssign)):
        order = [p.value]
    elif isinstance(p, ast.AugAssign):
        order = [p.target, p.value]
    elif isinstance(p, (ast.Return, ast.Expr)):
        order = [p.value]
    else:  # lambda, comprehension, await, yield, f-string, named expression...
        return None
    for i, n in enumerate(order):
        if n is child:
            return order[:i]
    return None


def problem(stmt, node, path, lines, in_class_body=False):
    """Why ``node`` (an expression of ``stmt``) cannot be bound to a name by a statement inserted
    before ``stmt``, or None when it can."""
    if not isinstance(stmt, HOISTABLE):
        return "it is part of a {} statement".format(type(stmt).__name__.lower())
    if in_class_body:
        return "it is in a class body"
    if lines.line(stmt.lineno).encode("utf-8")[:stmt.col_offset].strip(b" \t"):
        return "its statement shares a line with another one"
    child = node
    for parent in path + [stmt]:
        before = evaluated_before(parent, child)
        if before is None:
            return "it is evaluated conditionally or in a nested scope"
        if not all(pure(b) for b in before):
            return "the statement evaluates something else first"
        child = parent
    return None


def render(text, start, end, edits):
    """text[start:end] with ``edits`` [(start, end, new text)] (inside it, not overlapping) applied."""
    out = []
    pos = start
    for s, e, new in sorted(edits, key=lambda t: (t[0], t[1])):
        out.append(text[pos:s])
        out.append(new)
        pos = e
    out.append(text[pos:end])
    return "".join(out)


def bind(text, lines, stmt, span, name, inner=()):
    """``(offset, statement, (start, end))``: insert ``statement`` (``name = <expr>`` with the indentation
    and line end of ``stmt``'s first line) at ``offset``, and replace ``(start, end)`` (the expression at
    ``span``, with the parentheses around it when it has its own) by ``name``. ``inner``: edits inside
    the expression, applied to the text that moves."""
    s, e = span
    body = render(text, s, e, inner)
    if "\n" in body or "\r" in body:
        body = "(" + body + ")"
    line = lines.line(stmt.lineno)
    indent = line[:len(line) - len(line.lstrip(" \t"))]
    eol = line[len(line.rstrip("\r\n")):] or "\n"
    if s > 0 and text[s - 1] == "(" and e < len(text) and text[e] == ")":
        s, e = s - 1, e + 1
    return lines.line_start(stmt.lineno), "{}{} = {}{}".format(indent, name, body, eol), (s, e)
