"""Measure `ascendfix explain` on the held-out validation corpus (benchmarks/explain_validation/).

    python benchmarks/bench_explain_validation.py                    # this checkout, this interpreter
    python benchmarks/bench_explain_validation.py --set N            # only set N (the freshest held-out set)
    python benchmarks/bench_explain_validation.py --json > out.json  # one JSON document
    python benchmarks/bench_explain_validation.py --repo ../other-checkout --python ../other-checkout/.venv/bin/python
    python benchmarks/bench_explain_validation.py --ascendfix-cmd "ascendfix"   # an installed CLI on PATH

Every log is given to the real CLI exactly as a new user would: one subprocess per log,
`<python> -m ascendfix explain --json LOG` (or `<ascendfix-cmd> explain --json LOG`), and the
category of the first match is taken as the answer. The corpus labels are the expected root-cause
category, `harmless` (nothing to diagnose) or `other:<name>` (a real failure outside the categories).
Each entry belongs to a set (`set: A` to `M`, see the corpus README): `--set A|B|...|M|all` picks the logs
(default all); with `all` the figures are printed for each set and for the whole corpus.

Figures printed:
  * top-1 accuracy on the in-category logs (first cause's category == label; goal 90%);
  * harmless logs that got any diagnosis (goal: at most 1 in 12);
  * out-of-category logs that got any explanation at all;
  * the same two figures in the issue's view: top-1 over the logs labelled with one of the 13 categories the
    knowledge base started with (the taxonomy the project's acceptance measure labels with), and "any
    explanation" over the real failures labelled with anything else (a later category or `other:`);
  * for the logs labelled twice (second_labels.yaml, a blind second labelling) whose corpus label is a category:
    top-1 against either label, a secondary figure (where two careful readers differ, one label cannot say who is
    right). Logs the corpus calls harmless or other: are left out even when the second labeller put them in a
    category, so the figure is not symmetric in the two labels;
  * a per-category confusion summary and the list of misses (id, expected, got).

Robust to changes in the JSON shape: the first element of `matches` (or `causes`, `results`,
`explanations`, `diagnoses`), and in it `category` (or a nested `signature`/`entry`/`kb` object's
`category`). A JSON document it cannot read counts as "no answer" and is reported.

Exit status: 0 measured (whatever the figures), 2 bad arguments or corpus, 3 the CLI could not be run
for any log.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CORPUS = HERE / "explain_validation"

LIST_KEYS = ("matches", "causes", "results", "explanations", "diagnoses")
NESTED_KEYS = ("signature", "entry", "kb", "rule")

GOAL_TOP1 = 0.90

# The 13 categories of the first knowledge base. The project's acceptance measure labels real logs with these, a
# failure outside them counting as explained when it gets any explanation; categories added since (cuda_on_npu,
# host_oom, version_skew...) are "outside" in that view.
ISSUE_CATEGORIES = frozenset((
    "graph_compile_crash", "maskedfill_dtype", "device_oom", "shape_mismatch", "hccl", "py38_subscript",
    "missing_weights", "kernel_unsupported", "numpy_abi", "pip_conflict", "cann_env", "ascend_inner_error",
    "patch_side_effect",
))
GOAL_HARMLESS_FLAGGED = 1.0 / 12


def fail(message):
    sys.stderr.write("bench: {}\n".format(message))
    raise SystemExit(2)


SETS = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN")


def set_of(entry):
    """The entry's set; entries written before sets existed belong to set A."""
    return str(entry.get("set") or "A")


def load_second_rows(corpus_dir):
    """The rows of the blind second labelling (second_labels.yaml: id, label, confidence, alt, why), or []."""
    path = corpus_dir / "second_labels.yaml"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []


def load_second_labels(corpus_dir):
    """{id: second label} from the blind second labelling (see label_agreement.py), or {}."""
    return {r["id"]: r["label"] for r in load_second_rows(corpus_dir)
            if isinstance(r, dict) and r.get("id") and r.get("label")}


def load_corpus(corpus_dir):
    index = corpus_dir / "index.yaml"
    if not index.is_file():
        fail("{} has no index.yaml".format(corpus_dir))
    with open(index, encoding="utf-8") as fh:
        entries = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []
    if not isinstance(entries, list) or not entries:
        fail("{} is empty or not a list".format(index))
    for e in entries:
        path = corpus_dir / e["file"]
        if not path.is_file():
            fail("{} (entry {}) is missing".format(path, e["id"]))
        e["_path"] = path
    return entries


def kind_of(label):
    if label == "harmless":
        return "harmless"
    if label.startswith("other:"):
        return "other"
    return "category"


def first_category(doc):
    """(number of matches, category of the first match or None). Tolerant of shape changes."""
    if not isinstance(doc, dict):
        return 0, None
    items = None
    for key in LIST_KEYS:
        val = doc.get(key)
        if isinstance(val, list):
            items = val
            break
    if not items:
        return 0, None
    first = items[0]
    if isinstance(first, dict):
        cat = first.get("category")
        if isinstance(cat, str) and cat:
            return len(items), cat
        for key in NESTED_KEYS:
            nested = first.get(key)
            if isinstance(nested, dict) and isinstance(nested.get("category"), str):
                return len(items), nested["category"]
    return len(items), "?"


def command_prefix(args):
    if args.ascendfix_cmd:
        return shlex.split(args.ascendfix_cmd)
    return [args.python, "-m", "ascendfix"]


def run_one(prefix, repo, entry, timeout):
    cmd = prefix + ["explain", "--json", str(entry["_path"])]
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("ASCENDFIX_DEBUG", None)
    if repo is not None:
        # `python -m ascendfix` run from the checkout finds its package first (cwd is on sys.path).
        env["PYTHONPATH"] = str(repo) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=str(repo) if repo is not None else None, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=timeout,
        )
    except FileNotFoundError as exc:
        return {"error": "cannot run {}: {}".format(cmd[0], exc), "seconds": 0.0}
    except subprocess.TimeoutExpired:
        return {"error": "timeout after {} s".format(timeout), "seconds": float(timeout)}
    seconds = time.monotonic() - t0
    out = {"exit_code": proc.returncode, "seconds": round(seconds, 3)}
    try:
        doc = json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        out["error"] = "no JSON on stdout (exit {}): {}".format(proc.returncode, tail[0][:200])
        return out
    if isinstance(doc, dict) and "error" in doc and not any(k in doc for k in LIST_KEYS):
        out["error"] = "CLI error: {}".format(json.dumps(doc["error"])[:200])
        return out
    n, cat = first_category(doc)
    out["n_matches"] = n
    out["got"] = cat
    return out


def git_head(repo):
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        return proc.stdout.decode().strip() or None
    except OSError:
        return None


def pct(num, den):
    return (100.0 * num / den) if den else 0.0


def summarize(entries, results, second=None):
    """The figures of ``entries``. ``second``: {id: second label} of the logs labelled twice (blind); the in-category
    logs among them are also scored against either label (the first answer names the corpus label or the second
    labeller's category), a secondary figure: where two careful readers differ, one label cannot say who is right.
    Only logs whose corpus label is a category count: harmless / other: logs the second labeller put in a category are
    left out."""
    second = second or {}
    either_total = either_first = either_ok = 0
    cat_total = cat_ok = 0
    harm_total = harm_flagged = 0
    other_total = other_explained = 0
    issue_total = issue_ok = outside_total = outside_explained = 0  # the issue's view (ISSUE_CATEGORIES)
    errors = []
    confusion = {}
    misses = []
    for e in entries:
        r = results[e["id"]]
        label = e["label"]
        kind = kind_of(label)
        if "error" in r:
            errors.append({"id": e["id"], "error": r["error"]})
        got = r.get("got")
        diagnosed = bool(r.get("n_matches"))
        if label in ISSUE_CATEGORIES:
            issue_total += 1
            issue_ok += got == label
        elif kind != "harmless":
            outside_total += 1
            outside_explained += diagnosed
        if kind == "category":
            cat_total += 1
            row = confusion.setdefault(label, {"total": 0, "correct": 0, "got": {}})
            row["total"] += 1
            key = got or "none"
            row["got"][key] = row["got"].get(key, 0) + 1
            if e["id"] in second:
                either_total += 1
                either_first += got == label
                either_ok += got == label or (got is not None and got == second[e["id"]])
            if got == label:
                cat_ok += 1
                row["correct"] += 1
            else:
                misses.append({"id": e["id"], "expected": label, "got": key})
        elif kind == "harmless":
            harm_total += 1
            if diagnosed:
                harm_flagged += 1
                misses.append({"id": e["id"], "expected": label, "got": got or "?"})
        else:
            other_total += 1
            if diagnosed:
                other_explained += 1
            else:
                misses.append({"id": e["id"], "expected": label, "got": "none"})
    return {
        "logs": len(entries),
        "issue_view": {
            "in_13_categories": {"total": issue_total, "top1_correct": issue_ok,
                                 "top1_accuracy": round(pct(issue_ok, issue_total), 1)},
            "outside_13": {"total": outside_total, "explained": outside_explained},
        },
        "in_category": {"total": cat_total, "top1_correct": cat_ok, "top1_accuracy": round(pct(cat_ok, cat_total), 1),
                        "goal_percent": GOAL_TOP1 * 100},
        "harmless": {"total": harm_total, "diagnosed": harm_flagged,
                     "goal": "at most {:.1f} (1 in 12)".format(harm_total * GOAL_HARMLESS_FLAGGED)},
        "out_of_category": {"total": other_total, "explained": other_explained},
        "either_label": {"total": either_total, "top1_first_label": either_first, "top1_either_label": either_ok,
                         "top1_first_accuracy": round(pct(either_first, either_total), 1),
                         "top1_either_accuracy": round(pct(either_ok, either_total), 1)},
        "confusion": confusion,
        "misses": misses,
        "errors": errors,
    }


def print_report(summary, meta, out, title=None):
    w = out.write
    c, h, o = summary["in_category"], summary["harmless"], summary["out_of_category"]
    if title is None:
        w("explain validation corpus: {} logs ({})\n".format(summary["logs"], meta["command"]))
        if meta.get("commit"):
            w("checkout: {}   date: {}\n".format(meta["commit"], meta["date"]))
    else:
        w("=== {}: {} logs\n".format(title, summary["logs"]))
    w("\n")
    w("top-1 accuracy (in-category):   {}/{} = {:.1f}%   (goal {:.0f}%)\n".format(
        c["top1_correct"], c["total"], c["top1_accuracy"], c["goal_percent"]))
    w("harmless logs diagnosed:        {}/{}            (goal: {})\n".format(h["diagnosed"], h["total"], h["goal"]))
    w("out-of-category explained:      {}/{}\n".format(o["explained"], o["total"]))
    iv = summary["issue_view"]
    w("issue view: top-1 on the 13 first categories {}/{} = {:.1f}%; outside them explained {}/{}\n".format(
        iv["in_13_categories"]["top1_correct"], iv["in_13_categories"]["total"],
        iv["in_13_categories"]["top1_accuracy"], iv["outside_13"]["explained"], iv["outside_13"]["total"]))
    el = summary.get("either_label") or {}
    if el.get("total"):
        w("labelled twice (blind second label), corpus label a category: top-1 {}/{} against the corpus label, "
          "{}/{} = {:.1f}% against either\n"
          .format(el["top1_first_label"], el["total"], el["top1_either_label"], el["total"], el["top1_either_accuracy"]))
    w("\nper category (expected: correct/total; what the first cause was):\n")
    for label in sorted(summary["confusion"]):
        row = summary["confusion"][label]
        got = ", ".join("{} {}".format(k, v) for k, v in sorted(row["got"].items(), key=lambda kv: (-kv[1], kv[0])))
        w("  {:<20} {:>2}/{:<2}  {}\n".format(label, row["correct"], row["total"], got))
    if summary["misses"]:
        w("\nmisses (id, expected, got):\n")
        for m in summary["misses"]:
            w("  {:<48} {:<34} {}\n".format(m["id"], m["expected"], m["got"]))
    if summary["errors"]:
        w("\nCLI errors ({}):\n".format(len(summary["errors"])))
        for e in summary["errors"]:
            w("  {}: {}\n".format(e["id"], e["error"]))


def print_overall(summary, per_set, out):
    """The headline figures of each set side by side with the whole corpus."""
    w = out.write
    cols = [("set " + s, per_set[s]) for s in sorted(per_set)] + [("overall", summary)]
    w("=== figures per set and overall\n\n")
    w("  {:<30}".format("") + "".join("{:>16}".format(name) for name, _ in cols) + "\n")

    def row(name, cell):
        w("  {:<30}".format(name) + "".join("{:>16}".format(cell(s)) for _, s in cols) + "\n")

    row("logs", lambda s: str(s["logs"]))
    row("top-1 accuracy (in-category)", lambda s: "{}/{} {:.1f}%".format(
        s["in_category"]["top1_correct"], s["in_category"]["total"], s["in_category"]["top1_accuracy"]))
    row("harmless logs diagnosed", lambda s: "{}/{}".format(s["harmless"]["diagnosed"], s["harmless"]["total"]))
    row("out-of-category explained", lambda s: "{}/{}".format(
        s["out_of_category"]["explained"], s["out_of_category"]["total"]))
    row("top-1 on the 13 first categories", lambda s: "{}/{} {:.1f}%".format(
        s["issue_view"]["in_13_categories"]["top1_correct"], s["issue_view"]["in_13_categories"]["total"],
        s["issue_view"]["in_13_categories"]["top1_accuracy"]))
    row("outside the 13 explained", lambda s: "{}/{}".format(
        s["issue_view"]["outside_13"]["explained"], s["issue_view"]["outside_13"]["total"]))
    row("top-1, either label (twice)", lambda s: "{}/{}".format(
        s["either_label"]["top1_either_label"], s["either_label"]["total"]) if s["either_label"]["total"] else "-")
    row("CLI errors", lambda s: str(len(s["errors"])))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory (with index.yaml)")
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs `-m ascendfix` (default: this one)")
    ap.add_argument("--repo", type=Path, default=ROOT,
                    help="checkout to test: the CLI runs from there with it first on PYTHONPATH (default: this checkout)")
    ap.add_argument("--ascendfix-cmd", default=None,
                    help="command to run instead of `<python> -m ascendfix`, e.g. 'ascendfix' (then --repo is only used for the commit id)")
    ap.add_argument("--jobs", type=int, default=2, help="logs explained in parallel (default 2)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per log (default 120)")
    ap.add_argument("--only", action="append", default=[], metavar="ID", help="run only these corpus ids (repeatable)")
    ap.add_argument("--set", dest="which", choices=SETS + ("all",), default="all",
                    help="which corpus set to run: {} or all (default; figures per set and overall)".format(", ".join(SETS)))
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the report")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be 1 or more")

    corpus = args.corpus.resolve()
    entries = load_corpus(corpus)
    if args.which != "all":
        entries = [e for e in entries if set_of(e) == args.which]
        if not entries:
            ap.error("the corpus has no entry in set {}".format(args.which))
    if args.only:
        wanted = set(args.only)
        entries = [e for e in entries if e["id"] in wanted]
        if not entries:
            ap.error("no corpus entry has those ids")
    repo = args.repo.resolve() if args.repo else None
    prefix = command_prefix(args)
    run_repo = None if args.ascendfix_cmd else repo

    t0 = time.monotonic()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(run_one, prefix, run_repo, e, args.timeout): e["id"] for e in entries}
        for fut in concurrent.futures.as_completed(futs):
            results[futs[fut]] = fut.result()
    wall = time.monotonic() - t0

    second = load_second_labels(corpus)
    summary = summarize(entries, results, second)
    present = [s for s in SETS if any(set_of(e) == s for e in entries)]
    per_set = {}
    if args.which == "all" and len(present) > 1:
        for s in present:
            part = [e for e in entries if set_of(e) == s]
            per_set[s] = summarize(part, {e["id"]: results[e["id"]] for e in part}, second)
    meta = {
        "command": " ".join(shlex.quote(p) for p in prefix) + " explain --json LOG",
        "commit": git_head(repo) if repo else None,
        "date": datetime.date.today().isoformat(),
        "corpus": str(corpus.relative_to(ROOT)) if ROOT in corpus.parents else str(corpus),
        "wall_seconds": round(wall, 1),
        "set": args.which,
    }
    if args.json:
        doc = dict(summary)
        if per_set:
            doc["sets"] = per_set
        doc["meta"] = meta
        doc["per_log"] = [
            dict({"id": e["id"], "set": set_of(e), "label": e["label"]}, **{k: v for k, v in results[e["id"]].items()})
            for e in entries
        ]
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
        sys.stdout.write("\n")
    elif per_set:
        w = sys.stdout.write
        w("explain validation corpus: {} logs, sets {} ({})\n".format(
            summary["logs"], " + ".join(present), meta["command"]))
        if meta.get("commit"):
            w("checkout: {}   date: {}\n".format(meta["commit"], meta["date"]))
        for s in present:
            w("\n")
            print_report(per_set[s], meta, sys.stdout, title="set {}".format(s))
        w("\n")
        print_overall(summary, per_set, sys.stdout)
        sys.stdout.write("\n({} logs in {:.1f} s)\n".format(len(entries), wall))
    else:
        if args.which != "all":
            sys.stdout.write("[set {}]\n".format(args.which))
        print_report(summary, meta, sys.stdout)
        sys.stdout.write("\n({} logs in {:.1f} s)\n".format(len(entries), wall))
    if entries and len(summary["errors"]) == len(entries):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
