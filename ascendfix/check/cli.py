"""Environment doctor: can this machine and this Python environment run SDXL on Ascend, and what to fix.

Reads files and package metadata only (no framework import, about a second); `--deep` adds behavioural
probes in subprocesses of the target interpreter (import mindspore + run_check, the fp16 masked_fill
probe, importing mindone.diffusers.StableDiffusionXLPipeline; torch_npu for the torch stack).

Output: one line per category with ✓ / ! / ✗, the problems underneath, details with -v, a closing count,
and the plan: the newest combination of versions that fits every pairing table (MindSpore, mindone,
CANN, driver, Python, architecture; torch, torch_npu, mindiesd) for this machine, as commands to copy
in order. --want 'mindone>=0.5' asks for more; when nothing fits, the plan says which fact has to change
(a new Python environment, a CANN upgrade) and how. `--json` prints {"findings", "summary", "plan"}
and nothing else. check never writes anything, and redacts env values whose names look like tokens,
keys or passwords.

Which Python environment: --python PATH (a python or a venv folder); without it, the interpreter
running ascendfix when a framework is installed there, else the active $VIRTUAL_ENV / $CONDA_PREFIX or
`python3` on PATH with a framework installed. The header says which one was checked.

Stacks (--stack, auto-detected from what is installed; listed under --stack below) are described in
rules/stacks.yaml: each names its framework family, and the checks, the plan and smoke follow from that.

Replay / testing without an NPU: --root DIR reads every system file under DIR (DIR/dev,
DIR/usr/local/Ascend, DIR/proc/meminfo, ...) and runs no system command; --command-output
'npu-smi info=FILE' replays a recorded command output.

Exit codes: 0 no errors (warnings allowed), 1 errors found (with --strict: warnings too),
2 bad input, 3 internal error.

Examples:
  ascendfix check
  ascendfix check --weights ~/weights/AI-ModelScope/stable-diffusion-xl-base-1___0 -v
  ascendfix check --python ~/sdxl-env/bin/python --deep
  ascendfix check --python ~/py38-env --want 'mindone>=0.5'
  ascendfix check --stack torch-npu --script run.py
  ascendfix check --only cann npu.smi --json
"""


import os

from ascendfix import stacks
from ascendfix.errors import EXIT_OK, AscendfixError



def add_arguments(parser):
    parser.add_argument("--stack", choices=list(stacks.ids()),
                        help="the deployment route to check ({}; default: detected from installed packages)".format(
                            stacks.described()))
    parser.add_argument("--weights", metavar="DIR", help="an SDXL diffusers folder to check (default: SDXL folders "
                        "found in the modelscope cache)")
    parser.add_argument("--python", metavar="PATH", help="inspect another interpreter's environment (a venv's python "
                        "or the venv folder); default: the one running ascendfix")
    parser.add_argument("--want", action="append", default=[], metavar="REQ",
                        help="plan for this requirement too, e.g. 'mindone>=0.5' or 'torch-npu>=2.9' (repeatable)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these checks (ids, id prefixes like 'cann', "
                        "or categories; see --list-checks)")
    parser.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show passing checks, evidence and sources")
    parser.add_argument("--deep", action="store_true", help="also run behavioural probes in subprocesses (slow)")
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    parser.add_argument("--script", metavar="FILE", help="lint your inference script for known API mistakes")
    parser.add_argument("--mindone", metavar="PATH", help="a MindOne checkout whose transformers imports to check "
                        "against the installed transformers (default: the installed mindone)")
    parser.add_argument("--root", metavar="DIR", help="read system files under DIR instead of / (replay, tests)")
    parser.add_argument("--command-output", action="append", default=[], metavar="'CMD=FILE'",
                        help="replay a recorded command output, e.g. 'npu-smi info=npu-smi.txt' (repeatable)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per --deep probe (default 300)")
    parser.add_argument("--out", metavar="DIR", help="also write the JSON report to DIR/<host>-<rank>.json (rank "
                        "from torchrun/msrun/mpirun/srun variables; only local rank 0 writes)")
    parser.add_argument("--all-ranks", action="store_true", help="with --out: every process writes its report, "
                        "not only local rank 0 of each node")


def _command_outputs(items):
    """'COMMAND=FILE' items -> {command: file} (the files are read by the operation)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise AscendfixError("--command-output {!r}: expected 'COMMAND=FILE'".format(item))
        name, path = item.split("=", 1)
        out[name.strip()] = path
    return out


def run(args):
    """parse -> call (ascendfix.check.check, the same operation the library calls) -> render."""
    from ascendfix import check as pkg
    from ascendfix.check import engine
    from ascendfix.output import emit_json, make_console, progress, reader_may_leave

    pkg.load_checks()
    if args.list_checks:
        with reader_may_leave():
            _list(args, engine)
        return EXIT_OK
    command_output = _command_outputs(args.command_output)
    selected = engine.select(args.only)
    out_path = launch = None
    if args.all_ranks and not args.out:
        raise AscendfixError("--all-ranks says which processes write with --out; give --out DIR too")
    if args.out:
        from ascendfix.check import node

        out_path, launch, skip = node.plan_out(args.out, os.environ, node.host_name(os.environ, args.root),
                                               args.all_ranks)
        if skip:  # another process of this node writes the report
            if args.json:
                emit_json({"skipped": skip, "launcher": launch})
            else:
                make_console(stderr=True).print(skip, markup=False)
            return EXIT_OK
    with progress("checking", total=len(selected), enabled=not args.json) as advance:
        report = pkg.check(only=args.only, stack=args.stack, weights=args.weights, python=args.python,
                           root=args.root, deep=args.deep, strict=args.strict, wants=args.want, script=args.script,
                           mindone=args.mindone, command_output=command_output, timeout=args.timeout,
                           progress=advance, launch=launch)
    if out_path is not None:
        node.write_report(out_path, report.to_dict())
    with reader_may_leave():  # `| head`: the exit code stays the run's (ascendfix/output.py)
        if args.json:
            emit_json(report.to_dict())
        else:
            _render(make_console(), report, args.verbose, engine)
            if out_path is not None:
                make_console().print("report written to {}".format(out_path), markup=False)
    return report.exit_code


def _list(args, engine):
    from ascendfix.output import emit_json, make_console

    checks = engine.select()
    renamed = {new: old for old, new in engine.ALIASES.items()}
    # stacks: the ids of rules/stacks.yaml the check runs for (["all"]: unscoped); scope: what decides it
    rows = [{"id": c.id, "category": c.category, "title": c.title,
             "stacks": list(c.stacks) if c.stacks is not None else ["all"], "scope": c.scope,
             "deep": c.deep, "needs": c.needs, "description": c.doc} for c in checks]
    for r in rows:
        if r["id"] in renamed:
            r["formerly"] = renamed[r["id"]]
    if args.json:
        emit_json({"checks": rows})
        return EXIT_OK
    from rich.text import Text

    console = make_console()
    for r in rows:
        extra = []
        extra.append("stacks: " + ", ".join(r["stacks"]))
        if r["deep"]:
            extra.append("with --deep")
        if r["needs"]:
            extra.append("with --" + r["needs"])
        if r.get("formerly"):
            extra.append("formerly " + r["formerly"])
        # the id on a line of its own, never wrapped or cut, whatever the terminal width
        console.print(Text(r["id"], style="bold"), soft_wrap=True)
        console.print(Text("    {} [{}; {}]".format(r["description"], r["category"], "; ".join(extra))))
    return EXIT_OK


def _counts(items):
    n_err = sum(1 for f in items if f["status"] in ("error", "crashed"))
    n_warn = sum(1 for f in items if f["status"] == "warn")
    parts = []
    if n_err:
        parts.append("{} error{}".format(n_err, "" if n_err == 1 else "s"))
    if n_warn:
        parts.append("{} warning{}".format(n_warn, "" if n_warn == 1 else "s"))
    return ", ".join(parts)


def _render(console, report, verbose, engine):
    from rich.markup import escape
    from rich.text import Text

    from ascendfix.output import styled_mark

    findings, summary, plan = report.findings, report.summary, report.plan
    head = "ascendfix check — stack {} ({}), Python {}".format(summary["stack"], summary["stack_source"], summary["python"])
    if summary.get("executable"):
        head += " at {}".format(summary["executable"])
    if summary.get("python_source") and summary["python_source"] != "--python":
        head += " — {}".format(summary["python_source"])
    if summary["root"] != "/":
        head += ", root " + summary["root"]
    console.print(Text(head), soft_wrap=True)
    by_cat = {}
    for f in findings:
        by_cat.setdefault(f["category"], []).append(f)
    sev = {"error": 0, "crashed": 1, "warn": 2}
    shown_fixes = set()  # a fix shared by several findings (a plan step) is printed once, under the first
    for cat, title in engine.CATEGORIES:
        items = by_cat.get(cat)
        if not items:
            continue
        status = summary["categories"][cat]
        problems = sorted((f for f in items if f["status"] in sev), key=lambda f: sev[f["status"]])
        oks = [f for f in items if f["status"] == "ok"]
        single = len(problems) == 1 and not verbose  # -v lists every finding under a summary line
        if problems:
            info = problems[0]["detail"] if single else _counts(problems)
        elif len(oks) == 1 and not verbose:
            info = oks[0]["detail"]
        elif oks:
            info = "{} check{} passed".format(len(oks), "" if len(oks) == 1 else "s")
        else:
            info = items[0]["detail"] or "skipped"
        console.print("[{}] {} ({})".format(styled_mark(status, console), escape(title), escape(info)))
        shown = items if verbose else problems
        printed = set()  # (status, detail) lines of this category: a line is never printed twice
        for f in shown:
            # the category line already carries a single problem's (or the single item's) detail
            repeat = not verbose and ((single and f is problems[0]) or (
                not problems and f is (oks[0] if len(oks) == 1 else items[0]) and info == f["detail"]))
            key = (f["status"], f["detail"])
            if key in printed and not (f["evidence"] or f.get("expected") or f.get("links")
                                       or any(fx not in shown_fixes for fx in f["fix"])):
                continue  # two checks saying the same thing with nothing more to show
            printed.add(key)
            if not repeat:
                console.print("    {} {}".format(styled_mark(f["status"], console), escape(f["detail"])))
            if verbose:
                for e in f["evidence"]:
                    value = e.get("value")
                    line = str(e.get("source")) if value in (None, "") else "{}: {}".format(e.get("source"), value)
                    console.print("        [dim]{}[/]".format(escape(line)))
                if f.get("expected"):
                    console.print("        [dim]expected: {}[/]".format(escape(str(f["expected"]))))
            if f["status"] in ("error", "warn", "crashed"):
                for fx in f["fix"]:
                    if fx in shown_fixes:
                        continue
                    shown_fixes.add(fx)
                    console.print(Text("        → " + fx), soft_wrap=True)
            if verbose and f.get("links"):
                console.print("        [dim]source: {}[/]".format(escape(", ".join(f["links"]))))
    if plan is not None:
        _render_plan(console, plan, verbose)
    c = summary["counts"]
    n = len(summary["categories_with_issues"])
    if n:
        mark = styled_mark("error" if (c["error"] or c["crashed"]) else "warn", console)
        console.print("\n{} ascendfix found issues in {} categor{} ({} error{}, {} warning{}{}).{}".format(
            mark, n, "y" if n == 1 else "ies", c["error"], "" if c["error"] == 1 else "s", c["warn"],
            "" if c["warn"] == 1 else "s", ", {} crashed".format(c["crashed"]) if c["crashed"] else "",
            "" if verbose else " Run with -v for details, --json for machine output."))
    else:
        console.print("\n{} No issues found! ({} check{} passed)".format(
            styled_mark("ok", console), c["ok"], "" if c["ok"] == 1 else "s"))


def _render_plan(console, plan, verbose):
    from rich.text import Text

    if plan.status == "unsolvable":
        console.print(Text("\nPlan for the {} stack: nothing in the shipped tables fits{}.".format(
            plan.stack, " " + ", ".join(plan.wants) if plan.wants else "")), soft_wrap=True)
        for why in plan.blocked_by:
            console.print(Text("    " + why), soft_wrap=True)
        return
    if not plan.steps:
        console.print(Text("\nPlan for the {} stack: nothing to change — {}.".format(plan.stack, plan.headline())),
                      soft_wrap=True)
        for note in plan.notes:
            console.print(Text("    " + note), soft_wrap=True)
        if verbose and plan.sources:
            console.print(Text("    tables: " + ", ".join(dict.fromkeys(plan.sources)), style="dim"), soft_wrap=True)
        return
    console.print(Text("\nPlan for the {} stack: {}".format(plan.stack, plan.headline())), soft_wrap=True)
    if plan.relaxed:
        facts = plan.facts
        changes = []
        if "python" in plan.relaxed:
            changes.append("Python {} -> {} (a new environment)".format(facts.python, plan.choice.get("python")))
        if "cann" in plan.relaxed:
            changes.append("CANN {} -> {}".format(facts.cann, plan.choice.get("cann")))
        if "driver" in plan.relaxed:
            changes.append("driver {} -> a newer one".format(facts.driver))
        console.print(Text("    nothing fits as things are{}: {}".format(
            " for " + ", ".join(plan.wants) if plan.wants else "", "; ".join(plan.blocked_by))), soft_wrap=True)
        console.print(Text("    change: " + ", ".join(changes)), soft_wrap=True)
    console.print(Text("    run in order:"), soft_wrap=True)
    for step in plan.steps:
        console.print(Text("    {}. {}".format(step["n"], step["title"])), soft_wrap=True)
        for cmd in step["commands"]:
            console.print(Text("       " + cmd), soft_wrap=True)
    for note in plan.notes:
        console.print(Text("    " + note), soft_wrap=True)
    if verbose and plan.sources:
        console.print(Text("    tables: " + ", ".join(dict.fromkeys(plan.sources)), style="dim"), soft_wrap=True)
