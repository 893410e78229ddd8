"""Name the cause and the fix of an error log, from a knowledge base of Ascend / MindSpore / MindOne /
torch_npu / MindIE error signatures and a table of Ascend error codes.

  ascendfix explain error.log              read a log (any size; streamed)
  python run_sdxl.py 2>&1 | ascendfix explain -
  ascendfix explain rank*.log              one log per rank: names the rank that failed first
  ascendfix explain LOGDIR                 a folder of logs, or a CANN log folder (plog/, device-*/)
  ascendfix explain --plog                 the CANN logs of this machine ($ASCEND_PROCESS_LOG_PATH,
                                           else $ASCEND_WORK_PATH/log, else ~/ascend/log), newest first
  ascendfix explain AF003                  the long page of one signature (like rustc --explain)
  ascendfix explain EZ9999 | 507035        the page of an error code (CANN, AscendCL, ERR#####, MIE…)
  ascendfix explain AISW_CANN_HCCL_013     the page of a known fault from MindCluster's knowledge base
  ascendfix explain --list                 every known signature

For each likely cause, best first: a stable id, its role (cause, consequence, wrapper), the evidence
lines, the cause, the fix (with the op, dtype, sizes, versions taken from your log), the `ascendfix
apply` rule that fixes it when there is one, and "more: ascendfix explain <ID>". The number shown (#1,
#2...; "rank" in --json) is the order, 1 = most likely root cause; it is not a probability.

Specific causes (device OOM, a version mismatch, a missing kernel) outrank error codes, which outrank
the generic wrappers (EZ9999, "The Inner error is reported as above"); collective timeouts are shown as
consequences of the failure that caused them. Benign warnings stay silent when the run went on. When
nothing matches, the key lines are shown (the last exception, the first Ascend error lines), led by
an inference ("inferred:<category>") when the failing lines' words point to a category; exit status 1.
When not even that answers, some failing line has words of its own (not only a launcher's relay report or a
bare built-in exception template) and the run did not go on after them, a classifier learned from
labelled logs may guess ("guess:<category>": the failing lines' words are most like known failures of that
category); a guess is shown alone, labelled as one, exit status 1.

With -v: every evidence line of each cause (up to 100 each; 3 without -v), how the causes relate (which
is a consequence or a wrapper of which), the key lines of the log, the links, and per log the lines read
and its rank / device; on an id page, every real log excerpt and the patterns.

Exit status: 0 a known cause was named, 1 none (no failure, an unknown one, or only an inference or a guess),
2 missing file / unknown id.
"""

import os
import re

from ascendfix.errors import EXIT_OK, AscendfixError

_ID_RE = re.compile(r"^[Aa][Ff](?:\d{3}|[1-9]\d{3})$")  # kb.ID_RE, any case: AF003, af1000
_FAULT_RE = re.compile(r"^AISW_\w{3,80}$")
_CODE_RE = re.compile(
    r"^(?:E[0-9A-Z]\d{4}|[1-5]\d{5}|(?i:ERR)\d{5}|MIE\d\dE[0-9A-F]{6}|HCCL_E_[A-Z_]{2,30}|ACL(?:NN)?_ERR[A-Z_]{2,60}"
    r"|0[xX]0?7[0-9a-fA-F]{6}|RT_ERROR_[A-Z0-9_]{2,60})$"
)


def add_arguments(parser):
    parser.add_argument(
        "targets", nargs="*", metavar="LOG",
        help="log file(s), folder(s) or glob(s); '-' for stdin; or one signature id / error code such as AF003, EZ9999",
    )
    parser.add_argument(
        "-n", "--limit", type=int, default=3, metavar="N", help="show at most N causes (default 3; 0 = all)"
    )
    parser.add_argument("--plog", action="store_true",
                        help="also read this machine's CANN logs (plog/device logs under $ASCEND_PROCESS_LOG_PATH, "
                             "$ASCEND_WORK_PATH/log or ~/ascend/log), newest first")
    parser.add_argument("--max-files", type=int, default=32, metavar="N",
                        help="read at most N files from folders, globs and --plog (default 32, newest first)")
    parser.add_argument("--list", action="store_true", help="list every known signature (and check that every regex compiles)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show every evidence line, how the causes relate (consequence / wrapper of), the "
                             "key lines, links and per-log details; on an id page every real excerpt and the patterns")


def run(args):
    from ascendfix.output import reader_may_leave

    if args.limit < 0:
        raise AscendfixError("--limit must be 0 or more")
    if args.max_files < 1:
        raise AscendfixError("--max-files must be 1 or more")
    page = None
    targets = list(args.targets)
    if args.list:
        page = _list
    elif not targets and not args.plog:
        raise AscendfixError("give a log file, a folder, '-' for stdin, --plog, or an id (see 'ascendfix explain --help')")
    elif len(targets) == 1 and not args.plog and targets[0] != "-" and not os.path.exists(targets[0]):
        page = _page if _ID_RE.match(targets[0]) else _code_page if _CODE_RE.match(targets[0]) else \
            _fault_page if _FAULT_RE.match(targets[0]) else None
    if page is not None:  # an unknown id raises before anything is printed
        with reader_may_leave():  # `| head`: the exit code stays the verb's (ascendfix/output.py)
            page(args) if page is _list else page(args, targets[0])
        return EXIT_OK
    from ascendfix.explain.operation import VERBOSE_EVIDENCE, explain

    report = explain(targets, limit=args.limit or None, plog=args.plog, max_files=args.max_files,
                     max_evidence=VERBOSE_EVIDENCE if args.verbose else None)
    with reader_may_leave():
        if args.json:
            from ascendfix.output import emit_json

            emit_json(report.to_dict())
        else:
            _print_report(report, args.verbose)
    return report.exit_code


# -- rendering --------------------------------------------------------------------------------------
_ROLE_WORD = {"cause": "cause", "consequence": "consequence", "wrapper": "wrapper", "context": "context"}


def _short(path):
    """A path as the user would type it: relative to the working directory when that is shorter."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if len(rel) < len(path) else path


def _where(ev, multi):
    if multi and ev.get("source"):
        return "{} line {}".format(os.path.basename(ev["source"]), ev["line"])
    return "line {}".format(ev["line"])


def _print_report(report, verbose=False):
    # (rich only on a terminal: on a pipe or a file the plain console prints the same text without importing it)
    from ascendfix.output import escape, plain_console, styled_mark

    con = plain_console()
    con.soft_wrap = True  # long log lines stay whole (terminals wrap them; files and pipes get them intact)
    results = report.results
    multi = len(results) > 1
    name = results[0].name if len(results) == 1 else "{} logs".format(len(results))
    matches = report.matches
    if not matches:
        if report.notes and not any(r.failed for r in results):
            con.print("{} no failure found in {} ({} lines read); only harmless messages:".format(
                styled_mark("ok", con), escape(name), report.lines_read))
            for n in report.notes:
                con.print("  {} [bold]{}[/bold] {}".format(styled_mark("info", con), n["id"], escape(n["title"])))
                con.print("    {}".format(escape(n["cause"])))
            return
        con.print("{} no known signature in {} ({} lines read)".format(
            styled_mark("warn", con), escape(name), report.lines_read))
        if report.key_lines:
            con.print("  key lines (read these first):")
            for k in report.key_lines:
                con.print("    {} ({}): {}".format(_where(k, multi), k["kind"].replace("_", " "), escape(k["text"])))
        for n in report.notes:
            con.print("  also seen (harmless on its own): {} {}".format(n["id"], escape(n["title"])))
        con.print("  If this is an Ascend/MindSpore error, the log may lack the root line: rerun with")
        con.print("  ASCEND_GLOBAL_LOG_LEVEL=3 and pass the whole output ('python run.py 2>&1 | ascendfix explain -'),")
        con.print("  or add the CANN logs: 'ascendfix explain --plog run.log'.")
        if verbose:
            _print_logs(con, report, True)
        return
    if multi:
        ff = report.first_failure
        con.print("{} logs, {} lines read; {} likely cause{}, best first.".format(
            len(results), report.lines_read, len(matches), "" if len(matches) == 1 else "s"))
        if ff:
            who = "rank {}".format(ff["rank_id"]) if ff["rank_id"] is not None else (
                "device {}".format(ff["device_id"]) if ff["device_id"] is not None else "log")
            con.print("First failure: {} ({}){}: {} {}".format(
                who, escape(_short(ff["source"])), " at " + ff["time"] if ff["time"] else "", ff["id"], escape(ff["title"])))
    elif matches[0]["kind"] == "inferred":
        con.print("{} lines read from {}; no known signature, but the failing lines point to a category:".format(
            report.lines_read, escape(name)))
    elif matches[0]["kind"] == "guess":
        con.print("{} lines read from {}; no known signature and no category's evidence; a guess from the words of "
                  "the failing lines:".format(report.lines_read, escape(name)))
    else:
        con.print("{} lines read from {}; {} likely cause{}, best first:".format(
            report.lines_read, escape(name), len(matches), "" if len(matches) == 1 else "s"))
    if verbose and len(matches) > 1:  # how the entries relate, in one place
        con.print("how they relate:")
        for m in matches:
            rel = m["role"] + (" of " + m["consequence_of"] if m.get("consequence_of") else "")
            con.print("  #{} {} — {}{}".format(m["rank"], m["id"], rel, " ({})".format(m["time"]) if m.get("time") else ""))
    for m in matches:
        con.print()
        tail = m["category"] + ", #{}".format(m["rank"])
        if m.get("consequence_of"):
            tail += ", {} of {}".format(m["role"], m["consequence_of"])
        elif m["role"] != "cause":
            tail += ", " + _ROLE_WORD.get(m["role"], m["role"])
        con.print("{} [bold]{}[/bold] {}  [dim]({})[/dim]".format(
            styled_mark("error" if m["rank"] == 1 else "warn", con), m["id"], escape(m["title"]), tail))
        con.print("  evidence:")
        for ev in m["evidence"]:
            con.print("    {}: {}".format(_where(ev, multi), escape(ev["text"])))
        if verbose and len(m["evidence"]) >= _verbose_evidence():
            con.print("    [dim](the first {} matching lines)[/dim]".format(len(m["evidence"])))
        if m.get("because"):  # (eng24b) the category switched by the log's NPU context
            con.print("  why {}: {} (not {})".format(escape(m["category"]), escape(m["because"]),
                                                     escape(m["category_without_context"])))
        con.print("  cause: " + escape(m["cause"]))
        fix_lines = m["fix"].splitlines() or [""]
        con.print("  fix:   " + escape(fix_lines[0]))
        for line in fix_lines[1:]:
            con.print("         " + escape(line))
        if m["apply_rule"]:
            con.print(
                "  apply: ascendfix apply <mindone checkout>   (rule [bold]{}[/bold])".format(escape(m["apply_rule"]))
            )
        if m["kind"] == "inferred":
            con.print("  [dim]an inference from the words of the failing lines, not a known signature: read the "
                      "evidence first[/dim]")
        elif m["kind"] == "guess":
            con.print("  [dim]a guess by a classifier learned from labelled logs, not a known signature nor a "
                      "category's evidence: read the evidence first[/dim]")
            if m.get("measured_precision") is not None:
                con.print("  [dim]such guesses were right {:.0%} of the time: {}[/dim]".format(
                    m["measured_precision"], escape(m.get("measured_on") or "")))
        else:
            con.print("  more:  ascendfix explain {}".format(m["id"]))
        if verbose:
            con.print("  [dim]{} · {}{}[/dim]".format(m["kind"], m["role"], " · first seen " + escape(m["time"])
                                                       if m.get("time") else ""))
            for link in m["links"]:
                con.print("  link:  " + escape(link))
    if verbose and report.key_lines:
        con.print()
        con.print("key lines (the last exception, the first and last Ascend error lines):")
        for k in report.key_lines:
            con.print("  {} ({}): {}".format(_where(k, multi), k["kind"].replace("_", " "), escape(k["text"])))
    if multi or verbose:
        _print_logs(con, report, multi)


def _verbose_evidence():
    from ascendfix.explain.operation import VERBOSE_EVIDENCE

    return VERBOSE_EVIDENCE


def _print_logs(con, report, multi):
    """One line per log read: name, rank / device, lines read, its best entry."""
    from ascendfix.output import escape, styled_mark

    con.print()
    con.print("logs:")
    for r in report.results:
        d = r.to_dict()
        who = "rank {}".format(d["rank_id"]) if d["rank_id"] is not None else (
            "device {}".format(d["device_id"]) if d["device_id"] is not None else "")
        top = d["top"]
        if top:
            status = "{} {} ({}{})".format(
                styled_mark("error" if top["role"] == "cause" else "warn", con), top["id"], top["role"],
                ", " + top["time"] if top.get("time") else "")
        else:
            status = "{} {}".format(styled_mark("ok" if not d["failed"] else "warn", con),
                                   "no failure" if not d["failed"] else "failure not recognised")
        if not multi:  # -v on one log: what was read
            status += "  ({} lines, {})".format(d["lines_read"], d["kind"])
        con.print("  {}  {}  {}".format(escape(_short(r.name)), who, status))


# -- pages ------------------------------------------------------------------------------------------
def _page(args, sig_id):
    from ascendfix.explain.kb import env_notes, find_signature

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
                "role": sig.role,
                "cause": sig.cause,
                "fix": sig.fix,
                "apply_rule": sig.apply_rule,
                "links": sig.links,
                "explanation": sig.explanation,
                "patterns": [p["regex"] for p in e["patterns"]],
                "examples": e["examples"],
                # the variables this cause reads (the signature's env field) and, for those set where ascendfix
                # runs, the sentence the text page prints under Fix
                "env": sorted(sig.env),
                "env_notes": env_notes(sig)[1],
                # the category this signature names instead when the log shows an Ascend NPU context
                # (rules/explain_npu_context.yaml); null for most signatures
                "npu_category": sig.npu_category,
            }
        )
        return EXIT_OK
    from rich.markup import escape

    from ascendfix.output import make_console

    con = make_console()
    con.soft_wrap = True
    con.print("[bold]{}[/bold]: {}".format(sig.id, escape(sig.title)))
    role = {"context": " · context (harmless on its own)", "wrapper": " · wrapper (surrounds the real cause)",
            "consequence": " · consequence (usually follows a failure elsewhere)"}.get(sig.role, "")
    npu = " ({} when the log shows an Ascend NPU context)".format(sig.npu_category) if sig.npu_category else ""
    con.print("[dim]category {}{} · priority {}{}[/dim]".format(sig.category, npu, sig.priority, role))
    con.print()
    con.print(escape(sig.explanation))
    con.print()
    con.print("[bold]Cause[/bold]")
    con.print(escape(_placeholders(sig, sig.cause)))
    con.print()
    con.print("[bold]Fix[/bold]")
    con.print(escape(_placeholders(sig, sig.fix)))
    for note in env_notes(sig)[1]:  # HF_ENDPOINT / HF_HUB_OFFLINE set here (the signature's env field)
        con.print(escape(note))
    if sig.apply_rule:
        con.print()
        con.print("Fixed by: ascendfix apply <mindone checkout>   (rule {})".format(escape(sig.apply_rule)))
    excerpts = sig.examples["match"] if getattr(args, "verbose", False) else sig.examples["match"][:1]
    for ex in excerpts:
        con.print()
        con.print("[bold]Real log excerpt[/bold] [dim]({})[/dim]".format(escape(ex["source"])))
        for line in ex["text"].rstrip("\n").splitlines():
            con.print("    " + escape(line))
    if getattr(args, "verbose", False):
        con.print()
        con.print("[bold]Patterns[/bold] [dim](any one names this cause)[/dim]")
        for p in sig.entry["patterns"]:
            con.print("  " + p["regex"], markup=False)
    if sig.links:
        con.print()
        con.print("[bold]Links[/bold]")
        for link in sig.links:
            con.print("  " + escape(link))
    return EXIT_OK


def _code_page(args, code):
    from ascendfix.explain.codes import find_code

    fam, row, key = find_code(code)
    if row is None:
        raise AscendfixError("{}: unknown signature id or error code (see 'ascendfix explain --list')".format(code))
    shown = row.id if row.code else code
    doc = {
        "id": shown,
        "family": fam.name,
        "code": key,
        "name": row.name,
        "title": row.title,
        "category": row.category,
        "role": row.role,
        "meaning": row.meaning,
        "next": row.next,
        "source": row.source,
        "table_entry": "code" if row.code else "prefix " + row.prefix,
        "family_explanation": fam.explanation,
    }
    if args.json:
        from ascendfix.output import emit_json

        emit_json(doc)
        return EXIT_OK
    from rich.markup import escape

    from ascendfix.output import make_console

    con = make_console()
    con.soft_wrap = True
    con.print("[bold]{}[/bold]: {}{}".format(escape(shown), escape(row.title),
                                             " ({})".format(escape(row.name)) if row.name else ""))
    note = "" if row.code else " · no entry of its own; the row for its prefix {} answers".format(row.prefix)
    con.print("[dim]{} · category {} · {}{}[/dim]".format(escape(fam.title), row.category, row.role, escape(note)))
    con.print()
    con.print("[bold]Meaning[/bold]")
    con.print(escape(row.meaning))
    con.print()
    con.print("[bold]Next step[/bold]")
    con.print(escape(row.next))
    con.print()
    con.print("[bold]About these codes[/bold]")
    con.print(escape(fam.explanation))
    con.print()
    con.print("[bold]Source[/bold]")
    con.print("  " + escape(row.source))
    return EXIT_OK


def _fault_page(args, fault_id):
    from ascendfix.explain.faults import find_fault

    fam, rule = find_fault(fault_id)
    if rule is None:
        raise AscendfixError("{}: unknown fault id (see 'ascendfix explain --list')".format(fault_id))
    doc = {
        "id": rule.id,
        "family": fam.name,
        "title": rule.title,
        "component": rule.component,
        "module": rule.module,
        "category": rule.category,
        "role": rule.role,
        "cause": rule.cause,
        "fix": rule.fix,
        "literals": [list(p.literals) for p in rule.patterns],
        "source": fam.source,
    }
    if args.json:
        from ascendfix.output import emit_json

        emit_json(doc)
        return EXIT_OK
    from rich.markup import escape

    from ascendfix.output import make_console

    con = make_console()
    con.soft_wrap = True
    con.print("[bold]{}[/bold]: {}".format(escape(rule.id), escape(rule.title)))
    con.print("[dim]{} · {} {} · category {} · {}[/dim]".format(
        escape(fam.title), escape(rule.component), escape(rule.module), rule.category, rule.role))
    con.print()
    con.print("[bold]Matches a line holding[/bold]")
    for p in rule.patterns:
        con.print("  " + " + ".join('"{}"'.format(escape(x)) for x in p.literals))
    con.print()
    con.print("[bold]Next step[/bold]")
    con.print(escape(rule.fix))
    con.print()
    con.print("[bold]About these entries[/bold]")
    con.print(escape(fam.explanation))
    con.print()
    con.print("[bold]Source[/bold]")
    con.print("  " + escape(fam.source))
    return EXIT_OK


def _placeholders(sig, text):
    """Template fields on the id page: the entry's defaults, else <name>."""
    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: "<{}>".format(m.group(1)), sig.render(text, {}))


def _list(args):
    from ascendfix.explain.codes import load_families
    from ascendfix.explain.faults import load_fault_families
    from ascendfix.explain.kb import id_key, load_signatures

    sigs = load_signatures(compile_all=True)  # --list also validates every regex
    fams = load_families()
    faults = load_fault_families()
    for fam in fams:
        for d in fam.detectors:
            d.regex  # noqa: B018 - compiles, raising DataError on a bad regex
    if args.json:
        from ascendfix.output import emit_json

        emit_json(
            {
                "signatures": [
                    {"id": s.id, "category": s.category, "title": s.title, "priority": s.priority, "role": s.role}
                    for s in sigs
                ],
                "code_families": [
                    {"family": f.name, "title": f.title, "entries": len(f.rows), "prefix_groups": len(f.groups),
                     "source": f.source}
                    for f in fams
                ],
                "fault_families": [
                    {"family": f.name, "title": f.title, "entries": len(f.rules), "source": f.source} for f in faults
                ],
            }
        )
        return EXIT_OK
    from rich.markup import escape
    from rich.table import Table

    from ascendfix.output import make_console, print_table

    con = make_console()
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("category", no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("prio", justify="right", no_wrap=True)
    table.add_column("title")
    for s in sorted(sigs, key=lambda s: id_key(s.id)):
        table.add_row(s.id, s.category, s.role, str(s.priority), escape(s.title))
    print_table(con, table)
    con.print()
    con.print("error-code tables ('ascendfix explain CODE' shows one):")
    for f in fams:
        con.print("  {:<10} {:>4} codes  {}".format(f.name, len(f.rows), escape(f.title)))
    for f in faults:
        con.print("  {:<10} {:>4} known faults  {}".format(f.name, len(f.rules), escape(f.title)))
    return EXIT_OK
