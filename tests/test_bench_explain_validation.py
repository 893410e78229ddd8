"""benchmarks/bench_explain_validation.py's figures (fast tier): the issue's view is the 13 first categories."""

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_explain_validation",
                                                  str(ROOT / "benchmarks" / "bench_explain_validation.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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
