"""Benchmark `ascendfix explain` against `grep -E` over the same anchors, in the same run.

    python benchmarks/bench_explain.py                 # 300 MB synthetic log (+ small-log latency)
    python benchmarks/bench_explain.py --size-mb 1024  # the 1 GB case (memory must stay flat)
    python benchmarks/bench_explain.py --python-path   # also time the pure-Python pre-filter (no grep)

The synthetic log is real text — the raw captures in tests/data/logs and every KB excerpt — repeated
between blocks of noise lines typical of Ascend runs (INFO lines, tqdm bars, warnings). The baseline is
`grep -E -n` with explain's pre-filter expression (what a shell user would do to find candidate lines);
ascendfix additionally runs the full patterns, looks codes up, ranks and prints the report.

The baseline is grep -E with exactly the expression explain hands to grep (anchors + code detectors +
key-line markers), so the ratio measures explain's own work on top of the scan.

Goals: explain <= 3x grep on 300 MB, peak RSS < 200 MB, small log < 0.5 s including start-up.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOISE = [
    b"[INFO] GE(2817,python):2024-05-17-18:46:14.721.067 [graph_manager.cc:1044]%d Build graph success, graph_id %d\n",
    b"[WARNING] ME(8310:139698865970048,MainProcess):2026-11-21-23:16:47.196.000 [mindspore/context.py:1412] step %d of %d\n",
    b" 45%%|\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88      | %d/%d [00:13<00:16,  1.21it/s]\n",
    b"INFO 04-09 21:56:46 [diffusion_worker.py:486] Worker %d: latents shape (1, 4, 128, 128) step %d\n",
    b"2024-05-17 18:46:14,721 - mindone.diffusers - INFO - loading unet component %d/%d from safetensors\n",
]


def real_blocks():
    from ascendfix.explain.kb import load_signatures

    blocks = [p.read_bytes() for p in sorted((ROOT / "tests" / "data" / "logs").glob("*.log"))]
    blocks += [p.read_bytes() for p in sorted((ROOT / "tests" / "data" / "plog").rglob("*.log"))]
    for sig in load_signatures():
        for ex in sig.examples["match"]:
            blocks.append(ex["text"].encode("utf-8") + b"\n")
    return blocks


def make_log(path, size_mb, seed=0):
    rnd = random.Random(seed)
    blocks = real_blocks()
    target = size_mb * 1024 * 1024
    written = 0
    noise_chunk = b"".join(NOISE[i % len(NOISE)] % (i, i + 7) for i in range(2000))
    with open(path, "wb") as fh:
        while written < target:
            for _ in range(rnd.randint(3, 8)):  # ~1 real block per 0.5-1.3 MB of noise
                fh.write(noise_chunk)
                written += len(noise_chunk)
            b = rnd.choice(blocks)
            fh.write(b)
            written += len(b)
    return os.path.getsize(path)


def anchors_ere():
    """The exact expression explain's pre-filter hands to grep: every signature anchor, every code family's
    detector (E?####, ERR#####, 507035 after "error code"...) and the key-line markers."""
    from ascendfix.explain.engine import Matcher

    return Matcher().grep_ere()


def timed(cmd, env=None, stdin=None):
    """(returncode, wall s, peak RSS MB, stdout, CPU s) of cmd incl. children, via a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, json, time;"
        "cmd = json.loads(sys.argv[1]); inp = sys.argv[2] or None;"
        "f = open(inp, 'rb') if inp else None; t = time.perf_counter();"
        "r = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE);"
        "dt = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps([r.returncode, dt, u.ru_maxrss, r.stdout.decode('utf-8', 'replace')[-2000000:],"
        " u.ru_utime + u.ru_stime]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, json.dumps(cmd), stdin or ""], capture_output=True, env=env, check=True
    )
    rc, dt, kb, stdout, cpu = json.loads(out.stdout)
    return rc, dt, kb / 1024.0, stdout, cpu


def best_of(n, cmd, env=None, stdin=None):
    runs = [timed(cmd, env, stdin) for _ in range(n)]
    return min(runs, key=lambda r: r[1])


def main():
    import shutil

    tmpdir = tempfile.mkdtemp(prefix="bench-explain-")
    try:
        _main(tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _main(tmpdir):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="runs per command (best is reported)")
    ap.add_argument("--python-path", action="store_true", help="also time the pure-Python pre-filter")
    ap.add_argument("--keep", help="write the synthetic log here and keep it")
    args = ap.parse_args()

    env = dict(os.environ, NO_COLOR="1", LC_ALL="C")
    log = args.keep or os.path.join(tmpdir, "synthetic.log")
    t = time.perf_counter()
    size = make_log(log, args.size_mb)
    print("synthetic log: {:.0f} MB, {} (built in {:.1f} s)".format(size / 1e6, log, time.perf_counter() - t))

    pat_file = os.path.join(tmpdir, "anchors.ere")
    with open(pat_file, "wb") as fh:
        fh.write(anchors_ere() + b"\n")
    explain = [sys.executable, "-m", "ascendfix", "explain", "--json", log]
    grep = ["grep", "-a", "-n", "-E", "-f", pat_file, log]

    # warm the page cache so both read from memory
    subprocess.run(["cat", log], stdout=subprocess.DEVNULL, check=True)
    g = best_of(args.repeat, grep, env)
    e = best_of(args.repeat, explain, env)
    doc = json.loads(e[3]) if e[3].strip().startswith("{") else {}
    print()
    print("{:<38} {:>9} {:>9} {:>11}".format("command", "wall (s)", "CPU (s)", "peak RSS MB"))
    print("{:<38} {:>9.2f} {:>9.2f} {:>11.0f}".format("grep -E -n (same anchors)", g[1], g[4], g[2]))
    print("{:<38} {:>9.2f} {:>9.2f} {:>11.0f}".format("ascendfix explain --json (grep path)", e[1], e[4], e[2]))
    print(
        "ratio explain / grep: {:.2f}x wall, {:.2f}x CPU   (goal <= 3x; peak RSS goal < 200 MB)".format(
            e[1] / g[1], e[4] / g[4]
        )
    )
    print("explain found: {} in {} lines".format([m["id"] for m in doc.get("matches", [])], doc.get("lines_read")))
    piped = best_of(1, ["sh", "-c", 'cat "$0" | "$1" -m ascendfix explain --json -', log, sys.executable], env)
    print(
        "{:<38} {:>9.2f} {:>9.2f} {:>11.0f}   ({:.2f}x grep wall)".format(
            "cat log | ascendfix explain - (pipe)", piped[1], piped[4], piped[2], piped[1] / g[1]
        )
    )
    pdoc = json.loads(piped[3])
    assert (pdoc["matches"], pdoc["lines_read"]) == (doc["matches"], doc["lines_read"]), "stdin pipe and file disagree"
    if args.python_path:
        p = best_of(1, explain, dict(env, ASCENDFIX_EXPLAIN_NO_GREP="1"))
        print(
            "{:<38} {:>9.2f} {:>9.2f} {:>11.0f}   ({:.1f}x grep)".format(
                "ascendfix explain (pure Python path)", p[1], p[4], p[2], p[1] / g[1]
            )
        )
        assert json.loads(p[3])["matches"] == doc["matches"], "pure-Python path disagrees"

    # small-log latency, start-up included. "installed": byte-code cached, as after pip install;
    # "no .pyc": every module compiled from source (PYTHONDONTWRITEBYTECODE set, as in some sandboxes)
    small = str(ROOT / "tests" / "data" / "logs" / "ms27_cpu_maskedfill_fp16.log")
    cmd = [sys.executable, "-m", "ascendfix", "explain", small]
    warm_env = dict(env, PYTHONPYCACHEPREFIX=os.path.join(tmpdir, "pyc"))
    warm_env.pop("PYTHONDONTWRITEBYTECODE", None)
    timed(cmd, warm_env)  # writes the byte-code cache
    cold_env = dict(env, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=os.path.join(tmpdir, "none"))
    print()
    for label, e2 in (("installed (.pyc cached)", warm_env), ("no .pyc (compile every run)", cold_env)):
        runs = [timed(cmd, e2) for _ in range(7)]
        print(
            "small log, {:<28} median wall {:.3f} s, best {:.3f} s, median CPU {:.3f} s (goal < 0.5 s)".format(
                label + ":",
                statistics.median(r[1] for r in runs),
                min(r[1] for r in runs),
                statistics.median(r[4] for r in runs),
            )
        )
    base = [timed([sys.executable, "-c", "pass"], env) for _ in range(7)]
    print("bare `python -c pass`: median wall {:.3f} s".format(statistics.median(r[1] for r in base)))


if __name__ == "__main__":
    main()
