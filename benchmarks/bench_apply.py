"""Benchmark `ascendfix apply` on a whole MindOne tree against the alternatives, in the same run.

    python benchmarks/bench_apply.py [--version 0.5.0] [--tree PATH] [--jobs N] [--repeat 1]
                                     [--skip-libcst] [--libcst-cli] [--against CHECKOUT]

Measured on fresh copies of the tree (wall time and CPU time of the child processes; CPU time is
the fairer number on a shared machine, so the load average is printed too):

  ascendfix      `python -m ascendfix apply COPY` with every rule (text prefilter → ast scan → edits at
                 ast positions, libcst over the rewritten statements and the header only, forked workers (jobs)),
                 journal, atomic writes and the scan cache included
  ascendfix-noop the same command again on its own output (nothing to change)
  sed            the blog's recipe (sed on pyproject.toml / requirements.txt, then
                 `find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +`):
                 fast and wrong (see ascendfix/codemods/py38_annotations/rule.yaml)
  against        (--against CHECKOUT) the same two commands run with another checkout of ascendfix
                 (e.g. the main branch: `git worktree add /tmp/main main`), interleaved with this one
  libcst-all     what a plain libcst codemod pays: parse_module + a no-op CSTTransformer + codegen
                 on every .py file, multiprocessing.Pool(jobs) (the libcst codemod CLI is slower still:
                 add --libcst-cli to time `python -m libcst.tool codemod noop.NOOPCommand`)

Prints one table and the ratios (alternative / ascendfix). Goal: whole mindone 0.5.0
in <= 10 s, no-op rerun <= 3 s.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SED_RECIPE = r"""
set -e
sed -i 's/>=3.9/>=3.8/g' pyproject.toml
sed -i 's/transformers==4.57.1/transformers>=4.39.3/g' pyproject.toml
if [ -f "mindone/transformers/requirements.txt" ]; then
sed -i 's/transformers==4.46.3/transformers>=4.39.3/g' mindone/transformers/requirements.txt
fi
find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +
"""


def _children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd, cwd=None, env=None):
    c0, t0 = _children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if r.returncode not in (0, 1):
        raise SystemExit("failed ({}): {}\n{}".format(r.returncode, " ".join(map(str, cmd)), r.stderr[-2000:]))
    return wall, cpu, r


def fresh_copy(src, work, name):
    dst = Path(work) / name
    shutil.copytree(str(src), str(dst), symlinks=True, ignore=shutil.ignore_patterns(".complete", ".ascendfix"))
    return dst


LIBCST_ALL = r"""
import os, sys, multiprocessing, libcst

class Noop(libcst.CSTTransformer):
    pass

def one(path):
    data = open(path, "rb").read()
    try:
        mod = libcst.parse_module(data)
    except Exception:
        return 0
    return len(mod.visit(Noop()).bytes)

root, jobs = sys.argv[1], int(sys.argv[2])
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".py")]
files.sort(key=lambda p: -os.path.getsize(p))
with multiprocessing.get_context("fork").Pool(jobs) as pool:
    n = sum(1 for _ in pool.imap_unordered(one, files, chunksize=4))
print(n)
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default="0.5.0", help="mindone release (sources fetched/cached by tests/support.py)")
    ap.add_argument("--tree", help="use this tree instead (copied, never modified)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-libcst", action="store_true", help="skip the slow libcst-over-every-file baseline")
    ap.add_argument("--libcst-cli", action="store_true", help="also time the libcst codemod CLI (very slow)")
    ap.add_argument("--against", metavar="CHECKOUT",
                    help="also time another checkout of ascendfix (a folder holding ascendfix/ and rules/)")
    args = ap.parse_args(argv)

    if args.tree:
        src = Path(args.tree)
    else:
        sys.path.insert(0, str(REPO / "tests"))
        from support import mindone_tree

        src = mindone_tree(args.version)
    py = sys.executable
    env = dict(os.environ, NO_COLOR="1")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    other_env = None
    if args.against:
        other = Path(args.against).resolve()
        if not (other / "ascendfix" / "__init__.py").is_file():
            raise SystemExit("--against {}: no ascendfix/ package there".format(args.against))
        other_env = dict(env, PYTHONPATH=str(other) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nfiles = sum(1 for _, _, fs in os.walk(str(src)) for f in fs if f.endswith(".py"))
    print("tree: {} ({} .py files); jobs={}; cpus={}; load average before: {}".format(
        src, nfiles, args.jobs, os.cpu_count(), " ".join("{:.2f}".format(x) for x in os.getloadavg())))

    rows = {}

    def record(name, wall, cpu):
        best = rows.get(name)
        if best is None or wall < best[0]:
            rows[name] = (wall, cpu)

    with tempfile.TemporaryDirectory(prefix="bench-apply-") as work:
        for i in range(args.repeat):
            t = fresh_copy(src, work, "af{}".format(i))
            wall, cpu, r = timed([py, "-m", "ascendfix", "apply", str(t), "--jobs", str(args.jobs), "--json"], env=env)
            import json

            doc = json.loads(r.stdout)
            changed = len(doc["changed_files"])
            record("ascendfix", wall, cpu)
            wall, cpu, r = timed([py, "-m", "ascendfix", "apply", str(t), "--jobs", str(args.jobs), "--json"], env=env)
            assert json.loads(r.stdout)["changed_files"] == [], "rerun changed files: not idempotent"
            record("ascendfix-noop", wall, cpu)
            if other_env is not None:
                o = fresh_copy(src, work, "against{}".format(i))
                cmd = [py, "-m", "ascendfix", "apply", str(o), "--jobs", str(args.jobs), "--json"]
                wall, cpu, r = timed(cmd, env=other_env)
                if len(json.loads(r.stdout)["changed_files"]) != changed:
                    print("note: --against changed {} files, this checkout {}".format(
                        len(json.loads(r.stdout)["changed_files"]), changed))
                record("against", wall, cpu)
                wall, cpu, r = timed(cmd, env=other_env)
                record("against-noop", wall, cpu)
                shutil.rmtree(str(o))

            s = fresh_copy(src, work, "sed{}".format(i))
            wall, cpu, _ = timed(["bash", "-c", SED_RECIPE], cwd=str(s))
            record("sed", wall, cpu)
            shutil.rmtree(str(t))
            shutil.rmtree(str(s))

        if not args.skip_libcst:
            c = fresh_copy(src, work, "cst")
            wall, cpu, _ = timed([py, "-c", LIBCST_ALL, str(c), str(args.jobs)])
            record("libcst-all", wall, cpu)
        if args.libcst_cli:
            c = fresh_copy(src, work, "cli")
            timed([py, "-m", "libcst.tool", "initialize", str(c)], cwd=str(c))
            wall, cpu, _ = timed([py, "-m", "libcst.tool", "codemod", "noop.NOOPCommand", "-j", str(args.jobs),
                                  "--no-format", "--include-generated", str(c)], cwd=str(c))
            record("libcst-cli-noop", wall, cpu)

    base_wall, base_cpu = rows["ascendfix"]
    print("")
    print("{:<16} {:>9} {:>9} {:>12} {:>12}".format("run", "wall s", "cpu s", "wall ratio", "cpu ratio"))
    for name, (wall, cpu) in rows.items():
        print("{:<16} {:>9.2f} {:>9.2f} {:>11.2f}x {:>11.2f}x".format(name, wall, cpu, wall / base_wall, cpu / base_cpu))
    print("")
    print("ascendfix changed {} files; goals: apply <= 10 s wall ({}), no-op rerun <= 3 s wall ({})".format(
        changed, "met" if base_wall <= 10 else "NOT met", "met" if rows["ascendfix-noop"][0] <= 3 else "NOT met"))
    if "against" in rows:
        print("this checkout vs --against: apply {:.2f}x wall {:.2f}x cpu, no-op rerun {:.2f}x wall {:.2f}x cpu "
              "(against/this: >1 means this checkout is faster)".format(
                  rows["against"][0] / base_wall, rows["against"][1] / base_cpu,
                  rows["against-noop"][0] / rows["ascendfix-noop"][0], rows["against-noop"][1] / rows["ascendfix-noop"][1]))
    print("ratios are alternative/ascendfix: >1 means ascendfix is faster; load average after: {}".format(
        " ".join("{:.2f}".format(x) for x in os.getloadavg())))


if __name__ == "__main__":
    main()
