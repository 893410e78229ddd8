"""``apply`` and ``revert`` as operations: validate the input, do the work, return a typed report.

The CLIs (``apply/cli.py``, ``apply/revert_cli.py``) only parse arguments, call these and render the
report; ``report.to_dict()`` is the ``--json`` document and ``report.exit_code`` the exit code.
Bad input raises :class:`ascendfix.errors.AscendfixError` (one line, exit 2).
"""

import os
from pathlib import Path

from ascendfix import reports
from ascendfix.errors import EXIT_OK, AscendfixError

MODES = ("apply", "check", "diff")


def apply(tree, rules=None, mode="apply", target_python="3.8", python=None, force=False, jobs=None,
          on_progress=None, on_report=None):
    """Run the patch rules ``rules`` (ids; None = all) over ``tree``: a :class:`ascendfix.apply.report.Report`.

    mode "apply" writes (journal first), "check" and "diff" write nothing. ``on_report(report)`` is called
    as soon as the report exists, so that a caller interrupted later still knows what was written.
    """
    from ascendfix.apply.base import Context
    from ascendfix.apply.checkout import requires_python
    from ascendfix.apply.engine import load_rules, run_tree
    from ascendfix.apply.writing import ApplyInterrupted, interrupted_after, undo_hint

    if mode not in MODES:
        raise AscendfixError("mode must be one of {}, got {!r}".format(", ".join(MODES), mode))
    _, python, target_python = _validate(tree, target_python, jobs, python)
    co = resolve_checkout(tree, force)
    root = co.root
    if mode == "apply" and not os.access(str(root), os.W_OK):
        raise AscendfixError("{}: not writable (apply writes the patched files and {}; --check and "
                             "--diff write nothing)".format(root, Path(root) / ".ascendfix"))
    loaded = load_rules(list(rules) if rules else None)
    if not loaded:
        raise AscendfixError("no patch rules found (broken install?)")
    floor, _ = requires_python(root)
    context = Context(root=root, target_python=target_python, python=python, force=force, requires_python=floor)
    made = []

    def made_report(report):
        report.checkout = co
        made.append(report)
        if on_report is not None:
            on_report(report)

    try:
        report = run_tree(root, loaded, context, mode=mode, jobs=jobs, on_progress=on_progress, scope=co.scope,
                          on_report=made_report)
    except ApplyInterrupted:
        raise
    except KeyboardInterrupt:  # before the write phase (which says itself what it wrote), or right after it
        if not made:
            raise ApplyInterrupted(undo_hint(root, 0))
        raise interrupted_after(made[0])
    return report


def resolve_checkout(tree, force=False):
    """The checkout PATH belongs to (see :mod:`ascendfix.apply.checkout`); refused unless ``force`` when
    PATH is inside a Python environment or no checkout is around it (then PATH itself is patched)."""
    from ascendfix.apply.checkout import Checkout, find_checkout

    co = find_checkout(tree)
    if co.is_checkout or force:
        return co if co.is_checkout else Checkout(tree, Path(tree).resolve())
    if co.environment:
        raise AscendfixError("{}: inside a Python environment, {}; apply patches a source checkout "
                             "(--force patches these files anyway)".format(tree, co.environment))
    raise AscendfixError("{}: not a source checkout (no pyproject.toml or setup.py here or above); "
                         "--force patches it anyway".format(tree))


def _validate(tree, target_python, jobs, python):
    root = Path(tree)
    if not root.exists():
        raise AscendfixError("{}: no such directory".format(tree))
    if not root.is_dir():
        raise AscendfixError("{}: not a directory".format(tree))
    if not os.access(str(root), os.R_OK | os.X_OK):
        raise AscendfixError("{}: permission denied".format(tree))
    parts = str(target_python).split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or parts[0] != "3":
        raise AscendfixError("--target-python must look like 3.8, got {!r}".format(target_python))
    target_python = "{}.{}".format(int(parts[0]), int(parts[1]))  # "3.8", also from the library's 3.8 (a float)
    if jobs is not None and jobs < 1:
        raise AscendfixError("--jobs must be at least 1")
    if python:
        from ascendfix.target import resolve_python

        python = resolve_python(python)  # one line on a bad --python, the same rules as every verb
    return root, python, target_python


class RevertReport(reports.Report):
    """``ascendfix revert``: what was restored (or would be, ``dry_run``); a journal that cannot be honoured
    raises :class:`~ascendfix.errors.AscendfixError` instead. ``to_dict()`` is ``ascendfix revert --json``."""

    verb = "revert"

    def __init__(self, root, dry_run, result):
        self.root = root
        self.dry_run = bool(dry_run)
        self.restored = list(result.restored)
        self.edited = list(result.edited)
        self.journal = result.journal
        self.leftovers = result.leftovers
        self.removed_temp = list(result.removed_temp)
        self.applies = list(result.applies)

    exit_code = EXIT_OK

    @property
    def _doc(self):  # what reports.Report's item access reads
        return self.to_dict()

    def to_dict(self):
        """The ``ascendfix revert --json`` document."""
        return {
            "path": str(self.root),
            "dry_run": self.dry_run,
            "restored": self.restored,
            "edited_after_apply": self.edited,
            "journal_removed": not self.dry_run,
            "leftovers_removed": self.leftovers and not self.dry_run,
            "removed_temp_files": self.removed_temp,
            "applies": self.applies,
        }


def revert(tree, force=False, dry_run=False):
    """Restore every file apply changed in ``tree``, byte for byte: a :class:`RevertReport`.

    The journal is looked for where apply puts it: the root of the checkout around ``tree``
    (or ``tree`` itself, for an apply that was forced onto a folder that is not a checkout).
    """
    from ascendfix.apply import journal
    from ascendfix.apply.checkout import find_checkout

    path = Path(tree)
    if not path.is_dir():
        raise AscendfixError("{}: {}".format(tree, "not a directory" if path.exists() else "no such directory"))
    co = find_checkout(tree)
    root = co.root if co.is_checkout and journal.journal_dir(co.root).exists() else path
    if not os.access(str(root), os.R_OK | os.W_OK | os.X_OK):
        raise AscendfixError("{}: permission denied".format(root))
    return RevertReport(path, dry_run, journal.revert(root, force=force, dry_run=dry_run))
