"""What a run of the rules over a tree found and did: per-rule counts, findings, pending changes.

:class:`Report` is the typed result of ``apply`` (``af.apply``, ``ascendfix.apply.operations.apply``), an
:class:`ascendfix.reports.Report`: ``.ok``, ``.exit_code`` and ``.to_dict()`` (the ``ascendfix apply --json``
document, ``schemas/apply.schema.json``). It is filled while the run goes; the document is built on request.
"""

import difflib
import hashlib
from pathlib import Path

from ascendfix import reports
from ascendfix.apply.files import source_encoding
from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK


def is_open(f):
    """Is finding ``f`` left for a person? A "skip" (a site or file a rule could not handle safely, or
    a preflight that blocked a rule) or a "report" at a site; not an "info", and not a verification
    note of a preflight (e.g. "NOT VERIFIED": nothing in the tree to act on). Open findings make
    ``--check``/``--diff`` exit 1; informational ones never change the exit code."""
    if f.kind == "skip":
        return True
    return f.kind == "report" and f.data.get("phase") != "preflight"


class RuleStats:
    def __init__(self, rule):
        self.rule = rule
        self.scanned = 0  # files the rule's targets matched
        self.candidates = 0  # files that passed its text prefilter
        self.changed_files = 0
        self.changes = 0
        self.skipped = 0
        self.reported = 0
        self.notes = 0  # informational findings (kind info, and the preflight's verification notes)
        self.blocked = False
        self.not_needed = None  # why the rule did not run (its precondition does not hold), else None

    def to_dict(self):
        return {
            "id": self.rule.id,
            "title": self.rule.title,
            "kind": self.rule.kind,
            "scanned": self.scanned,
            "candidates": self.candidates,
            "changed_files": self.changed_files,
            "changes": self.changes,
            "skipped": self.skipped,
            "reported": self.reported,
            "notes": self.notes,
            "blocked": self.blocked,
            "not_needed": self.not_needed,
        }


class Report(reports.Report):
    """``ascendfix apply``: per-rule counts, findings (:class:`~ascendfix.apply.base.Finding`), pending changes.

    Not ok when a rule was blocked, or (check/diff) when changes are pending or findings are left for a person.
    """

    verb = "apply"

    def __init__(self, root, rules, mode):
        self.root = root
        self.mode = mode
        self.stats = {r.id: RuleStats(r) for r in rules}
        self.order = [r.id for r in rules]
        self.findings = []
        self.changes = {}  # relpath -> (old bytes, new bytes)
        self.files_seen = 0
        self.written = False
        self.written_files = []  # the changes written (all of them unless the write phase was stopped)
        self.removed_debris = []  # temporary files a killed earlier run had left, removed by this apply
        self.scope = ""  # the part of the tree Python rules covered ("" = all of it)
        self.skipped_environments = []  # Python environments found inside the tree (never entered)
        self.checkout = None  # the checkout.Checkout the run resolved PATH to (operations.apply sets it)

    def not_needed(self, rule_id, why):
        """Rule ``rule_id`` does not run: its precondition does not hold (an "info" finding says why)."""
        from ascendfix.apply.base import Finding

        self.stats[rule_id].not_needed = why
        self.add_findings([Finding(rule_id, ".", None, "info", "not needed: " + why, {"reason": "not-needed"})])

    def add_findings(self, findings):
        for f in findings:
            self.findings.append(f)
            st = self.stats.get(f.rule)
            if st is None:
                continue
            if f.kind == "change":
                st.changes += 1
            elif f.kind == "skip":
                st.skipped += 1
            elif not is_open(f):
                st.notes += 1
            elif f.kind == "report":
                st.reported += 1

    def triaged(self, scanned, ids, findings):
        """Count one file read by the run: the rules that target it, those whose prefilter passed."""
        self.files_seen += 1
        for rid in scanned:
            self.stats[rid].scanned += 1
        for rid in ids:
            self.stats[rid].candidates += 1
        self.add_findings(findings)

    def processed(self, res, original, cache, digest=None):
        """Record one processed file (a :class:`FileResult`) and what the scan cache learns from it."""
        self.add_findings(res.findings)
        if res.new is not None:
            self.changes[res.relpath] = (original, res.new)
            for rid in res.changed_rules:
                self.stats[rid].changed_files += 1
            if res.post_findings is not None:
                cache.store(res.relpath, res.new, res.post_findings)
        elif res.status != "broken":
            cache.store_digest(res.relpath, digest or hashlib.sha1(original).hexdigest(), res.findings)

    @property
    def _doc(self):  # what reports.Report's item access reads
        return self.to_dict()

    @property
    def pending(self):
        return bool(self.changes)

    @property
    def changed_files(self):
        """Relative paths of the files changed (mode apply) or that would change (check, diff)."""
        return sorted(self.changes)

    @property
    def rules(self):
        """Per-rule counts, as in the --json document."""
        return [self.stats[rid].to_dict() for rid in self.order]

    @property
    def journal(self):
        """The journal folder when files were written, else None."""
        return str(Path(self.root) / ".ascendfix") if self.written else None

    @property
    def blocked(self):
        return [s.rule.id for s in self.stats.values() if s.blocked]

    @property
    def open_findings(self):
        """Findings left for a person (see :func:`is_open`)."""
        return [f for f in self.findings if is_open(f)]

    @property
    def notes(self):
        """Informational findings: never change the exit code."""
        return [f for f in self.findings if f.kind != "change" and not is_open(f)]

    @property
    def exit_code(self):
        """0 done or nothing to do; 1 a rule was blocked, or (--check/--diff) changes pending or findings
        left for a person (:func:`is_open`). Informational findings never change it."""
        if self.blocked:
            return EXIT_NEGATIVE
        if self.mode in ("check", "diff") and (self.pending or self.open_findings):
            return EXIT_NEGATIVE
        return EXIT_OK

    @property
    def ok(self):
        return self.exit_code == EXIT_OK

    def to_dict(self):
        """The ``ascendfix apply --json`` document."""
        doc = {
            "path": str(self.checkout.path if self.checkout is not None else self.root),
            "checkout": self.checkout.to_dict() if self.checkout is not None else None,
            "mode": self.mode,
            "written": self.written,
            "exit_code": self.exit_code,
            "files_seen": self.files_seen,
            "rules": self.rules,
            "changed_files": self.changed_files,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.mode == "diff":
            doc["diffs"] = {p: self.diff(p) for p in sorted(self.changes)}
        if self.written:
            doc["journal"] = self.journal
        if self.skipped_environments:
            doc["skipped_environments"] = list(self.skipped_environments)
        if self.removed_debris:
            doc["removed_temp_files"] = list(self.removed_debris)
        return doc

    def diff(self, relpath):
        """The unified diff of one changed file as text (the file's own encoding; a BOM stays U+FEFF)."""
        old = self.changes[relpath][0]
        return self.diff_bytes(relpath).decode(_encoding_for(relpath, old), errors="replace")

    def diff_bytes(self, relpath):
        """The unified diff of one changed file, byte for byte what ``git apply``/``patch -p1`` need
        (run from the checkout root): lines split at LF only, so CRLF, a BOM, form feeds and a missing
        final newline ("\\ No newline at end of file") come through exactly."""
        old, new = self.changes[relpath]
        a = [ln.decode("latin-1") for ln in _byte_lines(old)]
        b = [ln.decode("latin-1") for ln in _byte_lines(new)]
        name = relpath.encode("utf-8", "surrogateescape")
        out = []
        for n, ln in enumerate(difflib.unified_diff(a, b, "a", "b")):
            if n == 0:
                out.append(b"--- a/" + name + b"\n")
            elif n == 1:
                out.append(b"+++ b/" + name + b"\n")
            elif ln.endswith("\n"):
                out.append(ln.encode("latin-1"))
            else:
                out.append(ln.encode("latin-1") + b"\n\\ No newline at end of file\n")
        return b"".join(out)


def _byte_lines(data):
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _encoding_for(relpath, data):
    enc = "utf-8"
    if relpath.endswith(".py"):
        try:
            enc = source_encoding(data)
        except SyntaxError:
            enc = "latin-1"
    return "utf-8" if enc == "utf-8-sig" else enc
