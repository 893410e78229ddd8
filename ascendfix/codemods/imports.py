"""Import edits with libcst over a module's header (see ascendfix.apply.source: ``SourceEdit.header``).

``from __future__ import annotations`` after docstring, shebang, coding line and other
``__future__`` imports (never twice); names merged into an existing ``from typing import``;
``import X`` / ``import X as Y`` added where a reader expects it. Comments above the first statement
stay with that statement.
"""

from typing import List


class _Libcst(object):
    """``libcst``, imported on first use: every function here is handed a libcst tree, so a run that rewrites
    nothing (``apply --check`` on a tree that needs no change, ``revert``) never pays for the import (~0.3 s)."""

    def __getattr__(self, name):
        import libcst

        globals()["cst"] = libcst  # from now on the module itself
        return getattr(libcst, name)


cst = _Libcst()


def _is_docstring(stmt) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    e = stmt.body[0]
    return isinstance(e, cst.Expr) and isinstance(e.value, (cst.SimpleString, cst.ConcatenatedString))


def _is_future(stmt) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    s = stmt.body[0]
    return (
        isinstance(s, cst.ImportFrom) and not s.relative and isinstance(s.module, cst.Name)
        and s.module.value == "__future__"
    )


def _future_names(stmt) -> List[str]:
    out = []
    for s in stmt.body:
        if isinstance(s, cst.ImportFrom) and isinstance(s.names, (list, tuple)):
            out += [a.name.value for a in s.names if isinstance(a.name, cst.Name)]
    return out


def header_index(body) -> int:
    """Index in ``module.body`` right after the docstring and the ``__future__`` imports."""
    i = 1 if body and _is_docstring(body[0]) else 0
    while i < len(body) and _is_future(body[i]):
        i += 1
    return i


def _docstring_line(body) -> bool:
    """Is the first line a docstring followed by other statements (``\"\"\"doc\"\"\"; import os``)?"""
    if not body or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) < 2:
        return False
    e = body[0].body[0]
    return isinstance(e, cst.Expr) and isinstance(e.value, (cst.SimpleString, cst.ConcatenatedString))


def _small_is_future(s) -> bool:
    return isinstance(s, cst.ImportFrom) and not s.relative and isinstance(s.module, cst.Name) and \
        s.module.value == "__future__"


def has_future_annotations(module) -> bool:
    for stmt in module.body[: header_index(module.body)]:
        if _is_future(stmt) and "annotations" in _future_names(stmt):
            return True
    if _docstring_line(module.body):
        for s in module.body[0].body[1:]:
            if not _small_is_future(s):
                break
            if "annotations" in _future_names(cst.SimpleStatementLine(body=[s])):
                return True
    return False


def _insert_in_docstring_line(module, stmts, also_imports=False):
    """Put the small statements of ``stmts`` into the first line, right after its docstring (and its
    ``__future__`` imports; with ``also_imports``, after every import that follows them on the line)."""
    line = module.body[0]
    small = list(line.body)
    k = 1
    while k < len(small) and (_small_is_future(small[k]) or
                              (also_imports and isinstance(small[k], (cst.Import, cst.ImportFrom)))):
        k += 1
    semi = cst.Semicolon(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(" "))
    new = [st.body[0].with_changes(semicolon=semi) for st in stmts]
    if k == len(small):  # after the last statement of the line: it gets the semicolon instead
        new[-1] = new[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        small[-1] = small[-1].with_changes(semicolon=semi)
    small[k:k] = new
    body = list(module.body)
    body[0] = line.with_changes(body=small)
    return module.with_changes(body=body)


def _insert(module, index, stmts):
    """Insert statements at ``index`` of the module body, keeping comments with their code."""
    body = list(module.body)
    header = list(module.header)
    if index == 0 and _docstring_line(body):
        return _insert_in_docstring_line(module, stmts)
    if index == 0 and body:
        # Comment lines right above the first statement (after the last blank line of the header)
        # belong to that statement; keep them with it, below the new import.
        cut = len(header)
        while cut > 0 and header[cut - 1].comment is not None:
            cut -= 1
        if cut > 0:
            moved = header[cut:]
            header = header[:cut]
        else:  # the header is only comments (shebang / licence directly above the code): keep it
            moved = []
        first = body[0]
        lead = list(moved) + list(first.leading_lines)
        if not lead or lead[0].comment is not None:
            lead = [cst.EmptyLine()] + lead
        body[0] = first.with_changes(leading_lines=lead)
    elif index >= 1 and _is_docstring(body[index - 1]):
        stmts = [stmts[0].with_changes(leading_lines=[cst.EmptyLine()])] + list(stmts[1:])
    body[index:index] = stmts
    return module.with_changes(body=body, header=header)


def ensure_future_annotations(module):
    """``from __future__ import annotations`` after docstring/shebang/coding/other future imports; never twice."""
    if has_future_annotations(module):
        return module
    stmt = cst.parse_statement("from __future__ import annotations\n")
    return _insert(module, header_index(module.body), [stmt])


def _append_alias(names, new_name):
    names = list(names)
    last = names[-1]
    new = cst.ImportAlias(name=cst.Name(new_name))
    if isinstance(last.comma, cst.Comma):
        new = new.with_changes(comma=last.comma)
        sep = names[-2].comma if len(names) >= 2 and isinstance(names[-2].comma, cst.Comma) else cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" "))
        names[-1] = last.with_changes(comma=sep)
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    names.append(new)
    return names


def ensure_from_import(module, mod: str, names: List[str], merge: bool = True):
    """Merge ``names`` into the first top-level ``from mod import ...`` (or add one after the header).

    ``merge=False``: always add a new statement after the header (the existing import comes too
    late in the file for the names to be bound where they are used).
    """
    if not names:
        return module
    body = list(module.body)
    for i, stmt in enumerate(body if merge else ()):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for j, s in enumerate(stmt.body):
            if (isinstance(s, cst.ImportFrom) and not s.relative and isinstance(s.module, (cst.Name, cst.Attribute))
                    and cst.Module([]).code_for_node(s.module) == mod and not isinstance(s.names, cst.ImportStar)):
                have = {a.name.value for a in s.names if isinstance(a.name, cst.Name) and a.asname is None}
                new_names = list(s.names)
                for n in names:
                    if n not in have:
                        new_names = _append_alias(new_names, n)
                small = list(stmt.body)
                small[j] = s.with_changes(names=new_names)
                body[i] = stmt.with_changes(body=small)
                return module.with_changes(body=body)
    stmt = cst.parse_statement("from {} import {}\n".format(mod, ", ".join(names)))
    return _insert(module, header_index(body), [stmt])


def ensure_import(module, mod: str, near_from: bool = True):
    """``import mod`` at the top unless a top-level ``import mod`` exists (next to ``from mod import``
    when there is one and ``near_from``)."""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for s in stmt.body:
                if isinstance(s, cst.Import):
                    for a in s.names:
                        if a.asname is None and cst.Module([]).code_for_node(a.name) == mod:
                            return module
    stmt = cst.parse_statement("import {}\n".format(mod))
    body = list(module.body)
    for i, st in enumerate(body if near_from else ()):  # next to the file's `from mod import ...`
        if i >= header_index(body) and isinstance(st, cst.SimpleStatementLine) and isinstance(st.body[0], cst.ImportFrom):
            imp = st.body[0]
            if not imp.relative and imp.module is not None and cst.Module([]).code_for_node(imp.module) == mod:
                body[i:i + 1] = [stmt.with_changes(leading_lines=st.leading_lines), st.with_changes(leading_lines=())]
                return module.with_changes(body=body)
    return _insert(module, header_index(body), [stmt])


def _is_import(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def add_import_after_imports(module, line: str):
    """Insert the statement ``line`` (e.g. ``import mindspore as ms``) after the docstring, the
    ``__future__`` imports and the block of plain imports that follows them (no blank line added)."""
    stmt = cst.parse_statement(line + module.default_newline, config=module.config_for_parsing)
    body = list(module.body)
    i = header_index(body)
    j = i
    while j < len(body) and _is_import(body[j]):
        j += 1
    if j == 0 and _docstring_line(body):
        return _insert_in_docstring_line(module, [stmt], also_imports=True)
    body.insert(j, stmt)
    return module.with_changes(body=body)
