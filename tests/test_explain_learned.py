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
    assert "AK" not in doc["train_sets"] and "AL" not in doc["train_sets"]  # this round's held-out sets
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
    assert 0.999 <= g["posterior"] <= 1
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
    assert "\x1b[" not in out
    j = run_cli("explain", str(log), "--json")
    assert j.returncode == 1
    doc = json.loads(j.stdout.decode("utf-8"))
    assert doc["matches"][0]["kind"] == "guess"
    assert not schema_errors("explain", doc)
