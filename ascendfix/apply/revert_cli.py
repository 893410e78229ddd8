"""Restore every file `ascendfix apply` changed, byte for byte, from the journal in PATH/.ascendfix/.

The journal keeps the bytes each file had before the first apply that changed it, so one revert
undoes any number of applies. The journal is removed afterwards. Files edited by hand after the
apply are not overwritten unless --force is given (their edits would be lost). A PATH/.ascendfix/
without journal.json (left by an apply stopped before it changed any file) is removed.

Exit codes: 0 restored (or leftovers removed); 1 nothing to revert, or files were edited after apply
(nothing restored); 2 bad PATH, unwritable tree or damaged journal; 130 interrupted (the journal is
kept: run revert again to finish).
"""

def add_arguments(parser):
    parser.add_argument("path", help="the tree apply patched")
    parser.add_argument("--force", action="store_true",
                        help="also restore files edited after apply (those edits are lost)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be restored; write nothing")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show the applies being undone (when, which rules, how many files)")


def run(args):
    from ascendfix.apply.operations import revert

    res = revert(args.path, force=args.force, dry_run=args.dry_run)
    from ascendfix.output import reader_may_leave

    with reader_may_leave():  # `| head`: the exit code stays the run's (ascendfix/output.py)
        _render(args, res)
    return res.exit_code


def _render(args, res):
    from rich.markup import escape

    from ascendfix.apply.cli import shown
    from ascendfix.output import emit_json, make_console, styled_mark

    if args.json:
        emit_json(res.to_dict())
        return
    console = make_console()
    if res.leftovers:
        console.print("{} {} {} left by an apply that was stopped before it changed any file (no journal.json; "
                      "nothing to restore)".format(styled_mark("ok", console), "would remove" if args.dry_run else
                                                   "removed", escape(shown(res.journal))))
        return
    if args.verbose:
        for a in res.applies:
            console.print("apply of {}: {} ({} file(s))".format(
                escape(str(a.get("time"))), escape(", ".join(a.get("rules") or [])), len(a.get("files") or [])))
    what = "would restore" if args.dry_run else "restored"
    for p in res.restored:
        console.print("  {}".format(p), markup=False, highlight=False)
    if res.edited:
        console.print("{} {} file(s) had been edited after apply; {} anyway (--force)".format(
            styled_mark("warn", console), len(res.edited), what))
    tail = "" if args.dry_run else "; journal {} removed".format(escape(shown(res.journal)))
    console.print("{} {} {} file(s){}".format(styled_mark("ok", console), what, len(res.restored), tail))
