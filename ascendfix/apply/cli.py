"""Patch a MindOne checkout with the rules in rules/patches (revertible with `ascendfix revert`).

Each rule is a YAML entry (id, title, why, targets, options, examples) pointing at a codemod.
Files no rule is interested in are not parsed; the rest go through the stdlib ast, and in the
files that need a rewrite libcst sees only the statements and import header that change (in
parallel). Every rewritten file is re-parsed before it is written (atomically; encoding, BOM and line endings
kept). The original bytes of each changed file are kept in PATH/.ascendfix/ so that
`ascendfix revert PATH` restores them exactly, also after several applies. Re-running changes
nothing.

Modes:
  (default)  write the changes, print a summary per rule
  --diff     print unified diffs, write nothing
  --check    write nothing; exit 1 when changes are pending or findings need a person

Exit codes: 0 done (or nothing to do); 1 --check/--diff found pending changes or open findings,
or a rule refused to run (e.g. pins: the relaxed version lacks names the tree imports; --force
overrides); 2 bad PATH, unknown rule or malformed rule file.

Examples:
  ascendfix apply ~/mindone --check
  ascendfix apply ~/mindone --rule masked-fill-dtype --diff
  ascendfix apply ~/mindone --target-python 3.8 --python /opt/py38/bin/python
  ascendfix revert ~/mindone
"""

import sys
from pathlib import Path


MAX_LISTED = 15


def add_arguments(parser):
    parser.add_argument("path", help="MindOne checkout (the folder holding pyproject.toml)")
    parser.add_argument("--rule", action="append", metavar="ID", help="run only this rule (repeatable)")
    parser.add_argument("--target-python", default="3.8", metavar="X.Y",
                        help="Python version the patched tree must run on (default 3.8)")
    parser.add_argument("--python", metavar="PATH",
                        help="interpreter (or venv/conda folder) of the target environment, for checks against installed packages "
                             "(default: the one running ascendfix)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print unified diffs; write nothing")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 when changes are pending or findings remain")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: CPU count)")
    parser.add_argument("--force", action="store_true",
                        help="apply rules whose preflight check failed (e.g. relax pins although imports are missing)")


def run(args):
    from ascendfix.apply.operations import apply
    from ascendfix.output import make_console, progress

    mode = "diff" if args.diff else "check" if args.check else "apply"
    bar = {}

    def on_progress(total):
        if total < 50 or args.json:
            return None
        cm = progress("apply: scanning", total=total)
        bar["cm"] = cm
        return cm.__enter__()

    try:
        report = apply(args.path, rules=args.rule, mode=mode, target_python=args.target_python, python=args.python,
                       force=args.force, jobs=args.jobs, on_progress=on_progress)
    finally:
        if "cm" in bar:
            bar["cm"].__exit__(None, None, None)

    code = report.exit_code
    if args.json:
        from ascendfix.output import emit_json

        emit_json(report.to_dict())
        return code
    if mode == "diff":
        for relpath in sorted(report.changes):
            sys.stdout.write(report.diff(relpath))
        sys.stdout.flush()
        console = make_console(stderr=True)  # diffs own stdout; the summary goes to stderr
    else:
        console = make_console()
    _print_summary(console, report, mode, report.root)
    return code


def _print_summary(console, report, mode, root):
    from rich.markup import escape
    from rich.table import Table

    from ascendfix.output import styled_mark

    verb = {"apply": "changed", "check": "would change", "diff": "would change"}[mode]
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("scanned", justify="right")
    table.add_column("files " + verb, justify="right")
    table.add_column("changes", justify="right")
    table.add_column("skipped", justify="right")
    table.add_column("reported", justify="right")
    for rid in report.order:
        st = report.stats[rid]
        status = "error" if st.blocked else "warn" if (st.skipped or st.reported) else "ok"
        table.add_row(
            styled_mark(status, console),
            escape(rid) + (" (blocked)" if st.blocked else ""),
            str(st.scanned),
            str(st.changed_files),
            str(st.changes),
            str(st.skipped),
            str(st.reported),
        )
    console.print(table)

    by_rule = {}
    for f in report.findings:
        if f.kind in ("skip", "report"):
            by_rule.setdefault(f.rule, []).append(f)
    for rid in report.order:
        items = by_rule.get(rid)
        if not items:
            continue
        console.print("")
        console.print("{} — {} finding(s) left for a person:".format(escape(rid), len(items)))
        for f in items[:MAX_LISTED]:
            where = f.path + (":{}".format(f.line) if f.line else "")
            console.print("  {} {}: {}".format(styled_mark("warn" if f.kind == "report" else "skip", console),
                                               escape(where), escape(f.message)))
        if len(items) > MAX_LISTED:
            console.print("  ... and {} more (--json lists all)".format(len(items) - MAX_LISTED))

    infos = [f for f in report.findings if f.kind == "info"]
    if infos:
        console.print("")
        for f in infos[:MAX_LISTED]:
            console.print("{} {}: {}".format(styled_mark("info", console), escape(f.rule), escape(f.message)))

    console.print("")
    n = len(report.changes)
    if report.blocked:
        console.print("{} blocked: {} (nothing written for {}; --force overrides)".format(
            styled_mark("error", console), ", ".join(report.blocked), "it" if len(report.blocked) == 1 else "them"))
    if mode == "apply":
        if n:
            console.print("{} {} file(s) changed; originals kept in {} (undo: ascendfix revert {})".format(
                styled_mark("ok", console), n, escape(str(Path(root) / ".ascendfix")), escape(str(root))))
        else:
            console.print("{} nothing to change".format(styled_mark("ok", console)))
    else:
        if n:
            console.print("{} {} file(s) would change (nothing written)".format(styled_mark("warn", console), n))
        else:
            console.print("{} no changes pending (nothing written)".format(styled_mark("ok", console)))
