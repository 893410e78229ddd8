"""Writing a run's changes: the journal first, then each changed file atomically, then the scan cache.

Ctrl-C (SIGINT) and SIGTERM are held while this runs: the file being written is finished, no
further file is started, the journal is cut down to the files really written, and
:class:`ApplyInterrupted` says how many changed and how to undo them. No temporary file is left
behind. A file that cannot be written stops the run the same way, as a one-line error (exit 2).
"""

import contextlib
import os
import signal

from ascendfix.apply import journal
from ascendfix.errors import EXIT_USAGE, AscendfixError
from ascendfix.fsutil import atomic_write

TEMP_PREFIX, TEMP_SUFFIX = ".ascendfix-", ".tmp"  # fsutil.atomic_write's temporary files


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped apply; the message says what is on disk. ``written``: files changed."""

    def __init__(self, message, written=0, exit_code=130):
        super().__init__(message)
        self.written = written
        self.exit_code = exit_code


def interrupted_after(report):
    """The :class:`ApplyInterrupted` for a Ctrl-C that came after (or while) ``report``'s changes were written:
    it names the files already on disk, whatever code was running when the signal came."""
    n = len(report.written_files)
    return ApplyInterrupted(undo_hint(report.root, n), written=n)


def undo_hint(root, n):
    if not n:
        return "nothing written"
    return "{} file(s) changed before it are journalled; `ascendfix revert {}` undoes them".format(n, root)


def is_temp_debris(relpath):
    name = relpath.rsplit("/", 1)[-1]
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def write_changes(root, report, rule_ids, debris=()):
    """Journal the originals of ``report.changes``, then write the new bytes (atomically).

    ``debris``: temporary files an earlier, killed run left in the tree (removed here).
    """
    with held_signals() as got:
        for relpath in debris:
            try:
                os.unlink(os.path.join(str(root), relpath))
                report.removed_debris.append(relpath)
            except OSError:
                pass
        if not report.changes:
            return
        before = journal.load(root)
        try:
            journal.record(root, report.changes, rule_ids)
        except OSError as e:
            _forget(root, before)
            raise AscendfixError("cannot write the undo journal in {}: {}; nothing written".format(
                journal.journal_dir(root), _reason(e)), exit_code=EXIT_USAGE)
        written, failed = [], None
        for relpath in sorted(report.changes):
            if got:
                break
            try:
                atomic_write(root / relpath, report.changes[relpath][1])
            except OSError as e:
                failed = (relpath, e)
                break
            written.append(relpath)
        report.written_files = written
        report.written = bool(written)
        if len(written) < len(report.changes):
            journal.keep_only(root, before, report.changes, written, rule_ids)
    if failed is not None:
        raise AscendfixError("{}: cannot write: {}; {}".format(
            failed[0], _reason(failed[1]), undo_hint(root, len(written))), exit_code=EXIT_USAGE)
    if got:
        raise ApplyInterrupted(undo_hint(root, len(written)), written=len(written),
                               exit_code=128 + got[0])


def _forget(root, before):
    """Undo a journal write that failed half-way (the tree was not touched yet)."""
    try:
        journal.keep_only(root, before, {}, [], [])
    except OSError:
        pass


def _reason(exc):
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


def save_cache(root, cache):
    """The scan cache, only next to a journal: a tree apply never changed gets no .ascendfix/."""
    if cache is None or not (journal.journal_dir(root) / "journal.json").is_file():
        return
    with held_signals() as got:
        try:
            cache.save()
        except OSError:
            pass  # only a speed-up for the next run
    if got:  # held while the cache was written whole; now the Ctrl-C counts (the caller names the files written)
        raise KeyboardInterrupt()


@contextlib.contextmanager
def held_signals(signums=(signal.SIGINT, signal.SIGTERM)):
    """Hold ``signums`` while the block runs; yields the list of those that arrived (in order)."""
    got = []
    previous = {}

    def hold(signum, frame):
        got.append(signum)

    try:
        for s in signums:
            try:
                previous[s] = signal.signal(s, hold)
            except ValueError:  # not the main thread: nothing to hold
                break
        yield got
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
