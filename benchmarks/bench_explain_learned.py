"""Would a classifier learned from labelled logs help `ascendfix explain` where its rules say nothing?

    python benchmarks/bench_explain_learned.py                 # leave-one-set-out over every set of the corpus
    python benchmarks/bench_explain_learned.py --sets A-O      # only these sets (train and test)
    python benchmarks/bench_explain_learned.py --json

An experiment, not a feature: it measures a candidate "learned fallback" before anyone builds it into the engine.
For each set S of the validation corpus (benchmarks/explain_validation/), a naive Bayes classifier over word presence is
trained on the *other* sets' logs (their labels; a real failure outside the categories is left out) and, with
unless ``--no-examples``, on every signature's ``examples.match`` lines (labelled with the signature's category,
a benign ``context`` signature's as harmless). Its features are the words (and adjacent word pairs, error codes and
their module prefixes) of the lines the engine itself reads as failing lines — the lines a fallback would see. Then
it is tried on S's logs, as the engine's fallback would be: only where the engine names nothing and the log has
failing lines, and only when the classifier's top class is a category with a posterior of at least the threshold.

Printed: the classifier's own top-1 on the in-category logs (how much the words alone say), and per threshold what
the fallback would add — in-category logs without an answer that it gets right, and what it costs: harmless logs it
would flag, in-category logs it would answer wrongly. The engine runs in-process on the Python pre-filter.

Exit status: 0 measured, 2 bad arguments or corpus.
"""

import argparse
import collections
import json
import math
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from ascendfix.explain import engine, kb  # noqa: E402

CORPUS = HERE / "explain_validation"
THRESHOLDS = (0.5, 0.7, 0.9, 0.99)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,40}|\b[EW][A-Z0-9]\d{4}\b|\b\d{6}\b")
_STOP = frozenset("the a an of to in is and or for on at by with from this that be it as are was not no".split())


class _Recording(engine.Matcher):
    """A matcher that also keeps the text of every failing line (bounded)."""

    def __init__(self):
        super(_Recording, self).__init__()
        self.failing = []

    def _record(self, lineno, res):
        if res.state == "fail" and len(self.failing) < 200:
            self.failing.append(self._last_text)
        super(_Recording, self)._record(lineno, res)

    def feed_piece(self, lineno, raw, partial=False, prefiltered=False):
        # (every line, also one the matcher answers from its cache of repeated lines without analysing it again)
        self._last_text = engine.clean_text(engine.decode_line(raw, partial))[:600]
        return super(_Recording, self).feed_piece(lineno, raw, partial, prefiltered)


def features(lines):
    out = set()
    for line in lines:
        toks = [t.lower() for t in _TOKEN.findall(line)]
        toks = [t for t in toks if t not in _STOP]
        for i, t in enumerate(toks):
            if t.isdigit():
                out.update(("rc:" + t, "rc3:" + t[:3]))
            elif re.match(r"^[ew][a-z0-9]\d{4}$", t):
                out.update(("code:" + t, "code2:" + t[:2]))
            else:
                out.add(t)
            if i + 1 < len(toks):
                out.add(t + "_" + toks[i + 1])
    return out


class NaiveBayes(object):
    """Naive Bayes over word presence (each word counted once per document), each word's likelihood divided by its
    overall frequency (a constant per document: it does not change which class wins, only keeps the sums small)."""

    def __init__(self, docs, alpha=0.5):
        self.classes = collections.Counter(y for _, y in docs)
        self.counts = collections.defaultdict(collections.Counter)
        self.df = collections.Counter()
        for f, y in docs:
            for x in f:
                self.counts[y][x] += 1
                self.df[x] += 1
        self.n = len(docs)
        self.alpha = alpha

    def predict(self, f):
        """``(class, posterior)``."""
        scores = {}
        for y, ny in self.classes.items():
            s = math.log(ny / float(self.n))
            for x in f:
                if x in self.df:
                    s += math.log((self.counts[y][x] + self.alpha) / (ny + 2 * self.alpha))
                    s -= math.log((self.df[x] + self.alpha) / (self.n + 2 * self.alpha))
            scores[y] = s
        top = max(scores, key=scores.get)
        z = sum(math.exp(v - scores[top]) for v in scores.values())
        return top, 1.0 / z


def read_logs(entries):
    out = []
    for e in entries:
        m = _Recording()
        with open(str(CORPUS / e["file"]), "rb") as fh:
            engine._feed_python(m, fh)
            engine._read_tail(m, fh)
        found = m.results(1)
        out.append({"id": e["id"], "set": str(e.get("set") or "A"), "label": e["label"],
                    "got": found[0]["category"] if found else None, "features": features(m.failing)})
    return out


def example_docs():
    docs = []
    for sig in kb.load_signatures():
        label = "harmless" if sig.role == "context" else sig.category
        for ex in sig.examples.get("match") or []:
            docs.append((features(ex["text"].split("\n")), label))
    return docs


def set_range(spec, known):
    if "-" in spec and len(spec) == 3:
        # a letter range (A-O) names the single-letter sets only: two-letter sets (AA, AB) sort between A and B
        # and must be named one by one
        lo, hi = spec.split("-")
        return [s for s in known if len(s) == 1 and lo <= s <= hi]
    return [s for s in spec.split(",") if s]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=None, help="sets to use, e.g. A-O or A,B,C (default: every set)")
    ap.add_argument("--no-examples", dest="examples", action="store_false",
                    help="train on the corpus logs only, not on the signatures' examples")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with open(str(CORPUS / "index.yaml"), encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)
    known = sorted({str(e.get("set") or "A") for e in entries})
    sets = set_range(args.sets, known) if args.sets else known
    if not sets or any(s not in known for s in sets):
        sys.stderr.write("bench: unknown set in {!r} (known: {})\n".format(args.sets, ",".join(known)))
        return 2
    logs = read_logs([e for e in entries if str(e.get("set") or "A") in sets])
    extra = example_docs() if args.examples else []
    tried = []
    for s in sets:
        train = [(r["features"], r["label"]) for r in logs
                 if r["set"] != s and r["features"] and not r["label"].startswith("other:")] + extra
        model = NaiveBayes(train)
        for r in logs:
            if r["set"] == s:
                tried.append((r,) + (model.predict(r["features"]) if r["features"] else (None, 0.0)))
    incat = [t for t in tried if t[0]["label"] != "harmless" and not t[0]["label"].startswith("other:")]
    doc = {"sets": sets, "examples": len(extra), "logs": len(tried),
           "classifier_alone_top1": [sum(1 for r, y, _ in incat if y == r["label"]), len(incat)],
           "no_answer_with_failing_lines": sum(1 for r, _, _ in incat if r["got"] is None and r["features"]),
           "harmless_without_answer_with_failing_lines": sum(
               1 for r, _, _ in tried if r["label"] == "harmless" and r["got"] is None and r["features"]),
           "thresholds": []}
    for th in THRESHOLDS:
        fires = [(r, y) for r, y, p in tried if r["got"] is None and r["features"] and y != "harmless" and p >= th]
        doc["thresholds"].append({
            "threshold": th,
            "in_category_gained": sum(1 for r, y in fires if y == r["label"]),
            "in_category_answered_wrong": sum(1 for r, y in fires if r["label"] not in ("harmless", y)
                                              and not r["label"].startswith("other:")),
            "harmless_flagged": sum(1 for r, _ in fires if r["label"] == "harmless"),
            "other_explained": sum(1 for r, _ in fires if r["label"].startswith("other:")),
        })
    if args.json:
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    a, b = doc["classifier_alone_top1"]
    print("leave-one-set-out over sets {} ({} logs; {} signature example lines in training)".format(
        ",".join(sets), doc["logs"], doc["examples"]))
    print("classifier alone, top-1 on in-category logs: {}/{} = {:.1f} %".format(a, b, 100.0 * a / max(b, 1)))
    print("as the engine's fallback: {} in-category logs have no answer but failing lines; {} harmless logs too".format(
        doc["no_answer_with_failing_lines"], doc["harmless_without_answer_with_failing_lines"]))
    print("threshold  gained  answered wrong  harmless flagged  other explained")
    for t in doc["thresholds"]:
        print("{:>9}  {:>6}  {:>14}  {:>16}  {:>15}".format(t["threshold"], t["in_category_gained"],
                                                           t["in_category_answered_wrong"], t["harmless_flagged"],
                                                           t["other_explained"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
