"""The Python 3.8 oracle: run BY A REAL python3.8, stdlib only.

    python3.8 tests/py38_oracle.py ROOT [--files-from LIST] > result.json

For every ``.py`` file under ROOT it evaluates, with the real 3.8 runtime, every expression that
Python evaluates when a module is imported or a ``def``/``class`` statement runs and that can carry
typing syntax:

- annotations not protected by ``from __future__ import annotations``: parameters, returns,
  module- and class-level variable annotations (function-local ones are never evaluated);
- module- and class-level assignments whose value is a type-ish expression (aliases), class bases
  and class keywords, parameter defaults that contain a subscript or ``|``;
- anywhere in the file (also inside function bodies, "call" time): the type argument of
  ``cast``, ``isinstance``/``issubclass``, ``TypeVar`` bounds/constraints, ``NewType``, and any
  subscript of a stdlib class (``list[int]`` used as a value).

Names are resolved the way the module would see them: builtins and stdlib imports are the real
objects; third-party, relative and unknown names are permissive stand-ins (classes that accept
subscription, attribute access and calls — but not ``|``, which real 3.8 classes do not support),
so only typing errors count. Module-level assignments that were evaluated bind their real result
(``ChatType = list[...]`` failing makes later uses see a stand-in). Code under
``if TYPE_CHECKING:`` is skipped (it never runs).

Output (JSON on stdout)::

    {"python": "3.8.18", "files_scanned": N,
     "failures": {relpath: [{"line", "kind", "when": "import"|"call", "expr", "error"}]},
     "other_errors": {...same shape: exceptions that are not typing errors (not counted)...},
     "missing_stdlib_names": {relpath: [{"line", "name"}]},   # e.g. `from typing import TypeAlias`
     "type_checking_failures": {...}, # same, under `if TYPE_CHECKING:` (never runs; static tools count them)
     "syntax_errors": {relpath: "message"}}
"""

import ast
import builtins
import importlib
import json
import os
import re
import sys
import sysconfig

SKIP_DIRS = {".git", ".ascendfix", "__pycache__", ".venv", "venv", "node_modules", ".tox"}
TYPING_ERROR = re.compile(
    r"not subscriptable|unsupported operand type\(s\) for \||is not a generic class|"
    r"Parameters to generic types must be types|has no attribute '__(args|origin|parameters)__'|"
    r"Subscripted generics cannot be used|Too (many|few) parameters for"
)

_STDLIB = sysconfig.get_paths()["stdlib"]
_STDLIB_CACHE = {}


def is_stdlib(top):
    if top in _STDLIB_CACHE:
        return _STDLIB_CACHE[top]
    ok = False
    if top in sys.builtin_module_names or top == "__future__":
        ok = True
    else:
        try:
            import importlib.util

            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            origin = spec.origin or ""
            locs = list(spec.submodule_search_locations or [])
            paths = [origin] + locs
            ok = any(p.startswith(_STDLIB) and "site-packages" not in p for p in paths if p) or origin in (
                "built-in", "frozen")
    _STDLIB_CACHE[top] = ok
    return ok


# ------------------------------------------------------------------------------------------------
# Permissive stand-ins for everything that is not builtin/stdlib


class _StubMeta(type):
    def __getitem__(cls, item):
        return cls

    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return make_stub(cls.__name__ + "." + name)

    def __call__(cls, *args, **kwargs):
        return make_stub(cls.__name__ + "()")

    def __iter__(cls):
        return iter(())

    def __len__(cls):
        return 0

    def __bool__(cls):
        return True


def make_stub(name="stub"):
    return _StubMeta(str(name), (), {"__module__": "stub"})


STUB = make_stub("Unknown")


def is_stub(obj):
    return isinstance(obj, _StubMeta)


# ------------------------------------------------------------------------------------------------


class Scope(dict):
    """eval() locals: own names, then the enclosing chain; unknown names are stand-ins."""

    def __init__(self, parent=None, stubbed=()):
        dict.__init__(self)
        self.parent = parent
        self.stubbed = set(stubbed)  # function locals: always stand-ins

    def __missing__(self, key):
        if key in self.stubbed:
            return STUB
        if self.parent is not None:
            return self.parent[key]
        if hasattr(builtins, key):
            return getattr(builtins, key)
        return make_stub(key)


_TYPE_FACTORIES = ("TypeVar", "NewType", "ParamSpec", "TypeVarTuple", "NamedTuple", "TypedDict")


def _evaluated_value(node):
    """Is a module/class-level assigned value worth evaluating (an alias or a typing factory call)?"""
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name in _TYPE_FACTORIES:
            return True
    return _has_typeish(node)


def _has_typeish(node):
    for n in ast.walk(node):
        if isinstance(n, ast.Subscript) or (isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr)):
            return True
    return False


def _is_type_checking(test):
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _local_names(fn):
    a = fn.args
    out = {x.arg for x in getattr(a, "posonlyargs", []) + a.args + a.kwonlyargs}
    if a.vararg:
        out.add(a.vararg.arg)
    if a.kwarg:
        out.add(a.kwarg.arg)
    stack = list(fn.body) if not isinstance(fn, ast.Lambda) else [fn.body]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
            continue
        if isinstance(n, ast.Lambda):
            continue
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for al in n.names:
                out.add((al.asname or al.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
        stack.extend(ast.iter_child_nodes(n))
    return out


class FileOracle:
    def __init__(self, relpath, text, tree):
        self.relpath = relpath
        self.text = text
        self.tree = tree
        self.future = any(
            isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(a.name == "annotations" for a in s.names)
            for s in tree.body
        )
        self.failures = []
        self.tc_failures = []
        self.in_tc = False
        self._lines = None
        self._locals_cache = {}
        self.others = []
        self.missing = []
        self.module = Scope()
        self.globals = {"__name__": "oracle_module", "__file__": relpath, "__builtins__": builtins}
        self.module.update(self.globals)

    def segment(self, node):
        if self._lines is None:
            self._lines = self.text.splitlines(True)
        try:
            ls = self._lines[node.lineno - 1:node.end_lineno]
            if len(ls) == 1:
                return ls[0].encode()[node.col_offset:node.end_col_offset].decode(errors="replace")
            first = ls[0].encode()[node.col_offset:].decode(errors="replace")
            last = ls[-1].encode()[:node.end_col_offset].decode(errors="replace")
            return first + "".join(ls[1:-1]) + last
        except (IndexError, TypeError):
            return ""

    def local_names(self, fn):
        key = id(fn)
        if key not in self._locals_cache:
            self._locals_cache[key] = _local_names(fn)
        return self._locals_cache[key]

    # -- evaluation
    def evaluate(self, node, scope, kind, when):
        try:
            code = compile(ast.Expression(body=node), self.relpath, "eval")
        except (SyntaxError, ValueError, TypeError):  # e.g. starred expressions out of context
            return STUB
        try:
            return eval(code, self.globals, scope)
        except Exception as e:  # noqa: BLE001 - everything is data here
            rec = {
                "line": node.lineno,
                "kind": kind,
                "when": when,
                "expr": self.segment(node)[:200],
                "error": "{}: {}".format(type(e).__name__, e)[:300],
            }
            if isinstance(e, TypeError) and TYPING_ERROR.search(str(e)):
                (self.tc_failures if self.in_tc else self.failures).append(rec)
            else:
                self.others.append(rec)
            return STUB

    # -- imports
    def do_import(self, node, scope):
        if isinstance(node, ast.Import):
            for al in node.names:
                top = al.name.split(".")[0]
                if is_stdlib(top):
                    try:
                        mod = importlib.import_module(al.name)
                        value = mod if al.asname else importlib.import_module(top)
                    except Exception:
                        self.missing.append({"line": node.lineno, "name": al.name})
                        value = make_stub(al.asname or top)
                else:
                    value = make_stub(al.asname or top)
                scope[al.asname or top] = value
            return
        mod = node.module or ""
        stdlib = node.level == 0 and is_stdlib(mod.split(".")[0])
        for al in node.names:
            if al.name == "*":
                if stdlib:
                    try:
                        m = importlib.import_module(mod)
                        names = getattr(m, "__all__", [n for n in dir(m) if not n.startswith("_")])
                        for n in names:
                            scope[n] = getattr(m, n)
                    except Exception:
                        pass
                continue
            local = al.asname or al.name
            if not stdlib:
                scope[local] = make_stub(local)
                continue
            try:
                m = importlib.import_module(mod)
            except Exception:
                self.missing.append({"line": node.lineno, "name": mod})
                scope[local] = make_stub(local)
                continue
            if hasattr(m, al.name):
                scope[local] = getattr(m, al.name)
            else:
                try:
                    scope[local] = importlib.import_module(mod + "." + al.name)
                except Exception:
                    self.missing.append({"line": node.lineno, "name": mod + "." + al.name})
                    scope[local] = make_stub(local)

    # -- statements
    def run(self):
        self.block(self.tree.body, self.module, when="import", level="module")
        # Anything else evaluated at call time, anywhere in the file.
        self.call_time(self.tree)

    def block(self, stmts, scope, when, level):
        for s in stmts:
            self.stmt(s, scope, when, level)

    def stmt(self, s, scope, when, level):
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            if level != "function":
                self.do_import(s, scope)
            return
        if isinstance(s, ast.If) and _is_type_checking(s.test):
            # Never runs. Evaluated anyway in a throw-away scope, failures kept apart: static tools
            # (ruff FA102, the reference survey) count them, Python never hits them.
            saved, self.in_tc = self.in_tc, True
            self.block(s.body, Scope(parent=scope), when, level)
            self.in_tc = saved
            self.block(s.orelse, scope, when, level)
            return
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(s, scope, when, level)
            return
        if isinstance(s, ast.ClassDef):
            self.klass(s, scope, when, level)
            return
        if level == "function":
            # The body of a function runs at call time: only nested defs/classes matter here.
            for child in ast.iter_child_nodes(s):
                if isinstance(child, ast.stmt):
                    self.stmt(child, scope, when, level)
            return
        if isinstance(s, ast.AnnAssign):
            if not self.future:
                self.evaluate(s.annotation, scope, "annotation", when)
            if s.value is not None and isinstance(s.target, ast.Name):
                scope[s.target.id] = self.evaluate(s.value, scope, "alias", when) if _evaluated_value(s.value) else STUB
            elif isinstance(s.target, ast.Name):
                scope.setdefault(s.target.id, STUB)
            return
        if isinstance(s, ast.Assign):
            value = self.evaluate(s.value, scope, "alias", when) if _evaluated_value(s.value) else STUB
            for t in s.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        scope[n.id] = value if isinstance(t, ast.Name) else STUB
            return
        # if / try / with / for / while at module or class level: both branches, in order
        for field in ("body", "handlers", "orelse", "finalbody"):
            sub = getattr(s, field, None)
            if sub:
                for x in sub:
                    if isinstance(x, ast.ExceptHandler):
                        if x.name:
                            scope[x.name] = STUB
                        self.block(x.body, scope, when, level)
                    else:
                        self.stmt(x, scope, when, level)
        for n in ast.walk(s):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in scope:
                scope[n.id] = STUB

    def function(self, fn, scope, when, level):
        a = fn.args
        for d in list(a.defaults) + [d for d in a.kw_defaults if d is not None]:
            if _has_typeish(d):
                self.evaluate(d, scope, "default", when)
        if not self.future:
            args = list(getattr(a, "posonlyargs", [])) + list(a.args) + list(a.kwonlyargs)
            args += [x for x in (a.vararg, a.kwarg) if x is not None]
            for arg in args:
                if arg.annotation is not None:
                    self.evaluate(arg.annotation, scope, "annotation", when)
            if fn.returns is not None:
                self.evaluate(fn.returns, scope, "annotation", when)
        scope[fn.name] = make_stub(fn.name)
        inner = Scope(parent=_skip_class(scope), stubbed=self.local_names(fn))
        self.block(fn.body, inner, "call", "function")

    def klass(self, c, scope, when, level):
        for b in c.bases:
            self.evaluate(b, scope, "base", when)
        for k in c.keywords:
            if _has_typeish(k.value):
                self.evaluate(k.value, scope, "base", when)
        body = Scope(parent=scope)
        body.is_class = True
        self.block(c.body, body, when, "class")
        scope[c.name] = make_stub(c.name)

    # -- call-time sites anywhere
    def call_time(self, tree):
        oracle = self

        class V(ast.NodeVisitor):
            def __init__(self):
                self.locals = []
                self.tc = False

            def scope(self):
                s = Scope(parent=oracle.module, stubbed=set().union(*self.locals) if self.locals else ())
                return s

            def visit_FunctionDef(self, node):
                for d in node.decorator_list:
                    self.visit(d)
                self.locals.append(oracle.local_names(node))
                for s in node.body:
                    self.visit(s)
                self.locals.pop()

            visit_AsyncFunctionDef = visit_FunctionDef

            def visit_Lambda(self, node):
                self.locals.append(oracle.local_names(node))
                self.visit(node.body)
                self.locals.pop()

            def visit_If(self, node):
                if _is_type_checking(node.test):
                    saved, oracle.in_tc = oracle.in_tc, True
                    for s in node.body:
                        self.visit(s)
                    oracle.in_tc = saved
                    for s in node.orelse:
                        self.visit(s)
                    return
                self.generic_visit(node)

            def visit_AnnAssign(self, node):  # annotations are handled above; value only
                if node.value is not None:
                    self.visit(node.value)

            def visit_arg(self, node):
                return

            def visit_Call(self, node):
                import typing

                fobj = self.static_value(node.func)
                targets = []
                if fobj is typing.cast and node.args:
                    targets.append((node.args[0], "cast"))
                elif fobj in (isinstance, issubclass) and len(node.args) == 2:
                    targets.append((node.args[1], fobj.__name__))
                elif fobj is typing.TypeVar:
                    targets += [(x, "typevar") for x in node.args[1:]]
                    targets += [(k.value, "typevar") for k in node.keywords if k.arg == "bound"]
                elif fobj is typing.NewType and len(node.args) == 2:
                    targets.append((node.args[1], "newtype"))
                done = set()
                for t, kind in targets:
                    if _has_typeish(t) and not isinstance(t, ast.Constant):
                        oracle.evaluate(t, self.scope(), kind, "call" if self.locals else "import")
                        done.add(id(t))
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.keyword):
                        child = child.value
                    if id(child) not in done:
                        self.visit(child)

            def visit_Subscript(self, node):
                if self.locals:
                    obj = self.static_value(node.value)
                    if isinstance(obj, type) and not is_stub(obj) and obj.__module__ in _GENERIC_MODULES:
                        oracle.evaluate(node, self.scope(), "runtime-subscript", "call")
                        return
                self.generic_visit(node)

            def static_value(self, v):
                """The module-level object a Name/Attribute chain names (None if local or unknown)."""
                parts = []
                while isinstance(v, ast.Attribute):
                    parts.append(v.attr)
                    v = v.value
                if not isinstance(v, ast.Name) or any(v.id in loc for loc in self.locals):
                    return None
                if v.id in oracle.module:
                    obj = oracle.module[v.id]
                elif hasattr(builtins, v.id):
                    obj = getattr(builtins, v.id)
                else:
                    return None
                for p in reversed(parts):
                    obj = getattr(obj, p, None)
                return obj

        V().visit(tree)


_GENERIC_MODULES = ("builtins", "collections", "collections.abc", "_collections_abc", "re", "contextlib")


def _skip_class(scope):
    # Function bodies do not see class-body names: skip class scopes in the chain.
    while getattr(scope, "is_class", False):
        scope = scope.parent
    return scope


def iter_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for f in sorted(filenames):
            if f.endswith(".py"):
                full = os.path.join(dirpath, f)
                yield os.path.relpath(full, root).replace(os.sep, "/")


def check_file(task):
    """(relpath, {output key: value}) for one file."""
    import io
    import tokenize
    import warnings

    warnings.simplefilter("ignore")
    root, rel = task
    with open(os.path.join(root, rel), "rb") as fh:
        data = fh.read()
    try:
        tree = ast.parse(data, filename=rel)
        enc = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        text = data.decode(enc)
    except (SyntaxError, ValueError, UnicodeDecodeError) as e:
        return rel, {"syntax_errors": "{}: {}".format(type(e).__name__, e)}
    fo = FileOracle(rel, text, tree)
    fo.run()
    return rel, {"failures": fo.failures, "type_checking_failures": fo.tc_failures, "other_errors": fo.others,
                 "missing_stdlib_names": fo.missing}


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--files-from", help="file with relative paths, one per line (default: every .py)")
    args = ap.parse_args(argv)
    if args.files_from:
        with open(args.files_from) as fh:
            files = [ln.strip() for ln in fh if ln.strip()]
    else:
        files = list(iter_files(args.root))
    out = {"python": sys.version.split()[0], "files_scanned": 0, "failures": {}, "type_checking_failures": {},
           "other_errors": {}, "missing_stdlib_names": {}, "syntax_errors": {}}
    tasks = [(args.root, rel) for rel in files]
    if args.jobs > 1 and len(tasks) > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(check_file, tasks, chunksize=8)
    else:
        results = [check_file(t) for t in tasks]
    for rel, res in results:
        out["files_scanned"] += 1
        for key, val in res.items():
            if val:
                out[key][rel] = val
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
