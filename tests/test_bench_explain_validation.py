"""benchmarks/bench_explain_validation.py's figures (fast tier): the issue's view is the 13 first categories."""

from pathlib import Path

import yaml

from tests.support import benchmark

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    return benchmark("bench_explain_validation")


def test_issue_view_is_the_first_13_categories_and_they_all_still_exist():
    bench = _bench()
    assert len(bench.ISSUE_CATEGORIES) == 13
    known = {c["id"] for c in yaml.safe_load((ROOT / "rules" / "explain_categories.yaml").read_text(encoding="utf-8"))}
    assert bench.ISSUE_CATEGORIES <= known


def test_summary_counts_later_categories_as_outside_the_13():
    bench = _bench()
    entries = [{"id": i, "label": lab} for i, lab in (
        ("a", "hccl"), ("b", "hccl"), ("c", "cuda_on_npu"), ("d", "other:x"), ("e", "harmless"), ("f", "host_oom"))]
    results = {
        "a": {"got": "hccl", "n_matches": 1},
        "b": {"got": "device_oom", "n_matches": 2},
        "c": {"got": "kernel_unsupported", "n_matches": 1},  # wrong category, but explained: counts outside
        "d": {"got": None, "n_matches": 0},
        "e": {"got": "hccl", "n_matches": 1},
        "f": {"got": None, "n_matches": 0},
    }
    s = bench.summarize(entries, results)
    assert s["issue_view"] == {"in_13_categories": {"total": 2, "top1_correct": 1, "top1_accuracy": 50.0},
                               "outside_13": {"total": 3, "explained": 1}}
    # the project's own view counts the later categories as categories
    assert s["in_category"]["total"] == 4 and s["in_category"]["top1_correct"] == 1
    assert s["harmless"]["diagnosed"] == 1


def test_either_label_scores_the_logs_labelled_twice():
    """The secondary figure: an in-category log labelled twice counts right against either label when the first answer
    names the corpus label or the second labeller's category; a missing answer never matches, logs labelled once and
    harmless logs are not in it."""
    bench = _bench()
    entries = [{"id": i, "label": lab} for i, lab in (
        ("a", "hccl"), ("b", "install"), ("c", "cann_env"), ("d", "numerics"), ("e", "harmless"), ("f", "hccl"))]
    results = {
        "a": {"got": "hccl", "n_matches": 1},  # right against the corpus label
        "b": {"got": "cann_env", "n_matches": 1},  # the second labeller's call
        "c": {"got": "install", "n_matches": 1},  # neither
        "d": {"got": None, "n_matches": 0},  # no answer: the second label "harmless" is no match
        "e": {"got": None, "n_matches": 0},
        "f": {"got": "dist_launch", "n_matches": 1},  # labelled once: not in the figure
    }
    second = {"a": "dist_launch", "b": "cann_env", "c": "kernel_unsupported", "d": "harmless", "e": "harmless"}
    s = bench.summarize(entries, results, second)
    assert s["either_label"] == {"total": 4, "top1_first_label": 1, "top1_either_label": 2,
                                 "top1_first_accuracy": 25.0, "top1_either_accuracy": 50.0}
    assert s["in_category"]["top1_correct"] == 1  # the headline figure is unchanged
    assert bench.summarize(entries, results)["either_label"]["total"] == 0


def test_second_labels_load_for_the_bench():
    second = _bench().load_second_labels(ROOT / "benchmarks" / "explain_validation")
    # as many as the label-agreement loader reads (that test holds the count, 1147)
    assert len(second) == len(_agreement()._load()[1])
    assert all(isinstance(v, str) and v for v in second.values())


def _agreement():
    return benchmark("label_agreement")


def test_second_labels_cover_known_ids_with_known_labels():
    first, second = _agreement()._load()
    known = {c["id"] for c in yaml.safe_load((ROOT / "rules" / "explain_categories.yaml").read_text(encoding="utf-8"))}
    ids = [e["id"] for e in second]
    assert len(ids) == len(set(ids)) == 1147 and set(ids) <= set(first)
    assert {i.split("-", 1)[0] for i in ids} == {"g", "h", "k", "l", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak", "al", "am", "an"}
    for e in second:
        assert e["label"] in known or e["label"] == "harmless" or e["label"].startswith("other:"), e
        assert e["confidence"] in ("high", "medium", "low") + (("unrated",) if e["id"][:3] in ("ac-", "ad-") else ()) and e["why"].strip(), e


def test_agreement_counts():
    first = {"a": "hccl", "b": "hccl", "c": "harmless", "d": "cuda_on_npu", "e": "other:x"}
    second = [{"id": "a", "label": "hccl", "confidence": "high"}, {"id": "b", "label": "dist_launch", "confidence": "low"},
              {"id": "c", "label": "numpy_abi", "confidence": "low"}, {"id": "d", "label": "other:y", "confidence": "high"},
              {"id": "e", "label": "hccl", "confidence": "medium"}]
    doc = _agreement().measure(first, second)
    assert doc["exact"] == {"agree": 1, "total": 5, "percent": 20.0}
    assert doc["in_13_categories"] == {"agree": 1, "total": 2, "percent": 50.0}
    assert doc["outside_13_both_outside"] == {"agree": 1, "total": 2, "percent": 50.0}
    assert doc["harmless_vs_failure"]["agree"] == 4
    assert doc["by_confidence"]["low"] == {"agree": 0, "total": 2, "percent": 0.0}
    assert doc["by_set"]["?"]["exact"] == {"agree": 1, "total": 5, "percent": 20.0}


def test_agreement_by_set():
    first = {"g-a": "hccl", "g-b": "harmless", "k-c": "hccl", "k-d": "numpy_abi"}
    second = [{"id": "g-a", "label": "hccl", "confidence": "high"}, {"id": "g-b", "label": "hccl", "confidence": "low"},
              {"id": "k-c", "label": "dist_launch", "confidence": "high"},
              {"id": "k-d", "label": "numpy_abi", "confidence": "high"}]
    doc = _agreement().measure(first, second)
    assert doc["by_set"]["G"] == {"exact": {"agree": 1, "total": 2, "percent": 50.0},
                                  "in_13_categories": {"agree": 1, "total": 1, "percent": 100.0}}
    assert doc["by_set"]["K"]["in_13_categories"] == {"agree": 1, "total": 2, "percent": 50.0}
