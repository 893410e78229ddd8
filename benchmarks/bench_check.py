"""Benchmark `ascendfix check` (metadata only) against importing the frameworks, in the same run.

    python benchmarks/bench_check.py --python ~/.cache/ascendfix-tests/venvs/ms27/bin/python
    python benchmarks/bench_check.py --python PY --repeat 5

What is compared, on the same target interpreter:
  A. `ascendfix check --json --python PY` — every default check (NPU, CANN, pins, pairing, env, weights,
     disk/memory), reading dist-info metadata only;
  B. the naive way a doctor could learn the same versions: `PY -c "import mindspore, mindone"` (the import
     alone, no checks at all);
  C. `ascendfix check --deep --only deep.mindspore_run_check` (the opt-in behavioural probe).
Each is run --repeat times as a fresh process; medians are printed with the ratio B/A.
  D. the stack plan alone, in this process: solving the pairing tables for three situations (Python 3.8 +
     MindSpore 2.3.0rc1 + CANN 8.0.RC1; MindSpore 2.7.0 on 3.11; 3.8 asking for mindone>=0.5, which frees
     Python and CANN), as a share of A.
  E/F. one check report in this process (the library call `ascendfix.check(...)`, the target's environment
     read once beforehand, nothing on / read): E as it is, F with the data lookups as they were before the
     compat tables were cached per file stat (every table lookup resolving the data folder again).
     Printed: the ratio F/E.

Goal: the default run (findings and the stack plan) answers in about a second, never importing a framework.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PY = Path.home() / ".cache" / "ascendfix-tests" / "venvs" / "ms27" / "bin" / "python"


def timed(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT))
    return time.perf_counter() - t, r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=str(DEFAULT_PY), help="target interpreter with mindspore + mindone")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-deep", action="store_true", help="skip C (the run_check probe)")
    args = ap.parse_args()
    if not Path(args.python).exists():
        sys.exit("no interpreter at {} (build it with the test suite, or pass --python)".format(args.python))
    env = dict(os.environ, NO_COLOR="1")
    af = [sys.executable, "-m", "ascendfix", "check"]
    rows = []
    a = [timed(af + ["--json", "--python", args.python], env) for _ in range(args.repeat)]
    rows.append(("A ascendfix check (default, metadata only)", [t for t, _ in a]))
    b = [timed([args.python, "-c", "import mindspore, mindone"], env) for _ in range(args.repeat)]
    if b[0][1].returncode != 0:
        sys.exit("import mindspore, mindone failed in {}: {}".format(args.python, b[0][1].stderr[-300:]))
    rows.append(("B import mindspore, mindone (no checks)", [t for t, _ in b]))
    if not args.no_deep:
        c = [timed(af + ["--json", "--python", args.python, "--deep", "--only", "deep.mindspore_run_check"], env)
             for _ in range(args.repeat)]
        rows.append(("C ascendfix check --deep (run_check probe only)", [t for t, _ in c]))
    sys.path.insert(0, str(ROOT))
    from ascendfix.check import compat
    from ascendfix.check.plan import Facts, make_plan, parse_wants

    compat.table("mindspore.yaml")  # tables read once, as in a check run
    situations = [(Facts("3.8.18", "x86_64", cann="8.0.RC1", installed={"mindspore": "2.3.0rc1"}), ()),
                  (Facts("3.11.7", "x86_64", cann="8.2.RC1", installed={"mindspore": "2.7.0"}), ()),
                  (Facts("3.8.18", "x86_64", cann="8.0.RC1", installed={"mindspore": "2.3.0rc1"}), ("mindone>=0.5",))]
    d = []
    for _ in range(max(args.repeat, 5)):
        t = time.perf_counter()
        for facts, wants in situations:
            make_plan(facts, "mindone", parse_wants(list(wants), "mindone"))
        d.append(time.perf_counter() - t)
    rows.append(("D the plan for 3 situations (in-process)", d))
    e, f = in_process_check(args.python, max(args.repeat, 10))
    rows.append(("E one check report in-process (cached lookups)", e))
    rows.append(("F the same, lookups resolved per call (before)", f))
    base = statistics.median(rows[0][1])
    print("target: {}".format(args.python))
    for name, ts in rows:
        med = statistics.median(ts)
        print("{:<50} median {:6.2f} s  (min {:.2f}, max {:.2f})  {:5.1f}x A".format(name, med, min(ts), max(ts), med / base))
    print("ratio import-only / ascendfix default: {:.1f}x".format(statistics.median(rows[1][1]) / base))
    print("ratio in-process check report, before / now: {:.1f}x".format(statistics.median(f) / statistics.median(e)))


def in_process_check(python, repeat):
    """E and F (see the module docstring): [seconds] each, interleaved so that load on the machine hits both."""
    import functools
    import tempfile

    from ascendfix import data, target
    from ascendfix.check import compat, make_context, load_checks
    from ascendfix.check import engine as check_engine

    load_checks()
    environment = target.get(python).environment()
    root = tempfile.mkdtemp(prefix="ascendfix-bench-root-")  # an empty system: no NPU, no CANN

    def report():
        ctx = make_context(root=root, env={"HOME": "/root"}, commands={}, environment=environment)
        check_engine.summarize(check_engine.run(ctx))

    def resolve_root(kind):  # data.data_root before the cache: the folder looked up on every call
        env = os.environ.get(data._ENV[kind])
        if env:
            return Path(env)
        for cand in (data._PKG / "_data" / kind, data._PKG.parent / kind):
            if cand.is_dir():
                return cand

    @functools.lru_cache(maxsize=None)
    def old_table(name, root_key):  # compat.table before: keyed by the resolved folder, no stat
        return compat._load_table(name)

    def before():
        saved = data.data_root, compat.table, compat.mindspore_row
        data.data_root = resolve_root
        compat.table = lambda name: old_table(name, str(data.data_root("rules")))
        compat.mindspore_row = lambda v: compat._mindspore_row.__wrapped__(str(v), str(data.data_root("rules")))
        try:
            report()
        finally:
            data.data_root, compat.table, compat.mindspore_row = saved

    report()
    before()  # warm both
    e, f = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        report()
        e.append(time.perf_counter() - t)
        t = time.perf_counter()
        before()
        f.append(time.perf_counter() - t)
    return e, f


if __name__ == "__main__":
    main()
