"""Rule ``py38-stdlib``: standard-library APIs and syntax newer than the target Python.

Rewrites what has an exact equivalent on the target:

- ``s.removeprefix(p)`` → ``(s[len(p):] if s.startswith(p) else s)`` and ``s.removesuffix(p)`` →
  ``(s[:-len(p)] if p and s.endswith(p) else s)`` (``p == ""`` must return ``s``; ``s[:-0]`` is
  ``""``), when ``s`` is a plain name, a literal, or a ``__class__``/``__name__`` chain, and ``p`` a
  plain name, a literal or an f-string of plain names — both are then evaluated twice with no
  side effect; another ``s`` (a call...) is bound to a fresh name by a statement inserted before its
  own (:mod:`ascendfix.codemods.hoist`), when that keeps the evaluation order. A literal ``p`` becomes
  a number (``s[4:]``);
- ``functools.cache`` → ``functools.lru_cache(maxsize=None)`` (``from functools import cache``
  imports ``lru_cache`` instead);
- ``hashlib.md5(..., usedforsecurity=...)`` (any hashlib constructor) →
  ``(hashlib.md5(..., usedforsecurity=...) if sys.version_info >= (3, 9) else hashlib.md5(...))``.

Everything else newer than the target is reported (file:line, API, the Python it needs) and left
alone: the tables of APIs are the rule's options (YAML); syntax (``match``, parenthesized context
managers, PEP 614 decorators, ``except*``, dict ``|``) is checked here. Sites under a version or
``try/except ImportError``-style guard, or under ``if TYPE_CHECKING:``, are not reported.
"""

import ast
import re

from ascendfix import guards
from ascendfix.apply.base import Plan, PythonCodemod
from ascendfix.apply.source import LineIndex
from ascendfix.astutil import dotted, last_name, nodes_by_type
from ascendfix.apply.stmtindex import StatementIndex
from ascendfix.codemods import hoist
from ascendfix.codemods.imports import ensure_import
from ascendfix.codemods.pyversion import version_tuple
from ascendfix.codemods.scope import ScopeVisitor, all_bound_names, fresh_name, rebound_names

# try/except around a site: these handlers mean "feature detection" (the site is fine), ...
_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "AttributeError", "NameError"}
# ... these only mean the failure is swallowed (still reported: on the target the fallback runs).
_BROAD_EXCEPTIONS = {"Exception", "BaseException"}
_PURE_ATTRS = {"__class__", "__name__", "__qualname__", "__module__"}
_HASH_CTORS = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s", "sha3_224", "sha3_256",
               "sha3_384", "sha3_512", "shake_128", "shake_256", "new"}


# Prefilter for syntax newer than 3.8 (the ast pass decides exactly): an identifier every use
# contains, then a regex whose matches must start a line (for soft keywords common in prose).
_SYNTAX = (
    (b"except", re.compile(r"except[ \t]*\*"), False),
    (b"with", re.compile(r"with[ \t]*\("), True),
    (b"match", re.compile(r"match(?:\b[^\r\n]*:[ \t]*(?:#[^\r\n]*)?(?=[\r\n]|\Z)|[ \t]*[(\[{])"), True),
    (b"type", re.compile(r"type[ \t]+[A-Za-z_]\w*[ \t]*[=\[]"), True),
)
_IDENT_BYTES = bytes(b if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b == 95) else 32 for b in range(256))


def identifiers(text):
    """The set of identifier-like words of ``text`` (as bytes; non-ASCII characters separate words)."""
    return set(text.encode("utf-8", "surrogatepass").translate(_IDENT_BYTES).split())


def _at_line_start(text, rx):
    """Does ``rx`` match somewhere with only blanks (or ``async``) before it on its line?"""
    for m in rx.finditer(text):
        line_start = max(text.rfind("\n", 0, m.start()), text.rfind("\r", 0, m.start())) + 1
        head = text[line_start:m.start()].strip(" \t")
        if head in ("", "async"):
            return True
    return False


def _syntax_candidate(text, words):
    for word, rx, line_start in _SYNTAX:
        if word in words and (_at_line_start(text, rx) if line_start else rx.search(text)):
            return True
    return "@(" in text


_DICT_OR = re.compile(r"\}[ \t]*\||\|=?[ \t]*(?:\{|dict\()")  # dict | dict
_DECORATOR_614 = re.compile(r"@[ \t]*[\w.]+(?:\[|\([^\n]*\)[ \t]*[.\[])")  # @a[0].b, @a.b(x).c


def _fmt(v):
    return ".".join(str(x) for x in v)


def _pure_receiver(node):
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return True
    if isinstance(node, ast.Attribute) and node.attr in _PURE_ATTRS:
        return _pure_receiver(node.value) and not isinstance(node.value, ast.Constant)
    return False


def _pure_argument(node):
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return True
    if isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                if not isinstance(v.value, ast.Name):
                    return False
                if v.format_spec is not None and not all(isinstance(x, ast.Constant) for x in v.format_spec.values):
                    return False
            elif not isinstance(v, ast.Constant):
                return False
        return True
    return False


def _is_version_test(test):
    """A version or availability test (ascendfix.guards), or a ``PY3*`` flag or a ``hasattr()`` probe."""
    if guards.if_kind(test) == "conditional":
        return True
    for n in ast.walk(test):
        if isinstance(n, ast.Name) and n.id.startswith("PY3"):
            return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "hasattr":
            return True
    return False


def _handler_names(h):
    t = h.type
    if t is None:
        return {"BaseException"}
    elts = t.elts if isinstance(t, ast.Tuple) else [t]
    out = set()
    for e in elts:
        d = dotted(e)
        if d:
            out.add(d.rsplit(".", 1)[-1])
    return out


def _matching_paren(text, i):
    """Offset of the ``)`` closing the ``(`` at ``i`` (skipping strings and comments), or None."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "'\"":
            q = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(q)
            while j < n and not text.startswith(q, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(q)
            continue
        i += 1
    return None


class _Scan(ScopeVisitor):
    def __init__(self, mod, tree, text):
        ScopeVisitor.__init__(self, tree)
        self.mod = mod
        self.text = text
        self.idx = LineIndex.of(text)
        self.guard = 0
        self.broad = 0
        self.reports = []  # (line, api, needs, message)
        self.rewrites = []  # (line, kind, node, extra)
        self.cache_imports = []  # ImportFrom nodes importing functools.cache

    def report(self, node, api, needs, how=""):
        if self.guard or self.type_checking:
            return
        line = getattr(node, "lineno", None)
        if self.broad:
            how += " (inside try/except Exception: on the target the except branch runs instead)"
        msg = "{} needs Python {} (target {}){}".format(api, _fmt(needs), _fmt(self.mod.target), how)
        self.reports.append((line, api, needs, msg))

    def newer(self, needs):
        return needs is not None and version_tuple(needs) > self.mod.target

    # -- guards
    def visit_Try(self, node):
        names = set()
        for h in node.handlers:
            names |= _handler_names(h)
        guarded = bool(names & _GUARD_EXCEPTIONS)
        broad = bool(names & _BROAD_EXCEPTIONS) and not guarded
        self.guard += guarded
        self.broad += broad
        for s in node.body:
            self.visit(s)
        self.guard -= guarded
        self.broad -= broad
        for h in node.handlers:
            self.visit(h)
        for s in node.orelse + node.finalbody:
            self.visit(s)

    def visit_TryStar(self, node):
        if self.newer("3.11"):
            self.report(node, "except*", version_tuple("3.11"), " (syntax: the file does not compile)")
        self.visit_Try(node)

    def visit_If(self, node):
        if _is_version_test(node.test):
            self.guard += 1
            self.generic_visit(node)
            self.guard -= 1
        else:
            ScopeVisitor.visit_If(self, node)

    def visit_IfExp(self, node):
        g = _is_version_test(node.test)
        self.guard += g
        self.generic_visit(node)
        self.guard -= g

    # -- syntax newer than the target
    def visit_Match(self, node):
        if self.newer("3.10"):
            self.report(node, "match statement", version_tuple("3.10"), " (syntax: the file does not even compile)")
        self.generic_visit(node)

    def visit_With(self, node):
        self._check_with(node)
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def _check_with(self, node):
        if not self.newer("3.9") or not node.items:
            return
        items = node.items
        if len(items) < 2 and items[0].optional_vars is None:
            return
        start = self.idx.offset(node.lineno, node.col_offset)
        first = self.idx.offset(items[0].context_expr.lineno, items[0].context_expr.col_offset)
        head = self.text[start:first]
        p = head.find("(")
        if p < 0:
            return
        close = _matching_paren(self.text, start + p)
        last = items[-1].optional_vars or items[-1].context_expr
        last_end = self.idx.offset(last.end_lineno, last.end_col_offset)
        if close is not None and close >= last_end:
            if any(it.optional_vars is not None for it in items):
                how = " (syntax: the file does not compile on 3.8)"
            else:  # `with (a(), b()):` is a tuple on 3.8: it compiles, and fails when it runs
                how = " (on 3.8 the parentheses make one tuple: it compiles, then fails when the `with` runs: " \
                      "AttributeError: __enter__)"
            self.report(node, "parenthesized context managers", version_tuple("3.9"), how)

    def _check_decorators(self, node):
        if not self.newer("3.9"):
            return
        for d in node.decorator_list:
            f = d.func if isinstance(d, ast.Call) else d
            if dotted(f) is None:
                self.report(d, "decorator expression (PEP 614)", version_tuple("3.9"),
                            " (syntax: the file does not compile on 3.8)")

    def visit_FunctionDef(self, node):
        self._check_decorators(node)
        if getattr(node, "type_params", None) and self.newer("3.12"):
            self.report(node, "type parameter syntax (PEP 695)", version_tuple("3.12"), " (syntax)")
        ScopeVisitor._visit_function(self, node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._check_decorators(node)
        if getattr(node, "type_params", None) and self.newer("3.12"):
            self.report(node, "type parameter syntax (PEP 695)", version_tuple("3.12"), " (syntax)")
        ScopeVisitor.visit_ClassDef(self, node)

    def visit_TypeAlias(self, node):  # the `type X = ...` statement (3.12)
        if self.newer("3.12"):
            self.report(node, "type statement", version_tuple("3.12"), " (syntax)")
        self.generic_visit(node)

    def _dictish(self, n):
        if isinstance(n, (ast.Dict, ast.DictComp)):
            return True
        return isinstance(n, ast.Call) and self.qualname(n.func) == "builtins.dict"

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.BitOr) and self.newer("3.9") and (self._dictish(node.left) or self._dictish(node.right)):
            self.report(node, "dict | dict", version_tuple("3.9"), ": use {**a, **b}")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.BitOr) and self.newer("3.9") and self._dictish(node.value):
            self.report(node, "dict |= dict", version_tuple("3.9"), ": use d.update(...)")
        self.generic_visit(node)

    # -- imports of new modules / names
    def visit_Import(self, node):
        for a in node.names:
            needs = self.mod.modules.get(a.name) or self.mod.modules.get(a.name.split(".")[0])
            if self.newer(needs):
                self.report(node, "module " + a.name, version_tuple(needs))

    def visit_ImportFrom(self, node):
        if node.level:
            return
        mod = node.module or ""
        needs = self.mod.modules.get(mod) or self.mod.modules.get(mod.split(".")[0])
        if self.newer(needs):
            self.report(node, "module " + mod, version_tuple(needs))
            return
        for a in node.names:
            q = mod + "." + a.name
            if q == "functools.cache" and not (self.guard or self.type_checking):
                self.cache_imports.append(node)
                continue
            needs = self.mod.attributes.get(q)
            if self.newer(needs):
                self.report(node, q, version_tuple(needs), ": `from {} import {}` fails at import".format(mod, a.name))

    # -- attributes, names, calls
    def visit_Attribute(self, node):
        q = self.qualname(node)
        if q == "functools.cache" and isinstance(node.ctx, ast.Load) and not (self.guard or self.type_checking):
            self.rewrites.append((node.lineno, "cache", node, None))
            return
        if q is not None:
            needs = self.mod.attributes.get(q)
            if self.newer(needs):
                self.report(node, q, version_tuple(needs))
        self.generic_visit(node)

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            return
        q = self.resolve(node.id)
        if q == "functools.cache":
            self.rewrites.append((node.lineno, "cache-name", node, None))
        elif q and q.startswith("builtins."):
            needs = self.mod.builtins.get(node.id)
            if self.newer(needs):
                self.report(node, "builtin " + node.id + "()", version_tuple(needs))

    def visit_Call(self, node):
        f = node.func
        q = self.qualname(f)
        # keyword arguments that are newer than the function
        if q is not None:
            kwtable = self.mod.keywords.get(q) or self.mod.keywords.get(q.replace("builtins.", "", 1))
            if kwtable:
                for k in node.keywords:
                    needs = kwtable.get(k.arg) if k.arg else None
                    if self.newer(needs):
                        self.report(node, "{}({}=...)".format(q.replace("builtins.", "", 1), k.arg), version_tuple(needs))
        if (q and q.startswith("hashlib.") and q.split(".", 1)[1] in _HASH_CTORS
                and any(k.arg == "usedforsecurity" for k in node.keywords) and self.newer("3.9")
                and not (self.guard or self.type_checking or self.in_fstring)):
            self.rewrites.append((node.lineno, "hashlib", node, q))
        if isinstance(f, ast.Attribute) and f.attr in self.mod.methods:
            label, needs = self.mod.methods[f.attr]
            if self.newer(needs) and not (self.guard or self.type_checking):
                affix = (f.attr in ("removeprefix", "removesuffix") and len(node.args) == 1 and not node.keywords
                         and _pure_argument(node.args[0]) and not self.in_fstring)
                if affix and _pure_receiver(f.value):
                    self.rewrites.append((node.lineno, f.attr, node, None))
                elif affix:  # bound to a name first, if the statement allows (Py38Stdlib.scan decides)
                    self.rewrites.append((node.lineno, f.attr, node, "bind"))
                else:
                    why = ""
                    if f.attr in ("removeprefix", "removesuffix"):
                        why = ": the argument is not a plain name/literal (it would be evaluated twice); " \
                              "rewrite by hand"
                        if self.in_fstring:
                            why = ": inside an f-string; rewrite by hand"
                    self.report(node, label, version_tuple(needs), why)
        self.generic_visit(node)


class Py38Stdlib(PythonCodemod):
    """Rule py38-stdlib (see module docstring)."""

    def __init__(self, rule_id, options, context):
        PythonCodemod.__init__(self, rule_id, options, context)
        o = self.options
        target = getattr(context, "target_python", None) or o.get("target_python") or "3.8"
        self.target = version_tuple(target)
        self.attributes = {k: str(v) for k, v in (o.get("attributes") or {}).items()}
        self.modules = {k: str(v) for k, v in (o.get("modules") or {}).items()}
        self.methods = {}
        for k, v in (o.get("methods") or {}).items():
            self.methods[k.rsplit(".", 1)[-1]] = (k, str(v))
        self.builtins = {k: str(v) for k, v in (o.get("builtins") or {}).items()}
        self.keywords = {k: {kk: str(vv) for kk, vv in (v or {}).items()} for k, v in (o.get("keywords") or {}).items()}
        # Prefilter: a file is a candidate when all the identifiers of one group occur in it (each group
        # lists identifiers any use of the API must contain: the API's name, and its module's for
        # module attributes), or when a syntax check matches. The file's identifiers are collected
        # once (bytes.translate + split: ~10x cheaper than one substring scan per API).
        groups = {(m,) for m in self.methods} | {(b,) for b in self.builtins}
        groups |= {("functools", "cache"), ("usedforsecurity",)}
        by_module = {}
        for k in self.attributes:
            by_module.setdefault(k.rsplit(".", 1)[0], []).append(k.rsplit(".", 1)[-1])
        # modules with many new names, some of them common words (typing: Self, override, Unpack):
        # the names must appear as `module.name` or in a `from module import` statement
        self._module_rx = []
        for mod, names in sorted(by_module.items()):
            if len(names) > 4:
                rx = re.compile(re.escape(mod) + r"(?:\.|[ \t]+import\b[^\n]*?(?:\([^)]*?)?)\b(?:" + "|".join(names) + r")\b")
                self._module_rx.append((mod.split(".")[0].encode(), {n.encode() for n in names}, rx))
            else:
                groups |= {(mod.split(".")[0], n) for n in names}
        for k in self.modules:
            groups.add((k.split(".")[0],))
        for k, kws in self.keywords.items():
            for kw in kws:
                groups.add((k.rsplit(".", 1)[-1], kw))
        self._groups = sorted(tuple(sorted({n.encode() for n in g})) for g in groups)
        # for the node pass (_interesting): last components of the tables' names
        self._attr_last = {k.rsplit(".", 1)[-1] for k in self.attributes} | {"cache"}
        self._kw_last = {k.rsplit(".", 1)[-1] for k, v in self.keywords.items() if v}
        self._kw_names = {kw for v in self.keywords.values() for kw in v}

    def prefilter(self, text):
        words = identifiers(text)
        for g in self._groups:
            if all(n in words for n in g):
                return True
        for mod, names, rx in self._module_rx:
            if mod in words and not names.isdisjoint(words) and rx.search(text):
                return True
        if _syntax_candidate(text, words):
            return True
        if "|" in text and _DICT_OR.search(text):
            return True
        return "@" in text and _at_line_start(text, _DECORATOR_614)

    def scan(self, tree, text, relpath):
        scan = self._scan(tree, text)
        if any(r[3] == "bind" for r in scan.rewrites if r[1] in ("removeprefix", "removesuffix")):
            self._bindable(scan, tree, text)
        reports = [self.finding(relpath, ln, "report", msg, api=api, needs=_fmt(needs)) for ln, api, needs, msg in
                   scan.reports]
        rewrite = bool([r for r in scan.rewrites if r[1] != "cache-name"] or scan.cache_imports)
        if not (rewrite or reports):
            return None
        plan = Plan(relpath, reports, rewrite)
        plan.scan = scan
        return plan

    def _bindable(self, scan, tree, text):
        """Decide the removeprefix/removesuffix sites whose receiver must be bound to a name first: keep
        those :mod:`ascendfix.codemods.hoist` allows (extra = their statement), report the others."""
        index = StatementIndex.of(tree)
        lines = LineIndex.of(text)
        sites = {id(r[2]) for r in scan.rewrites}
        keep = []
        for r in scan.rewrites:
            line, kind, node, extra = r
            if extra != "bind":
                keep.append(r)
                continue
            why = None
            si = next((i for i in index.at_lines([line]) if any(n is node for n in index.own_nodes(i))), None)
            if si is None:
                why = "its statement was not found"
            else:
                recv = node.func.value
                if any(id(n) in sites for n in ast.walk(recv)):
                    why = "it holds another rewrite"
                else:
                    stmt = index.nodes[si]
                    parents = hoist.parents(stmt)
                    why = hoist.problem(stmt, recv, hoist.path_to(recv, parents), lines, _in_class_body(index, si))
            if why is None:
                keep.append((line, kind, node, index.nodes[si]))
            else:
                label, needs = self.methods[kind]
                scan.report(node, label, version_tuple(needs), ": the receiver would be evaluated twice and cannot be "
                                                               "bound to a name first ({}); rewrite by hand".format(why))
        scan.rewrites = keep

    def transform(self, src, plan):
        scan = plan.scan
        relpath = plan.relpath
        text = src.text
        findings = []
        need_sys = False
        sys_name = None
        for local, qual in scan.imports.items():
            if qual == "sys":
                sys_name = local
                break
        if sys_name is not None and any(k == "hashlib" for _, k, _, _ in scan.rewrites) and \
                sys_name in rebound_names(scan.tree):
            sys_name = None  # `sys` also names something else somewhere: not safe to use
        rewrites = scan.rewrites
        if not scan.cache_imports:  # `cache` names are only rewritten together with their import
            rewrites = [r for r in rewrites if r[1] != "cache-name"]
        bound = set()
        for line, kind, node, extra in rewrites:
            if kind in ("removeprefix", "removesuffix"):
                before = src.segment(node)
                segment = src.segment
                note = ""
                if extra is not None:  # (statement, ...) from _bindable: the receiver is bound to a name first
                    name = fresh_name(text, AFFIX_NAME, bound)
                    bound.add(name)
                    offset, statement, _ = hoist.bind(text, src.index, extra, src.span(node.func.value), name)
                    src.replace(offset, offset, statement)
                    segment = (lambda n, name=name, recv=node.func.value: name if n is recv else src.segment(n))
                    note = "; `{}` bound to `{}` first (evaluated once)".format(_short(src.segment(node.func.value)), name)
                after = _remove_affix(kind, node, segment)
                src.replace_node(node, after)
                data = dict(api="str." + kind, needs="3.9", before=before, after=after)
                if extra is not None:
                    data.update(bound=name, bound_to=src.segment(node.func.value))
                findings.append(self.finding(relpath, line, "change", "str.{}() -> {}{}".format(kind, after, note),
                                             **data))
            elif kind in ("cache", "cache-name"):
                old = src.segment(node)
                if isinstance(node, ast.Attribute):
                    new = old[: old.rfind(".") + 1] + "lru_cache(maxsize=None)"
                else:
                    local = node.id if scan.imports.get(node.id) == "functools.cache" and node.id != "cache" else "lru_cache"
                    new = local + "(maxsize=None)"
                src.replace_node(node, new)
                findings.append(self.finding(relpath, line, "change", "{} -> {}".format(old, new),
                                             api="functools.cache", needs="3.9", before=old, after=new))
            elif kind == "hashlib":
                if sys_name is None:
                    if "sys" in all_bound_names(scan.tree):
                        findings.append(self.finding(relpath, line, "skip", "cannot add `import sys`: the name is taken"))
                        continue
                    need_sys = True
                sysn = sys_name or "sys"
                before = src.segment(node)
                parts = [src.segment(a) for a in node.args]
                for k in node.keywords:
                    if k.arg == "usedforsecurity":
                        continue
                    v = src.segment(k.value)
                    parts.append("**" + v if k.arg is None else "{}={}".format(k.arg, v))
                old_call = "{}({})".format(src.segment(node.func), ", ".join(parts))
                after = "({} if {}.version_info >= (3, 9) else {})".format(before, sysn, old_call)
                src.replace_node(node, after)
                findings.append(self.finding(relpath, line, "change", "usedforsecurity= kept for 3.9+ only",
                                             api=extra + "(usedforsecurity=)", needs="3.9", before=before, after=after))
        for node in scan.cache_imports:
            new = _rename_import(src.segment(node), "cache", "lru_cache")
            if new is None:
                findings.append(self.finding(relpath, node.lineno, "skip", "could not rewrite `from functools import cache`"))
                continue
            src.replace_node(node, new)
            findings.append(self.finding(relpath, node.lineno, "change", "from functools import cache -> lru_cache",
                                         api="functools.cache", needs="3.9"))
        if need_sys:  # (set only together with a hashlib edit)
            src.header(lambda module: ensure_import(module, "sys"))
        return findings

    def _scan(self, tree, text):
        scan = _Scan(self, tree, text)
        if self._interesting(tree, text):
            scan.visit(tree)
        return scan

    def _interesting(self, tree, text):
        """Cheap first pass: could the full (scope-aware) visit find anything in this file?

        A superset of what the visit reports or rewrites, decided without scopes over the file's nodes:
        dotted names are resolved against every import in the file (any scope), and an unimported
        head stands for the module of that name.
        """
        attrs, methods, kw_funcs = self._attr_last, self.methods, self._kw_last
        with_paren = "with" in text and _at_line_start(text, _SYNTAX[1][1])
        dictish = (ast.Dict, ast.DictComp, ast.Call)
        by = nodes_by_type(tree)
        if any(c.__name__ in ("Match", "TryStar", "TypeAlias") for c in by):
            return True
        if any(n.id in self.builtins and isinstance(n.ctx, ast.Load) for n in by.get(ast.Name, ())):
            return True
        dotted_uses = []
        for n in by.get(ast.Attribute, ()):
            if n.attr in methods:
                return True
            if n.attr in attrs:
                dotted_uses.append(n)
        for n in by.get(ast.BinOp, ()):
            if isinstance(n.op, ast.BitOr) and (isinstance(n.left, dictish) or isinstance(n.right, dictish)):
                return True
        for n in by.get(ast.AugAssign, ()):
            if isinstance(n.op, ast.BitOr) and isinstance(n.value, dictish):
                return True
        if with_paren:
            for n in by.get(ast.With, []) + by.get(ast.AsyncWith, []):
                if len(n.items) > 1 or n.items[0].optional_vars is not None:
                    return True
        for c in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            for n in by.get(c, ()):
                if any(dotted(d.func if isinstance(d, ast.Call) else d) is None for d in n.decorator_list):
                    return True
                if getattr(n, "type_params", None):
                    return True
        imports = {}
        for n in by.get(ast.Import, ()):
            for a in n.names:
                if a.name in self.modules or a.name.split(".")[0] in self.modules:
                    return True
                top = a.name.split(".")[0]
                imports.setdefault(a.asname or top, set()).add(a.name if a.asname else top)
        for n in by.get(ast.ImportFrom, ()):
            if n.level:
                continue
            mod = n.module or ""
            if mod in self.modules or mod.split(".")[0] in self.modules:
                return True
            for a in n.names:
                q = mod + "." + a.name
                if q in self.attributes or q == "functools.cache":
                    return True
                imports.setdefault(a.asname or a.name, set()).add(q)
        kw_names = self._kw_names
        for n in by.get(ast.Call, ()):
            for k in n.keywords:
                if k.arg == "usedforsecurity":
                    return True
                if k.arg in kw_names:
                    last = last_name(n.func)
                    names = {last} | {q.rsplit(".", 1)[-1] for q in imports.get(last, ())}  # `dataclass as dc`
                    if not names.isdisjoint(kw_funcs):
                        return True
        for n in dotted_uses:
            d = dotted(n)
            if d is None:
                continue
            head, _, rest = d.partition(".")
            for base in imports.get(head, set()) | {head}:
                q = base + "." + rest
                if q in self.attributes or q == "functools.cache":
                    return True
        return False



AFFIX_NAME = "affix_input"


def _in_class_body(index, si):
    """Is statement ``si`` directly in a class body (no def between)?"""
    p = index.parents[si]
    while p >= 0:
        node = index.nodes[p]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        if isinstance(node, ast.ClassDef):
            return True
        p = index.parents[p]
    return False


def _short(s, n=60):
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _remove_affix(kind, node, segment):
    recv = node.func.value
    arg = node.args[0]
    s = segment(recv)
    if not isinstance(recv, ast.Name) and _pure_receiver(recv):
        s = "({})".format(s) if isinstance(recv, ast.Constant) else s
    p = segment(arg)
    literal = isinstance(arg, ast.Constant)
    if kind == "removeprefix":
        cut = str(len(arg.value)) if literal else "len({})".format(p)
        return "({s}[{cut}:] if {s}.startswith({p}) else {s})".format(s=s, cut=cut, p=p)
    if literal:
        if not arg.value:
            return "({})".format(s)
        return "({s}[:-{n}] if {s}.endswith({p}) else {s})".format(s=s, n=len(arg.value), p=p)
    return "({s}[:-len({p})] if {p} and {s}.endswith({p}) else {s})".format(s=s, p=p)


def _rename_import(seg, old, new):
    """Rename the imported name ``old`` in the text of one ``from X import ...`` statement."""
    import io
    import tokenize

    try:
        toks = list(tokenize.generate_tokens(io.StringIO(seg).readline))
    except (tokenize.TokenError, IndentationError):
        return None
    lines = seg.splitlines(True)
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln))
    seen_import = False
    prev = None
    for t in toks:
        if t.type == tokenize.NAME and t.string == "import" and not seen_import:
            seen_import = True
        elif seen_import and t.type == tokenize.NAME and t.string == old and not (prev and prev.string == "as"):
            a = starts[t.start[0] - 1] + t.start[1]
            b = starts[t.end[0] - 1] + t.end[1]
            return seg[:a] + new + seg[b:]
        if t.type not in (tokenize.NL, tokenize.COMMENT):
            prev = t
    return None
