"""Write one page to share: the check findings, the last smoke run and an explained log, as a single
self-contained HTML file (no network, no external files, no JavaScript) plus the same as one JSON document.

  ascendfix report                                  check + the newest ./smoke-*/report.json
  ascendfix report --smoke run2 --log train.log     that smoke run, and what the log means
  ascendfix report --no-check --smoke run2 --out issue.html

The smoke part shows the generated image, the stage timing chart (median and min–max of the measured
calls), the image checks, the published speed figures beside the run, a comparison when the run was made
with --compare, and the versions. Charts are inline SVG drawn with pygal (pip install 'ascendfix[report]');
without it the page draws the same numbers as plain bars.

Secrets are masked the way `ascendfix check` masks environment values (names with TOKEN, SECRET, PASSWORD,
API_KEY, ...), as are URL passwords and Authorization headers; the home folder is shown as ~. Read the page
before you post it anyway.

Output: FILE.html and FILE.json (default ascendfix-report-<time>.html/.json here); an existing file is not
overwritten without --force. --json prints the JSON document on stdout.

Exit codes: 0 page written, 2 bad input (missing --smoke/--log, existing --out), 3 internal error.
"""

from ascendfix import stacks
from ascendfix.errors import AscendfixError


def add_arguments(parser):
    parser.add_argument("--smoke", metavar="DIR|FILE", help="the smoke run to show: its --out folder or report.json "
                        "(default: the newest ./smoke-*/report.json)")
    parser.add_argument("--no-smoke", action="store_true", help="leave the smoke part out")
    parser.add_argument("--log", metavar="FILE", help="a log to explain on the page (as `ascendfix explain FILE`)")
    parser.add_argument("--no-check", action="store_true", help="leave the environment check out")
    parser.add_argument("--python", metavar="PATH", help="interpreter (or venv) to check (default: the smoke run's, "
                        "if it exists here, else this one)")
    parser.add_argument("--stack", choices=list(stacks.ids()),
                        help="stack to check ({}; default: detected)".format(stacks.described()))
    parser.add_argument("--weights", metavar="DIR", help="weights folder to check")
    parser.add_argument("--out", metavar="FILE.html", help="where to write the page (default: ./ascendfix-report-<time>.html);"
                        " the JSON document goes beside it as .json")
    parser.add_argument("--force", action="store_true", help="overwrite --out (and its .json)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say what was collected from where: the smoke report read, the interpreter and "
                             "stack checked (with every finding's status), the log read, the versions shown")


def run(args):
    from ascendfix.output import reader_may_leave
    from ascendfix.report.build import write_page

    if args.smoke and args.no_smoke:
        raise AscendfixError("--smoke and --no-smoke contradict each other")
    report = write_page(out=args.out, force=args.force, smoke=False if args.no_smoke else args.smoke, log=args.log,
                        check=not args.no_check, python=args.python, stack=args.stack, weights=args.weights)
    with reader_may_leave():  # `| head`: the files are written; exit 0 (ascendfix/output.py)
        _say(args, report)
    return report.exit_code


def _say(args, report):
    from pathlib import Path

    from ascendfix.output import emit_json, make_console, shown, styled_mark

    if args.json:
        emit_json(report.to_dict())
        return
    data, page = report.to_dict(), report.page
    html_path, json_path = Path(report.written["html"]), Path(report.written["json"])
    con = make_console()
    parts = []
    sm = data.get("smoke")
    if sm is not None:
        parts.append("smoke: " + (sm["missing"] if sm.get("missing") else "{} {}".format(
            (sm.get("recipe") or {}).get("id"), "passed" if sm.get("status") == "pass" else "failed")))
    ch = data.get("check")
    if ch is not None:
        c = (ch.get("summary") or {}).get("counts") or {}
        parts.append(ch["skipped"] if ch.get("skipped") else "check: {} error(s), {} warning(s)".format(
            c.get("error", 0), c.get("warn", 0)))
    ex = data.get("explain")
    if ex is not None:
        m = ex.get("matches") or []
        parts.append("log: " + ("{} {}".format(m[0]["id"], m[0]["title"]) if m else "no known signature"))
    con.print("{} wrote {} ({} kB) and {}".format(styled_mark("ok", con), shown(html_path), (len(page) + 1023)
                                                 // 1024, json_path.name), markup=True, soft_wrap=True)
    for p in parts:
        con.print("  " + p, markup=False, soft_wrap=True)
    if getattr(args, "verbose", False):
        _collected(con, data)


def _collected(con, data):
    """-v: where each part of the page came from (as shown on the page: secrets masked, home folder as ~)."""
    say = lambda text: con.print(text, markup=False, soft_wrap=True)  # noqa: E731
    say("collected:")
    sm = data.get("smoke")
    if sm is None:
        say("  smoke: left out (--no-smoke)")
    elif sm.get("missing"):
        say("  smoke: nothing found ({})".format(sm["missing"]))
    else:
        img = sm.get("image") or {}
        say("  smoke: {} (recipe {}, started {}, {}; image {})".format(
            sm.get("source") or "?", (sm.get("recipe") or {}).get("id"), sm.get("started") or "?",
            sm.get("status"), "embedded" if img.get("png_data_uri") else "not found"))
    ch = data.get("check")
    if ch is None:
        say("  check: left out (--no-check)")
    elif ch.get("skipped"):
        say("  check: " + ch["skipped"])
    else:
        s = ch.get("summary") or {}
        say("  check: {} (Python {}), stack {} ({}); {} findings".format(
            s.get("executable"), s.get("python"), s.get("stack"), s.get("stack_source"), len(ch.get("findings") or [])))
        for f in ch.get("findings") or []:
            say("    {:<7} {:<28} {}".format(f.get("status"), f.get("id"), f.get("detail") or f.get("title")))
    ex = data.get("explain")
    if ex is None:
        say("  log: none (--log FILE adds one)")
    else:
        say("  log: {} ({} lines read; {})".format(ex.get("log"), ex.get("lines_read"), ", ".join(
            m["id"] for m in ex.get("matches") or []) or "no known signature"))
    env = data.get("environment") or {}
    say("  environment: {} on {} ({})".format(env.get("python") or "?", env.get("host"), env.get("platform")))
    for name, version in sorted((env.get("packages") or {}).items()):
        say("    {} {}".format(name, version))
    say("  redaction: " + (data.get("redaction") or "none"))
