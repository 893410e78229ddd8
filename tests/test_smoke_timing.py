"""Repeatable timings and the comparison rule (ascendfix/smoke/timing.py, compare.py, reference.py)."""

import json
from pathlib import Path

import pytest

from ascendfix.smoke import compare as cmp
from ascendfix.smoke import reference, timing

REPORTS = Path(__file__).parent / "data" / "smoke" / "reports"


def _load(name):
    return json.loads((REPORTS / name / "report.json").read_text())


# ------------------------------------------------------------------ statistics


def test_median_and_mad():
    assert timing.median([3, 1, 2]) == 2
    assert timing.median([4, 1, 3, 2]) == 2.5
    assert timing.median([]) is None
    assert timing.mad([1, 2, 3, 4, 100]) == 1  # one outlier does not move it
    assert timing.mad([5.0]) == 0


def test_summarize_calls_keeps_warmup_out_and_prices_the_first_call():
    calls = [
        {"generate": 20.0, "denoising": 15.0, "text_encoding": 4.0, "vae_decode": 1.0, "it_per_s": 0.27, "warmup": True},
        {"generate": 8.0, "denoising": 6.5, "text_encoding": 1.2, "vae_decode": 0.3, "it_per_s": 0.62, "warmup": False},
        {"generate": 9.0, "denoising": 7.4, "text_encoding": 1.3, "vae_decode": 0.3, "it_per_s": 0.54, "warmup": False},
        {"generate": 8.5, "denoising": 7.0, "text_encoding": 1.2, "vae_decode": 0.3, "it_per_s": 0.57, "warmup": False},
    ]
    s = timing.summarize_calls(calls, {"import": 4.2, "load": 2.0})
    assert s["calls"] == {"warmup": 1, "measured": 3}
    assert s["stats"]["generate"]["median"] == 8.5 and s["stats"]["generate"]["n"] == 3
    assert s["stats"]["generate"]["min"] == 8.0 and s["stats"]["generate"]["max"] == 9.0
    assert s["stats"]["import"] == timing.summarize([4.2])
    first = s["first_call"]
    assert first["warmup"] is True and first["overhead_s"] == pytest.approx(11.5) and first["compared_with"] == 3
    flat = timing.flat_timings(s["stats"], {"import": 4.2, "load": 2.0})
    assert flat["denoising"] == 7.0 and flat["load"] == 2.0


def test_one_call_has_no_first_call_overhead():
    s = timing.summarize_calls([{"generate": 5.0, "warmup": False}])
    assert s["first_call"]["overhead_s"] is None and s["stats"]["generate"]["n"] == 1


def test_without_warmup_the_first_call_is_measured_but_priced_apart():
    calls = [{"generate": 30.0}, {"generate": 10.0}, {"generate": 11.0}]
    s = timing.summarize_calls(calls)
    assert s["stats"]["generate"]["median"] == 11.0  # robust to the slow first call
    assert s["first_call"]["overhead_s"] == pytest.approx(19.5) and not s["first_call"]["warmup"]


# ------------------------------------------------------------------ the comparison rule


def _s(median, mad=0.0, n=1):
    return {"median": median, "mad": mad, "n": n, "min": median, "max": median}


@pytest.mark.parametrize("old,new,key,verdict,regression", [
    # one call per side: the spread is unknown, the 5% floor makes a +/-10% band
    (_s(10.0), _s(10.9), "denoising", "same", False),
    (_s(10.0), _s(11.2), "denoising", "slower", True),
    (_s(10.0), _s(8.0), "denoising", "faster", False),
    # three calls each: sigma = 1.4826 x MAD; noisy sides widen the band
    (_s(10.0, 1.0, 3), _s(12.5, 1.0, 3), "denoising", "same", False),
    (_s(10.0, 0.1, 3), _s(10.8, 0.1, 3), "denoising", "slower", False),  # real, but within the 10% threshold
    (_s(10.0, 0.1, 5), _s(12.0, 0.1, 5), "generate", "slower", True),
    # steps/s: higher is faster
    (_s(0.60, 0.01, 3), _s(0.45, 0.01, 3), "it_per_s", "slower", True),
    (_s(0.45, 0.01, 3), _s(0.60, 0.01, 3), "it_per_s", "faster", False),
    # once-per-smoke stages are reported but never gate
    (_s(4.0), _s(8.0), "import", "slower", False),
])
def test_compare_stage_rule(old, new, key, verdict, regression):
    row = cmp.compare_stage(key, old, new, threshold=0.10)
    assert row["verdict"] == verdict
    assert row["regression"] is regression
    assert row["gated"] is (key in cmp.GATED)


def test_noise_uses_both_sides_spread():
    row = cmp.compare_stage("denoising", _s(10.0, 1.0, 3), _s(10.0, 2.0, 3))
    assert row["noise"] == pytest.approx(1.4826 * (1.0 ** 2 + 2.0 ** 2) ** 0.5, rel=1e-3)
    assert row["noise_known"]
    row = cmp.compare_stage("denoising", _s(10.0, 1.0, 2), _s(10.0, 2.0, 2))
    assert not row["noise_known"] and row["noise"] == pytest.approx(0.5)  # unknown spread: the 5% floor
    row = cmp.compare_stage("denoising", _s(10.0, 0.01, 3), _s(10.0, 0.01, 3))
    assert row["noise_known"] and row["noise"] == pytest.approx(0.1)  # both tight: the 1% floor
    row = cmp.compare_stage("configure", _s(0.0), _s(0.001))
    assert row["verdict"] == "same" and row["noise"] == pytest.approx(0.01)  # milliseconds are jitter


def test_real_reports_compare_both_ways():
    """Two tiny MindSpore 2.7 CPU smokes recorded on a busy 2-core machine (tests/data/smoke/reports/README.md):
    the second ran while the machine got busier — text encoding 31% slower, beyond its noise."""
    a, b = _load("ms27-tiny-a"), _load("ms27-tiny-b")
    ab = cmp.compare(a, b).to_dict()
    ba = cmp.compare(b, a).to_dict()
    assert ab["comparable"] and ba["comparable"] and not ab["differences"]
    assert ab["regressions"] == ["text_encoding"] and not ab["ok"]
    assert ba["regressions"] == [] and ba["ok"]
    verdicts = {r["stage"]: r["verdict"] for r in ab["stages"]}
    back = {r["stage"]: r["verdict"] for r in ba["stages"]}
    for stage, v in verdicts.items():  # the rule is symmetric
        assert back[stage] == {"faster": "slower", "slower": "faster", "same": "same"}[v], stage
    # VAE decode moved 75% but its calls were too spread out to call it: 'same (within noise)'
    row = {r["stage"]: r for r in ab["stages"]}["vae_decode"]
    assert row["change"] > 0.5 and row["verdict"] == "same" and row["noise_known"]
    # once-per-smoke stages are told, never gate
    assert verdicts["import"] == "slower" and "import" not in ab["regressions"]


def test_reports_before_repeatable_timings_still_compare():
    """A report.json written before --runs existed (flat timings only) compares as one call per stage."""
    old = _load("ms27-tiny-one-call")
    assert "timing" not in old
    comp = cmp.compare(old, _load("ms27-tiny-a")).to_dict()
    assert comp["comparable"] and comp["stages"]
    row = {r["stage"]: r for r in comp["stages"]}["denoising"]
    assert row["old"]["n"] == 1 and row["new"]["n"] == 3


def test_different_settings_are_not_comparable():
    a = _load("ms27-tiny-a")
    b = json.loads(json.dumps(a))
    b["recipe"]["values"]["steps"] = 8
    b["recipe"]["values"]["dtype"] = "float16"
    comp = cmp.compare(a, b)
    d = comp.to_dict()
    assert not comp.ok and not d["comparable"]
    assert {x["setting"] for x in d["differences"]} == {"steps", "dtype"}
    assert d["regressions"] == []


def test_version_changes_are_listed():
    a = _load("ms27-tiny-a")
    b = json.loads(json.dumps(a))
    b["environment"]["framework"]["mindspore"] = "2.7.1"
    d = cmp.compare(a, b).to_dict()
    assert {"what": "mindspore", "old": "2.7.0", "new": "2.7.1"} in d["changes"]
    assert d["ok"]  # same timings, same settings


def test_a_failed_old_report_gives_no_verdict():
    a = _load("ms27-tiny-a")
    failed = {"recipe": a["recipe"], "status": "fail", "timings": {}, "environment": a["environment"]}
    d = cmp.compare(failed, a).to_dict()
    assert not d["ok"] and not d["stages"] and "note" in d


# ------------------------------------------------------------------ published figures


def test_device_family():
    assert reference._family("Ascend 910B3") == reference._family("Ascend 910B") == "910b"
    assert reference._family("Ascend 910") == "910" != reference._family("Ascend 910B")
    assert reference._family("CPU") == "cpu"
    assert reference.device_label({"device": "Ascend"}, {"npu_chips": ["910B3"]}) == "Ascend 910B3"
    assert reference.device_label({"device": "Ascend"}, {}).startswith("Ascend NPU (model not identified")
    assert reference.device_label({"device": "cpu"}, {}) == "CPU"
