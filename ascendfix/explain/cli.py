"""Name the cause and the fix of an error log, from a knowledge base of real Ascend / MindSpore /
MindOne / torch_npu / MindIE error signatures.

  ascendfix explain error.log              read a log (any size; streamed)
  python run_sdxl.py 2>&1 | ascendfix explain -
  ascendfix explain AF003                  the long page of one signature (like rustc --explain)
  ascendfix explain --list                 every known signature

For each likely cause, best first: a stable id, the evidence lines (with line numbers), the
cause, the fix (with the op, dtype, sizes, versions taken from your log), the `ascendfix apply`
rule that fixes it when there is one, and "more: ascendfix explain <ID>".

Specific causes (device OOM, HCCL, a version mismatch, a missing kernel) outrank the generic
"inner error" wrappers (EZ9999, EE9999, E39999, EH9999, torch_npu's "The Inner error is
reported as above") that usually surround them.

Exit status: 0 a known signature matched, 1 no known signature, 2 missing file / unknown id.
The signatures live in rules/signatures/*.yaml, each with the real log excerpts it must match.
"""

import os
import re
import sys

from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK, AscendfixError


_ID_RE = re.compile(r"^[Aa][Ff]\d{3}$")


def add_arguments(parser):
    parser.add_argument("target", nargs="?", help="log file, '-' for stdin, or a signature id such as AF003")
    parser.add_argument(
        "-n", "--limit", type=int, default=3, metavar="N", help="show at most N causes (default 3; 0 = all)"
    )
    parser.add_argument("--list", action="store_true", help="list every known signature (and check that every regex compiles)")


def run(args):
    if args.limit < 0:
        raise AscendfixError("--limit must be 0 or more")
    if args.list:
        return _list(args)
    target = args.target
    if target is None:
        raise AscendfixError("give a log file, '-' for stdin, or a signature id (see 'ascendfix explain --help')")
    if target != "-" and _ID_RE.match(target) and not os.path.exists(target):
        return _page(args, target)
    return _explain_log(args, target)


def _open(target):
    if target == "-":
        return sys.stdin.buffer, False
    if os.path.isdir(target):
        raise AscendfixError("{}: is a directory, not a log file".format(target))
    try:
        return open(target, "rb"), True
    except FileNotFoundError:
        raise AscendfixError("{}: no such file".format(target))
    except OSError as e:
        raise AscendfixError("{}: cannot read: {}".format(target, e.strerror or e))


def _explain_log(args, target):
    from ascendfix.explain.engine import explain_stream

    stream, close = _open(target)
    try:
        report = explain_stream(stream, limit=args.limit or None)
    finally:
        if close:
            stream.close()
    if args.json:
        from ascendfix.output import emit_json

        emit_json(report)
    else:
        _print_report(report, "stdin" if target == "-" else target)
    return EXIT_OK if report["matches"] else EXIT_NEGATIVE


def _print_report(report, name):
    from rich.markup import escape

    from ascendfix.output import make_console, styled_mark

    con = make_console()
    con.soft_wrap = True  # long log lines stay whole (terminals wrap them; files and pipes get them intact)
    matches = report["matches"]
    if not matches:
        con.print(
            "{} no known signature in {} ({} lines read)".format(
                styled_mark("warn", con), escape(name), report["lines_read"]
            )
        )
        con.print("  If this is an Ascend/MindSpore error, the log may lack the root line: rerun with")
        con.print("  ASCEND_GLOBAL_LOG_LEVEL=3 and pass the whole output: 'python run.py 2>&1 | ascendfix explain -'.")
        return
    con.print(
        "{} lines read from {}; {} likely cause{}, best first:".format(
            report["lines_read"], escape(name), len(matches), "" if len(matches) == 1 else "s"
        )
    )
    for i, m in enumerate(matches, 1):
        con.print()
        con.print(
            "{} [bold]{}[/bold] {}  [dim]({}, confidence {:.2f})[/dim]".format(
                styled_mark("error" if i == 1 else "warn", con),
                m["id"],
                escape(m["title"]),
                m["category"],
                m["confidence"],
            )
        )
        con.print("  evidence:")
        for ev in m["evidence"]:
            con.print("    line {}: {}".format(ev["line"], escape(ev["text"])))
        con.print("  cause: " + escape(m["cause"]))
        fix_lines = m["fix"].splitlines() or [""]
        con.print("  fix:   " + escape(fix_lines[0]))
        for line in fix_lines[1:]:
            con.print("         " + escape(line))
        if m["apply_rule"]:
            con.print(
                "  apply: ascendfix apply <mindone checkout>   (rule [bold]{}[/bold])".format(escape(m["apply_rule"]))
            )
        con.print("  more:  ascendfix explain {}".format(m["id"]))


def _page(args, sig_id):
    from ascendfix.explain.kb import find_signature

    sig = find_signature(sig_id)
    if sig is None:
        raise AscendfixError("{}: unknown signature id (see 'ascendfix explain --list')".format(sig_id))
    if args.json:
        from ascendfix.output import emit_json

        e = sig.entry
        emit_json(
            {
                "id": sig.id,
                "category": sig.category,
                "title": sig.title,
                "priority": sig.priority,
                "severity": sig.severity,
                "cause": sig.cause,
                "fix": sig.fix,
                "apply_rule": sig.apply_rule,
                "links": sig.links,
                "explanation": sig.explanation,
                "patterns": [p["regex"] for p in e["patterns"]],
                "examples": e["examples"],
            }
        )
        return EXIT_OK
    from rich.markup import escape

    from ascendfix.output import make_console

    con = make_console()
    con.soft_wrap = True
    con.print("[bold]{}[/bold]: {}".format(sig.id, escape(sig.title)))
    con.print("[dim]category {} · priority {}{}[/dim]".format(
        sig.category, sig.priority, " · context (not a root cause)" if sig.severity == "context" else ""))
    con.print()
    con.print(escape(sig.explanation))
    con.print()
    con.print("[bold]Cause[/bold]")
    con.print(escape(_placeholders(sig, sig.cause)))
    con.print()
    con.print("[bold]Fix[/bold]")
    con.print(escape(_placeholders(sig, sig.fix)))
    if sig.apply_rule:
        con.print()
        con.print("Fixed by: ascendfix apply <mindone checkout>   (rule {})".format(escape(sig.apply_rule)))
    ex = sig.examples["match"][0]
    con.print()
    con.print("[bold]Real log excerpt[/bold] [dim]({})[/dim]".format(escape(ex["source"])))
    for line in ex["text"].rstrip("\n").splitlines():
        con.print("    " + escape(line))
    if sig.links:
        con.print()
        con.print("[bold]Links[/bold]")
        for link in sig.links:
            con.print("  " + escape(link))
    return EXIT_OK


def _placeholders(sig, text):
    """Template fields on the id page: the entry's defaults, else <name>."""
    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: "<{}>".format(m.group(1)), sig.render(text, {}))


def _list(args):
    from ascendfix.explain.kb import load_signatures

    sigs = load_signatures(compile_all=True)  # --list also validates every regex
    if args.json:
        from ascendfix.output import emit_json

        emit_json(
            {"signatures": [{"id": s.id, "category": s.category, "title": s.title, "priority": s.priority} for s in sigs]}
        )
        return EXIT_OK
    from rich.markup import escape
    from rich.table import Table

    from ascendfix.output import make_console

    con = make_console()
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("id")
    table.add_column("category")
    table.add_column("prio", justify="right")
    table.add_column("title")
    for s in sorted(sigs, key=lambda s: s.id):
        table.add_row(s.id, s.category, str(s.priority), escape(s.title))
    con.print(table)
    return EXIT_OK
