"""How often a second, blind labeller agrees with the corpus labels (benchmarks/explain_validation/).

    python benchmarks/label_agreement.py            # report
    python benchmarks/label_agreement.py --json     # one JSON document

The second labels (explain_validation/second_labels.yaml) were made from the log text alone, without the id, the
source or the first label. Agreement is a ceiling for any reader of the logs: where two careful people differ, a
single label cannot say whether `explain` is right. Figures printed: exact agreement over all logs; agreement on the
logs whose first label is one of the 13 first categories (the issue's view, see bench_explain_validation.py; an
`other:` label on both sides counts as agreement there only in the "outside" line); agreement on harmless vs failure;
agreement by the second labeller's confidence.

Exit status: 0 measured, 2 bad corpus.
"""

import argparse
import collections
import json
import os
import sys
from pathlib import Path


HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_explain_validation import ISSUE_CATEGORIES, load_corpus, load_second_rows  # noqa: E402

CORPUS = HERE / "explain_validation"


def _load():
    first = {e["id"]: e["label"] for e in load_corpus(CORPUS)}
    second = load_second_rows(CORPUS)
    return first, second


def measure(first, second):
    total = agree = 0
    in13 = [0, 0]
    outside = [0, 0]
    kind = [0, 0]
    by_conf = collections.defaultdict(lambda: [0, 0])
    pairs = collections.Counter()
    by_set = collections.defaultdict(lambda: [0, 0, 0, 0])
    for e in second:
        a, b = first[e["id"]], e["label"]
        same = a == b
        total += 1
        agree += same
        # the set is the id's prefix ("g-...", "k-..."); ids without one form their own group
        s = by_set[e["id"].split("-", 1)[0].upper() if "-" in e["id"] else "?"]
        s[0] += same
        s[1] += 1
        if a in ISSUE_CATEGORIES:
            s[2] += same
            s[3] += 1
        by_conf[e["confidence"]][0] += same
        by_conf[e["confidence"]][1] += 1
        kind[0] += (a == "harmless") == (b == "harmless")
        kind[1] += 1
        if a in ISSUE_CATEGORIES:
            in13[0] += same
            in13[1] += 1
        elif a != "harmless":
            outside[0] += b not in ISSUE_CATEGORIES and b != "harmless"
            outside[1] += 1
        if not same:
            pairs[tuple(sorted((a, b)))] += 1

    def frac(p):
        return {"agree": p[0], "total": p[1], "percent": round(100.0 * p[0] / p[1], 1) if p[1] else 0.0}

    return {
        "exact": frac([agree, total]),
        "in_13_categories": frac(in13),
        "outside_13_both_outside": frac(outside),
        "harmless_vs_failure": frac(kind),
        "by_confidence": {k: frac(v) for k, v in sorted(by_conf.items())},
        "by_set": {k: {"exact": frac(v[:2]), "in_13_categories": frac(v[2:])} for k, v in sorted(by_set.items())},
        "disagreements": [{"labels": list(k), "count": v} for k, v in pairs.most_common()],
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args(argv)
    try:
        first, second = _load()
        missing = [e["id"] for e in second if e["id"] not in first]
        if missing:
            raise ValueError("second labels for ids not in the index: {}".format(", ".join(missing)))
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write("label_agreement: {}\n".format(e))
        return 2
    doc = measure(first, second)
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    w = sys.stdout.write
    w("second, blind labelling: {} logs\n".format(doc["exact"]["total"]))
    for key, name in (("exact", "same label"), ("in_13_categories", "same label, first label in the 13"),
                      ("outside_13_both_outside", "first label outside the 13: second also outside"),
                      ("harmless_vs_failure", "same harmless / failure call")):
        f = doc[key]
        w("  {:<52} {}/{} = {:.1f}%\n".format(name, f["agree"], f["total"], f["percent"]))
    for conf, f in doc["by_confidence"].items():
        w("  {:<52} {}/{} = {:.1f}%\n".format("same label, second labeller " + conf, f["agree"], f["total"],
                                              f["percent"]))
    for name, f in doc["by_set"].items():
        w("  {:<52} {}/{} = {:.1f}%  (first label in the 13: {}/{} = {:.1f}%)\n".format(
            "same label, set " + name, f["exact"]["agree"], f["exact"]["total"], f["exact"]["percent"],
            f["in_13_categories"]["agree"], f["in_13_categories"]["total"], f["in_13_categories"]["percent"]))
    w("most frequent disagreements:\n")
    for d in doc["disagreements"][:12]:
        w("  {:>2}  {}\n".format(d["count"], " / ".join(d["labels"])))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # a reader such as `head` closed the pipe: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
