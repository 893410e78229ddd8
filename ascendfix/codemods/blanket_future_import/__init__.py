"""Rule ``blanket-future-import``: undo the line a blanket sed put on top of every ``.py`` file.

The recipe users copy, ``find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +``,
inserts ``from __future__ import annotations`` + LF before the first line of every non-empty file (above
shebangs, coding lines, licence headers and module docstrings, before a BOM) and once more on every
rerun. It breaks what reads annotations at run time, demotes docstrings, moves coding lines, and
makes files that already had the import after their docstring fail to compile.

Decided on bytes, before anything else reads the file: the tree-level index counts the copies on top
of every non-empty ``.py`` file; when most files start with them (``min_share`` of at least
``min_files`` files), the tree is in that state and the number of sed runs is the count most of them
share. Each file then loses that many copies (a file that had the import on line 1 itself keeps it:
it has one more). Outside that state only duplicates go (two or more copies on top: one stays).
The result is the file as it was before the sed, byte for byte; the other rules see that.
"""

import collections

from ascendfix.apply.base import BytesCodemod, Plan

LINE = b"from __future__ import annotations\n"
LINE_TEXT = LINE.decode("ascii")


def leading_copies(data):
    """How many times the sed's line starts ``data`` (bytes or text)."""
    line = LINE if isinstance(data, bytes) else LINE_TEXT
    n = 0
    size = len(line)
    while data.startswith(line, n * size):
        n += 1
    return n


def sed_runs(counts, min_files=10, min_share=0.5):
    """The number of sed runs from ``counts`` (copies on top of each non-empty file), or 0 when the
    files do not show the blanket state."""
    counts = list(counts)
    with_line = [n for n in counts if n >= 1]
    if not counts or len(with_line) < min_files or len(with_line) < min_share * len(counts):
        return 0
    tally = collections.Counter(with_line)
    best = max(tally.values())
    return min(n for n, c in tally.items() if c == best)


def survey(root, files=None):
    """``{"files": non-empty .py files, "with_line": files starting with the line, "runs": sed runs}`` for a
    tree on disk (what ``check --mindone`` reports; apply builds the same from its index pass)."""
    import os

    from ascendfix.apply.files import walk

    counts = []
    for rel in files if files is not None else walk(root):
        if not rel.endswith(".py"):
            continue
        try:
            with open(os.path.join(str(root), rel), "rb") as fh:
                head = fh.read(len(LINE) * 64)
        except OSError:
            continue
        if head:
            counts.append(leading_copies(head))
    return {"files": len(counts), "with_line": sum(1 for n in counts if n), "runs": sed_runs(counts)}


class _Plan(Plan):
    def __init__(self, relpath, copies, remove, runs):
        Plan.__init__(self, relpath, rewrite=remove > 0)
        self.copies = copies
        self.remove = remove
        self.runs = runs


class BlanketFutureImport(BytesCodemod):
    index_needs_tree = False

    def prefilter_bytes(self, data):
        return data.startswith(LINE)

    # -- the tree: how many copies each non-empty file starts with
    def index_prefilter(self, text):
        return bool(text)

    def index_file(self, tree, text, relpath):
        return leading_copies(text)

    def index_merge(self, parts):
        counts = list(parts.values())
        runs = sed_runs(counts, int(self.options["min_files"]), float(self.options["min_share"]))
        if not runs:  # only what decisions depend on: the index keys the scan cache
            return {"runs": 0}
        return {"runs": runs, "files": len(counts), "with_line": sum(1 for n in counts if n)}

    # -- one file
    def scan_bytes(self, data, relpath):
        copies = leading_copies(data)
        if not copies:
            return None
        runs = (self.index or {}).get("runs", 0)
        if runs:
            remove = min(copies, runs)
        else:
            remove = copies - 1  # not the blanket state: only duplicates go
        if not remove:
            return None
        return _Plan(relpath, copies, remove, runs)

    def transform_bytes(self, data, plan):
        new = data[len(LINE) * plan.remove:]
        rest = new.lstrip(b"\xef\xbb\xbf")
        what = "{} cop{} of `from __future__ import annotations` on line 1".format(
            plan.remove, "y" if plan.remove == 1 else "ies")
        if plan.runs:
            idx = self.index
            why = "a blanket sed put it on top of {} of the tree's {} non-empty .py files".format(
                idx["with_line"], idx["files"])
        else:
            why = "repeated lines on top are a tool's doing"
        extra = []
        if rest.startswith((b'"""', b"'''", b'r"""', b"r'''", b'"', b"'")):
            extra.append("the module docstring is a docstring again")
        if plan.remove < plan.copies:
            extra.append("the file's own import is kept")
        msg = "removed {} ({}){}".format(what, why, "; " + "; ".join(extra) if extra else "")
        return new, [self.finding(plan.relpath, 1, "change", msg, removed=plan.remove, runs=plan.runs)]
