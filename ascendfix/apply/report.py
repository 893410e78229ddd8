"""What a run of the rules over a tree found and did: per-rule counts, findings, pending changes.

:class:`Report` is the typed result of ``apply``: ``.ok``, ``.exit_code`` and ``.to_dict()`` (the
``ascendfix apply --json`` document).
"""

import difflib
import hashlib
from pathlib import Path

from ascendfix.apply.files import source_encoding
from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK


class RuleStats:
    def __init__(self, rule):
        self.rule = rule
        self.scanned = 0  # files the rule's targets matched
        self.candidates = 0  # files that passed its text prefilter
        self.changed_files = 0
        self.changes = 0
        self.skipped = 0
        self.reported = 0
        self.blocked = False
        self.note = None

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
            "blocked": self.blocked,
        }


class Report:
    def __init__(self, root, rules, mode):
        self.root = root
        self.mode = mode
        self.stats = {r.id: RuleStats(r) for r in rules}
        self.order = [r.id for r in rules]
        self.findings = []
        self.changes = {}  # relpath -> (old bytes, new bytes)
        self.files_seen = 0
        self.written = False

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
    def pending(self):
        return bool(self.changes)

    @property
    def blocked(self):
        return [s.rule.id for s in self.stats.values() if s.blocked]

    @property
    def open_findings(self):
        return [f for f in self.findings if f.kind in ("skip", "report")]

    @property
    def exit_code(self):
        """0 done or nothing to do; 1 a rule was blocked, or (--check/--diff) changes or open findings."""
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
            "path": str(self.root),
            "mode": self.mode,
            "written": self.written,
            "exit_code": self.exit_code,
            "files_seen": self.files_seen,
            "rules": [self.stats[rid].to_dict() for rid in self.order],
            "changed_files": sorted(self.changes),
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.mode == "diff":
            doc["diffs"] = {p: self.diff(p) for p in sorted(self.changes)}
        if self.written:
            doc["journal"] = str(Path(self.root) / ".ascendfix")
        return doc

    def diff(self, relpath):
        old, new = self.changes[relpath]
        enc = _encoding_for(relpath, old)
        a = old.decode(enc, errors="replace").splitlines(True)
        b = new.decode(enc, errors="replace").splitlines(True)
        lines = difflib.unified_diff(a, b, "a/" + relpath, "b/" + relpath)
        out = []
        for ln in lines:
            out.append(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n")
        return "".join(out)


def _encoding_for(relpath, data):
    if relpath.endswith(".py"):
        try:
            return source_encoding(data)
        except SyntaxError:
            return "latin-1"
    return "utf-8-sig" if data[:3] == b"\xef\xbb\xbf" else "utf-8"
