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


def nodes_by_type(tree):
    """Every node under ``tree`` (not the root) grouped by class: ``{ast.Name: [...], ast.Call: [...], ...}`` (pre-order).

    One walk per tree, shared by every codemod that asks (cached on the tree object): about twice
    as fast as ``ast.walk``, and codemods then loop over the few classes they care about.
    """
    cached = getattr(tree, "_ascendfix_by_type", None)
    if cached is not None:
        return cached
    out = {}
    AST = ast.AST
    stack = [tree]
    pop, push = stack.pop, stack.append
    # (the root itself is not listed: the cache must not hold a reference cycle through the tree,
    # or trees would wait for the cyclic GC instead of being freed when the file is done)
    while stack:
        n = pop()
        cls = n.__class__
        if n is not tree:
            lst = out.get(cls)
            if lst is None:
                lst = out[cls] = []
            lst.append(n)
        for name in _FIELDS.get(cls) or _child_fields(cls):
            v = getattr(n, name, None)
            if v is None:
                continue
            if v.__class__ is list:
                for x in reversed(v):
                    if isinstance(x, AST) and not isinstance(x, _LEAF):
                        push(x)
            elif isinstance(v, AST) and not isinstance(v, _LEAF):
                push(v)
    tree._ascendfix_by_type = out
    return out


def nodes_of(tree, *classes):
    """The nodes of ``tree`` of the given classes (exact classes, as listed)."""
    by = nodes_by_type(tree)
    if len(classes) == 1:
        return by.get(classes[0], [])
    return [n for c in classes for n in by.get(c, [])]


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
