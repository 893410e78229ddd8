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
