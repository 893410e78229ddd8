"""Patch a MindOne checkout with the patch rules (ascendfix/codemods/; revertible with `ascendfix revert`).

Each rule is a YAML entry (id, title, why, targets, options, examples) pointing at a codemod.
Files no rule is interested in are not parsed; the rest go through the stdlib ast, and in the
files that need a rewrite libcst sees only the statements and import header that change (in
parallel). Every rewritten file is re-parsed before it is written (atomically; encoding, BOM and line endings
kept). The original bytes of each changed file are kept in ROOT/.ascendfix/ so that
`ascendfix revert PATH` restores them exactly, also after several applies. Re-running changes
nothing.

PATH: the checkout root (ROOT) is the nearest folder at or above PATH holding pyproject.toml or
setup.py; file rules (pins) edit the files there and the journal lives there, Python rules cover
PATH. Python environments (pyvenv.cfg, conda-meta, site-packages), VCS and build folders are never
entered. A PATH inside an environment or outside any checkout is refused unless --force.

Modes:
  (default)  write the changes, print a summary per rule
  --diff     print unified diffs (apply them from ROOT with `git apply` or `patch -p1`); write nothing
  --check    write nothing; exit 1 when changes are pending or findings need a person

Exit codes:
  0    done, or nothing to do
  1    a rule was blocked by its preflight (nothing of it written; --force overrides); with --check or
       --diff also: changes pending, or findings left for a person (a site a rule could not rewrite
       safely, or one it can only report). Informational findings (notes such as "NOT VERIFIED", "not
       needed") never change the exit code.
  2    bad input: PATH missing, not a folder, not a checkout, not writable; unknown rule; malformed rule
       file; bad --python/--target-python/--jobs
  3    internal error (please report it)
  130  interrupted (Ctrl-C): the message says how many files were changed before it and that
       `ascendfix revert PATH` undoes them
  The exit code is the run's also when the reader of the output goes away early (`| head`).

Examples:
  ascendfix apply ~/mindone --check
  ascendfix apply ~/mindone --rule masked-fill-dtype --diff | git -C ~/mindone apply
  ascendfix apply ~/mindone --target-python 3.8 --python /opt/py38/bin/python
  ascendfix revert ~/mindone
"""

from pathlib import Path

from ascendfix.apply.writing import ApplyInterrupted, interrupted_after
from ascendfix.output import shown  # noqa: F401 - used here and by revert_cli

MAX_LISTED = 15


def add_arguments(parser):
    parser.add_argument("path", help="MindOne checkout (the folder holding pyproject.toml), or a folder in it")
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
                        help="apply rules whose preflight check failed (e.g. relax pins although imports are missing); "
                             "patch a PATH that is not a source checkout")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every finding and note, the changed files and the folders left out")


def run(args):
    made = []
    try:
        return _run(args, made.append)
    except ApplyInterrupted:
        raise
    except KeyboardInterrupt:  # before apply started (imports, argument checks), or after it wrote (printing)
        if made:
            raise interrupted_after(made[0])
        raise ApplyInterrupted("nothing written")


def _run(args, on_report):
    from ascendfix.apply.operations import apply
    from ascendfix.output import make_console, progress, reader_may_leave, write_stdout

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
                       force=args.force, jobs=args.jobs, on_progress=on_progress, on_report=on_report)
    finally:
        if "cm" in bar:
            bar["cm"].__exit__(None, None, None)

    code = report.exit_code
    with reader_may_leave():  # `| head`: the exit code stays the run's (ascendfix/output.py)
        if args.json:
            from ascendfix.output import emit_json

            emit_json(report.to_dict())
            return code
        if mode == "diff":
            for relpath in sorted(report.changes):
                write_stdout(report.diff_bytes(relpath))
            console = make_console(stderr=True)  # diffs own stdout; the summary goes to stderr
        else:
            console = make_console()
        _print_summary(console, report, mode, getattr(args, "verbose", False))
    return code


def _print_summary(console, report, mode, verbose=False):
    from rich.markup import escape
    from rich.table import Table

    from ascendfix.output import print_table, styled_mark

    co = report.checkout
    if co is not None:
        if co.marker:
            where = "Python rules cover {}".format(escape(co.scope + "/") if co.scope else "all of it")
            console.print("checkout {} ({}): file rules and the journal use this root; {}".format(
                escape(shown(co.root)), co.marker, where))
        else:
            console.print("{} is not a source checkout; patching it as given (--force)".format(escape(shown(co.root))))
    if report.skipped_environments:
        envs = report.skipped_environments
        listed = envs if verbose else envs[:5]
        console.print("left out {} Python environment(s) inside: {}{}".format(
            len(envs), escape(", ".join(e + "/" for e in listed)), "" if len(listed) == len(envs) else ", ..."))

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
        if st.blocked:
            status, label = "error", " (blocked)"
        elif st.not_needed:
            status, label = "skip", " (not needed)"
        elif st.skipped or st.reported:
            status, label = "warn", ""
        else:
            status, label = "ok", ""
        table.add_row(styled_mark(status, console), escape(rid) + label, str(st.scanned), str(st.changed_files),
                      str(st.changes), str(st.skipped), str(st.reported))
    print_table(console, table)

    by_rule = {}
    for f in report.open_findings:
        by_rule.setdefault(f.rule, []).append(f)
    for rid in report.order:
        items = by_rule.get(rid)
        if not items:
            continue
        console.print("")
        console.print("{} — {} finding(s) left for a person:".format(escape(rid), len(items)))
        for f in (items if verbose else items[:MAX_LISTED]):
            where = f.path + (":{}".format(f.line) if f.line else "")
            console.print("  {} {}: {}".format(styled_mark("warn" if f.kind == "report" else "skip", console),
                                               escape(where), escape(f.message)))
        if len(items) > MAX_LISTED and not verbose:
            console.print("  ... and {} more (-v or --json lists all)".format(len(items) - MAX_LISTED))

    notes = report.notes
    if notes:
        console.print("")
        for f in (notes if verbose else notes[:MAX_LISTED]):
            console.print("{} {}: {}".format(styled_mark("info", console), escape(f.rule), escape(f.message)))
        if len(notes) > MAX_LISTED and not verbose:
            console.print("... and {} more notes (-v or --json lists all)".format(len(notes) - MAX_LISTED))
    if verbose and report.changes:
        console.print("")
        console.print("files {}:".format(verb))
        for relpath in sorted(report.changes):
            console.print("  " + escape(relpath))
    if report.removed_debris:
        console.print("removed {} temporary file(s) a killed earlier run had left".format(len(report.removed_debris)))

    console.print("")
    n = len(report.changes)
    code = report.exit_code
    open_n = len(report.open_findings)
    if report.blocked:
        console.print("{} blocked: {} (nothing written for {}; --force overrides)".format(
            styled_mark("error", console), ", ".join(report.blocked), "it" if len(report.blocked) == 1 else "them"))
    root = report.root
    shown_path = str(co.path) if co is not None else str(root)
    if mode == "apply":
        if n:
            console.print("{} {} file(s) changed; originals kept in {} (undo: ascendfix revert {})".format(
                styled_mark("ok" if code == 0 else "warn", console), n, escape(shown(Path(root) / ".ascendfix")),
                escape(shown_path)))
        else:
            console.print("{} nothing to change".format(styled_mark("ok" if code == 0 else "warn", console)))
    else:
        if n:
            console.print("{} {} file(s) would change (nothing written)".format(styled_mark("warn", console), n))
        elif open_n:
            console.print("{} no changes pending; {} finding(s) left for a person (nothing written)".format(
                styled_mark("warn", console), open_n))
        else:
            console.print("{} no changes pending (nothing written)".format(styled_mark("ok", console)))
