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
"""

import ast
import re
import sys

import libcst as cst

from ascendfix.apply.base import PythonCodemod
from ascendfix.astutil import dotted, nodes_by_type
from ascendfix.apply.source import LineIndex
from ascendfix.apply.stmtindex import StatementIndex

METHODS = ("masked_fill", "masked_fill_")
_NAME_RE = re.compile(r"masked_fill")
_FILL_RE = re.compile(r",\s*(?:value\s*=\s*)?[-+]?\s*(?:\d|\.\d)(?:[eE][-+]?|[\w.])*\s*,?\s*\)")
_WINDOW = 2000  # chars after the name; the longest call site in mindone 0.2-0.5 is far shorter
# Python 3.8 wraps subscripts in ast.Index / ast.ExtSlice (deprecated names later: don't touch them there)
_INDEX = getattr(ast, "Index") if sys.version_info < (3, 9) else None
_EXTSLICE = getattr(ast, "ExtSlice") if sys.version_info < (3, 9) else None
FUNCTIONAL_MODULES = ("mindspore.ops", "mindspore.mint", "mindspore.ops.function", "mindspore.ops.functional")


# ---------------------------------------------------------------------------- ast side (decide)


def _is_number_ast(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        v = node.value
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return False


def _is_simple_ast(node):
    """Safe and cheap to evaluate a second time: names, attribute chains, constant subscripts."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return _is_simple_ast(node.value)
    if isinstance(node, ast.Subscript):
        sl = node.slice
        if _INDEX is not None and isinstance(sl, _INDEX):  # py3.8
            sl = sl.value
        return _is_simple_ast(node.value) and _is_simple_index_ast(sl)
    return False


def _is_simple_index_ast(node):
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_simple_index_ast(node.operand)
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Slice):
        return all(_is_simple_index_ast(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Tuple):
        return all(_is_simple_index_ast(e) for e in node.elts)
    if _EXTSLICE is not None and isinstance(node, _EXTSLICE):  # py3.8
        return all(_is_simple_index_ast(d) for d in node.dims)
    if _INDEX is not None and isinstance(node, _INDEX):
        return _is_simple_index_ast(node.value)
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

    def resolve(self, dotted):
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
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


def _site_ast(call, imports):
    """Classify a Call: None (not a site) or (value_node, input_node, form, keyword)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in METHODS:
        if isinstance(func, ast.Name):
            target = imports.resolve(func.id)
            if target and target.rpartition(".")[0] in FUNCTIONAL_MODULES and target.endswith(".masked_fill"):
                return _functional_ast(call)
        return None
    receiver = dotted(func.value)
    if receiver is not None:
        target = imports.resolve(receiver)
        if target is not None:  # a module (or something imported): functional form, or not ours
            if func.attr == "masked_fill" and target in FUNCTIONAL_MODULES:
                return _functional_ast(call)
            return None
    return _method_ast(call)


def _kw(call, names):
    for k in call.keywords:
        if k.arg in names:
            return k
    return None


def _method_ast(call):
    return _args_ast(call, call.func.value, 1, "method")


def _functional_ast(call):
    if not call.args or isinstance(call.args[0], ast.Starred):
        return None  # input given by keyword: rare, left alone (libcst side agrees)
    return _args_ast(call, call.args[0], 2, "functional")


def _args_ast(call, inp, want, form):
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    if len(call.args) > want:
        return call.args[want], inp, form, False
    k = _kw(call, ("value",))
    if k is not None:
        return k.value, inp, form, True
    return None


# ------------------------------------------------------------------------- libcst side (rewrite)


def _dotted_cst(node):
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _is_number_cst(node):
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        node = node.expression
    return isinstance(node, (cst.Integer, cst.Float))


def _is_simple_cst(node):
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _is_simple_cst(node.value)
    if isinstance(node, cst.Subscript):
        return _is_simple_cst(node.value) and all(_is_simple_index_cst(e.slice) for e in node.slice)
    return False


def _is_simple_index_cst(node):
    if node is None:
        return True
    if isinstance(node, cst.Index):
        return _is_simple_index_cst(node.value)
    if isinstance(node, cst.Slice):
        return all(_is_simple_index_cst(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _is_simple_index_cst(node.expression)
    if isinstance(node, cst.Tuple):
        return all(_is_simple_index_cst(e.value) for e in node.elements)
    return isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.Ellipsis))


def _key(code):
    return "".join(code.split())


class _Rewriter(cst.CSTTransformer):
    """Runs over the libcst module of a few statements (see ascendfix.apply.source)."""

    def __init__(self, module, imports, alias, sites):
        super().__init__()
        self.module = module
        self.imports = imports
        self.alias = alias
        self.sites = sites  # {normalized call source: [(line, rewrite?)...]} from the ast scan, in source order
        self.pending = {}  # id(original call) -> (line, value arg index)
        self.done = []  # lines rewritten

    def visit_Call(self, node):
        info = self._classify(node)
        if info is None:
            return True
        idx, form = info
        queue = self.sites.get(_key(self.module.code_for_node(node)))
        if queue:
            line, ok = queue.pop(0)
        else:  # the ast scan and libcst disagree on the text: decide here, no line number
            inp = node.func.value if form == "method" else node.args[0].value
            line, ok = None, _is_number_cst(node.args[idx].value) and _is_simple_cst(inp)
        if ok and _is_number_cst(node.args[idx].value):
            self.pending[id(node)] = (line, idx, form)
        return True

    def _classify(self, node):
        """(index of the fill-value arg, "method"|"functional") or None."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
            if isinstance(func, cst.Name):
                target = self.imports.resolve(func.value)
                if target and target.rpartition(".")[0] in FUNCTIONAL_MODULES and target.endswith(".masked_fill"):
                    return self._args(node, "functional")
            return None
        dotted = _dotted_cst(func.value)
        if dotted is not None:
            target = self.imports.resolve(dotted)
            if target is not None:
                if func.attr.value == "masked_fill" and target in FUNCTIONAL_MODULES:
                    return self._args(node, "functional")
                return None
        return self._args(node, "method")

    @staticmethod
    def _args(node, form):
        if any(a.star for a in node.args):
            return None
        pos = [i for i, a in enumerate(node.args) if a.keyword is None]
        kws = {a.keyword.value: i for i, a in enumerate(node.args) if a.keyword is not None}
        if form == "functional" and not pos:
            return None  # input given by keyword: rare, left alone
        want = 1 if form == "method" else 2
        if len(pos) > want:
            return pos[want], form
        if "value" in kws:
            return kws["value"], form
        return None

    def leave_Call(self, original, updated):
        hit = self.pending.pop(id(original), None)
        if hit is None:
            return updated
        line, idx, form = hit
        input_expr = updated.func.value if form == "method" else updated.args[0].value
        if _needs_no_parens(input_expr):
            input_expr = input_expr.with_changes(lpar=(), rpar=())
        value_arg = updated.args[idx]
        tensor = cst.Call(
            func=cst.Attribute(value=cst.Name(self.alias), attr=cst.Name("Tensor")),
            args=[
                cst.Arg(value=value_arg.value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(
                    keyword=cst.Name("dtype"),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                    ),
                    value=cst.Attribute(value=input_expr, attr=cst.Name("dtype")),
                ),
            ],
        )
        args = list(updated.args)
        args[idx] = value_arg.with_changes(value=tensor)
        self.done.append(line)
        return updated.with_changes(args=args)


def _needs_no_parens(expr):
    return isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript))


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
        self._state = None
        index = StatementIndex.of(tree)
        imports = _Imports(tree, index)
        if not imports.mindspore:
            return False, []
        starts = LineIndex.of(text).starts  # Python's line ends only (str.splitlines also splits at \f, \x1c...)
        lines = [text[a:b] for a, b in zip(starts, starts[1:])]
        hit_lines = [i + 1 for i, ln in enumerate(lines) if "masked_fill" in ln]
        findings = []
        sites = {}  # normalized call source -> [(line, rewrite?)] in source order
        rewrite_stmts = []
        calls = []
        for si in index.at_lines(hit_lines):
            calls.extend((n, si) for n in index.own_nodes(si) if isinstance(n, ast.Call))
        calls.sort(key=lambda c: (c[0].lineno, c[0].col_offset))
        for call, si in calls:
            info = _site_ast(call, imports)
            if info is None:
                continue
            value, inp, form, _ = info
            ok = False
            if not _is_number_ast(value):
                pass
            elif imports.torch and form == "method":
                findings.append(
                    self.finding(
                        relpath, call.lineno, "skip",
                        "masked_fill with a bare number in a file that imports both mindspore and torch: "
                        "cannot tell whose tensor this is; check it by hand",
                        reason="mixed-frameworks",
                    )
                )
            elif not _is_simple_ast(inp):
                findings.append(
                    self.finding(
                        relpath, call.lineno, "skip",
                        "masked_fill fill value {} needs the dtype of `{}`, which would be evaluated twice; "
                        "bind it to a name first".format(_src(lines, value), _short(_src(lines, inp))),
                        reason="complex-receiver",
                    )
                )
            else:
                ok = True
                rewrite_stmts.append(si)
            sites.setdefault(_key(_src(lines, call)), []).append((call.lineno, ok))
        want = bool(rewrite_stmts)
        self._state = (relpath, imports, sites, index, sorted(set(rewrite_stmts)))
        return want, findings

    def transform(self, src, relpath):
        state = self._state
        if not state or state[0] != relpath:
            raise RuntimeError("transform called without a matching scan")
        _, imports, sites, index, stmts = state
        alias = imports.alias
        add_import = None
        if alias is None:
            alias = "ms" if "ms" not in imports.bound else "mindspore"
            add_import = alias
        done = []

        def rewrite(module, lines):
            lo, hi = lines
            here = {}
            for key, queue in sites.items():
                q = [s for s in queue if s[0] is None or lo <= s[0] <= hi]
                if q:
                    here[key] = q
            rw = _Rewriter(module, imports, alias, here)
            new = module.visit(rw)
            done.extend(rw.done)
            return new

        src.statements([index.nodes[i] for i in stmts], rewrite)
        if not done:
            return []
        if add_import:
            src.header(lambda module: _add_import(module, add_import))
        findings = [
            self.finding(
                relpath, line, "change",
                "masked_fill fill value wrapped in {}.Tensor(..., dtype=<input>.dtype)".format(alias),
            )
            for line in sorted(done, key=lambda n: (n is None, n or 0))
        ]
        if add_import:
            first = findings[0]
            first.message += "; added `{}`".format(_import_line(add_import))
            first.data["import_added"] = _import_line(add_import)
        return findings


def _src(lines, node):
    """Source text of ``node`` (like ast.get_source_segment, without re-splitting the file each time)."""
    try:
        l0, l1 = node.lineno - 1, node.end_lineno - 1
        c0, c1 = node.col_offset, node.end_col_offset
    except AttributeError:
        return "?"
    if l0 == l1:
        return _u(lines[l0])[c0:c1]
    parts = [_u(lines[l0])[c0:]] + [lines[i] for i in range(l0 + 1, l1)] + [_u(lines[l1])[:c1]]
    return "".join(parts)


def _u(line):
    # ast offsets are in UTF-8 bytes
    return line if line.isascii() else _Utf8Line(line)


class _Utf8Line(str):
    def __getitem__(self, item):
        return self.encode("utf-8")[item].decode("utf-8", errors="replace")


def _short(s, n=60):
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _import_line(alias):
    return "import mindspore as ms" if alias == "ms" else "import mindspore"


def _add_import(module, alias):
    stmt = cst.parse_statement(_import_line(alias) + module.default_newline, config=module.config_for_parsing)
    body = list(module.body)
    i = 0
    # after the module docstring and __future__ imports
    if body and _is_docstring(body[0]):
        i = 1
    while i < len(body) and _is_future(body[i]):
        i += 1
    # after the first block of plain imports that follows
    j = i
    while j < len(body) and _is_import(body[j]):
        j += 1
    if j > i:
        i = j
    body.insert(i, stmt)
    return module.with_changes(body=body)


def _is_docstring(stmt):
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_future(stmt):
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and any(isinstance(s, cst.ImportFrom) and _dotted_cst(s.module) == "__future__" for s in stmt.body)
    )


def _is_import(stmt):
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)
