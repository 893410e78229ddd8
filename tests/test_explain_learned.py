"""The learned fallback of `ascendfix explain` (learn26): ``kind: guess`` from rules/explain_learned.json.

The lines are real: AF099's example (a CPython 3.11.7 capture through ctypes, see its source), AF071's examples
(github.com/ThilinaRajapakse/simpletransformers/issues/1247 and a CPython 3.11.7 capture), AF613's "Successfully installed ..." no_match example (a pip capture), AF095's torchvision warning example
(github.com/casperg92/MaSIF_colab/issues/7). A log "nobody wrote a family for" is made by leaving AF071 out of the
knowledge base (AF099, or AF071), as benchmarks/bench_explain_generalization.py does.
"""

import json
import random
from pathlib import Path

import pytest

from ascendfix.explain import _learngen, engine, kb, learned
from tests.support import schema_errors

ROOT = Path(__file__).resolve().parents[1]
EXC = "AssertionError: daemonic processes are not allowed to have children"  # AF071's example (a CPython capture)
SYS = "SystemError: PY_SSIZE_T_CLEAN macro must be defined for '#' formats"  # AF099's example (a CPython capture)


def _example(sig_id, i=0):
    return next(s for s in kb.load_signatures() if s.id == sig_id).examples["match"][i]["text"]


def _without(sig_id):
    return [s for s in kb.load_signatures() if s.id != sig_id]


def _results(lines, sigs):
    m = engine.Matcher(sigs)
    m.feed_lines(lines)
    return m, m.results(None)


def test_shipped_model_is_a_fresh_generation():
    path = ROOT / "rules" / learned.MODEL_FILE
    fresh = _learngen.dump(_learngen.generate())
    assert path.read_text(encoding="utf-8") == fresh, (
        "rules/explain_learned.json is stale: run python -m ascendfix.explain._learngen (the signatures' examples, the "
        "benign wording or the failing lines of the training sets changed)")


def test_model_trains_on_the_explicit_sets_only():
    doc = json.loads((ROOT / "rules" / learned.MODEL_FILE).read_text(encoding="utf-8"))
    assert doc["train_sets"] == list(_learngen.TRAIN_SETS)
    assert not {"AM", "AN"} & set(doc["train_sets"])  # this round's held-out sets (round 27)
    assert learned.HARMLESS in doc["classes"]
    # (only features seen in at least min_df training documents are kept)
    df = {}
    for counts in doc["counts"].values():
        for x, n in counts.items():
            df[x] = df.get(x, 0) + n
    assert min(df.values()) >= doc["min_df"]


def test_fallback_fires_when_nothing_else_answers():
    assert _example("AF099") == SYS
    m, res = _results([SYS], _without("AF099"))
    assert len(res) == 1
    g = res[0]
    assert g["kind"] == "guess" and g["id"] == "guess:" + g["category"] and g["rank"] == 1
    assert g["category"] == "version_skew"  # AF099's category (its examples are training documents)
    assert "most like known version_skew failures: " in g["cause"] and "py_ssize_t_clean" in g["cause"]
    assert g["evidence"] == [{"line": 1, "text": SYS}]
    step = next(e for e in kb.category_entries() if e["id"] == "version_skew")["next"].strip()
    assert g["fix"] == step
    assert learned.load().rule["threshold"] <= g["posterior"] <= 1
    # (guess27) the honest confidence: the rule's measured precision leave-one-set-out, not the posterior (a rank)
    cal = learned.load().rule["measured"]
    assert g["measured_precision"] == round(float(cal["right"]) / cal["guesses"], 2) < g["posterior"]
    assert "{} of {} guesses right, leave-one-set-out".format(cal["right"], cal["guesses"]) in g["measured_on"]
    assert not schema_errors("explain", g, kind="match")
    assert m.failed() and m.notes() == []


def test_an_ascend_only_category_needs_an_npu_context():
    # AF071's examples are cann_env documents, but cann_env is Ascend-only (npu_only): without an NPU context no guess
    assert next(e for e in kb.category_entries() if e["id"] == "cann_env").get("npu_only")
    m, res = _results([EXC], _without("AF071"))
    assert m.failing and not m.names_npu()
    assert all(r["kind"] != "guess" for r in res)


def test_signature_answer_is_unchanged_and_the_model_is_not_read():
    learned._MODELS.clear()
    _m, res = _results([EXC], kb.load_signatures())
    assert [(r["id"], r["kind"]) for r in res] == [("AF071", "signature")]
    assert learned._MODELS == {}  # the common path never loads the model


def test_silent_on_a_benign_log():
    learned._MODELS.clear()
    m, res = _results([_example("AF095", 0)], _without("AF071"))
    assert all(r["kind"] != "guess" for r in res)
    assert not m.failing and learned._MODELS == {}


def test_silent_when_the_run_went_on():
    sig = next(s for s in kb.load_signatures() if s.id == "AF613")
    # (captured: pip 23.2.1 on CPython 3.11.7, pip install ascend-cann-nnrt: one of AF613's no_match examples)
    ok = next(e["text"] for e in sig.examples["no_match"] if e["text"].startswith("Successfully installed"))
    m, res = _results([SYS, ok], _without("AF099"))
    assert m.failing and not m.guess_allowed(m.ranked())
    assert all(r["kind"] != "guess" for r in res)


def test_no_model_file_no_guess(monkeypatch, tmp_path):
    bad = tmp_path / learned.MODEL_FILE
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(kb, "_rules_path", lambda name: bad if name == learned.MODEL_FILE else ROOT / "rules" / name)
    learned._MODELS.clear()
    try:
        _m, res = _results([SYS], _without("AF099"))
        assert res == []
    finally:
        learned._MODELS.clear()


@pytest.mark.parametrize("seed", range(4))
def test_any_bytes_no_traceback(seed):
    rnd = random.Random(seed)
    m = engine.Matcher(_without("AF099"))
    for i in range(60):
        raw = bytes(rnd.randrange(256) for _ in range(rnd.randrange(120)))
        m.feed_piece(i + 1, raw + (b" error: failed" if i % 7 == 0 else b""))
    res = m.results(None)
    for r in res:
        assert not schema_errors("explain", r, kind="match")


def test_cli_text_json_and_exit_status(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "load_signatures", lambda compile_all=False: _without("AF099"))
    log = tmp_path / "run.log"
    log.write_text(SYS + "\n", encoding="utf-8")
    r = run_cli("explain", str(log), env={"NO_COLOR": "1"})
    assert r.returncode == 1  # like an inference: no known cause
    out = r.stdout.decode("utf-8")
    assert "a guess from the words of the failing lines" in out
    assert "guess:version_skew" in out and "a guess by a classifier learned from labelled logs" in out
    assert "such guesses were right " in out and "% of the time: " in out and " guesses right, leave-one-set-out" in out
    assert "\x1b[" not in out
    j = run_cli("explain", str(log), "--json")
    assert j.returncode == 1
    doc = json.loads(j.stdout.decode("utf-8"))
    assert doc["matches"][0]["kind"] == "guess"
    assert 0 < doc["matches"][0]["measured_precision"] < 1 and doc["matches"][0]["posterior"] >= 0.99
    assert not schema_errors("explain", doc)


# (rev26l) The nine curated cases where a knowledge-base round decided the rules name no category (or not this one) and
# the guess answered: its behaviour on each. A guess needs a failing line with words of its own (learned.speaks): when
# every failing line is a launcher's relay report or a bare CPython exception template it stays silent.
def _guesses(text):
    m = engine.Matcher()
    m.feed_lines(text.split("\n"))
    return [(r["kind"], r["category"]) for r in m.results(None) if r["kind"] == "guess"]


def _no_match(sig_id, i):
    return next(s for s in kb.load_signatures() if s.id == sig_id).examples["no_match"][i]["text"]


def test_no_guess_from_bare_builtin_exception_templates():
    from test_explain_kb23f import PYSCRIPT_UNION

    texts = [
        "NameError: name 'Size' is not defined",  # captured: python3 -c "Size" (test_explain_infer)
        # github.com/nonebot/plugin-apscheduler/issues/18 (test_explain_fix19)
        '@scheduler.scheduled_job("interval", seconds=1)\n'
        '  File "/usr/local/lib/python3.10/site-packages/nonebot/plugin/export.py", line 38, in __call__\n'
        "    self[func.__name__] = func\nAttributeError: 'str' object has no attribute '__name__'",
        PYSCRIPT_UNION,  # custom-components/pyscript#875 (test_explain_kb23f)
        _no_match("AF267", 1),  # a dataset's JSONDecodeError (test_explain_post24)
    ] + [e["text"] for e in next(s for s in kb.load_signatures() if s.id == "AF711").examples["no_match"]]
    assert any("JSONDecodeError: Expecting value" in t for t in texts)
    for t in texts:
        assert _guesses(t) == [], t


def test_no_guess_from_a_launcher_relay_alone():
    # torchrun's report of a rank that exited 1 (captured; tests/data/logs/torch213_torchrun_rank_exit1.log)
    path = ROOT / "tests" / "data" / "logs" / "torch213_torchrun_rank_exit1.log"
    m = engine.Matcher()
    with open(str(path), "rb") as fh:
        engine._feed_python(m, fh)
        engine._read_tail(m, fh)
    assert m.failing and not learned.speaks([t for _, t in m.failing])
    assert m.results(None) == []


def test_relay_and_templates_do_not_silence_a_line_with_words():
    # the veto reads every failing line: one line with words of its own (AF099's example) keeps the guess possible
    assert learned.speaks(["torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ", SYS])
    assert not learned.speaks(["fail.py FAILED", "NameError: name 'Size' is not defined"])
    m, res = _results([SYS, "fail.py FAILED"], _without("AF099"))
    assert [(r["kind"], r["category"]) for r in res] == [("guess", "version_skew")]


def test_remaining_guesses_on_curated_negatives():
    """Known guesses on lines a KB round kept from a category: TRL's GRPO batch check is still guessed shape_mismatch
    (the program's own words about batch sizes; shown as a guess, exit 1, never as the rules' answer). AF153's
    old-Python de-stringify near miss was guessed patch_side_effect until guess27: the signatures' no_match excerpts
    are now the class near:<category> (never named), and that near miss's words are most like patch_side_effect's near
    misses. A change here is a change of the model: look at it."""
    from test_explain_kb24e import GRPO_GENERATIONS

    assert _guesses(GRPO_GENERATIONS) == [("guess", "shape_mismatch")]
    assert _guesses(_no_match("AF153", 0)) == []


def test_near_misses_are_a_class_that_is_never_named():
    # (guess27) a text most like a category's near misses gets no guess, whatever its posterior
    doc = json.loads((ROOT / "rules" / learned.MODEL_FILE).read_text(encoding="utf-8"))
    near = [y for y in doc["classes"] if y.startswith(learned.NEAR)]
    assert near and all(y[len(learned.NEAR):] in doc["classes"] for y in near)
    assert learned.abstains(near[0]) and learned.abstains(learned.HARMLESS) and learned.abstains(learned.OTHER)
    assert not learned.fires({"threshold": 0.5}, near[0], 1.0, 9.0, ["x"])
    assert learned.fires({"threshold": 0.5}, near[0][len(learned.NEAR):], 1.0, 9.0, ["x"])
    # the model's own decision on AF153's near miss: its top class is a near-miss class
    m = learned.load()
    top, _p, _mg, _known = m.predict(learned.features(_no_match("AF153", 0).split("\n")))
    assert top.startswith(learned.NEAR)


def test_no_guess_from_a_cuda_kernel_fault_alone():
    """(guess27) The CUDA runtime's kernel-fault strings and ATen's device-side assertion report say a kernel faulted,
    not why: no guess from them (the illegal memory access was guessed device_oom at 0.9996, ATen's assertion
    device_unavailable). The GPU crashes are test_explain_fix20's, copied from public issues (URL with each)."""
    from test_explain_fix20 import GPU_CRASHES

    for url, text in GPU_CRASHES:
        assert _guesses(text) == [], url
    assert not learned.speaks(["RuntimeError: CUDA error: an illegal memory access was encountered"])
    assert not learned.speaks(["torch.AcceleratorError: CUDA error: device-side assert triggered"])
    assert not learned.speaks(["    ^^^^^^^^^^^^^^^^^^^^^^^^"])  # (no word the model reads: CPython 3.11's carets)
    # a kernel fault's line does not silence a line with words of its own, and its words are no feature
    assert learned.speaks(["CUDA error: misaligned address", SYS])
    assert learned.features(["CUDA error: an illegal memory access was encountered"]) == set()
    # CUDA's out-of-memory error is no kernel fault: its words stay evidence
    assert learned.speaks(["RuntimeError: CUDA error: out of memory"])


def test_a_malformed_model_never_raises(monkeypatch):
    """(rev-guess27) The model's rows are read lazily: a malformed count in a rules folder's model makes that feature
    unknown (no traceback at explain time), counts that are not a mapping are no model (load() gives none), and a
    malformed measured figure gives the guess without measured_precision."""
    doc = json.loads((ROOT / "rules" / learned.MODEL_FILE).read_text(encoding="utf-8"))
    y = next(iter(doc["counts"]))
    x = next(iter(doc["counts"][y]))
    for bad in ("7", -5.0):
        d = json.loads(json.dumps(doc))
        d["counts"][y][x] = bad
        assert learned.Model(d).row(x) == {}
    d = json.loads(json.dumps(doc))
    d["counts"][y] = [1, 2]
    with pytest.raises(TypeError):
        learned.Model(d)
    for measured in ({"guesses": 23}, [13, 23], {"right": 30, "guesses": 23}, {"right": "13", "guesses": 23}):
        d = json.loads(json.dumps(doc))
        d["rule"]["measured"] = measured
        model = learned.Model(d)
        monkeypatch.setattr(learned, "load", lambda model=model: model)
        _m, res = _results([SYS], _without("AF099"))
        assert [(g["kind"], "measured_precision" in g) for g in res] == [("guess", False)], measured


# (rev-guess27) the same CUDA kernel-fault strings as other emitters print them, copied from public issues (URL each)
OTHER_EMITTER_KERNEL_FAULTS = [
    ("https://github.com/zh217/torch-asg/issues/5",  # PyTorch 1.2's THC check
     "THCudaCheck FAIL file=/opt/conda/conda-bld/pytorch_1565287148058/work/aten/src/THC/THCCachingHostAllocator.cpp "
     "line=296 error=77 : an illegal memory access was encountered\n"
     "Traceback (most recent call last):\n"
     '  File "/public/home/yflv/pytorch/torch-asg/torch_asg/asg.py", line 77, in forward\n'
     "    batch_input_len, num_batches, num_labels, batch_output_len)\n"
     "RuntimeError: cuda runtime error (77) : an illegal memory access was encountered at "
     "/opt/conda/conda-bld/pytorch_1565287148058/work/aten/src/THC/THCCachingHostAllocator.cpp:296"),
    ("https://github.com/panchunguang/ccks_baidu_entity_link/issues/23",  # TensorFlow: the driver API's name: string
     "E tensorflow/stream_executor/cuda/cuda_event.cc:48] Error polling for event status: failed to query event: "
     "CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access was encountered"),
]


@pytest.mark.parametrize("i", range(len(OTHER_EMITTER_KERNEL_FAULTS)))
def test_no_guess_from_a_kernel_fault_of_other_emitters(i):
    # the first was guessed device_unavailable at 1.0, the second ascend_inner_error at 1.0 (CUDA logs, no NPU)
    url, text = OTHER_EMITTER_KERNEL_FAULTS[i]
    assert _guesses(text) == [], url
    assert learned.features(text.split("\n")[-1:]) == set(), url
