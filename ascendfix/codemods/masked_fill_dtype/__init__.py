"""masked_fill dtype: give MindSpore's MaskedFill a fill value of the input's dtype.

``x.masked_fill(mask, 0)`` on a float16 tensor fails in MindSpore (CPU: "Select CPU
operator[MaskedFill] fail! Unsupported data type!"; Ascend: "For MaskedFill, the dtype of input and
value should be same"), because the Python number becomes an int64/float32 scalar. The fix users
apply by hand is ``x.masked_fill(mask, ms.Tensor(0, dtype=x.dtype))``.

Sites (only in files that import mindspore; files that also import torch are left alone, sites
reported): ``<recv>.masked_fill(mask, N)`` / ``.masked_fill_``, and ``ops.masked_fill(x, mask, N)`` /
``mint.masked_fill`` / ``mindspore.ops.masked_fill`` (however the module is imported), where N is a
bare number or ``-number`` (positional or ``value=``). The dtype comes from the receiver (method
form) or the first argument (functional form). When that expression could have side effects or
is costly to evaluate twice (calls, arithmetic), the site is skipped and reported.

Decided on the stdlib ``ast``; the rewrite is a text edit of the fill value at its ``ast`` position
(the rest of the call keeps its bytes), and libcst only places an import in the file's header when
the file has no module-level name for mindspore.
"""

import ast
import re
import sys

from ascendfix.apply.base import Plan, PythonCodemod
from ascendfix.apply.source import LineIndex
from ascendfix.apply.stmtindex import StatementIndex
from ascendfix.astutil import dotted, nodes_by_type
from ascendfix.codemods.imports import add_import_after_imports

METHODS = ("masked_fill", "masked_fill_")
_NAME_RE = re.compile(r"masked_fill")
_FILL_RE = re.compile(r",\s*(?:value\s*=\s*)?[-+]?\s*(?:\d|\.\d)(?:[eE][-+]?|[\w.])*\s*,?\s*\)")
_WINDOW = 2000  # chars after the name; the longest call site in mindone 0.2-0.5 is far shorter
# Python 3.8 wraps subscripts in ast.Index / ast.ExtSlice (deprecated names later: don't touch them there)
_INDEX = getattr(ast, "Index") if sys.version_info < (3, 9) else None
_EXTSLICE = getattr(ast, "ExtSlice") if sys.version_info < (3, 9) else None
FUNCTIONAL_MODULES = ("mindspore.ops", "mindspore.mint", "mindspore.ops.function", "mindspore.ops.functional")


def _is_number(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        v = node.value
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return False


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
    """What a file's imports bind: local name -> dotted module/object, and the mindspore alias."""

    def __init__(self, tree, index):
        self.tree = tree
        self.names = {}  # local name -> dotted target (only for imports)
        self.mindspore = False
        self.torch = False
        self.alias = None  # module-level name bound to the mindspore package
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
                        elif not a.asname and top == "mindspore" and self.alias is None:
                            self.alias = "mindspore"
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    self.names[a.asname or a.name] = node.module + "." + a.name
                self._note(node.module)

    @property
    def bound(self):
        """Every name bound anywhere in the file (computed only when an import must be added)."""
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
    p = index.parents[i]
    while p >= 0:
        node = index.nodes[p]
        if isinstance(node, ast.If):
            if (dotted(node.test) or "").endswith("TYPE_CHECKING"):
                return False
        elif not isinstance(node, ast.Try):
            return False
        p = index.parents[p]
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


class _Plan(Plan):
    def __init__(self, relpath, imports):
        Plan.__init__(self, relpath)
        self.imports = imports
        self.sites = []  # (line, value node, input node) to rewrite, in source order


class MaskedFillDtype(PythonCodemod):
    def prefilter(self, text):
        if "masked_fill" not in text or "mindspore" not in text:
            return False
        # a bare-number fill is the call's last argument: ", <number>)" shortly after the name
        for m in _NAME_RE.finditer(text):
            if _FILL_RE.search(text, m.end(), m.end() + _WINDOW):
                return True
        return False

    def scan(self, tree, text, relpath):
        index = StatementIndex.of(tree)
        imports = _Imports(tree, index)
        if not imports.mindspore:
            return None
        lines = LineIndex.of(text)
        hit_lines = [n for n in range(1, lines.line_count + 1) if "masked_fill" in lines.line(n)]
        plan = _Plan(relpath, imports)
        calls = []
        for si in index.at_lines(hit_lines):
            calls.extend(n for n in index.own_nodes(si) if isinstance(n, ast.Call))
        calls.sort(key=lambda c: (c.lineno, c.col_offset))
        for call in calls:
            info = _site(call, imports)
            if info is None:
                continue
            value, inp, form = info
            if not _is_number(value):
                continue
            if imports.torch and form == "method":
                plan.findings.append(self.finding(
                    relpath, call.lineno, "skip",
                    "masked_fill with a bare number in a file that imports both mindspore and torch: "
                    "cannot tell whose tensor this is; check it by hand",
                    reason="mixed-frameworks"))
            elif not _is_simple(inp):
                plan.findings.append(self.finding(
                    relpath, call.lineno, "skip",
                    "masked_fill fill value {} needs the dtype of `{}`, which would be evaluated twice; "
                    "bind it to a name first".format(lines.segment(value), _short(lines.segment(inp))),
                    reason="complex-receiver"))
            else:
                plan.sites.append((call.lineno, value, inp))
        plan.rewrite = bool(plan.sites)
        return plan if (plan.rewrite or plan.findings) else None

    def transform(self, src, plan):
        imports = plan.imports
        alias = imports.alias
        add_import = None
        if alias is None:
            alias = "ms" if "ms" not in imports.bound else "mindspore"
            add_import = alias
        findings = []
        for line, value, inp in plan.sites:
            src.replace_node(value, "{}.Tensor({}, dtype={}.dtype)".format(alias, src.segment(value), src.segment(inp)))
            findings.append(self.finding(
                plan.relpath, line, "change",
                "masked_fill fill value wrapped in {}.Tensor(..., dtype=<input>.dtype)".format(alias)))
        if add_import:
            line = _import_line(add_import)
            src.header(lambda module: add_import_after_imports(module, line))
            findings[0].message += "; added `{}`".format(line)
            findings[0].data["import_added"] = line
        return findings


def _short(s, n=60):
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _import_line(alias):
    return "import mindspore as ms" if alias == "ms" else "import mindspore"
