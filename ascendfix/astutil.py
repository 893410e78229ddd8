"""Small helpers over the stdlib ``ast`` shared by the codemods and the script lint."""

import ast


def dotted(node):
    """``"a.b.c"`` for a Name/Attribute chain (``a.b.c``), else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


_FIELDS = {}  # node class -> its fields that can hold nodes (not ctx: Load/Store/Del carry nothing)
_LEAF = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def _child_fields(cls):
    f = _FIELDS.get(cls)
    if f is None:
        f = _FIELDS[cls] = tuple(n for n in cls._fields if n not in ("ctx", "op", "type_comment", "kind"))
    return f


def last_name(node):
    """``c`` for ``a.b.c`` or ``c``; None for any other expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def iter_children(node):
    """The child nodes of ``node`` (like ``ast.iter_child_nodes``, without ctx/operator leaves), as a list."""
    out = []
    for name in _FIELDS.get(node.__class__) or _child_fields(node.__class__):
        v = getattr(node, name, None)
        if v is None:
            continue
        if v.__class__ is list:
            out.extend(x for x in v if isinstance(x, ast.AST) and not isinstance(x, _LEAF))
        elif isinstance(v, ast.AST) and not isinstance(v, _LEAF):
            out.append(v)
    return out


def nodes_by_type(tree):
    """Every node under ``tree`` (not the root) grouped by class: ``{ast.Name: [...], ast.Call: [...], ...}`` (pre-order).

    One walk per tree, shared by every codemod that asks (cached on the tree object); codemods then
    loop over the few classes they care about.
    """
    cached = getattr(tree, "_ascendfix_by_type", None)
    if cached is not None:
        return cached
    out = {}
    # (the root itself is not listed: the cache must not hold a reference cycle through the tree,
    # or trees would wait for the cyclic GC instead of being freed when the file is done)
    stack = iter_children(tree)[::-1]
    while stack:
        n = stack.pop()
        lst = out.get(n.__class__)
        if lst is None:
            lst = out[n.__class__] = []
        lst.append(n)
        stack.extend(iter_children(n)[::-1])
    tree._ascendfix_by_type = out
    return out
