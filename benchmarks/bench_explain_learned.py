"""Would a classifier learned from labelled logs help `ascendfix explain` where its rules say nothing?

    python benchmarks/bench_explain_learned.py                 # leave-one-set-out over the model's training sets
    python benchmarks/bench_explain_learned.py --sets A-O      # only these sets (train and test)
    python benchmarks/bench_explain_learned.py --json
    python benchmarks/bench_explain_learned.py --alpha 0.2 --margin 2 --min-features 20   # another decision rule
    python benchmarks/bench_explain_learned.py --shipped       # the rule of rules/explain_learned.json (learn26)

An experiment at first, the measure of the engine's learned fallback since learn26 (``kind: guess``).
For each set S of the validation corpus (benchmarks/explain_validation/; by default the sets the shipped model trains
on, _learngen.TRAIN_SETS: a held-out set of the current round is neither tried nor trained on), a naive Bayes
classifier over word presence is trained on the *other* sets' logs (their labels; a real failure outside the
categories as the class ``other``, which is never named) and, unless ``--no-examples``, on every signature's
``examples.match`` lines (labelled with the signature's category, a benign ``context`` signature's as harmless) and
``examples.no_match`` lines (as ``near:<category>``, never named; guess27). Its features are the words (and
adjacent word pairs, error codes and their module prefixes, the last exception's type) of the lines the engine itself
reads as failing lines — the lines a fallback would see. Then it is tried on S's logs, as the engine's fallback would be: only where the engine names
nothing and the log has failing lines, and only when the classifier's top class is a category with a posterior of at
least the threshold (an Ascend-only category only in a log with an NPU context).

Since learn26 the classifier is the engine's own (ascendfix/explain/learned.py: the same features, training and
decision rule as the shipped fallback, ``kind: guess``); the engine's answer read here leaves that fallback out, and
a log where the run-went-on veto applies (Matcher.guess_allowed) is not tried unless ``--no-veto``. Options of the
classifier: ``--alpha`` (Laplace), ``--min-df`` (a feature counts when seen in that many training documents: the
shipped model keeps those seen twice), ``--no-benign`` (leave out the benign wording's templates, rules/
explain_benign.yaml, from the harmless class), ``--no-exception`` (leave out the last exception's type as a feature);
of the decision rule: ``--margin`` (the top class's log-odds over the second), ``--min-features`` (features of the log
known to the model). ``--shipped`` takes alpha, min_df and the rule from rules/explain_learned.json.

Printed: the classifier's own top-1 on the in-category logs (how much the words alone say), and per threshold what
the fallback would add — in-category logs without an answer that it gets right, and what it costs: harmless logs it
would flag, in-category logs it would answer wrongly, other: logs it would give a category; the precision of its
guesses (gained / all of them); and (guess27) the near misses guessed: every cause signature's ``examples.no_match``
excerpt that reaches the fallback, tried by models trained without a tenth of the signatures (their examples, match
and no_match: ``NEAR_FOLDS`` folds), how many are guessed and, in brackets, how many as the rejecting signature's own
category, then the same in-sample by the model of everything (the shipped model's behaviour). With ``--shipped`` it
also says whether the model's ``measured_precision`` (_learngen.MEASURED) is the precision measured here. The engine
runs in-process on the Python pre-filter.

Exit status: 0 measured, 2 bad arguments or corpus.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from ascendfix.explain import _learngen, learned  # noqa: E402

CORPUS = _learngen.CORPUS
THRESHOLDS = (0.5, 0.7, 0.9, 0.99, 0.999)


# the readers of the shipped model's generator: the same failing lines, documents and labels
read_logs = _learngen.read_logs
example_docs = _learngen.example_docs
log_docs = _learngen.log_docs
signature_docs = _learngen.signature_docs
read_near_misses = _learngen.read_near_misses
NEAR_FOLDS = 10


def set_range(spec, known):
    if "-" in spec and len(spec) == 3:
        # a letter range (A-O) names the single-letter sets only: two-letter sets (AA, AB) sort between A and B
        # and must be named one by one
        lo, hi = spec.split("-")
        return [s for s in known if len(s) == 1 and lo <= s <= hi]
    return [s for s in spec.split(",") if s]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=None,
                    help="sets to use, e.g. A-O or A,B,C (default: the shipped model's training sets, "
                         "ascendfix/explain/_learngen.py TRAIN_SETS — never a held-out set of the current round)")
    ap.add_argument("--no-examples", dest="examples", action="store_false",
                    help="train on the corpus logs only, not on the signatures' examples")
    ap.add_argument("--no-benign", dest="benign", action="store_false",
                    help="leave the benign wording's templates out of the harmless class")
    ap.add_argument("--no-exception", dest="exception", action="store_false",
                    help="leave out the last exception's type as a feature")
    ap.add_argument("--no-veto", dest="veto", action="store_false",
                    help="also try logs where the run-went-on veto applies (the engine never does)")
    ap.add_argument("--alpha", type=float, default=0.5, help="Laplace smoothing (default 0.5; shipped: see --shipped)")
    ap.add_argument("--min-df", type=int, default=1, help="keep features seen in at least N training documents (default 1)")
    ap.add_argument("--no-pairs", dest="pairs", action="store_false", help="leave out adjacent word pairs as features")
    ap.add_argument("--margin", type=float, default=0.0, help="least log-odds of the top class over the second (default 0)")
    ap.add_argument("--min-features", type=int, default=1, help="least features of the log known to the model (default 1)")
    ap.add_argument("--harmless-bias", type=float, default=0.0, help="added to the harmless class's log score (default 0)")
    ap.add_argument("--shipped", action="store_true",
                    help="alpha, min-df and decision rule of rules/explain_learned.json (its threshold is marked *)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    shipped_th = shipped_measured = None
    if args.shipped:
        with open(str(ROOT / "rules" / learned.MODEL_FILE), encoding="utf-8") as fh:
            doc = json.load(fh)
        args.alpha, args.min_df = doc["alpha"], doc["min_df"]
        args.margin = doc["rule"].get("margin", 0.0)
        args.min_features = doc["rule"].get("min_features", 1)
        args.harmless_bias = doc["rule"].get("harmless_bias", 0.0)
        shipped_th = doc["rule"].get("threshold")
        shipped_measured = doc["rule"].get("measured")
    with open(str(CORPUS / "index.yaml"), encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)
    known = sorted({str(e.get("set") or "A") for e in entries})
    sets = set_range(args.sets, known) if args.sets else [s for s in known if s in _learngen.TRAIN_SETS]
    if not sets or any(s not in known for s in sets):
        sys.stderr.write("bench: unknown set in {!r} (known: {})\n".format(args.sets, ",".join(known)))
        return 2
    held_out = [s for s in sets if s not in _learngen.TRAIN_SETS]
    if held_out:  # (rev26l) a held-out set of the current round is never read here: its logs are the measure
        sys.stderr.write("bench: {} not in the training sets (_learngen.TRAIN_SETS): a held-out set is not read\n".format(
            ",".join(held_out)))
        return 2
    logs = read_logs([e for e in entries if str(e.get("set") or "A") in sets], args.exception, args.pairs)
    extra = example_docs(args.benign, args.pairs) if args.examples else []
    tried = []
    for s in sets:
        train = log_docs([r for r in logs if r["set"] != s]) + extra
        model = learned.Model(learned.train(train, alpha=args.alpha, min_df=args.min_df))
        for r in logs:
            if r["set"] == s:
                tried.append((r,) + model.predict(r["features"], harmless_bias=args.harmless_bias))
    rule = {"margin": args.margin, "min_features": args.min_features}

    def candidate(r):
        return r["got"] is None and r["features"] and (r["allowed"] or not args.veto)

    incat = [t for t in tried if t[0]["label"] != "harmless" and not t[0]["label"].startswith("other:")]
    doc = {"sets": sets, "examples": len(extra), "logs": len(tried),
           "options": {"alpha": args.alpha, "min_df": args.min_df, "margin": args.margin,
                       "min_features": args.min_features, "harmless_bias": args.harmless_bias, "veto": args.veto,
                       "benign": args.benign, "exception": args.exception, "pairs": args.pairs},
           "classifier_alone_top1": [sum(1 for t in incat if t[1] == t[0]["label"]), len(incat)],
           "no_answer_with_failing_lines": sum(1 for t in incat if candidate(t[0])),
           "harmless_without_answer_with_failing_lines": sum(
               1 for t in tried if t[0]["label"] == "harmless" and candidate(t[0])),
           "thresholds": []}
    from ascendfix.explain import kb

    npu_cats = {e["id"] for e in kb.category_entries() if learned.needs_npu(e)}
    ths = sorted(set(THRESHOLDS) | ({shipped_th} if shipped_th is not None else set()))
    for th in ths:
        fires = [(r, y) for r, y, p, mg, kn in tried
                 if candidate(r) and learned.fires(dict(rule, threshold=th), y, p, mg, kn)
                 and (r["npu"] or y not in npu_cats)]
        doc["thresholds"].append({
            "threshold": th,
            "shipped": th == shipped_th,
            "in_category_gained": sum(1 for r, y in fires if y == r["label"]),
            "in_category_answered_wrong": sum(1 for r, y in fires if r["label"] not in ("harmless", y)
                                              and not r["label"].startswith("other:")),
            "harmless_flagged": sum(1 for r, _ in fires if r["label"] == "harmless"),
            "other_explained": sum(1 for r, _ in fires if r["label"].startswith("other:")),
        })
    # (guess27) near misses: every cause signature's examples.no_match excerpt the fallback may see (nothing else
    # answers, guess_allowed), tried by models that hold out whole signatures (NEAR_FOLDS folds of the signatures: the
    # fold's examples, match and no_match, left out; every log of the sets and the benign templates in), and by the
    # model trained on everything (in-sample: the shipped model's behaviour, its own near misses among its documents)
    if args.examples:
        near = read_near_misses(args.exception, args.pairs)
        n_read = len(near)
        near = [r for r in near if r["got"] is None and r["features"] and (r["allowed"] or not args.veto)]
        sig_docs = signature_docs(args.pairs)
        benign = [(learned.features([t["text"]], pairs=args.pairs), learned.HARMLESS)
                  for b in kb.benign_entries() if args.benign for t in b.get("templates") or []]
        benign = [d for d in benign if d[0]]
        sig_ids = sorted({d[0] for d in sig_docs})
        fold = {sid: i % NEAR_FOLDS for i, sid in enumerate(sig_ids)}
        held = []
        for k in range(NEAR_FOLDS):
            model = learned.Model(learned.train(log_docs(logs) + benign + [(f, y) for sid, f, y in sig_docs
                                                                          if fold[sid] != k],
                                                alpha=args.alpha, min_df=args.min_df))
            held += [(r,) + model.predict(r["features"], harmless_bias=args.harmless_bias) for r in near
                     if fold[r["sig"]] == k]
        model = learned.Model(learned.train(log_docs(logs) + benign + [(f, y) for _sid, f, y in sig_docs],
                                            alpha=args.alpha, min_df=args.min_df))
        insample = [(r,) + model.predict(r["features"], harmless_bias=args.harmless_bias) for r in near]
        doc["near_misses_reachable"] = len(near)
        doc["near_misses_read"] = n_read
    for t in doc["thresholds"]:
        th = t["threshold"]
        t["measured_precision"] = [t["in_category_gained"], t["in_category_gained"] + t["in_category_answered_wrong"]
                                   + t["harmless_flagged"] + t["other_explained"]]
        if args.examples:
            for name, rows in (("near_misses_guessed", held), ("near_misses_guessed_in_sample", insample)):
                fired = [(r, y) for r, y, p, mg, kn in rows
                         if learned.fires(dict(rule, threshold=th), y, p, mg, kn) and (r["npu"] or y not in npu_cats)]
                t[name] = [len(fired), sum(1 for r, y in fired if y == r["category"])]
    if args.json:
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    a, b = doc["classifier_alone_top1"]
    print("leave-one-set-out over sets {} ({} logs; {} signature example lines in training)".format(
        ",".join(sets), doc["logs"], doc["examples"]))
    print("options: " + " ".join("{}={}".format(k, v) for k, v in doc["options"].items()))
    print("classifier alone, top-1 on in-category logs: {}/{} = {:.1f} %".format(a, b, 100.0 * a / max(b, 1)))
    print("as the engine's fallback: {} in-category logs have no answer but failing lines; {} harmless logs too".format(
        doc["no_answer_with_failing_lines"], doc["harmless_without_answer_with_failing_lines"]))
    print("threshold  gained  answered wrong  harmless flagged  other explained  precision  near misses guessed "
          "(own category)  in-sample")
    for t in doc["thresholds"]:
        nm = t.get("near_misses_guessed") or ["-", "-"]
        ns = t.get("near_misses_guessed_in_sample") or ["-", "-"]
        print("{:>9}  {:>6}  {:>14}  {:>16}  {:>15}  {:>9}  {:>26}  {:>9}".format(
            str(t["threshold"]) + ("*" if t["shipped"] else ""), t["in_category_gained"],
            t["in_category_answered_wrong"], t["harmless_flagged"], t["other_explained"],
            "{}/{}".format(*t["measured_precision"]), "{} ({})".format(*nm), "{} ({})".format(*ns)))
    if args.examples:
        print("near misses: {} cause signatures' examples.no_match excerpts reach the fallback (of {}); guessed by "
              "models holding out {} folds of the signatures, and in-sample by the model of all".format(
                  doc["near_misses_reachable"], doc["near_misses_read"], NEAR_FOLDS))
    if shipped_measured is not None:
        got = next(t["measured_precision"] for t in doc["thresholds"] if t["shipped"])
        same = list(got) == [shipped_measured.get("right"), shipped_measured.get("guesses")]
        print("the model's measured_precision: {}/{} ({})".format(
            shipped_measured.get("right"), shipped_measured.get("guesses"),
            "as measured here" if same else "measured here {}/{}: update _learngen.MEASURED".format(*got)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
