"""Remember which file contents the rules already found nothing to do in (``.ascendfix/scan-cache.json``).

A rerun of ``apply`` (or ``--check`` after an apply) then only reads and hashes the tree: a file
whose bytes hash to a cached entry gets the cached findings without being parsed. Entries come
from files that were scanned and left unchanged, and from files apply rewrote whose new bytes
were scanned again and wanted nothing more (so the rules are idempotent on them). The cache is
keyed by a fingerprint of the rules (ids, options, targets), the run's context, the rules' tree-level
indexes (:mod:`ascendfix.apply.index`) and the source of
ascendfix's apply engine and codemods, so any change there starts from scratch. It is written
only by a writing apply, only next to an existing journal, and removed by ``revert``.
"""

import hashlib
import json
from pathlib import Path

from ascendfix import __version__
from ascendfix.apply.base import Finding
from ascendfix.fsutil import atomic_write

NAME = "scan-cache.json"


def _code_digest():
    h = hashlib.sha1()
    pkg = Path(__file__).resolve().parent.parent
    for folder in ("apply", "codemods"):
        for p in sorted((pkg / folder).rglob("*.py")):
            h.update(p.relative_to(pkg).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def fingerprint(rules, context, index_digest=None):
    doc = {
        "index": index_digest,
        "version": __version__,
        "code": _code_digest(),
        "target_python": context.target_python,
        "python": context.python,
        "rules": [
            {"id": r.id, "codemod": r.codemod_spec, "options": r.options, "include": r.include, "exclude": r.exclude}
            for r in rules
        ],
    }
    return hashlib.sha1(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


class ScanCache:
    def __init__(self, root, rules, context, index_digest=None):
        self.path = Path(root) / ".ascendfix" / NAME
        self.fp = fingerprint(rules, context, index_digest)
        self.old = {}
        self.new = {}
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("fingerprint") == self.fp and isinstance(doc.get("files"), dict):
                self.old = doc["files"]
        except (OSError, ValueError, AttributeError):
            pass

    def lookup(self, relpath, data):
        entry = self.old.get(relpath)
        if not entry:
            return None
        digest = hashlib.sha1(data).hexdigest()
        if entry.get("sha1") != digest:
            return None
        self.new[relpath] = entry
        try:
            return [Finding(**f) for f in entry.get("findings", [])]
        except TypeError:
            return None

    def use(self, relpath, entry):
        """Findings of an entry found valid elsewhere (e.g. by a pool worker), or None."""
        self.new[relpath] = entry
        try:
            return [Finding(**f) for f in entry.get("findings", [])]
        except TypeError:
            return None

    def store(self, relpath, data, findings):
        self.store_digest(relpath, hashlib.sha1(data).hexdigest(), findings)

    def store_digest(self, relpath, digest, findings):
        self.new[relpath] = {"sha1": digest, "findings": [f.to_dict() for f in findings]}

    def save(self):
        if all(self.old.get(k) == v for k, v in self.new.items()):
            return  # nothing learned (entries for files no longer candidates are harmless: keyed by hash)
        doc = {"fingerprint": self.fp, "files": self.new}
        atomic_write(self.path, (json.dumps(doc, sort_keys=True) + "\n").encode("utf-8"))
