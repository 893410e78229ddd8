"""Measure `ascendfix explain` on error texts quoted from official Ascend-stack troubleshooting documentation.

    python benchmarks/bench_explain_docs.py                 # both halves, figures per half
    python benchmarks/bench_explain_docs.py --half held     # only the held-apart half
    python benchmarks/bench_explain_docs.py --misses        # also list the texts answered wrongly or not at all
    python benchmarks/bench_explain_docs.py --json > out.json
    python benchmarks/bench_explain_docs.py --base out.json # per-text changes against a saved --json run

Run it from the root of the checkout to measure (its ascendfix package is imported from the current directory).

The texts (benchmarks/explain_docs.yaml) are short quotes of the error output that FAQ and troubleshooting pages
show (MindSpore FAQ and error-analysis tutorials, hiascend.com CANN / Ascend Extension for PyTorch pages, MindStudio,
vllm-ascend and MindSpeed FAQs), each with its page, its FAQ question or section, and the category the page's own
explanation gives (or `other:<name>` for a failure outside the categories).

The texts are split in two halves by a fixed rule that looks at nothing but the source: the first byte of
sha1(url + "#" + section) even -> "write" (the half signatures may be written from), odd -> "held" (kept apart to
measure how well what was written from the other half carries over). A FAQ question is the unit, so two quotes of
one question are always in the same half.

Each text is given to the library in-process (`ascendfix.api.explain` on its bytes), as a user pasting the error
would; the category of the first cause is the answer. Figures per half: top-1 right on the texts labelled with a
category, and "named at all" (any cause, inference or guess) on those and on the `other:` texts.

Exit status: 0 measured, 2 bad arguments or data file.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "explain_docs.yaml"


def half_of(entry):
    key = "{}#{}".format(entry["url"], entry["section"]).encode("utf-8")
    return "write" if hashlib.sha1(key).digest()[0] % 2 == 0 else "held"


def load(path=DATA):
    with open(path, encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    if not isinstance(entries, list) or not entries:
        raise ValueError("{} is empty or not a list".format(path))
    seen = set()
    for e in entries:
        for key in ("id", "url", "section", "label", "text"):
            if not isinstance(e.get(key), str) or not e[key]:
                raise ValueError("{}: entry {} has no {}".format(path, e.get("id"), key))
        if e["id"] in seen:
            raise ValueError("{}: duplicate id {}".format(path, e["id"]))
        seen.add(e["id"])
        e["half"] = half_of(e)
    return entries


def answer(text):
    """(number of causes, category of the first or None, kind of the first or None) for one text."""
    from ascendfix.api import explain

    rep = explain((text.rstrip("\n") + "\n").encode("utf-8"))
    doc = rep.to_dict() if hasattr(rep, "to_dict") else json.loads(rep.to_json())
    items = doc.get("matches") or []
    if not items:
        return 0, None, None
    first = items[0]
    return len(items), first.get("category"), first.get("kind")


def is_right(entry, got):
    label = entry["label"]
    if label.startswith("other:"):
        return got["n"] > 0
    return got["category"] == label


def summarize(entries, results):
    out = {}
    for half in ("write", "held", "all"):
        sel = [e for e in entries if half == "all" or e["half"] == half]
        cat = [e for e in sel if not e["label"].startswith("other:")]
        oth = [e for e in sel if e["label"].startswith("other:")]
        out[half] = {
            "texts": len(sel),
            "in_category": len(cat),
            "top1": sum(1 for e in cat if results[e["id"]]["category"] == e["label"]),
            "named": sum(1 for e in cat if results[e["id"]]["n"] > 0),
            "other": len(oth),
            "other_named": sum(1 for e in oth if results[e["id"]]["n"] > 0),
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--half", choices=("write", "held", "all"), default="all")
    ap.add_argument("--misses", action="store_true", help="list the texts not answered right")
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout")
    ap.add_argument("--base", help="a saved --json run: list the texts whose answer changed")
    ap.add_argument("--data", default=str(DATA), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sys.path.insert(0, os.getcwd())  # the checkout it is run from (as quick_guiding), so another checkout can be measured
    os.environ.setdefault("NO_COLOR", "1")
    try:
        entries = load(a.data)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print("bench_explain_docs: {}".format(exc), file=sys.stderr)
        return 2
    if a.half != "all":
        entries = [e for e in entries if e["half"] == a.half]
    results = {}
    for e in entries:
        n, cat, kind = answer(e["text"])
        results[e["id"]] = {"n": n, "category": cat, "kind": kind}
    summary = summarize(entries, results)
    if a.json:
        json.dump({"summary": summary, "results": results,
                   "entries": {e["id"]: {"half": e["half"], "label": e["label"], "url": e["url"]} for e in entries}},
                  sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    for half in ("write", "held", "all"):
        s = summary[half]
        if not s["texts"]:
            continue
        print("{:5}  {:3} texts: top-1 {}/{} in-category (named {}), other named {}/{}".format(
            half, s["texts"], s["top1"], s["in_category"], s["named"], s["other_named"], s["other"]))
    if a.misses:
        for e in entries:
            r = results[e["id"]]
            if not is_right(e, r):
                print("  miss {} [{}] label {} got {}{}  {}".format(
                    e["id"], e["half"], e["label"], r["category"], " ({})".format(r["kind"]) if r["kind"] else "",
                    e["text"].splitlines()[0][:110]))
    if a.base:
        try:
            with open(a.base, encoding="utf-8") as fh:
                base = json.load(fh)["results"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print("bench_explain_docs: --base {}: not a saved --json run ({})".format(a.base, exc), file=sys.stderr)
            return 2
        for e in entries:
            b, r = base.get(e["id"]), results[e["id"]]
            if b is not None and (b["category"], b["n"] > 0) != (r["category"], r["n"] > 0):
                sign = "+" if is_right(e, r) and not is_right(e, b) else "-" if is_right(e, b) and not is_right(e, r) else "~"
                print("  {} {} [{}] {} -> {} (label {})".format(sign, e["id"], e["half"], b["category"], r["category"], e["label"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
