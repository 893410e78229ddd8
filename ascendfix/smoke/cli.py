"""Run a full Stable Diffusion (XL) generation from a recipe and report it — how well and how fast.

A recipe (recipes/*.yaml; see --list) fixes the model id and revision, stack, dtype, mode, memory
cap, VAE tiling, prompt, steps, guidance, size, seed, the checks on the output image, and the
published speed figures to compare with. The smoke:

  1. preflight: the relevant `ascendfix check` findings (errors stop it unless --force);
  2. weights: --weights DIR, or modelscope snapshot_download(model_id, revision, cache_dir), or
     --tiny (a tiny random pipeline built locally); safetensors only (.bin is never unpickled),
     the variant (fp16) detected;
  3. the generation, in a subprocess of the target interpreter (--python): import, load in the
     recipe's mode/dtype, then --warmup K unmeasured and --runs N measured pipeline calls (text
     encoding, denoising, VAE decode each timed), PNG saved; killed after --timeout;
  4. checks on the image (size, no NaN, not black/flat) and report.json in --out.
The generation runs with --out as its working directory: what the framework writes there (MindSpore's
rank_0/om/ and kernel_meta/, IR dumps) stays with the run, not in the current folder.

Timings: per stage the median over the measured calls and its spread (median absolute deviation),
steps/s, and the first call's compile/warm-up cost apart. The run is set beside the recipe's
published figures; a ratio is given only on the same steps, size, dtype, mode and chip family,
otherwise the report says what differs.

--compare OLD (an earlier report.json or its folder) compares this run with it; --compare OLD NEW
compares two reports without running anything. Per stage: median then and now, the change, and a
verdict. The rule: sigma = 1.4826 x MAD when a side has 3 or more calls; noise =
sqrt(sigma_old^2 + sigma_new^2), at least 1% of the larger median (5% when a side has fewer than 3
calls) and 10 ms; a stage changed when the medians differ by more than 2 x noise. A regression is a per-call stage (whole call, text encoding, denoising, VAE decode,
steps/s) slower by more than --threshold (default 10%). Different settings (steps, size, dtype,
mode, device, tiny, ...) make the runs not comparable.

On a failure the traceback goes through the explain knowledge base and the diagnosis is printed
and recorded. --html writes the run as one self-contained page (image, timing chart, checks,
versions); `ascendfix report` adds the check findings and an explained log.

Exit codes: 0 passed (and no regression), 1 smoke failed, or a regression / settings differ with
--compare, 2 bad input, 3 internal error.

Examples:
  ascendfix smoke --list
  ascendfix smoke --tiny --device CPU --python ~/venvs/ms27/bin/python --out run1
  ascendfix smoke --tiny --device CPU --python ~/venvs/ms27 --runs 5 --warmup 1 --out run2 --compare run1 --html
  ascendfix smoke --compare run1/report.json run2/report.json --threshold 5
  ascendfix smoke --weights ~/weights/AI-ModelScope/stable-diffusion-xl-base-1.0 --out smoke-1
  ascendfix smoke --recipe sdxl-torch-npu --tiny --device cpu
"""

from ascendfix import stacks
from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK, AscendfixError


def add_arguments(parser):
    parser.add_argument("--recipe", metavar="ID", help="recipe to run (default: the default recipe; see --list)")
    parser.add_argument("--list", action="store_true", help="list the recipes and which can run here, then exit")
    parser.add_argument("--python", metavar="PATH", help="interpreter (or venv) that runs the generation (default: this one)")
    parser.add_argument("--weights", metavar="DIR", help="local pipeline folder (holding model_index.json); default: download")
    parser.add_argument("--cache-dir", metavar="DIR", help="modelscope cache folder for the download")
    parser.add_argument("--revision", help="model revision to download (default: the recipe's)")
    parser.add_argument("--tiny", action="store_true", help="build and run a tiny random pipeline (no weights needed)")
    parser.add_argument("--device", help="Ascend|CPU for MindSpore recipes, npu|cpu for torch ones (default: the recipe's)")
    parser.add_argument("--dtype", choices=["float16", "bfloat16", "float32"], help="override the recipe's dtype")
    parser.add_argument("--mode", choices=stacks.all_modes(), help="override the recipe's execution mode")
    parser.add_argument("--steps", type=int, help="override the number of denoising steps")
    parser.add_argument("--size", metavar="WxH", help="override the image size, e.g. 768x768")
    parser.add_argument("--seed", type=int, help="override the seed")
    parser.add_argument("--prompt", help="override the prompt")
    parser.add_argument("--runs", type=int, default=1, metavar="N", help="measured pipeline calls (default 1)")
    parser.add_argument("--warmup", type=int, default=0, metavar="K",
                        help="unmeasured calls before them (compile/warm-up; default 0)")
    parser.add_argument("--compare", nargs="+", metavar="REPORT",
                        help="OLD: compare this run with an earlier report.json (or its folder); "
                             "OLD NEW: compare two reports, run nothing")
    parser.add_argument("--threshold", type=float, default=10.0, metavar="PCT",
                        help="with --compare: a per-call stage slower by more than PCT%% is a regression (default 10)")
    parser.add_argument("--html", nargs="?", const="", metavar="FILE",
                        help="also write the run as one self-contained HTML page (default: OUT/report.html)")
    parser.add_argument("--out", metavar="DIR", help="folder for the PNG and report.json (default: ./smoke-<recipe>-<time>)")
    parser.add_argument("--force", action="store_true", help="overwrite --out; run despite preflight errors")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="kill the generation after this long (default: the recipe's)")
    parser.add_argument("--no-preflight", action="store_true", help="skip the preflight checks")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show versions, every call's timings, the published figures' sources, the runner's output on failure")


def run(args):
    from ascendfix.output import emit_json, reader_may_leave

    if args.list:
        from ascendfix.smoke.display import render_list
        from ascendfix.smoke.operation import list_recipes

        doc = list_recipes(args.python)
        with reader_may_leave():
            if args.json:
                emit_json(doc)
            else:
                render_list(doc)
        return EXIT_OK
    threshold = _threshold(args)
    if args.compare and len(args.compare) > 2:
        raise AscendfixError("--compare takes OLD (compare this run with it) or OLD NEW (two reports)")
    if args.compare and len(args.compare) == 2:
        from ascendfix.smoke.operation import SmokeOptions

        idle = ["--" + k.replace("_", "-") for k, default in SmokeOptions.DEFAULTS.items()
                if getattr(args, k) != default]  # what shapes a run
        if idle:  # they would be silently ignored: nothing runs
            raise AscendfixError("--compare OLD NEW compares two reports and runs nothing: drop {}".format(
                ", ".join(idle)))
        return _compare_reports(args, threshold)
    old = None
    if args.compare:
        from ascendfix.smoke.report import load_report

        old = load_report(args.compare[0])  # exit 2 before anything runs
    html = _html_target(args)
    from ascendfix.smoke.display import Display, render_summary
    from ascendfix.smoke.operation import SmokeOptions, run_smoke

    options = SmokeOptions(**{k: getattr(args, k) for k in SmokeOptions.DEFAULTS})
    with Display(bool(args.json), None, args.verbose) as display:
        report = run_smoke(options, listener=display, compare_with=old, threshold=threshold,
                           compare_name=args.compare[0] if args.compare else None)
    written = []
    if html is not None:
        target = _write_html(report.to_dict(), report.out / "report.json", html or str(report.out / "report.html"))
        written.append(target.name if target.parent == report.out else str(target))
    with reader_may_leave():  # `| head`: the exit code stays the run's (ascendfix/output.py)
        if args.json:
            emit_json(dict(report.to_dict(), out=str(report.out)))
        else:
            render_summary(report.to_dict(), report.out, verbose=args.verbose, also_written=written)
    return report.exit_code


def _threshold(args):
    if args.threshold is None or not (0 < args.threshold < 1000):
        raise AscendfixError("--threshold must be a percentage above 0, e.g. 10")
    return args.threshold / 100.0


def _html_target(args):
    if args.html is None:
        return None
    if args.html:
        from pathlib import Path

        p = Path(args.html).expanduser()
        if p.is_dir():
            raise AscendfixError("--html {}: is a directory; give a file name".format(args.html))
        if not p.parent.is_dir():
            raise AscendfixError("--html {}: no such directory {}".format(args.html, p.parent))
    return args.html


def _write_html(doc, report_path, target):
    from pathlib import Path

    from ascendfix.report.page import smoke_page

    from ascendfix.fsutil import utf8, write_output

    path = Path(target).expanduser().absolute()
    write_output(path, utf8(smoke_page(doc, report_path)), "--html")
    return path


def _compare_reports(args, threshold):
    from pathlib import Path

    from ascendfix.output import emit_json, reader_may_leave
    from ascendfix.smoke.compare import compare
    from ascendfix.smoke.display import render_comparison
    from ascendfix.smoke.report import load_report

    old_path, new_path = args.compare
    old, new = load_report(old_path), load_report(new_path)
    html = _html_target(args)
    comp = compare(old, new, threshold, old_name=str(old_path), new_name=str(new_path)).to_dict()
    if html is not None:
        folder = Path(new_path).expanduser()
        folder = folder if folder.is_dir() else folder.parent
        _write_html(dict(new, comparison=comp), folder / "report.json", html or str(folder / "report.html"))
    with reader_may_leave():
        if args.json:
            emit_json(comp)
        else:
            render_comparison(comp)
    return EXIT_OK if comp["ok"] else EXIT_NEGATIVE
