"""``apply`` and ``revert`` as operations: validate the input, do the work, return a typed report.

The CLIs (``apply/cli.py``, ``apply/revert_cli.py``) only parse arguments, call these and render the
report; ``report.to_dict()`` is the ``--json`` document and ``report.exit_code`` the exit code.
Bad input raises :class:`ascendfix.errors.AscendfixError` (one line, exit 2).
"""

import os
from pathlib import Path

from ascendfix.errors import EXIT_OK, AscendfixError

MODES = ("apply", "check", "diff")


def apply(tree, rules=None, mode="apply", target_python="3.8", python=None, force=False, jobs=None,
          on_progress=None):
    """Run the patch rules ``rules`` (ids; None = all) over ``tree``: a :class:`ascendfix.apply.report.Report`.

    mode "apply" writes (journal first), "check" and "diff" write nothing.
    """
    from ascendfix.apply.base import Context
    from ascendfix.apply.engine import load_rules, run_tree

    if mode not in MODES:
        raise AscendfixError("mode must be one of {}, got {!r}".format(", ".join(MODES), mode))
    root, python = _validate(tree, target_python, jobs, python)
    loaded = load_rules(list(rules) if rules else None)
    if not loaded:
        raise AscendfixError("no patch rules found in rules/patches")
    context = Context(root=root.resolve(), target_python=target_python, python=python, force=force)
    return run_tree(root, loaded, context, mode=mode, jobs=jobs, on_progress=on_progress)


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
    if jobs is not None and jobs < 1:
        raise AscendfixError("--jobs must be at least 1")
    if python:
        from ascendfix.target import resolve_python

        python = resolve_python(python)  # one line on a bad --python, the same rules as every verb
    return root, python


class RevertReport:
    """What ``revert`` restored (or would restore, ``dry_run``)."""

    def __init__(self, root, dry_run, result):
        self.root = root
        self.dry_run = bool(dry_run)
        self.restored = list(result.restored)
        self.edited = list(result.edited)
        self.journal = result.journal

    exit_code = EXIT_OK

    @property
    def ok(self):
        return self.exit_code == EXIT_OK

    def to_dict(self):
        """The ``ascendfix revert --json`` document."""
        return {
            "path": str(self.root),
            "dry_run": self.dry_run,
            "restored": self.restored,
            "edited_after_apply": self.edited,
            "journal_removed": not self.dry_run,
        }


def revert(tree, force=False, dry_run=False):
    """Restore every file apply changed in ``tree``, byte for byte: a :class:`RevertReport`."""
    from ascendfix.apply import journal

    root = Path(tree)
    if not root.is_dir():
        raise AscendfixError("{}: {}".format(tree, "not a directory" if root.exists() else "no such directory"))
    if not os.access(str(root), os.R_OK | os.W_OK | os.X_OK):
        raise AscendfixError("{}: permission denied".format(tree))
    return RevertReport(root, dry_run, journal.revert(root, force=force, dry_run=dry_run))
