"""Restore every file `ascendfix apply` changed, byte for byte, from the journal in PATH/.ascendfix/.

The journal keeps the bytes each file had before the first apply that changed it, so one revert
undoes any number of applies. The journal is removed afterwards. Files edited by hand after the
apply are not overwritten unless --force is given (their edits would be lost).

Exit codes: 0 restored; 1 nothing to revert, or files were edited after apply (nothing restored);
2 bad PATH or damaged journal.
"""

def add_arguments(parser):
    parser.add_argument("path", help="the tree apply patched")
    parser.add_argument("--force", action="store_true",
                        help="also restore files edited after apply (those edits are lost)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be restored; write nothing")


def run(args):
    from ascendfix.apply.operations import revert
    from ascendfix.output import emit_json, make_console, styled_mark

    res = revert(args.path, force=args.force, dry_run=args.dry_run)
    if args.json:
        emit_json(res.to_dict())
        return res.exit_code
    console = make_console()
    what = "would restore" if args.dry_run else "restored"
    for p in res.restored:
        console.print("  {}".format(p), markup=False, highlight=False)
    if res.edited:
        console.print("{} {} file(s) had been edited after apply; {} anyway (--force)".format(
            styled_mark("warn", console), len(res.edited), what))
    tail = "" if args.dry_run else "; journal {} removed".format(res.journal)
    console.print("{} {} {} file(s){}".format(styled_mark("ok", console), what, len(res.restored), tail))
    return res.exit_code
