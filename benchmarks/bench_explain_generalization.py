"""How far does `ascendfix explain` reach past its own signatures? Leave one signature out, explain its examples.

    python benchmarks/bench_explain_generalization.py            # every cause signature with examples
    python benchmarks/bench_explain_generalization.py --misses   # also list the examples nothing else explains
    python benchmarks/bench_explain_generalization.py --json

A held-out log usually fails because its *family* has no signature yet. This measures that situation without a
corpus: for each cause signature, the engine is built with every other signature (and the code, fault, benign and
category-inference data, unchanged) and given each of the left-out signature's ``examples.match`` texts as a log.
Counted right when the first answer names the left-out signature's category — what the rest of the knowledge
(other families' signatures, code tables, fault entries and above all the categories' inference evidence) says about
a family it was never told about. Printed per category: examples, right, no answer at all.

The learned fallback (``kind: guess``, explain/learned.py, learn26) is left out unless ``--learned``: its model was
trained on these very examples, so with it the figure says nothing about families nobody wrote (301 of the 305
examples it answered in learn26 were "right" — the model remembering its training data).

It reads only the rules folder (no validation log), so it may guide work on the categories' inference evidence;
the held-out validation sets stay the measure of that work. About 45 s on two cores.

Exit status: 0 measured, 2 bad rules.
"""

import argparse
import collections
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ascendfix.errors import DataError  # noqa: E402
from ascendfix.explain import engine, kb  # noqa: E402
from ascendfix.explain.faults import load_fault_families  # noqa: E402


def measure(only=None, learned_fallback=False):
    """``[(signature id, category, answer category or None, answer kind or None, example text)]``."""
    from ascendfix.explain import learned

    saved = learned.load
    if not learned_fallback:
        learned.load = lambda: None  # (the learned fallback was trained on these examples: see the module's text)
    try:
        return _measure(only)
    finally:
        learned.load = saved


def _measure(only=None):
    sigs = kb.load_signatures()
    faults = [r for fam in load_fault_families() for r in fam.rules]
    rows = []
    for sig in sigs:
        if sig.role != "cause" or (only and sig.id not in only):
            continue
        others = [s for s in sigs if s.id != sig.id]
        for ex in sig.examples.get("match") or []:
            text = ex["text"] if isinstance(ex, dict) else ex
            m = engine.Matcher(others, faults=faults)
            m.feed_lines(text.split("\n"))
            found = m.results(1)
            rows.append((sig.id, sig.category, found[0]["category"] if found else None,
                         found[0]["kind"] if found else None, text))
    return rows


def summarize(rows):
    per = collections.OrderedDict()
    for _sid, cat, got, _kind, _text in sorted(rows, key=lambda r: r[1]):
        c = per.setdefault(cat, {"examples": 0, "right": 0, "no_answer": 0})
        c["examples"] += 1
        c["right"] += got == cat
        c["no_answer"] += got is None
    total = {k: sum(c[k] for c in per.values()) for k in ("examples", "right", "no_answer")}
    return total, per


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--misses", action="store_true", help="list the examples that get another answer or none")
    ap.add_argument("--only", action="append", default=[], metavar="AF###", help="only these signatures")
    ap.add_argument("--learned", action="store_true",
                    help="keep the learned fallback (trained on these examples: no measure, see above)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        rows = measure(set(s.upper() for s in args.only), learned_fallback=args.learned)
    except DataError as e:
        sys.stderr.write("bench: {}\n".format(e))
        return 2
    total, per = summarize(rows)
    if args.json:
        doc = {"total": total, "per_category": per,
               "misses": [{"id": r[0], "category": r[1], "got": r[2], "kind": r[3]} for r in rows if r[2] != r[1]]}
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    n = max(total["examples"], 1)
    print("leave-one-signature-out over {} example texts of {} cause signatures".format(
        total["examples"], len({r[0] for r in rows})))
    print("right: {}/{} = {:.1f} %   no answer: {} = {:.1f} %".format(
        total["right"], total["examples"], 100.0 * total["right"] / n, total["no_answer"],
        100.0 * total["no_answer"] / n))
    print("{:<22} {:>8} {:>6} {:>9}".format("category", "examples", "right", "no answer"))
    for cat, c in sorted(per.items(), key=lambda kv: kv[1]["right"] / float(kv[1]["examples"])):
        print("{:<22} {:>8} {:>6} {:>9}".format(cat, c["examples"], c["right"], c["no_answer"]))
    if args.misses:
        for sid, cat, got, kind, text in rows:
            if got != cat:
                print("{} {} -> {} ({}): {}".format(sid, cat, got, kind, text.replace("\n", " / ")[:160]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
