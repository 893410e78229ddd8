"""Shared helpers for the Python-3.8 codemods (py38-annotations, py38-stdlib).

The codemods decide everything on the stdlib ``ast`` (cheap) and express rewrites as minimal text
edits at ``ast`` positions, so comments and formatting inside rewritten expressions survive; libcst
is used for what it does well, over the file's header only: placing imports (after docstring,
shebang, coding line and existing ``__future__`` imports) and merging names into an existing
``from typing import``.

Works on Python 3.8 (where ``ast.Subscript.slice`` is wrapped in ``ast.Index`` and ``ast.alias``
has no position) up to 3.12.
"""

import ast
import builtins
import fnmatch
import re
from typing import Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst

from ascendfix.astutil import dotted  # noqa: F401  (part of this module's helper set)
from ascendfix.astutil import iter_children, nodes_by_type

BUILTIN_NAMES = frozenset(dir(builtins))

# PEP 585: what became subscriptable at runtime in 3.9, and its typing spelling for older Pythons.
_ABC = [
    "Awaitable", "Coroutine", "AsyncIterable", "AsyncIterator", "AsyncGenerator", "Iterable", "Iterator",
    "Generator", "Reversible", "Container", "Collection", "Callable", "MutableSet", "Mapping",
    "MutableMapping", "Sequence", "MutableSequence", "ByteString", "MappingView", "KeysView", "ItemsView",
    "ValuesView", "Hashable", "Sized",
]
PEP585 = {
    "builtins.list": "List",
    "builtins.dict": "Dict",
    "builtins.tuple": "Tuple",
    "builtins.set": "Set",
    "builtins.frozenset": "FrozenSet",
    "builtins.type": "Type",
    "collections.deque": "Deque",
    "collections.defaultdict": "DefaultDict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.ChainMap": "ChainMap",
    "collections.abc.Set": "AbstractSet",
    "contextlib.AbstractContextManager": "ContextManager",
    "contextlib.AbstractAsyncContextManager": "AsyncContextManager",
    "re.Pattern": "Pattern",
    "re.Match": "Match",
}
for _n in _ABC:
    if _n in ("Hashable", "Sized"):  # not generic at all
        continue
    PEP585["collections.abc." + _n] = _n
    PEP585["collections." + _n] = _n  # deprecated aliases, still importable on 3.8
PEP585["collections.Set"] = "AbstractSet"
# Last components, for the text prefilter.
PEP585_SHORT = sorted({q.rsplit(".", 1)[1] for q in PEP585})

TYPE_NAMES = frozenset(
    "builtins." + n
    for n in ("int", "float", "complex", "str", "bytes", "bytearray", "bool", "object", "list", "dict", "tuple",
              "set", "frozenset", "type", "memoryview", "range", "slice")
)


def version_tuple(v) -> Tuple[int, int]:
    parts = str(v).strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ValueError("not a Python version: {!r}".format(v)) from None


def slice_of(sub: ast.Subscript):
    """The subscript's index expression (unwrapping 3.8's ``ast.Index``)."""
    s = sub.slice
    if s.__class__.__name__ == "Index":  # Python 3.8
        return s.value
    return s


def glob_any(name, patterns) -> bool:
    return bool(name) and any(fnmatch.fnmatchcase(name, p) for p in patterns)


def is_type_checking(test) -> bool:
    d = dotted(test)
    return d in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING")


# ----------------------------------------------------------------------------------------------
# Positions and text edits


class Edits:
    """A plan's text replacements (start, end, seq, text), handed to ``SourceEdit.replace`` by transform."""

    def __init__(self):
        self.items = []  # (start, end, seq, text)

    def add(self, start, end, text):
        self.items.append((start, end, len(self.items), text))

    def __bool__(self):
        return bool(self.items)


def find_operator(text: str, start: int, end: int, op: str) -> Optional[int]:
    """Offset of ``op`` in text[start:end] outside comments (the gap between two operands)."""
    i = start
    while i < end:
        c = text[i]
        if c == "#":
            nl = text.find("\n", i, end)
            if nl < 0:
                return None
            i = nl
        elif text.startswith(op, i):
            return i
        i += 1
    return None


# ----------------------------------------------------------------------------------------------
# Names: imports, bindings, scopes


def _walk_module_level(stmts):
    """Statements executed at module level (descends into if/try/with/for/while, not defs/classes)."""
    for s in stmts:
        yield s
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            sub = getattr(s, field, None)
            if sub:
                for x in _walk_module_level(sub):
                    yield x


def _in_type_checking_map(tree) -> Set[int]:
    ids = set()
    for s in _walk_module_level(tree.body):
        if isinstance(s, ast.If) and is_type_checking(s.test):
            for x in _walk_module_level(s.body):
                ids.add(id(x))
    return ids


def module_imports(tree) -> Dict[str, Optional[str]]:
    """Module-level import bindings: local name → qualified name (None when ambiguous).

    ``import a.b`` binds ``a`` → ``a``; ``import a.b as c`` → ``c`` → ``a.b``;
    ``from a import b as c`` → ``c`` → ``a.b``. Relative imports map to ``.mod.name``.
    Imports under ``if TYPE_CHECKING:`` are ignored (they do not run).
    """
    skip = _in_type_checking_map(tree)
    out = {}  # type: Dict[str, Optional[str]]

    def bind(local, qual):
        if local in out and out[local] != qual:
            out[local] = None
        else:
            out[local] = qual

    for s in _walk_module_level(tree.body):
        if id(s) in skip:
            continue
        if isinstance(s, ast.Import):
            for a in s.names:
                if a.asname:
                    bind(a.asname, a.name)
                else:
                    top = a.name.split(".")[0]
                    bind(top, top)
        elif isinstance(s, ast.ImportFrom):
            mod = "." * (s.level or 0) + (s.module or "")
            for a in s.names:
                if a.name == "*":
                    continue
                bind(a.asname or a.name, mod + "." + a.name)
    return out


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)


def bindings(stmts: Iterable[ast.AST]) -> Set[str]:
    """Names bound directly in this block of statements (nested scopes not entered)."""
    out = set()
    stack = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
            continue
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                if a.name != "*":
                    out.add((a.asname or a.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            continue
        stack.extend(iter_children(n))
    return out


def local_imports(stmts) -> Dict[str, Optional[str]]:
    """Import bindings made directly in a function body (``import hashlib`` inside a def)."""
    out = {}
    for s in _walk_module_level(stmts):
        if isinstance(s, ast.Import):
            for a in s.names:
                local = a.asname or a.name.split(".")[0]
                out[local] = a.name if a.asname else local
        elif isinstance(s, ast.ImportFrom) and not s.level:
            for a in s.names:
                if a.name != "*":
                    out[a.asname or a.name] = (s.module or "") + "." + a.name
    return out


def arg_names(args: ast.arguments) -> Set[str]:
    names = [a.arg for a in getattr(args, "posonlyargs", []) + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return set(names)


def all_arguments(args: ast.arguments):
    out = list(getattr(args, "posonlyargs", [])) + list(args.args)
    if args.vararg:
        out.append(args.vararg)
    out += list(args.kwonlyargs)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def all_bound_names(tree) -> Set[str]:
    """Every name bound anywhere in the file (any scope), plus every argument name."""
    by = nodes_by_type(tree)
    out = {n.id for n in by.get(ast.Name, ()) if not isinstance(n.ctx, ast.Load)}
    out.update(n.name for c in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) for n in by.get(c, ()))
    out.update(n.arg for n in by.get(ast.arg, ()))
    for c in (ast.Import, ast.ImportFrom):
        for n in by.get(c, ()):
            out.update((a.asname or a.name).split(".")[0] for a in n.names if a.name != "*")
    out.update(n.name for n in by.get(ast.ExceptHandler, ()) if n.name)
    return out


class _Scope:
    """A function/lambda/comprehension or class scope; what it binds is computed on first lookup
    (most scopes a visit enters never have a name resolved in them)."""

    __slots__ = ("kind", "_names", "_args", "_body", "_imports")

    def __init__(self, kind, names=None, args=None, body=None):
        self.kind = kind
        self._names = names
        self._args = args
        self._body = body
        self._imports = None

    @property
    def names(self):
        if self._names is None:
            self._names = (arg_names(self._args) if self._args is not None else set()) | bindings(self._body or ())
        return self._names

    def local_import(self, name):
        """What ``name`` is bound to by an import in this (function) scope, else None."""
        if self.kind != "function" or self._body is None:
            return None
        if self._imports is None:
            self._imports = local_imports(self._body)
        return self._imports.get(name)


class ScopeVisitor(ast.NodeVisitor):
    """An ``ast`` walk that knows, at each node, how a name resolves and whether it is in an annotation.

    ``self.ann`` is None outside annotations, else where the annotation is: "param", "return",
    "module", "class" (evaluated at definition time) or "local" (a function-local variable
    annotation, never evaluated). ``self.type_checking`` is True under ``if TYPE_CHECKING:``.
    """

    def __init__(self, tree):
        self.tree = tree
        self.only = None  # ids of the statements to visit (None: all); others are skipped whole
        self.imports = module_imports(tree)
        self.module_bound = bindings(tree.body)
        self.scopes = []  # [_Scope] innermost last
        self.ann = None
        self.type_checking = False
        self.in_fstring = 0  # positions inside f-strings are unreliable on Python 3.8: no edits there

    def visit(self, node):
        if self.only is not None and isinstance(node, ast.stmt) and id(node) not in self.only:
            return None
        return getattr(self, "visit_" + node.__class__.__name__, self.generic_visit)(node)

    def visit_JoinedStr(self, node):
        self.in_fstring += 1
        self.generic_visit(node)
        self.in_fstring -= 1

    # -- resolution
    def resolve(self, name: str) -> Optional[str]:
        for i, scope in enumerate(reversed(self.scopes)):
            if scope.kind == "class" and i > 0:
                continue
            if name in scope.names:
                return scope.local_import(name)
        if name in self.imports:
            return self.imports[name]
        if name in self.module_bound:
            return None
        if name in BUILTIN_NAMES:
            return "builtins." + name
        return None

    def qualname(self, node) -> Optional[str]:
        if isinstance(node, ast.Name):
            return self.resolve(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return base + "." + node.attr if base else None
        return None

    @property
    def in_function(self) -> bool:
        return bool(self.scopes) and self.scopes[-1].kind == "function"

    # -- traversal
    def visit_annotation(self, node, kind):
        saved = self.ann
        self.ann = kind
        self.visit(node)
        self.ann = saved

    def _visit_function(self, node):
        for d in node.decorator_list:
            self.visit(d)
        a = node.args
        for d in list(a.defaults) + [d for d in a.kw_defaults if d is not None]:
            self.visit(d)
        for arg in all_arguments(a):
            if arg.annotation is not None:
                self.visit_annotation(arg.annotation, "param")
        if node.returns is not None:
            self.visit_annotation(node.returns, "return")
        self.scopes.append(_Scope("function", args=a, body=node.body))
        for s in node.body:
            self.visit(s)
        self.scopes.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node):
        a = node.args
        for d in list(a.defaults) + [d for d in a.kw_defaults if d is not None]:
            self.visit(d)
        self.scopes.append(_Scope("function", names=arg_names(a)))
        self.visit(node.body)
        self.scopes.pop()

    def _visit_comp(self, node):
        names = set()
        for g in node.generators:
            names |= {n.id for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self.scopes.append(_Scope("function", names=names))
        self.generic_visit(node)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp

    def visit_ClassDef(self, node):
        for d in node.decorator_list:
            self.visit(d)
        for b in node.bases:
            self.visit(b)
        for k in node.keywords:
            self.visit(k)
        self.scopes.append(_Scope("class", body=node.body))
        for s in node.body:
            self.visit(s)
        self.scopes.pop()

    def visit_AnnAssign(self, node):
        if self.in_function:
            kind = "local"
        elif self.scopes and self.scopes[-1].kind == "class":
            kind = "class"
        else:
            kind = "module"
        self.visit_annotation(node.annotation, kind)
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_If(self, node):
        if is_type_checking(node.test):
            self.visit(node.test)
            saved = self.type_checking
            self.type_checking = True
            for s in node.body:
                self.visit(s)
            self.type_checking = saved
            for s in node.orelse:
                self.visit(s)
        else:
            self.generic_visit(node)


# ----------------------------------------------------------------------------------------------
# Choosing how to spell a typing name, and the libcst import edits that make it available


class TypingSpeller:
    """Decides ``List`` vs ``typing.List`` for a file and records which imports that needs."""

    def __init__(self, tree, text=None):
        self.tree = tree
        self.text = text
        self.imports = module_imports(tree)
        self._bound = None
        self.from_names = []  # names to merge into `from typing import`
        self.need_module = None  # alias of `import typing` to add, or None
        self.typing_alias = None
        # line of the first top-level `from typing import` (new names are merged into it only when it
        # comes before every rewritten site)
        self.from_line = None
        for st in tree.body:
            if isinstance(st, ast.ImportFrom) and st.module == "typing" and not st.level and not any(
                    a.name == "*" for a in st.names):
                self.from_line = st.lineno
                break
        self.merge = True
        for local, qual in self.imports.items():
            if qual == "typing":
                self.typing_alias = local
                break

    @property
    def bound(self):
        if self._bound is None:
            self._bound = all_bound_names(self.tree)
        return self._bound

    def is_bound(self, name: str) -> bool:
        """Is ``name`` bound anywhere in the file? (A name absent from the text is not: no tree walk then.)"""
        if self.text is not None and self._bound is None and re.search(re.escape(name) + r"\b", self.text) is None:
            return False
        return name in self.bound

    def spell(self, name: str) -> Optional[str]:
        for local, qual in self.imports.items():
            if qual == "typing." + name:
                return local
        if not self.is_bound(name) and name not in BUILTIN_NAMES:
            if name not in self.from_names:
                self.from_names.append(name)
            return name
        if self.typing_alias:
            return self.typing_alias + "." + name
        if self.is_bound("typing"):
            return None
        self.need_module = "typing"
        return "typing." + name


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


def has_future_annotations(module) -> bool:
    for stmt in module.body[: header_index(module.body)]:
        if _is_future(stmt) and "annotations" in _future_names(stmt):
            return True
    return False


def _insert(module, index, stmts):
    """Insert statements at ``index`` of the module body, keeping comments with their code."""
    body = list(module.body)
    header = list(module.header)
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
