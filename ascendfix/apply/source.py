"""What a codemod's ``transform`` works on: one file's text, its stdlib ``ast``, and edits placed by it.

libcst parses ~55 files/s here, and the files that need a rewrite are the big modeling files: a
whole-module parse + codegen of the 282 files mindone 0.5.0 needs costs ~45 s of CPU, while the
edits touch a few lines of each. So a transform never gets a whole libcst module. It records edits
at ``ast`` positions, of three kinds, and the engine applies them all at once:

- ``replace(start, end, text)`` / ``replace_node(node, text)``: a text edit at ``ast`` positions
  (the rewritten expression keeps the comments and layout around it);
- ``statements(stmts, fn)``: a libcst transform over just the source lines of some statements (the
  smallest run of whole lines that holds only complete statements), wrapped in ``if 1:`` when
  indented; ``fn(module, (first_line, last_line))`` returns the new module, whose code replaces
  those lines;
- ``header(fn)``: a libcst transform over the module's leading statements, through its last
  top-level import (docstring, shebang, coding line, ``__future__`` imports, import blocks): where
  imports are added or merged. It runs after the text edits, on the edited text.

Edits of two rules that overlap raise :class:`EditConflict`; the engine then runs the rules one
after the other. Everything libcst sees is a round trip of real source, so untouched bytes stay
untouched.
"""

import ast
import re

from ascendfix.apply.stmtindex import StatementIndex

_NEWLINE = re.compile(r"\r\n|\r|\n")  # what Python's tokenizer counts as a line end (not \f, \v, \x1c, \u2028...)


class EditConflict(Exception):
    """Edits of two rules overlap: apply the rules one after the other instead."""


class RoundTripError(ValueError):
    """libcst does not give back the exact text it parsed (e.g. it drops a form feed before a statement)."""


def _exact(cst, source, what):
    module = cst.parse_module(source)
    if module.code != source:
        raise RoundTripError("libcst does not reproduce {} exactly (form feed or other unusual whitespace?)".format(what))
    return module


class LineIndex:
    """(lineno, UTF-8 byte column) as given by ``ast`` -> character offset in the text."""

    _last = None  # the index of the last text asked for (scan, transform and engine share it)

    def __init__(self, text):
        self.text = text
        if "\r" in text:
            starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        else:
            starts = [0]
            pos = text.find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = text.find("\n", pos + 1)
        if starts[-1] != len(text):
            starts.append(len(text))
        self.starts = starts  # starts[i] = offset of line i+1; last item = len(text)

    @classmethod
    def of(cls, text):
        """The index of ``text``, reusing the last one built when it is for this very text."""
        last = cls._last
        if last is not None and last.text is text:
            return last
        idx = cls._last = cls(text)
        return idx

    def line(self, lineno):
        """Text of line ``lineno`` (1-based), with its line end."""
        if lineno < 1 or lineno >= len(self.starts):
            return ""
        return self.text[self.starts[lineno - 1]:self.starts[lineno]]

    def line_start(self, lineno):
        return self.starts[min(max(lineno, 1), len(self.starts)) - 1]

    def line_end(self, lineno):
        """Offset just after line ``lineno``'s line end."""
        return self.starts[min(lineno, len(self.starts) - 1)]

    def offset(self, lineno, col):
        line = self.line(lineno)
        if col and not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self.line_start(lineno) + col

    def span(self, node):
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node):
        """Source text of ``node`` (``ast.get_source_segment`` without splitting the file each time)."""
        s, e = self.span(node)
        return self.text[s:e]

    @property
    def line_count(self):
        return len(self.starts) - 1


def _first_line(stmt):
    decorators = getattr(stmt, "decorator_list", None)
    return min([stmt.lineno] + [d.lineno for d in decorators]) if decorators else stmt.lineno


class SourceEdit:
    """Edits to one file, collected from the codemods of a run, applied by :meth:`result`."""

    def __init__(self, text, tree):
        self.text = text
        self.tree = tree
        self.index = LineIndex.of(text)
        self.owner = None  # the rule whose transform is running (set by the engine)
        self._edits = []  # (start, end, seq, new text, owner)
        self._header = []  # (owner, fn)

    # ------------------------------------------------------------------ text edits
    def span(self, node):
        return self.index.span(node)

    def segment(self, node):
        return self.index.segment(node)

    def replace(self, start, end, new):
        if not 0 <= start <= end <= len(self.text):
            raise ValueError("edit {}..{} outside the text".format(start, end))
        self._edits.append((start, end, len(self._edits), new, self.owner))

    def replace_node(self, node, new):
        s, e = self.index.span(node)
        self.replace(s, e, new)

    def drop(self, owner):
        """Forget every edit of ``owner`` (its transform crashed half-way)."""
        self._edits = [e for e in self._edits if e[4] != owner]
        self._header = [h for h in self._header if h[0] != owner]

    def owners(self):
        return {e[4] for e in self._edits} | {h[0] for h in self._header}

    # ------------------------------------------------------------------ libcst over statements
    @property
    def statement_index(self):
        return StatementIndex.of(self.tree)

    def statement_lines(self, stmt):
        """(first, last) line of the smallest run of whole lines around ``stmt`` holding complete statements."""
        idx = self.statement_index
        i = idx.position(stmt)
        while True:
            node = idx.nodes[i]
            parent = idx.parents[i]
            a, b = _first_line(node), node.end_lineno
            # statements sharing a line with the run (`a = 1; b = 2`) come along
            changed = True
            sibs = idx.children(parent)
            while changed:
                changed = False
                for j in sibs:
                    n = idx.nodes[j]
                    fa, fb = _first_line(n), n.end_lineno
                    if fa <= b and fb >= a and (fa < a or fb > b):
                        a, b = min(a, fa), max(b, fb)
                        changed = True
            first = min((idx.nodes[j] for j in sibs if _first_line(idx.nodes[j]) == a), key=lambda n: n.col_offset)
            line = self.index.line(a)
            lead = line[: len(line) - len(line.lstrip(" \t"))]
            stripped = line.lstrip(" \t")
            if getattr(first, "decorator_list", None) and _first_line(first) < first.lineno:
                owns_start = stripped.startswith("@")
            else:
                owns_start = len(lead.encode("utf-8")) == first.col_offset
                if owns_start and isinstance(first, ast.If) and re.match(r"elif\b", stripped):
                    owns_start = False  # an `elif` is a nested If that starts inside its parent's lines
            if owns_start or parent < 0:
                return (a, b) if owns_start else (1, self.index.line_count)
            i = parent  # `if x: y = ...`: the run is the whole compound statement

    def statements(self, stmts, fn):
        """Run ``fn(module, (first, last))`` over the lines of each group of ``stmts``; True when code changed."""
        import libcst as cst

        ranges = sorted({self.statement_lines(s) for s in stmts})
        merged = []
        for a, b in ranges:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        runs = []
        for a, b in merged:
            start, end = self.index.line_start(a), self.index.line_end(b)
            first = self.index.line(a)
            wrapper = ""
            if first[:1] in (" ", "\t"):
                nl = _NEWLINE.search(first)
                wrapper = "if 1:" + (nl.group() if nl else "\n")
            try:
                module = _exact(cst, wrapper + self.text[start:end], "lines {}-{}".format(a, b))
            except cst.ParserSyntaxError:
                if (a, b) == (1, self.index.line_count):
                    raise
                # e.g. a comment line indented less than the block: libcst gets the whole file, once
                runs = [(1, self.index.line_count, 0, len(self.text), "", _exact(cst, self.text, "the file"))]
                break
            runs.append((a, b, start, end, wrapper, module))
        changed = False
        for a, b, start, end, wrapper, module in runs:
            new = fn(module, (a, b))
            if new is None or new is module:
                continue
            code = new.code
            if not code.startswith(wrapper):
                raise ValueError("the statement wrapper was changed")
            code = code[len(wrapper):]
            if code != self.text[start:end]:
                self.replace(start, end, code)
                changed = True
        return changed

    # ------------------------------------------------------------------ libcst over the header
    def header(self, fn):
        """Queue ``fn(module) -> module`` over the leading statements (see module docstring)."""
        self._header.append((self.owner, fn))

    def _header_end(self):
        """Offset (in the original text) where the header run of statements ends."""
        body = self.tree.body
        if not body:
            return len(self.text)
        k = 0
        if isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and \
                isinstance(body[0].value.value, str):
            k = 1
        while k < len(body) and isinstance(body[k], ast.ImportFrom) and body[k].module == "__future__":
            k += 1
        k = min(k, len(body) - 1)  # and the first statement after them
        for i, s in enumerate(body):
            if isinstance(s, (ast.Import, ast.ImportFrom)):
                k = max(k, i)
        last = body[k].end_lineno
        for s in body[k + 1:]:  # `import os; x = [` ... `]`: statements sharing the cut line come along
            if s.lineno > last:
                break
            last = max(last, s.end_lineno)
        return self.index.line_end(last)

    # ------------------------------------------------------------------ result
    def result(self):
        """The new text (the original when nothing was edited). Raises :class:`EditConflict`."""
        text = self.text
        if self._edits:
            out = []
            pos = 0
            last_owner = None
            for start, end, _, new, owner in sorted(self._edits, key=lambda e: (e[0], e[1] != e[0], e[2])):
                if start < pos:
                    if owner != last_owner:
                        raise EditConflict("edits of {} and {} overlap at offset {}".format(last_owner, owner, start))
                    raise ValueError("overlapping edits of {} at offset {}".format(owner, start))
                out.append(text[pos:start])
                out.append(new)
                pos = end
                last_owner = owner
            out.append(text[pos:])
            text = "".join(out)
        if self._header:
            import libcst as cst

            cut = self._header_end()
            # edits before the cut shift it (a zero-width insertion at a cut that starts a line belongs
            # to that line; at the end of a file without a final newline, to the header)
            at_line_start = cut == 0 or self.text[cut - 1] in "\r\n"
            cut += sum(len(new) - (end - start) for start, end, _, new, _ in self._edits
                       if end < cut or (end == cut and (start < end or not at_line_start)))
            module = _exact(cst, text[:cut], "the file's header")
            for _, fn in self._header:
                module = fn(module)
            text = module.code + text[cut:]
        return text
