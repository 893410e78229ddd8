"""Rule ``py38-annotations``: PEP 585 generics and PEP 604 unions made to run on Python 3.8 (or 3.9).

Where an annotation evaluated at definition time (parameter and return annotations, module- and
class-level variable annotations) uses ``list[int]``, ``dict[...]``, ``collections.abc.X[...]``,
``X | None`` ..., the file gets ``from __future__ import annotations`` (PEP 563: annotations are
no longer evaluated) — unless its annotations are read at runtime (a framework introspects a
class's ``__init__`` signature, TypedDict / dataclass / pydantic field types, ``get_type_hints``,
``__annotations__``): those files keep evaluated annotations, rewritten to ``typing`` forms.
Expressions evaluated at runtime whatever the future import says (aliases, ``cast``, ``isinstance``,
``TypeVar`` bounds, bases, defaults, ...) are always rewritten to typing forms (``isinstance``
unions to tuples).

Everything is decided on the stdlib ``ast``; rewrites are minimal text edits at ``ast`` positions
(comments and layout inside the expression survive), imports are placed with libcst over the
file's header only (see ascendfix.apply.source).
"""

import ast
import bisect
import fnmatch
import re

from ascendfix.apply.base import Plan, PythonCodemod
from ascendfix.apply.source import LineIndex
from ascendfix.apply.stmtindex import StatementIndex
from ascendfix.astutil import dotted, last_name, nodes_by_type
from ascendfix.codemods.imports import ensure_from_import, ensure_future_annotations, ensure_import
from ascendfix.codemods.py38_annotations.typing_forms import PEP585, PEP585_SHORT, TYPE_NAMES, TypingSpeller, find_operator
from ascendfix.codemods.pyversion import version_tuple
from ascendfix.codemods.py38_annotations import tree_index
from ascendfix.codemods.scope import ScopeVisitor, module_imports

# Substrings one of which any PEP 585 use contains (plain `in` tests: a regex alternation over the
# generic names costs ~100x more on a 48 MB tree). Non-builtin generics need their module named.
_NEEDLES_585 = ("list[", "dict[", "tuple[", "set[", "type[", "collections", "contextlib", "Pattern[", "Match[")
_SHORT = frozenset(PEP585_SHORT)
_BRACKET_OR_PIPE = re.compile(r"[\[|]")

# Options (defaults in rule.yaml): signature_classes (a framework reads their __init__ signature),
# field_classes / field_decorators (their field annotations are read at runtime), annotation_readers
# (a file using any of these reads annotations itself).
_OPTION_LISTS = ("signature_classes", "field_classes", "field_decorators", "annotation_readers", "reader_callables")


def glob_any(name, patterns):
    return bool(name) and any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _is_none(node):
    return isinstance(node, ast.Constant) and node.value is None


def _flatten_union(node):
    left = node.left
    if (isinstance(left, ast.BinOp) and isinstance(left.op, ast.BitOr)
            and (left.lineno, left.col_offset) == (node.lineno, node.col_offset)):  # not parenthesized
        return _flatten_union(left) + [node.right]
    return [left, node.right]


class _Site:
    __slots__ = ("kind", "node", "ctx", "operands", "qual")

    def __init__(self, kind, node, ctx, operands=None, qual=None):
        self.kind = kind  # "generic" | "union" | "isinstance"
        self.node = node
        self.ctx = ctx  # "ann" (evaluated annotation) | "runtime"
        self.operands = operands
        self.qual = qual


def _generic_names(imports):
    """Names a PEP 585 generic can be spelled with in this file: the standard ones and import aliases."""
    aliases = {local for local, qual in imports.items() if qual in PEP585 and local not in _SHORT}
    return _SHORT | aliases if aliases else _SHORT


class _Where:
    """The file's place in the tree: its module name and the tree index's sets."""

    def __init__(self, relpath, sets):
        self.relpath = relpath or "example.py"
        self.module = tree_index.module_name(self.relpath)
        self.fields, self.signature, self.readers = sets

    def qual(self, node, imports, local_classes):
        """The qualified name ``node`` (a Name/Attribute chain) has in the tree, or None."""
        d = dotted(node)
        if d is None:
            return None
        head, _, rest = d.partition(".")
        target = imports.get(head)
        if target:
            q = tree_index.absolute(self.module, self.relpath, target)
        elif head in local_classes:
            q = self.module + "." + head
        else:
            return None
        return q + ("." + rest if rest else "")


class _Scan(ScopeVisitor):
    def __init__(self, tree, opts, need585, need604, where=None):
        ScopeVisitor.__init__(self, tree)
        self.where = where
        self._local_classes = None
        self.generic_names = _generic_names(self.imports)
        self.opts = opts
        self.need585 = need585
        self.need604 = need604
        self.sites = []
        self.protected = []  # [(line, reason)]
        self._isinstance_args = set()

    def _ctx(self):
        if self.type_checking or self.in_fstring:
            return None
        if self.ann is None:
            return "runtime"
        if self.ann == "local":
            return None
        return "ann"

    # -- PEP 585
    def visit_Subscript(self, node):
        if self.need585 and last_name(node.value) in self.generic_names:
            q = self.qualname(node.value)
            ctx = self._ctx()
            if q in PEP585 and ctx:
                self.sites.append(_Site("generic", node, ctx, qual=q))
        self.generic_visit(node)

    # -- PEP 604
    def _typeish(self, op, strong=False):
        if isinstance(op, ast.Constant):
            return op.value is None or (not strong and isinstance(op.value, str))
        if isinstance(op, (ast.Name, ast.Attribute)):
            q = self.qualname(op) or ""
            if q in TYPE_NAMES or q.startswith(("typing.", "typing_extensions.")) or q in PEP585:
                return True
            return not strong and dotted(op) is not None
        if isinstance(op, ast.Subscript):
            q = self.qualname(op.value) or ""
            if q in PEP585 or q.startswith(("typing.", "typing_extensions.")):
                return True
            return not strong and dotted(op.value) is not None
        if isinstance(op, ast.BinOp) and isinstance(op.op, ast.BitOr):
            parts = _flatten_union(op)
            if strong:
                return any(self._typeish(o, True) for o in parts) and all(self._typeish(o) for o in parts)
            return all(self._typeish(o) for o in parts)
        return False

    def visit_BinOp(self, node):
        if self.need604 and isinstance(node.op, ast.BitOr):
            ctx = self._ctx()
            operands = _flatten_union(node)
            is_union = False
            if ctx and id(node) in self._isinstance_args:
                is_union = True
            elif ctx == "ann":
                is_union = True
            elif ctx == "runtime":
                is_union = all(self._typeish(o) for o in operands) and any(self._typeish(o, True) for o in operands)
            if is_union:
                kind = "isinstance" if id(node) in self._isinstance_args else "union"
                self.sites.append(_Site(kind, node, ctx, operands=operands))
                for o in operands:
                    self.visit(o)
                return
        self.generic_visit(node)

    def visit_Call(self, node):
        q = self.qualname(node.func) if last_name(node.func) in ("isinstance", "issubclass") else None
        if q in ("builtins.isinstance", "builtins.issubclass") and len(node.args) == 2:
            a = node.args[1]
            if isinstance(a, ast.BinOp) and isinstance(a.op, ast.BitOr):
                self._isinstance_args.add(id(a))
        self.generic_visit(node)

    # -- runtime readers of annotations
    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.opts["annotation_readers"] and not self.type_checking:
            self.protected.append((node.lineno, "calls {}()".format(node.id)))

    def visit_Attribute(self, node):
        if isinstance(node.ctx, ast.Load) and node.attr in self.opts["annotation_readers"] and not self.type_checking:
            what = "reads __annotations__" if node.attr == "__annotations__" else "calls {}()".format(node.attr)
            self.protected.append((node.lineno, what))
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        if not self.type_checking:
            self._check_class(node)
        ScopeVisitor.visit_ClassDef(self, node)

    def _base_quals(self, node):
        """(written base, qualified name in the tree or None) for each base of a class statement."""
        w = self.where
        if w is None:
            return []
        if self._local_classes is None:
            self._local_classes = {s.name for s in self.tree.body if isinstance(s, ast.ClassDef)}
        out = []
        for b in node.bases:
            b = b.value if isinstance(b, ast.Subscript) else b
            if dotted(b):
                out.append((dotted(b), w.qual(b, self.imports, self._local_classes)))
        return out

    def _check_class(self, node):
        o = self.opts
        bases = []
        for b in node.bases:
            d = dotted(b.value if isinstance(b, ast.Subscript) else b)
            if d:
                bases.append(d.rsplit(".", 1)[-1])
        for name in [node.name] + bases:
            if glob_any(name, o["signature_classes"]):
                self.protected.append(
                    (node.lineno, "class {}: a framework reads its __init__ signature ({})".format(node.name, name)))
                return
        quals = self._base_quals(node)
        for written, q in quals:
            if q is not None and q in self.where.signature:
                self.protected.append((node.lineno, "class {}: a framework reads its __init__ signature ({}, a "
                                                    "pipeline class of this tree)".format(node.name, written)))
                return
        if not any(isinstance(s, ast.AnnAssign) for s in node.body):
            return
        if any(k.arg == "total" for k in node.keywords):
            self.protected.append((node.lineno, "class {}: TypedDict fields are read at runtime".format(node.name)))
            return
        for name in bases:
            if glob_any(name, o["field_classes"]):
                self.protected.append(
                    (node.lineno, "class {}: its field annotations are read at runtime ({})".format(node.name, name)))
                return
        for written, q in quals:
            if q is not None and q in self.where.fields:
                self.protected.append(
                    (node.lineno, "class {}: its field annotations are read at runtime ({} is defined in this tree "
                                  "on a class that reads them)".format(node.name, written)))
                return
        for d in node.decorator_list:
            f = d.func if isinstance(d, ast.Call) else d
            names = [dotted(f), self.qualname(f)]
            if any(glob_any(n, o["field_decorators"]) for n in names):
                self.protected.append(
                    (node.lineno, "class {}: @{} field types are read at runtime".format(node.name, dotted(f))))
                return


class _Plan(Plan):
    """What to do to one file: edits, imports, and the findings that describe them."""

    def __init__(self, relpath=None):
        Plan.__init__(self, relpath)
        self.edits = []  # (start, end, seq, text)
        self.future = False
        self.speller = None
        self.changes = []  # [(line, message, data)]
        self.skips = []


class Py38Annotations(PythonCodemod):
    """Rule py38-annotations (see module docstring)."""

    def __init__(self, rule_id, options, context):
        PythonCodemod.__init__(self, rule_id, options, context)
        opts = dict(self.options)
        for key in _OPTION_LISTS:
            opts[key] = list(opts.get(key) or ())
        self.opts = opts
        target = getattr(context, "target_python", None) or opts.get("target_python") or "3.8"
        self.target = version_tuple(target)
        self.need585 = self.target < (3, 9)
        self.need604 = self.target < (3, 10)

    # ------------------------------------------------------------------ engine interface
    def prefilter(self, text):
        if self.need604 and "|" in text:
            return True
        return self.need585 and any(n in text for n in _NEEDLES_585)

    def scan(self, tree, text, relpath):
        plan = self.plan(tree, text, relpath)
        plan.rewrite = bool(plan.future or plan.edits)
        plan.findings = [self.finding(relpath, ln, "skip", msg) for ln, msg in plan.skips]
        return plan if (plan.rewrite or plan.findings) else None

    def transform(self, src, plan):
        relpath = plan.relpath
        findings = [self.finding(relpath, ln, "change", msg, **data) for ln, msg, data in plan.changes]
        if not (plan.future or plan.edits):
            return findings
        for start, end, _, text in plan.edits:
            src.replace(start, end, text)
        sp = plan.speller
        if plan.future or (sp is not None and (sp.from_names or sp.need_module)):
            src.header(lambda module: _imports(module, plan))
        return findings

    # ------------------------------------------------------------------ the tree index (ascendfix.apply.index)
    index_needs_tree = False

    def index_prefilter(self, text):
        return bool(text)

    def index_file(self, tree, text, relpath):
        return tree_index.file_part(text, relpath, self.opts["annotation_readers"])

    def index_merge(self, parts):
        return tree_index.merge(parts, self.opts["field_classes"], self.opts["signature_classes"],
                                self.opts["reader_callables"])

    def _index_sets(self):
        """(fields, signature, readers) of this run's tree index, as sets (built once per index)."""
        idx = self.index or {}
        cached = getattr(self, "_sets", None)
        if cached is None or cached[0] is not idx:
            cached = self._sets = (idx, (frozenset(idx.get("fields", ())), frozenset(idx.get("signature", ())),
                                         frozenset(idx.get("readers", ()))))
        return cached[1]

    def _handed_to_readers(self, tree, text, where, imports):
        """[(line, why)]: places where this module hands itself or its code to something that reads
        annotations (``sys.modules[__name__]`` as an argument; a call or decorator that resolves to a
        known reader of signatures — typer, FastAPI, torch.library.custom_op... — or to a function or
        object of this tree that reads annotations)."""
        known = set(self.opts["reader_callables"]) | where.readers
        lasts = {q.rsplit(".", 1)[-1] for q in known}
        if "modules[__name__]" not in text and not any(n in text for n in lasts):
            return []
        by = nodes_by_type(tree)
        local = {s.name for s in tree.body if isinstance(s, ast.ClassDef)}
        out = []

        def resolve(func):
            q = where.qual(func, imports, local)
            if q is None:
                return None
            if q in known:
                return q
            # a method of a reader object (`@app.command()` with `app = typer.Typer()` elsewhere)
            head = q.rpartition(".")[0]
            return head if head in known else None

        for call in by.get(ast.Call, ()):
            for a in list(call.args) + [k.value for k in call.keywords]:
                if (isinstance(a, ast.Subscript) and dotted(a.value) == "sys.modules"
                        and isinstance(tree_index_slice(a), ast.Name) and tree_index_slice(a).id == "__name__"):
                    out.append((call.lineno, "hands the module itself (sys.modules[__name__]) to {}()".format(
                        dotted(call.func) or "a function")))
            q = resolve(call.func)
            if q is not None:
                out.append((call.lineno, "uses {}, which reads the annotations of the code handed to it".format(q)))
        for cls in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            for node in by.get(cls, ()):
                for d in node.decorator_list:
                    q = resolve(d.func if isinstance(d, ast.Call) else d)
                    if q is not None:
                        out.append((d.lineno, "@{} reads the annotations of {}".format(q, node.name)))
        out.sort()
        return out

    # ------------------------------------------------------------------ decision
    def plan(self, tree, text, relpath=None):
        plan = _Plan(relpath)
        lines = self._candidate_lines(tree, text) if (self.need585 or self.need604) else None
        if not lines:
            return plan
        where = _Where(relpath, self._index_sets())
        scan = _Scan(tree, self.opts, self.need585, self.need604, where)
        if not any(r in text for r in self.opts["annotation_readers"]):
            # Visit only the statements on candidate lines (and their ancestors), plus every class
            # (the runtime-read checks); without a reader of annotations in the text, that finds
            # the same sites and protections as a visit of the whole file.
            idx = StatementIndex.of(tree)
            keep = idx.at_lines(lines)
            keep += [i for i, n in enumerate(idx.nodes) if isinstance(n, ast.ClassDef)]
            scan.only = {id(idx.nodes[i]) for i in idx.needed(keep)}
        scan.visit(tree)
        if not scan.sites:
            return plan
        has_future = any(
            isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(a.name == "annotations" for a in s.names)
            for s in tree.body
        )
        ann_sites = [s for s in scan.sites if s.ctx == "ann"]
        rewrite = [s for s in scan.sites if s.ctx == "runtime"]
        reason = None
        if ann_sites and not has_future:
            if not scan.protected:
                scan.protected = self._handed_to_readers(tree, text, where, scan.imports)
            if scan.protected:
                line, why = scan.protected[0]
                reason = "annotations are read at runtime here ({}, line {}), so no future import".format(why, line)
                rewrite = scan.sites
            else:
                plan.future = True
                lines = sorted({s.node.lineno for s in ann_sites})
                plan.changes.append((
                    lines[0],
                    "added `from __future__ import annotations`: {} annotation(s) evaluated at definition time use "
                    "PEP 585/604 syntax (lines {})".format(len(ann_sites), _lines(lines)),
                    {"fix": "future-import", "sites": len(ann_sites)},
                ))
        if not rewrite:
            return plan
        rewrite.sort(key=lambda s: (s.node.lineno, s.node.col_offset))
        idx = LineIndex.of(text)
        sp = plan.speller = TypingSpeller(tree, text)
        sp.merge = sp.from_line is not None and sp.from_line < rewrite[0].node.lineno
        per_line = {}
        for site in rewrite:
            desc = self._edit(site, idx, sp, plan.edits, text)
            if desc is None:
                plan.skips.append((site.node.lineno, "cannot spell a typing name here without a clash; left "
                                                     "{} unchanged".format(idx.segment(site.node))))
                continue
            per_line.setdefault(site.node.lineno, []).append((desc, site.ctx))
        for line in sorted(per_line):
            items = per_line[line]
            where = "runtime expression" if all(c == "runtime" for _, c in items) else (
                reason if all(c == "ann" for _, c in items) else "runtime expression / " + reason)
            plan.changes.append((line, "rewrote {} ({})".format(", ".join(d for d, _ in items), where),
                                 {"fix": "typing-form", "sites": len(items)}))
        return plan

    def _candidate_lines(self, tree, text):
        """Lines that may hold a subscript of a PEP 585 name or a ``|``, from the text (no tree walk).

        A superset: the statement holding such a line holds the node (the name, its ``[`` and the
        ``|`` of a union are in the same statement), and a ``[`` first on its line (a comment may
        stand between a name and its subscript) counts too. Strings and comments only add lines.
        """
        starts = None
        lines = []
        names = _generic_names(module_imports(tree)) if self.need585 else _SHORT
        for m in _BRACKET_OR_PIPE.finditer(text):
            p = m.start()
            if text[p] == "[":
                if not self.need585:
                    continue
                j = p
                while j > 0 and text[j - 1] in " \t\\\r\n\x0c":
                    j -= 1
                k = j
                while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
                    k -= 1
                if text[k:j] not in names and "\n" not in text[j:p] and "\r" not in text[j:p]:
                    continue
            elif not self.need604:
                continue
            if starts is None:
                starts = LineIndex.of(text).starts
            lines.append(bisect.bisect_right(starts, p))
        return lines

    def _edit(self, site, idx, sp, edits, text):
        node = site.node
        if site.kind == "generic":
            name = sp.spell(PEP585[site.qual])
            if name is None:
                return None
            s, e = idx.span(node.value)
            _add(edits, s, e, name)
            return "{}[...] -> {}[...]".format(text[s:e], name)
        s, e = idx.span(node)
        ops = site.operands
        spans = [idx.span(o) for o in ops]
        pipes = []
        for (_, a_end), (b_start, _) in zip(spans, spans[1:]):
            p = find_operator(text, a_end, b_start, "|")
            if p is None:
                return None
            pipes.append(p)
        if site.kind == "isinstance":
            _add(edits, s, s, "(")
            for p in pipes:
                _add(edits, _back(text, p), p + 1, ",")
            for o, (os_, oe) in zip(ops, spans):
                if _is_none(o):
                    _add(edits, os_, oe, "type(None)")
            _add(edits, e, e, ")")
            return "A | B -> (A, B) in isinstance()"
        nones = [i for i, o in enumerate(ops) if _is_none(o)]
        if len(ops) == 2 and len(nones) == 1:
            opt = sp.spell("Optional")
            if opt is None:
                return None
            if nones[0] == 1:
                _add(edits, s, s, opt + "[")
                _add(edits, _back(text, pipes[0]), e, "")
            else:
                k = pipes[0] + 1
                while k < len(text) and text[k] in " \t":
                    k += 1
                _add(edits, s, k, opt + "[")
            _add(edits, e, e, "]")
            return "X | None -> {}[X]".format(opt)
        un = sp.spell("Union")
        if un is None:
            return None
        _add(edits, s, s, un + "[")
        for p in pipes:
            _add(edits, _back(text, p), p + 1, ",")
        _add(edits, e, e, "]")
        return "X | Y -> {}[X, Y]".format(un)


def _imports(module, plan):
    """The header edits of a plan: future import, then typing names, then ``import typing``."""
    if plan.future:
        module = ensure_future_annotations(module)
    sp = plan.speller
    if sp is not None:
        if sp.from_names:
            module = ensure_from_import(module, "typing", sp.from_names, merge=sp.merge)
        if sp.need_module:
            module = ensure_import(module, sp.need_module, near_from=sp.merge)
    return module


def tree_index_slice(sub):
    """The index expression of a subscript (3.8 wraps it in ast.Index)."""
    sl = sub.slice
    return sl.value if sl.__class__.__name__ == "Index" else sl


def _add(edits, start, end, text):
    edits.append((start, end, len(edits), text))


def _back(text, p):
    """Start of the blanks before offset p (on the same line)."""
    while p > 0 and text[p - 1] in " \t":
        p -= 1
    return p


def _lines(lines, limit=8):
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (", ..." if len(lines) > limit else "")
