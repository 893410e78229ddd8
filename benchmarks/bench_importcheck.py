"""Benchmark ascendfix.importcheck on a real MindOne tree against a real transformers, in the same run.

    python benchmarks/bench_importcheck.py                      # mindone 0.5.0 vs transformers 4.46.3 wheel
    python benchmarks/bench_importcheck.py --tf 4.57.1 --repeat 5
    python benchmarks/bench_importcheck.py --tree PATH --package-dir SITE_OR_PKG_DIR

Inputs come from the test cache (``~/.cache/ascendfix-tests``: ``trees/mindone-X`` and the unpacked
``wheels/transformers-X``, both made by tests/test_importcheck.py), or are given explicitly.

What is compared (same tree, same transformers, same process, cold caches per repeat):
  A. ``check_imports`` as shipped: byte prefilter + statement-level parses for the tree; module
     skeletons (top-level statements without def/class bodies) for the package;
  B. the same algorithm with full ``ast`` parses everywhere (``exact=True`` on both sides): the
     approach the reference measured at ~22 s for mindone 0.5.0;
  and, split out: the tree scan alone, fast vs full.
Both must give the same answer (checked). Medians are printed with the ratio B/A.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ascendfix import importcheck as ic  # noqa: E402

CACHE = Path.home() / ".cache" / "ascendfix-tests"


def check(tree, pkg_dir, exact):
    refs, unparsable, scanned = ic.scan_tree(tree, exact=exact)
    info = ic._package_info_from_dir("transformers", pkg_dir)
    res = ic.Resolver("transformers", info.locations, exact=exact)
    missing = [(r, res.missing_reason(r.module, r.name)) for r in refs]
    return len(refs), [(r.path, r.line, r.name, why) for r, why in missing if why]


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mindone", default="0.5.0")
    ap.add_argument("--tf", default="4.46.3")
    ap.add_argument("--tree")
    ap.add_argument("--package-dir")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tree = Path(args.tree or CACHE / "trees" / "mindone-{}".format(args.mindone))
    pkg = Path(args.package_dir or CACHE / "wheels" / "transformers-{}".format(args.tf))
    for p in (tree, pkg):
        if not p.exists():
            sys.exit("{} not found (run `pytest -m slow tests/test_importcheck.py` once, or pass --tree/--package-dir)"
                     .format(p))

    rows = {}
    answers = {}
    for name, fn, a in [
        ("A check_imports (fast)", check, (tree, pkg, False)),
        ("B full-ast check", check, (tree, pkg, True)),
        ("A1 tree scan (fast)", ic.scan_tree, (tree, "transformers", False)),
        ("B1 tree scan (full ast)", ic.scan_tree, (tree, "transformers", True)),
    ]:
        times = []
        for _ in range(args.repeat):
            t, out = timed(fn, *a)
            times.append(t)
        rows[name] = statistics.median(times)
        answers[name] = out
    assert answers["A check_imports (fast)"] == answers["B full-ast check"], "fast and full-ast checks disagree"
    assert answers["A1 tree scan (fast)"] == answers["B1 tree scan (full ast)"], "fast and full-ast scans disagree"
    checked, missing = answers["A check_imports (fast)"]
    print("tree {} vs {}: {} name imports, {} missing (identical answers A/B)".format(tree, pkg, checked, len(missing)))
    print("median of {} run(s) on Python {}:".format(args.repeat, sys.version.split()[0]))
    for name, t in rows.items():
        print("  {:<28} {:7.2f} s".format(name, t))
    print("ratio full-ast / fast: check {:.1f}x, tree scan {:.1f}x".format(
        rows["B full-ast check"] / rows["A check_imports (fast)"],
        rows["B1 tree scan (full ast)"] / rows["A1 tree scan (fast)"]))


if __name__ == "__main__":
    main()
