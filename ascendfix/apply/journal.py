"""The undo journal ``PATH/.ascendfix/``: original bytes of every file apply changed.

Layout::

    .ascendfix/journal.json   {"version": 1, "files": {relpath: {"sha256_orig", "sha256_applied", "mode"}},
                               "applies": [{"time", "rules", "files"}]}
    .ascendfix/orig/<relpath> the bytes before the FIRST apply that changed the file
    .ascendfix/.gitignore     "*" (keeps the journal out of git status)

The first original wins across several applies, so ``revert`` always returns to the tree as it was
before ascendfix touched it. Originals and the journal are written (atomically) before any patched
file is, so an interrupted apply can still be reverted.
"""

import copy
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from ascendfix.fsutil import atomic_write
from ascendfix.errors import AscendfixError

DIRNAME = ".ascendfix"
VERSION = 1


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def journal_dir(root):
    return Path(root) / DIRNAME


def load(root):
    """The journal dict, or None when the tree has none."""
    jfile = journal_dir(root) / "journal.json"
    if not jfile.is_file():
        return None
    try:
        doc = json.loads(jfile.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise AscendfixError("{}: unreadable journal: {}".format(jfile, e))
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("files"), dict):
        raise AscendfixError("{}: not an ascendfix journal (version {})".format(jfile, VERSION))
    return doc


_LOAD = object()


def record(root, changes, rules, base=_LOAD):
    """Store originals for ``changes`` ({relpath: (old, new)}) before they are written.

    ``base``: the journal document to add to (default: the one on disk; None: a new journal).
    """
    root = Path(root)
    jdir = journal_dir(root)
    doc = load(root) if base is _LOAD else copy.deepcopy(base)
    doc = doc or {"version": VERSION, "files": {}, "applies": []}
    jdir.mkdir(exist_ok=True)
    gi = jdir / ".gitignore"
    if not gi.exists():
        atomic_write(gi, b"*\n")
    for relpath in sorted(changes):
        old, new = changes[relpath]
        entry = doc["files"].get(relpath)
        if entry is None:
            mode = os.stat(str(root / relpath)).st_mode & 0o7777
            orig = jdir / "orig" / relpath
            orig.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(orig, old, mode=0o600)
            entry = {"sha256_orig": _sha(old), "mode": mode}
            doc["files"][relpath] = entry
        entry["sha256_applied"] = _sha(new)
    doc["applies"].append(
        {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rules": list(rules), "files": sorted(changes)}
    )
    _write_doc(jdir, doc)
    return doc


def _write_doc(jdir, doc):
    atomic_write(jdir / "journal.json", (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def keep_only(root, before, changes, written, rules):
    """After a write phase stopped early: the journal as if only ``written`` of ``changes`` had been applied.

    ``before``: the journal document before this apply (None: there was none). Originals of files
    that were never written are dropped; with nothing written and no journal before, ``.ascendfix/``
    goes away entirely.
    """
    root = Path(root)
    jdir = journal_dir(root)
    if not written and before is None:
        if jdir.exists():
            shutil.rmtree(str(jdir))
        return None
    if written:
        doc = record(root, {p: changes[p] for p in written}, rules, base=before)
    else:
        doc = before
        _write_doc(jdir, doc)
    orig = jdir / "orig"
    for relpath in changes:
        if relpath not in doc["files"]:
            try:
                (orig / relpath).unlink()
            except OSError:
                pass
    return doc


class RevertResult:
    def __init__(self):
        self.restored = []
        self.edited = []  # files changed by someone else after the last apply (restored only with force)
        self.journal = None
        self.leftovers = False  # .ascendfix/ of an apply stopped before it changed any file (removed)
        self.removed_temp = []  # temporary files a killed run left next to journaled files (removed)
        self.applies = []  # the journal's record of the applies being undone: {"time", "rules", "files"}


class RevertInterrupted(KeyboardInterrupt):
    def __init__(self, message, exit_code=130):
        super().__init__(message)
        self.exit_code = exit_code


def revert(root, force=False, dry_run=False):
    """Restore every journaled file byte for byte and remove the journal.

    Files edited after apply are not overwritten unless ``force`` (AscendfixError, exit 1). A
    ``.ascendfix/`` without ``journal.json`` is what an apply stopped before changing any file leaves
    (the journal is written before the first file): it is removed. Ctrl-C stops between files; the
    journal stays, so running revert again finishes the job.
    """
    from ascendfix.apply.writing import held_signals, is_temp_debris

    root = Path(root)
    jdir = journal_dir(root)
    doc = load(root)
    res = RevertResult()
    res.journal = str(jdir)
    if doc is None:
        if jdir.is_dir():
            res.leftovers = True
            if not dry_run:
                _remove(jdir)
            return res
        raise AscendfixError(
            "nothing to revert: {} has no {}/ journal (ascendfix apply has not changed this tree)".format(root, DIRNAME),
            exit_code=1,
        )
    res.applies = [a for a in doc.get("applies", []) if isinstance(a, dict)]
    plan = []
    for relpath in sorted(doc["files"]):
        entry = doc["files"][relpath]
        orig_path = jdir / "orig" / relpath
        try:
            orig = orig_path.read_bytes()
        except OSError as e:
            raise AscendfixError("journal is damaged: {}: {}".format(orig_path, e))
        if _sha(orig) != entry.get("sha256_orig"):
            raise AscendfixError("journal is damaged: {} does not match its recorded hash".format(orig_path))
        target = root / relpath
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as e:
            raise AscendfixError("{}: cannot read: {}; nothing restored".format(target, e.strerror or e))
        if current is None or _sha(current) != entry.get("sha256_applied"):
            if current is not None and _sha(current) == entry["sha256_orig"]:
                continue  # already the original
            res.edited.append(relpath)
        plan.append((relpath, orig, entry.get("mode")))
    if res.edited and not force:
        shown = ", ".join(res.edited[:5]) + (" and {} more".format(len(res.edited) - 5) if len(res.edited) > 5 else "")
        raise AscendfixError(
            "{} file(s) changed since ascendfix apply ({}); nothing restored. Use --force to restore the "
            "originals anyway (those edits are lost)".format(len(res.edited), shown),
            exit_code=1,
        )
    if dry_run:
        res.restored = [p for p, _, _ in plan]
        return res
    with held_signals() as got:
        for relpath, orig, mode in plan:
            if got:
                break
            target = root / relpath
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                keep_mode = None if target.exists() else mode
                atomic_write(target, orig, mode=keep_mode)
            except OSError as e:
                raise AscendfixError("{}: cannot restore: {}; {} file(s) restored so far, the journal is kept "
                                     "(run revert again once it is writable)".format(
                                         target, e.strerror or e, len(res.restored)))
            res.restored.append(relpath)
        if not got:
            folders = sorted(set(str((root / p).parent) for p in doc["files"]))
            for folder in folders:
                try:
                    names = os.listdir(folder)
                except OSError:
                    continue
                for name in names:
                    if is_temp_debris(name):
                        try:
                            os.unlink(os.path.join(folder, name))
                            res.removed_temp.append(os.path.relpath(os.path.join(folder, name), str(root)))
                        except OSError:
                            pass
            _remove(jdir)
    if got:
        raise RevertInterrupted("{} of {} file(s) restored; the journal is kept: run `ascendfix revert {}` again "
                                "to finish".format(len(res.restored), len(plan), root), exit_code=128 + got[0])
    return res


def _remove(jdir):
    try:
        shutil.rmtree(str(jdir))
    except OSError as e:
        raise AscendfixError("cannot remove {}: {}".format(jdir, e.strerror or e))
