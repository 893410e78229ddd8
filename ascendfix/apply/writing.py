"""Writing a run's changes: the journal first, then each changed file atomically, then the scan cache."""

from ascendfix.apply import journal
from ascendfix.fsutil import atomic_write


def write_changes(root, report, rule_ids):
    """Journal the originals of ``report.changes``, then write the new bytes (atomically)."""
    if not report.changes:
        return
    journal.record(root, report.changes, rule_ids)
    for relpath in sorted(report.changes):
        atomic_write(root / relpath, report.changes[relpath][1])
    report.written = True


def save_cache(root, cache):
    """The scan cache, only next to a journal: a tree apply never changed gets no .ascendfix/."""
    if cache is not None and (journal.journal_dir(root) / "journal.json").is_file():
        cache.save()
