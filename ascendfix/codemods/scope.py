"""Names over the stdlib ``ast``: what a module's imports bind, what a block binds, scopes.

``ScopeVisitor`` walks a module knowing, at each node, what a name resolves to (an import's
qualified name, ``builtins.X``, or None for a local binding) and whether the node is inside an
annotation or under ``if TYPE_CHECKING:``. ``fresh_name`` picks a name a rewrite may introduce
without shadowing anything. Works on Python 3.8 (``ast.Index``, ``ast.alias`` without positions)
up to 3.12.
"""

import ast
import builtins
from typing import Dict, Iterable, Optional, Set

from ascendfix import guards
from ascendfix.astutil import iter_children, nodes_by_type

BUILTIN_NAMES = frozenset(dir(builtins))


def _type_checking_only(stmt):
    """The statement list of ``if`` ``stmt`` that runs only under a type checker (ascendfix.guards), or ()."""
    branch = guards.type_checking_branch(stmt.test)
    return getattr(stmt, branch) if branch else ()


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
        if isinstance(s, ast.If):
            for x in _walk_module_level(_type_checking_only(s)):
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
        only = _type_checking_only(node)
        if only:
            self.visit(node.test)
            saved = self.type_checking
            for branch in (node.body, node.orelse):
                self.type_checking = saved or branch is only
                for s in branch:
                    self.visit(s)
            self.type_checking = saved
        else:
            self.generic_visit(node)


def binding_nodes(stmts: Iterable[ast.AST], name: str):
    """The nodes that bind ``name`` directly in this block (nested scopes not entered): the Name
    targets' parents (Assign, AugAssign, AnnAssign, For, With item, NamedExpr...), imports, defs,
    except handlers, and Global/Nonlocal declarations naming it."""
    out = []
    stack = [(s, None) for s in stmts]
    while stack:
        n, parent = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if n.name == name:
                out.append(n)
            for d in n.decorator_list:
                stack.append((d, n))
            continue
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
            out.append(parent if parent is not None else n)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name).split(".")[0] == name for a in n.names if a.name != "*"):
                out.append(n)
        elif isinstance(n, ast.ExceptHandler) and n.name == name:
            out.append(n)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            if name in n.names:
                out.append(n)
            continue
        stack.extend((c, n) for c in iter_children(n))
    return out


def fresh_name(text: str, base: str, taken=()) -> str:
    """``base``, ``base2``, ``base3``... : the first that is not an identifier anywhere in ``text``
    (so it shadows nothing and nothing shadows it) nor in ``taken``."""
    import re

    n = 1
    while True:
        name = base if n == 1 else "{}{}".format(base, n)
        if name not in taken and re.search(r"\b" + re.escape(name) + r"\b", text) is None:
            return name
        n += 1


def rebound_names(tree) -> Set[str]:
    """Names bound anywhere in the file by something other than the module-level imports
    :func:`module_imports` reads (assignments, parameters, defs, local imports...): an import alias
    in this set may not mean the import where a rewrite would use it."""
    by = nodes_by_type(tree)
    out = {n.id for n in by.get(ast.Name, ()) if not isinstance(n.ctx, ast.Load)}
    out.update(n.name for c in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) for n in by.get(c, ()))
    out.update(n.arg for n in by.get(ast.arg, ()))
    out.update(n.name for n in by.get(ast.ExceptHandler, ()) if n.name)
    top = {id(s) for s in _walk_module_level(tree.body)} - _in_type_checking_map(tree)
    for c in (ast.Import, ast.ImportFrom):
        for n in by.get(c, ()):
            if id(n) not in top:
                out.update((a.asname or a.name).split(".")[0] for a in n.names if a.name != "*")
    return out
