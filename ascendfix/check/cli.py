"""Environment doctor: can this machine and this Python environment run SDXL on Ascend, and what to fix.

Reads files and package metadata only (no framework import, about a second); `--deep` adds behavioural
probes in subprocesses of the target interpreter (import mindspore + run_check, the fp16 masked_fill
probe, importing mindone.diffusers.StableDiffusionXLPipeline; torch_npu for the torch stack).

Output: one line per category with ✓ / ! / ✗, the problems underneath with copy-paste fixes, details
with -v, a closing count. `--json` prints {"findings": [...], "summary": {...}} and nothing else.
check never writes anything, and redacts env values whose names look like tokens, keys or passwords.

Stacks (--stack, auto-detected from what is installed): mindone (MindSpore + MindOne), torch-npu
(torch_npu + diffusers), mindie (MindIE-SD).

Replay / testing without an NPU: --root DIR reads every system file under DIR (DIR/dev,
DIR/usr/local/Ascend, DIR/proc/meminfo, ...) and runs no system command; --command-output
'npu-smi info=FILE' replays a recorded command output.

Exit codes: 0 no errors (warnings allowed), 1 errors found (with --strict: warnings too),
2 bad input, 3 internal error.

Examples:
  ascendfix check
  ascendfix check --weights ~/weights/AI-ModelScope/stable-diffusion-xl-base-1___0 -v
  ascendfix check --python ~/sdxl-env/bin/python --deep
  ascendfix check --stack torch-npu --script run.py
  ascendfix check --only cann npu.smi --json
"""

import os
from pathlib import Path

from ascendfix import stacks
from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK, AscendfixError



def add_arguments(parser):
    parser.add_argument("--stack", choices=list(stacks.ids()),
                        help="the deployment route to check (default: detected from installed packages)")
    parser.add_argument("--weights", metavar="DIR", help="an SDXL diffusers folder to check (default: SDXL folders "
                        "found in the modelscope cache)")
    parser.add_argument("--python", metavar="PATH", help="inspect another interpreter's environment (a venv's python "
                        "or the venv folder); default: the one running ascendfix")
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


def _validate(args):
    def need_dir(flag, p):
        if p is not None and not Path(os.path.expanduser(p)).is_dir():
            raise AscendfixError("{} {}: no such directory".format(flag, p))

    def need_file(flag, p):
        if p is not None and not Path(os.path.expanduser(p)).is_file():
            raise AscendfixError("{} {}: no such file".format(flag, p))

    need_dir("--weights", args.weights)
    need_dir("--mindone", args.mindone)
    need_dir("--root", args.root)
    need_file("--script", args.script)
    commands = {}
    for item in args.command_output:
        if "=" not in item:
            raise AscendfixError("--command-output {!r}: expected 'COMMAND=FILE'".format(item))
        name, path = item.split("=", 1)
        try:
            commands[name.strip()] = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise AscendfixError("--command-output {}: cannot read {}: {}".format(name, path, e.strerror))
    if args.timeout <= 0:
        raise AscendfixError("--timeout must be positive")
    return commands


def run(args):
    from ascendfix import check as pkg
    from ascendfix.check import engine
    from ascendfix.output import emit_json, make_console, progress

    pkg.load_checks()
    if args.list_checks:
        return _list(args, engine)
    commands = _validate(args)
    expand = lambda p: os.path.expanduser(p) if p else p  # noqa: E731
    ctx = pkg.make_context(stack=args.stack, weights=expand(args.weights), python=args.python, root=args.root,
                           deep=args.deep, script=expand(args.script), mindone=expand(args.mindone),
                           commands=commands, deep_timeout=args.timeout)
    out_path = launch = None
    if args.out:
        from ascendfix.check import node

        out_path, launch, skip = node.plan_out(args.out, ctx.env, node.hostname(ctx), args.all_ranks)
        if skip:  # another process of this node writes the report
            if args.json:
                emit_json({"skipped": skip, "launcher": launch})
            else:
                make_console(stderr=True).print(skip, markup=False)
            return EXIT_OK
    # the target interpreter's metadata scan runs in the background while the filesystem checks run;
    # a bad --python still ends as a one-line usage error (AscendfixError is re-raised by the engine)
    ctx.prefetch()
    selected = engine.select(args.only)
    with progress("checking", total=len(selected), enabled=not args.json) as advance:
        findings = engine.run(ctx, only=args.only, progress=advance)
    summary = engine.summarize(findings, strict=args.strict)
    py = ctx.environment.get("python", {})
    from ascendfix import __version__

    summary.update({"tool_version": __version__, "stack": ctx.stack, "stack_source": ctx.stack_source, "python": py.get("version"),
                    "executable": py.get("executable"), "root": str(ctx.root), "deep": bool(args.deep)})
    doc = {"findings": findings, "summary": summary}
    if args.json or args.out:
        from ascendfix.check import node

        doc["node"] = node.describe(ctx, launch)
    if out_path is not None:
        node.write_report(out_path, doc)
    if args.json:
        emit_json(doc)
    else:
        _render(make_console(), findings, summary, args.verbose, engine)
        if out_path is not None:
            make_console().print("report written to {}".format(out_path), markup=False)
    return EXIT_OK if summary["ok"] else EXIT_NEGATIVE


def _list(args, engine):
    from ascendfix.output import emit_json, make_console

    checks = engine.select()
    rows = [{"id": c.id, "category": c.category, "title": c.title, "stacks": list(c.stacks or ["all"]),
             "deep": c.deep, "needs": c.needs, "description": c.doc} for c in checks]
    if args.json:
        emit_json({"checks": rows})
        return EXIT_OK
    from rich.table import Table

    console = make_console()
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("id", "category", "stacks", "what it checks"):
        t.add_column(col, overflow="fold")
    for r in rows:
        extra = " (--deep)" if r["deep"] else (" (--{})".format(r["needs"]) if r["needs"] else "")
        t.add_row(r["id"], r["category"], ",".join(r["stacks"]), r["description"] + extra)
    console.print(t)
    return EXIT_OK


def _render(console, findings, summary, verbose, engine):
    from rich.markup import escape

    from ascendfix.output import styled_mark

    head = "ascendfix check — stack {} ({}), Python {} ({})".format(
        summary["stack"], summary["stack_source"], summary["python"], summary["executable"])
    if summary["root"] != "/":
        head += ", root " + summary["root"]
    console.print(escape(head) if verbose else escape(head.split(", Python")[0] + ", Python " + str(summary["python"])))
    by_cat = {}
    for f in findings:
        by_cat.setdefault(f["category"], []).append(f)
    for cat, title in engine.CATEGORIES:
        items = by_cat.get(cat)
        if not items:
            continue
        status = summary["categories"][cat]
        sev = {"error": 0, "crashed": 1, "warn": 2}
        problems = sorted((f for f in items if f["status"] in sev), key=lambda f: sev[f["status"]])
        oks = [f for f in items if f["status"] == "ok"]
        lead = problems[0] if problems else (oks[0] if oks else items[0])
        info = lead["detail"]
        if not problems and len(oks) > 2:
            info = "{} checks passed".format(len(oks))
        if len(info) > 100:
            info = info[:97] + "..."
        console.print("[{}] {} ({})".format(styled_mark(status, console), escape(title), escape(info)))
        shown = problems if not verbose else items
        for f in shown:
            if f is lead and not verbose and len(problems) == 1 and len(f["detail"]) <= 100 and not f["fix"]:
                continue
            console.print("    {} {}".format(styled_mark(f["status"], console), escape(f["detail"])))
            if verbose:
                for e in f["evidence"]:
                    console.print("        [dim]{}: {}[/]".format(escape(str(e.get("source"))), escape(str(e.get("value")))))
                if f.get("expected"):
                    console.print("        [dim]expected: {}[/]".format(escape(str(f["expected"]))))
            if f["status"] in ("error", "warn", "crashed"):
                for fx in f["fix"]:
                    console.print("        → {}".format(escape(fx)))
            if verbose and f.get("links"):
                console.print("        [dim]source: {}[/]".format(escape(", ".join(f["links"]))))
    c = summary["counts"]
    n = len(summary["categories_with_issues"])
    if n:
        mark = styled_mark("error" if (c["error"] or c["crashed"]) else "warn", console)
        console.print("\n{} ascendfix found issues in {} categor{} ({} error{}, {} warning{}{}).{}".format(
            mark, n, "y" if n == 1 else "ies", c["error"], "" if c["error"] == 1 else "s", c["warn"],
            "" if c["warn"] == 1 else "s", ", {} crashed".format(c["crashed"]) if c["crashed"] else "",
            "" if verbose else " Run with -v for details, --json for machine output."))
    else:
        console.print("\n{} No issues found! ({} checks passed)".format(styled_mark("ok", console), c["ok"]))
