"""Scanning a tree: every ``from <package>[.x] import name``, with whether it is guarded and runs at import.

A byte prefilter (the package name in the file, then a literal regex for ``from <package>`` with only blanks
before it on its line), the lexer (:mod:`.lexer`) dropping hits inside strings and comments, and a one-statement
``ast`` parse per column-0 import. An indented import is parsed together with its enclosing top-level statement
(its ``else``/``except``/``finally`` parts included), which tells (:mod:`ascendfix.guards`) whether it is guarded
and whether it runs at import time. Anything unexpected falls back to a full parse of the file.
"""

import ast
import bisect
import os
import re
import warnings
from typing import List, Tuple

from ascendfix import guards
from ascendfix.errors import AscendfixError
from ascendfix.importcheck.lexer import BOM, CONTINUATION, code_positions, statement_end, toplevel_starts
from ascendfix.importcheck.model import ImportRef, check_package_name, in_package

SKIP_DIRS = frozenset(["__pycache__", "node_modules", "site-packages"])


def _iter_py_files(root, skipped=None):
    """(absolute path, '/'-relative path) of every .py file under root, sorted, hidden dirs skipped.

    Unreadable directories are added to ``skipped`` as ``(relative path, reason)``.
    """
    if os.path.isfile(root):
        yield root, os.path.basename(root)
        return

    def onerror(e):
        if skipped is not None:
            rel = os.path.relpath(e.filename, root).replace(os.sep, "/") if e.filename else "."
            skipped.append((rel, "cannot read directory: {}".format(e.strerror or e)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        rel_dir = os.path.relpath(dirpath, root)
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                rel = fn if rel_dir == "." else os.path.join(rel_dir, fn)
                yield os.path.join(dirpath, fn), rel.replace(os.sep, "/")


_REGEX_CACHE = {}  # type: Dict[str, Tuple[re.Pattern, re.Pattern]]


def _regexes(package):
    rx = _REGEX_CACHE.get(package)
    if rx is None:
        p = re.escape(package.encode("ascii"))
        # starts with a literal (fast search); the caller checks only blanks precede it on its line
        cand = re.compile(rb"from[ \t]+" + p + rb"(?=[.\s\\])")
        # `x = 1; from transformers import y` (rare): fall back to a full parse
        semi = re.compile(rb";[ \t]*from[ \t]+" + p + rb"(?=[.\s\\])")
        rx = _REGEX_CACHE[package] = (cand, semi)
    return rx


class _NeedFullParse(Exception):
    pass


def _scan_fast(data, relpath, package):
    """Refs of a file without parsing all of it, or raise _NeedFullParse.

    Column-0 imports are module level and unguarded: the statement alone is parsed. An indented
    import is parsed with its enclosing top-level statement (with its else/except/finally parts),
    which tells whether it is guarded and whether it runs at import time.
    """
    cand, semi = _regexes(package)
    positions = []
    for m in cand.finditer(data):
        pos = m.start()
        bol = data.rfind(b"\n", 0, pos) + 1
        if not data[bol:pos].strip(b" \t"):
            positions.append(bol)
    if semi.search(data):
        raise _NeedFullParse()
    if not positions:
        return []
    refs = []
    line = 1
    last = 0
    covered = 0  # end of the last top-level statement parsed whole
    starts = None
    for pos in code_positions(data, positions):
        if pos < covered:
            continue
        if data[pos] in (32, 9):  # indented
            if starts is None:
                starts = toplevel_starts(data)
            i = bisect.bisect_right(starts, pos) - 1
            if i < 0:
                raise _NeedFullParse()
            j = i
            while j > 0 and CONTINUATION.match(data, starts[j]):
                j -= 1
            k = i + 1
            while k < len(starts) and CONTINUATION.match(data, starts[k]):
                k += 1
            s, e = starts[j], (starts[k] if k < len(starts) else len(data))
            try:
                tree = ast.parse(data[s:e].decode("utf-8", "replace"))
            except SyntaxError:
                raise _NeedFullParse()
            refs.extend(_refs_from_tree(tree, relpath, package, data.count(b"\n", 0, s)))
            covered = e
            continue
        end = statement_end(data, pos)
        try:
            tree = ast.parse(data[pos:end].decode("utf-8", "replace"))
        except SyntaxError:
            raise _NeedFullParse()
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.ImportFrom):
            raise _NeedFullParse()
        node = tree.body[0]
        line += data.count(b"\n", last, pos)
        last = pos
        if node.level or not in_package(node.module, package):
            continue
        for alias in node.names:
            refs.append(ImportRef(relpath, line, node.module, alias.name, False, True))
    return refs


def _scan_full(data, relpath, package):
    """Refs of a file from its full ``ast`` (knows guards and function scope)."""
    return _refs_from_tree(ast.parse(data), relpath, package)


def _refs_from_tree(tree, relpath, package, line_offset=0):
    refs = []
    for node, guarded, toplevel in guards.walk(tree.body):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and in_package(node.module, package):
            for alias in node.names:
                refs.append(ImportRef(relpath, node.lineno + line_offset, node.module, alias.name, guarded, toplevel))
    return refs


def _scan_bytes(data, relpath, package, exact=False):
    if data.startswith(BOM):
        data = data[len(BOM):]
    if not exact:
        try:
            return _scan_fast(data, relpath, package)
        except _NeedFullParse:
            pass
    return _scan_full(data, relpath, package)


def scan_tree(tree_root, package="transformers", exact=False):
    """Scan a tree: ``(refs, unparsable, scanned)``.

    ``unparsable`` lists ``(path, error)`` of candidate files that do not parse (skipped).
    ``exact=True`` full-parses every candidate file (slow; the reference the fast path is tested against).
    """
    check_package_name(package)
    root = os.fspath(tree_root)
    if not os.path.exists(root):
        raise AscendfixError("{}: no such file or directory".format(root))
    needle = package.encode("ascii")
    refs = []  # type: List[ImportRef]
    unparsable = []  # type: List[Tuple[str, str]]
    scanned = 0
    with warnings.catch_warnings():
        # compile() warns about the scanned sources (invalid escapes...): not ours to report
        warnings.simplefilter("ignore")
        for path, rel in _iter_py_files(root, unparsable):
            scanned += 1
            _scan_one(path, rel, needle, package, exact, refs, unparsable)
    return refs, unparsable, scanned


def _scan_one(path, rel, needle, package, exact, refs, unparsable):
    """Read one file and add its refs (or its error) to the lists."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        unparsable.append((rel, "cannot read: {}".format(e.strerror or e)))
        return
    if needle not in data:
        return
    try:
        refs.extend(_scan_bytes(data, rel, package, exact=exact))
    except (SyntaxError, ValueError) as e:
        unparsable.append((rel, "{}: {}".format(type(e).__name__, getattr(e, "msg", None) or e)))


def scan_imports(tree_root, package="transformers"):
    """Every ``from <package>[.x] import name`` in the .py files under ``tree_root`` (a dir or a file)."""
    return scan_tree(tree_root, package)[0]
