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
  E/F. one check report in this process (what `ascendfix.check(...)` runs, the target's environment read once
     beforehand, an empty system root): E as it is, F with the data lookups as they were before they were cached
     (the data folder resolved on every lookup, every rule entry's file location resolved on every load, the
     compat tables keyed by the folder; see in_process_check). Printed: the ratio F/E.

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
    print("ratio in-process check report, before / now: {:.1f}x ({:.1f} ms -> {:.1f} ms)".format(
        statistics.median(f) / statistics.median(e), statistics.median(f) * 1000, statistics.median(e) * 1000))


def in_process_check(python, repeat):
    """E and F (see the module docstring): [seconds] each, interleaved so that load on the machine hits both.

    F puts back the data lookups as they were before they were cached: ``data.data_root`` resolved on every call,
    every entry's location (``data.display_path``, which resolves paths) built on every ``load_entries`` call,
    and the compat tables keyed by the resolved folder (the code of that version, reproduced below)."""
    import functools
    import tempfile

    from ascendfix import data, stacks, target
    from ascendfix.check import compat, make_context, load_checks
    from ascendfix.check import engine as check_engine
    from ascendfix.smoke import recipes

    load_checks()
    environment = target.get(python).environment()
    root = tempfile.mkdtemp(prefix="ascendfix-bench-root-")  # an empty system: no NPU, no CANN

    def report():
        ctx = make_context(root=root, env={"HOME": "/root"}, commands={}, environment=environment)
        check_engine.summarize(check_engine.run(ctx))

    def old_data_root(kind):
        env = os.environ.get(data._ENV[kind])
        if env:
            p = Path(env)
            if not p.is_dir():
                raise data.DataError("{}={}: not a directory".format(data._ENV[kind], env))
            return p
        for cand in (data._PKG / "_data" / kind, data._PKG.parent / kind):
            if cand.is_dir():
                return cand

    def old_display_path(path):
        path = Path(path)
        for kind in data._ENV:
            try:
                return str(Path(kind) / path.resolve().relative_to(old_data_root(kind).resolve()))
            except (ValueError, data.DataError):
                continue
        return str(path)

    def old_load_entries(kind, subdir, fields=None, id_field="id"):
        entries = data._load_entries_cached(data._files_key(kind, subdir))
        seen = {}
        for path, entry in entries:
            eid = entry.get(id_field)
            where = "{}: entry '{}'".format(old_display_path(path), eid) if eid else old_display_path(path)
            if fields:
                data.validate(entry, fields, where)
            if eid is not None:
                if eid in seen:
                    raise data.DataError("duplicate")
                seen[eid] = path
        return list(entries)

    @functools.lru_cache(maxsize=None)
    def old_table(name, root_key):  # compat.table before: keyed by the resolved folder, no stat
        return compat._load_table(name)

    @functools.lru_cache(maxsize=1024)
    def old_mindspore_row(version, root_key):  # compat.mindspore_row before: cached per version and folder
        return compat._mindspore_row.__wrapped__(version, root_key)

    patches = [(data, "data_root", old_data_root), (stacks, "data_root", old_data_root),
               (data, "display_path", old_display_path), (recipes, "display_path", old_display_path),
               (data, "load_entries", old_load_entries), (recipes, "load_entries", old_load_entries),
               (compat, "table", lambda name: old_table(name, str(data.data_root("rules")))),
               (compat, "mindspore_row", lambda v: old_mindspore_row(str(v), str(data.data_root("rules"))))]

    def before():
        saved = [(mod, name, getattr(mod, name)) for mod, name, _ in patches]
        for mod, name, fn in patches:
            setattr(mod, name, fn)
        try:
            report()
        finally:
            for mod, name, fn in saved:
                setattr(mod, name, fn)

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
