"""masked_fill dtype: give MindSpore's MaskedFill a fill value of the input's dtype.

``x.masked_fill(mask, 0)`` on a float16 tensor fails in MindSpore (CPU: "Select CPU
operator[MaskedFill] fail! Unsupported data type!" for an int; Ascend: "For MaskedFill, the dtype of
input and value should be same ... value's type Float32" for a float too), because the Python number
becomes an int64/float32 scalar. The fix users apply by hand is
``x.masked_fill(mask, ms.Tensor(0, dtype=x.dtype))``.

Sites (only in files that import mindspore; in files that also import torch the method form is
reported, not rewritten): ``<recv>.masked_fill(mask, V)`` / ``.masked_fill_``, and
``ops.masked_fill(x, mask, V)`` / ``mint.masked_fill`` / ``mindspore.ops.masked_fill`` (however the
module is imported), where V (positional or ``value=``) is a Python scalar written as a literal:
a number, ``float(...)`` (``float("-inf")``, ``float(0)``), ``math.inf`` / ``numpy.inf`` /
``mindspore.numpy.inf`` (and ``nan``), any of these negated, or a name whose only bindings in its
scope assign one of these (``min_value = float(...)``).

The dtype comes from the receiver (method form) or the first argument (functional form):
- a name, attribute chain or constant subscript is used as it is;
- a masked_fill call (``x.masked_fill(a, 0).masked_fill(b, 0)``) has the dtype of its own input;
- any other expression (a call, arithmetic) must not be evaluated twice: it is bound to a fresh name
  by a statement inserted just before the one holding it (``masked_input = mint.softmax(s, dim=-1)``),
  when that keeps the evaluation order (nothing with side effects runs before it in the statement,
  and it is evaluated unconditionally). MindSpore's graph mode does not compile assignment
  expressions (``:=``: "Unsupported expression 'NamedExpr'", MindSpore 2.7.0), so a statement it is.
  Otherwise the site is reported.

Names a rewrite uses are checked against the scopes of the site: a module alias shadowed there
(``def f(scores, mask, ms)``) is not used; another alias, or an added import whose name is bound
nowhere in the file, is.

Decided on the stdlib ``ast``; the rewrite is text edits at ``ast`` positions (the rest of the call
keeps its bytes); libcst only places an import in the file's header when one is needed.
"""

import ast
import re
import sys

from ascendfix import guards
from ascendfix.apply.base import Plan, PythonCodemod
from ascendfix.apply.source import LineIndex
from ascendfix.apply.stmtindex import StatementIndex
from ascendfix.astutil import dotted, nodes_by_type
from ascendfix.codemods import hoist
from ascendfix.codemods.imports import add_import_after_imports
from ascendfix.codemods.scope import BUILTIN_NAMES, arg_names, binding_nodes, bindings, fresh_name

METHODS = ("masked_fill", "masked_fill_")
_NAME_RE = re.compile(r"masked_fill")
# a literal fill is the call's last argument, shortly after the name: ", <number>)", or a float(...)
# call / an inf or nan constant somewhere after it; a name fill needs an assignment from one of those
_FILL_RE = re.compile(r",\s*(?:value\s*=\s*)?[-+]?\s*(?:\d|\.\d)(?:[eE][-+]?|[\w.])*\s*,?\s*\)|\bfloat\s*\(|\b(?:inf|nan|Inf|NaN)\b")
_NAME_FILL_RE = re.compile(r",\s*(?:value\s*=\s*)?[A-Za-z_]\w*\s*,?\s*\)")
_WINDOW = 2000  # chars after the name; the longest call site in mindone 0.2-0.5 is far shorter
# Python 3.8 wraps subscripts in ast.Index / ast.ExtSlice (deprecated names later: don't touch them there)
_INDEX = getattr(ast, "Index") if sys.version_info < (3, 9) else None
_EXTSLICE = getattr(ast, "ExtSlice") if sys.version_info < (3, 9) else None
FUNCTIONAL_MODULES = ("mindspore.ops", "mindspore.mint", "mindspore.ops.function", "mindspore.ops.functional")
SCALAR_CONSTANTS = {
    "math.inf", "math.nan", "numpy.inf", "numpy.nan", "numpy.Inf", "numpy.NaN", "numpy.NINF", "numpy.PINF",
    "mindspore.numpy.inf", "mindspore.numpy.nan", "mindspore.numpy.NINF", "mindspore.numpy.PINF",
}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
HOIST_NAME = "masked_input"


def _is_simple(node):
    """Safe and cheap to evaluate a second time: names, attribute chains, constant subscripts."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return _is_simple(node.value)
    if isinstance(node, ast.Subscript):
        sl = node.slice
        if _INDEX is not None and isinstance(sl, _INDEX):  # py3.8
            sl = sl.value
        return _is_simple(node.value) and _is_simple_index(sl)
    return False


def _is_simple_index(node):
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_simple_index(node.operand)
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Slice):
        return all(_is_simple_index(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Tuple):
        return all(_is_simple_index(e) for e in node.elts)
    if _EXTSLICE is not None and isinstance(node, _EXTSLICE):  # py3.8
        return all(_is_simple_index(d) for d in node.dims)
    if _INDEX is not None and isinstance(node, _INDEX):
        return _is_simple_index(node.value)
    return False


class _Imports:
    """What a file's imports bind: local name -> dotted module/object, and the mindspore aliases."""

    def __init__(self, tree, index):
        self.tree = tree
        self.names = {}  # local name -> dotted target (only for imports)
        self.mindspore = False
        self.torch = False
        self.alias = None  # the preferred module-level name bound to the mindspore package
        self.aliases = []  # every module-level name bound to the mindspore package
        self._bound = None
        for i, node in enumerate(index.nodes):
            if isinstance(node, ast.Import):
                for a in node.names:
                    top = a.name.split(".")[0]
                    self.names[a.asname or top] = a.name if a.asname else top
                    self._note(a.name)
                    if _module_level(index, i):
                        if a.asname and a.name == "mindspore":
                            self.alias = self.alias if self.alias == "ms" else a.asname
                            self.aliases.append(a.asname)
                        elif not a.asname and top == "mindspore":
                            self.alias = self.alias or "mindspore"
                            self.aliases.append("mindspore")
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    self.names[a.asname or a.name] = node.module + "." + a.name
                self._note(node.module)

    @property
    def bound(self):
        """Every name bound anywhere in the file."""
        if self._bound is None:
            by = nodes_by_type(self.tree)
            b = set(self.names)
            b.update(n.id for n in by.get(ast.Name, ()) if isinstance(n.ctx, ast.Store))
            b.update(n.arg for n in by.get(ast.arg, ()))
            b.update(n.name for c in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) for n in by.get(c, ()))
            self._bound = b
        return self._bound

    def _note(self, module):
        top = module.split(".")[0]
        if top == "mindspore":
            self.mindspore = True
        elif top == "torch":
            self.torch = True

    def resolve(self, name):
        if not name:
            return None
        head, _, rest = name.partition(".")
        target = self.names.get(head)
        if target is None:
            return None
        return target + ("." + rest if rest else "")


def _module_level(index, i):
    """Statement ``i`` runs at import time in module scope (only if/try around it, not TYPE_CHECKING)."""
    child, p = i, index.parents[i]
    while p >= 0:
        node = index.nodes[p]
        if isinstance(node, ast.If):
            branch = guards.type_checking_branch(node.test)
            if branch and any(s is index.nodes[child] for s in getattr(node, branch)):
                return False
        elif not isinstance(node, ast.Try):
            return False
        child, p = p, index.parents[p]
    return True


def _site(call, imports):
    """Classify a Call: None (not a site) or (value_node, input_node, form)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in METHODS:
        if isinstance(func, ast.Name):
            target = imports.resolve(func.id)
            if target and target.rpartition(".")[0] in FUNCTIONAL_MODULES and target.endswith(".masked_fill"):
                return _functional(call)
        return None
    receiver = dotted(func.value)
    if receiver is not None:
        target = imports.resolve(receiver)
        if target is not None:  # a module (or something imported): functional form, or not ours
            if func.attr == "masked_fill" and target in FUNCTIONAL_MODULES:
                return _functional(call)
            return None
    return _args(call, call.func.value, 1, "method")


def _functional(call):
    if not call.args or isinstance(call.args[0], ast.Starred):
        return None  # input given by keyword: rare, left alone
    return _args(call, call.args[0], 2, "functional")


def _args(call, inp, want, form):
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    if len(call.args) > want:
        return call.args[want], inp, form
    for k in call.keywords:
        if k.arg == "value":
            return k.value, inp, form
    return None


# ----------------------------------------------------------------------------------------------- scopes


class _Scopes:
    """Where a site is: the scopes around it (innermost first), to resolve and to check names."""

    def __init__(self, tree, index):
        self.tree = tree
        self.index = index
        self._module = None
        self._names = {}  # id(scope node) -> names it binds

    @property
    def module_names(self):
        if self._module is None:
            self._module = bindings(self.tree.body)
        return self._module

    def names(self, node):
        got = self._names.get(id(node))
        if got is None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                got = arg_names(node.args) | bindings(node.body)
            elif isinstance(node, ast.Lambda):
                got = arg_names(node.args)
            elif isinstance(node, ast.ClassDef):
                got = bindings(node.body)
            else:  # comprehension
                got = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            self._names[id(node)] = got
        return got

    def chain(self, si, path):
        """Scope nodes around a node of statement ``si`` whose expression ancestors are ``path``
        (innermost first; a class body counts only when nothing else is inside it)."""
        out = [n for n in reversed(path) if isinstance(n, (ast.Lambda,) + _COMPREHENSIONS)]
        i = self.index.parents[si]
        stmt = self.index.nodes[si]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            i = si  # a site in a def's decorators/defaults is outside the def: handled by the caller
        while i >= 0:
            node = self.index.nodes[i]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if i != si:
                    out.append(node)
            elif isinstance(node, ast.ClassDef) and i != si:
                if not out:
                    out.append(node)
            i = self.index.parents[i]
        return out

    def shadowed(self, name, chain):
        return any(name in self.names(s) for s in chain)

    def resolve(self, name, chain, imports):
        """Qualified name of ``name`` at a site: ``builtins.X``, an import's target, or None (a local/other binding)."""
        if self.shadowed(name, chain):
            return None
        if name in imports.names:
            return imports.names[name]
        if name in self.module_names:
            return None
        return "builtins." + name if name in BUILTIN_NAMES else None


# ----------------------------------------------------------------------------------------- fill values


def _qualname(node, chain, scopes, imports):
    d = dotted(node)
    if d is None:
        return None
    head, _, rest = d.partition(".")
    q = scopes.resolve(head, chain, imports)
    if q is None:
        return None
    return q + ("." + rest if rest else "")


def _literal_scalar(node, chain, scopes, imports):
    """Is ``node`` a Python scalar written as a literal (see module docstring)? Names not followed."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        v = node.value
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if isinstance(node, ast.Call):
        return (isinstance(node.func, ast.Name) and node.func.id == "float" and len(node.args) == 1
                and not node.keywords and not isinstance(node.args[0], ast.Starred)
                and scopes.resolve("float", chain, imports) == "builtins.float")
    if isinstance(node, (ast.Attribute, ast.Name)):
        q = _qualname(node, chain, scopes, imports)
        return q in SCALAR_CONSTANTS
    return False


def _scalar_fill(node, chain, scopes, imports):
    """None, or how the fill is a Python scalar: "literal" / "name" (bound only to literals)."""
    if _literal_scalar(node, chain, scopes, imports):
        return "literal"
    if not isinstance(node, ast.Name):
        return None
    # the scope that binds it: the innermost function of the chain that does, else the module
    name = node.id
    for s in chain:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if name in arg_names(s.args):
                return None
            if name in scopes.names(s):
                return "name" if _only_scalar_assignments(binding_nodes(s.body, name), name, s, scopes, imports) \
                    else None
        elif name in scopes.names(s):
            return None  # lambda parameter, comprehension variable, class attribute
    if name in imports.names or name not in scopes.module_names:
        return None
    found = binding_nodes(scopes.tree.body, name)
    # a function that declares it global may rebind it
    for n in nodes_by_type(scopes.tree).get(ast.Global, ()):
        if name in n.names:
            return None
    return "name" if _only_scalar_assignments(found, name, None, scopes, imports) else None


def _only_scalar_assignments(nodes, name, func, scopes, imports):
    if not nodes:
        return False
    chain = [func] if func is not None else []
    for n in nodes:
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            value = n.value
        elif isinstance(n, ast.AnnAssign) and n.value is not None and isinstance(n.target, ast.Name):
            value = n.value
        else:
            return False
        if not _literal_scalar(value, chain, scopes, imports):
            return False
    return True


# ---------------------------------------------------------------------------------------------- the rule


class _Site:
    __slots__ = ("call", "value", "inp", "si", "chain", "dtype_node", "hoist", "alias", "fill")

    def __init__(self, call, value, inp, si, chain, fill):
        self.call = call
        self.value = value
        self.inp = inp
        self.si = si
        self.chain = chain
        self.fill = fill
        self.dtype_node = None  # the expression whose .dtype the rewrite reads (when no hoist)
        self.hoist = None  # (name, statement) when the input is bound to a name first
        self.alias = None


class _Plan(Plan):
    def __init__(self, relpath, imports):
        Plan.__init__(self, relpath)
        self.imports = imports
        self.sites = []  # _Site to rewrite, in source order
        self.add_import = None  # the alias an added `import mindspore...` binds


class MaskedFillDtype(PythonCodemod):
    def prefilter(self, text):
        if "masked_fill" not in text or "mindspore" not in text:
            return False
        for m in _NAME_RE.finditer(text):
            if _FILL_RE.search(text, m.end(), m.end() + _WINDOW) or _NAME_FILL_RE.search(text, m.end(), m.end() + _WINDOW):
                return True
        return False

    def scan(self, tree, text, relpath):
        index = StatementIndex.of(tree)
        imports = _Imports(tree, index)
        if not imports.mindspore:
            return None
        lines = LineIndex.of(text)
        hit_lines = [n for n in range(1, lines.line_count + 1) if "masked_fill" in lines.line(n)]
        scopes = _Scopes(tree, index)
        plan = _Plan(relpath, imports)
        calls = []
        for si in index.at_lines(hit_lines):
            stmt_calls = [n for n in index.own_nodes(si) if isinstance(n, ast.Call)]
            if any(isinstance(c.func, (ast.Attribute, ast.Name)) and
                   (getattr(c.func, "attr", None) or getattr(c.func, "id", None) or "").startswith("masked_fill")
                   for c in stmt_calls):
                parents = hoist.parents(index.nodes[si])
                calls.extend((c, si, parents) for c in stmt_calls)
        # inner calls before the calls holding them (a receiver is bound to a name with its inner rewrites done)
        calls.sort(key=lambda c: (c[0].end_lineno, c[0].end_col_offset, c[0].lineno, c[0].col_offset))
        for call, si, parents in calls:
            info = _site(call, imports)
            if info is None:
                continue
            value, inp, form = info
            path = hoist.path_to(call, parents)
            chain = scopes.chain(si, path)
            fill = _scalar_fill(value, chain, scopes, imports)
            if fill is None:
                continue
            if imports.torch and form == "method":
                plan.findings.append(self.finding(
                    relpath, call.lineno, "skip",
                    "masked_fill with a Python scalar in a file that imports both mindspore and torch: "
                    "cannot tell whose tensor this is; check it by hand",
                    reason="mixed-frameworks"))
                continue
            if any(isinstance(p, ast.JoinedStr) for p in path):
                plan.findings.append(self.finding(
                    relpath, call.lineno, "skip", "masked_fill inside an f-string; rewrite it by hand",
                    reason="f-string"))
                continue
            site = _Site(call, value, inp, si, chain, fill)
            site.dtype_node = _dtype_source(inp, imports)
            if site.dtype_node is None:
                problem = hoist.problem(index.nodes[si], inp, hoist.path_to(inp, parents), lines,
                                        any(isinstance(c, ast.ClassDef) for c in chain))
                if problem is not None:
                    plan.findings.append(self.finding(
                        relpath, call.lineno, "skip",
                        "masked_fill fill value {} needs the dtype of `{}`, which would be evaluated twice, and "
                        "it cannot be bound to a name first ({}); bind it by hand".format(
                            lines.segment(value), _short(lines.segment(inp)), problem),
                        reason="complex-receiver"))
                    continue
                site.hoist = index.nodes[si]
            alias = self._alias(site, scopes, imports, plan)
            if alias is None:
                plan.findings.append(self.finding(
                    relpath, call.lineno, "skip",
                    "masked_fill: no name for mindspore is free here (every candidate is shadowed)",
                    reason="shadowed"))
                continue
            site.alias = alias
            plan.sites.append(site)
        plan.findings.sort(key=lambda f: f.line or 0)
        plan.rewrite = bool(plan.sites)
        return plan if (plan.rewrite or plan.findings) else None

    @staticmethod
    def _alias(site, scopes, imports, plan):
        """A name bound to the mindspore package at the site: a module alias not shadowed there, else
        the name of an import to add (bound nowhere in the file)."""
        cands = ([imports.alias] if imports.alias else []) + [a for a in imports.aliases if a != imports.alias]
        for a in cands:
            if not scopes.shadowed(a, site.chain):
                return a
        if plan.add_import is None:
            for a in ("ms", "mindspore"):
                if a not in imports.bound:
                    plan.add_import = a
                    break
            else:
                return None
        return plan.add_import

    def transform(self, src, plan):
        text = src.text
        hoist_names = set()
        edits = []  # (start, end, text)
        inserts = []  # (offset, order key, text): statements inserted before a line
        findings = []
        for site in plan.sites:
            if site.hoist is not None:
                name = fresh_name(text, HOIST_NAME, hoist_names)
                hoist_names.add(name)
                s, e = src.span(site.inp)
                inner = [ed for ed in edits if s <= ed[0] and ed[1] <= e]
                edits = [ed for ed in edits if not (s <= ed[0] and ed[1] <= e)]
                offset, statement, span = hoist.bind(text, src.index, site.hoist, (s, e), name, inner)
                inserts.append((offset, e, statement))
                edits.append(span + (name,))
                dtype = name
            else:
                dtype = src.segment(site.dtype_node)
            vs, ve = src.span(site.value)
            inner = [ed for ed in edits if vs <= ed[0] and ed[1] <= ve]
            edits = [ed for ed in edits if not (vs <= ed[0] and ed[1] <= ve)]
            edits.append((vs, ve, "{}.Tensor({}, dtype={}.dtype)".format(site.alias, hoist.render(text, vs, ve, inner),
                                                                          dtype)))
            msg = "masked_fill fill value wrapped in {}.Tensor(..., dtype=<input>.dtype)".format(site.alias)
            data = {}
            if site.hoist is not None:
                msg += "; `{}` bound to `{}` first (evaluated once)".format(_short(src.segment(site.inp)), dtype)
                data["bound"] = dtype
            if site.fill == "name":
                data["fill"] = "name"
            findings.append(self.finding(plan.relpath, site.call.lineno, "change", msg, **data))
        order = sorted(range(len(findings)), key=lambda i: (findings[i].line, plan.sites[i].call.col_offset))
        findings = [findings[i] for i in order]
        sites = [plan.sites[i] for i in order]
        for offset, _, new in sorted(inserts, key=lambda t: (t[0], t[1])):
            src.replace(offset, offset, new)
        for s, e, new in edits:
            src.replace(s, e, new)
        if plan.add_import and any(site.alias == plan.add_import for site in plan.sites):
            line = _import_line(plan.add_import)
            src.header(lambda module: add_import_after_imports(module, line))
            first = [f for f, site in zip(findings, sites) if site.alias == plan.add_import][0]
            first.message += "; added `{}`".format(line)
            first.data["import_added"] = line
        return findings


def _dtype_source(inp, imports):
    """The expression whose dtype ``inp`` has without evaluating it again, or None.

    A masked_fill call has its input's dtype (``x.masked_fill(a, 0).masked_fill(b, 0)``: x's)."""
    while True:
        if _is_simple(inp):
            return inp
        if not isinstance(inp, ast.Call):
            return None
        info = _site(inp, imports)
        if info is None:
            return None
        inp = info[1]


def _short(s, n=60):
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _import_line(alias):
    return "import mindspore as ms" if alias == "ms" else "import mindspore" if alias == "mindspore" else \
        "import mindspore as {}".format(alias)
