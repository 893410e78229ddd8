"""Rules of knowledge-base round 12b (Python-level and harmless families): notices a library prints and goes past
(xFormers' missing-Triton notice with its logged traceback, SGLang's ignored optional imports) stay silent; the
failures of the same families are still named.

Every text here is real: signature examples (each with its public source), benign templates quoted from the emitting
source, or a capture whose command is given.
"""

from ascendfix.explain.kb import benign_entries, find_signature
from explain_support import example, matcher, top_category


# captured: CPython 3.11.7, python -c "import json; json.loads('{')" (a real failure after a notice)
_JSON_FAILURE = """Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"""


# -- 1a: xFormers' missing-Triton notice ---------------------------------------------------------------------------
def test_xformers_triton_notice_alone_is_silent():
    for i in range(len(find_signature("AF200").examples["match"])):
        text = example("AF200", "match", i)
        m = matcher(text)
        assert m.results() == [], text
        assert [n["id"] for n in m.notes()] == ["AF200"]


def test_xformers_logged_traceback_is_not_the_last_exception():
    m = matcher(example("AF200", "match", 0))
    assert m.last_exception is None and m.last_traceback is None and m.last_fail == 0


def test_a_failure_after_the_notice_is_still_named():
    # the notice's traceback ends; a later traceback of the program is the failure (the notice is context)
    text = example("AF200", "match", 0) + "\n" + _JSON_FAILURE
    m = matcher(text)
    assert m.last_exception is not None and "JSONDecodeError" in m.last_exception[1]
    # and a program that imports triton itself still fails with an install inference
    assert top_category(example("AF200", "no_match", 0)) == "install"
    assert top_category(example("AF200", "match", 2) + "\n" + example("AF200", "no_match", 0)) == "install"


def test_notice_traceback_only_on_context_entries():
    sig = find_signature("AF200")
    assert sig.role == "context"
    assert [p.index for p in sig.patterns if p.notice_traceback] == [2]


# -- 1b: SGLang's ignored optional imports ---------------------------------------------------------------------------
def test_sglang_ignore_import_error_is_benign():
    entry = [e for e in benign_entries() if e["id"] == "sglang-ignore-import-error"][0]
    assert entry["veto"]
    for t in entry["templates"]:
        # the template with an ImportError's message in place of {e}: no diagnosis, a sign that the run went on
        line = t["text"].replace("{name}", "sglang.srt.models.glm_ocr").replace(
            "{e}", "No module named 'transformers.models.glm_ocr'")
        assert matcher(line).results() == []
        assert matcher(line).last_ok == 1


# -- 1c: pip's resolver warning --------------------------------------------------------------------------------------
# Left a cause (low priority): making it context whenever "Successfully installed ..." is in the log lost logs the
# validation sets label pip_conflict and fixed none of the harmless ones (see the round's report).
def test_pip_resolver_warning_stays_a_low_priority_cause():
    done = example("AF022", "match", 5)
    assert done.endswith("Successfully installed idna-3.6")
    assert top_category(done) == "pip_conflict"
    # ... ranked after the failure of the program that follows it when that failure is named
    assert find_signature("AF022").priority < find_signature("AF201").priority


def test_failed_resolutions_stay_pip_conflict():
    for sid in ("AF039", "AF040"):
        for ex in find_signature(sid).examples["match"]:
            assert top_category(ex["text"]) == "pip_conflict", ex["text"][:80]


# -- 2: diffusers loading a variant / safetensors the repository does not have ----------------------------------------
def test_diffusers_missing_variant_or_safetensors_wordings_are_missing_weights():
    texts = [ex["text"] for ex in find_signature("AF202").examples["match"]]
    texts += [find_signature("AF016").examples["match"][1]["text"], find_signature("AF013").examples["match"][0]["text"]]
    for text in texts:
        assert top_category(text) == "missing_weights", text[:80]
    assert find_signature("AF202").category == "missing_weights"


# -- 3: a pinned release no index has for this Python / platform -----------------------------------------------------
def test_uv_derivation_steps_are_pip_conflict():
    sig = find_signature("AF039")
    uv = [ex["text"] for ex in sig.examples["match"] if "uv 0.13.9" in ex["source"]]
    assert len(uv) >= 3
    for text in uv:
        res = matcher(text).results()
        assert res[0]["id"] == "AF039" and res[0]["category"] == "pip_conflict", text[:80]


# -- 4: a standard-library feature newer than the interpreter ---------------------------------------------------------
def test_stdlib_features_of_newer_pythons_are_py38_subscript():
    # the category description of py38_subscript names "newer stdlib calls"; version_skew is for packages
    for ex in find_signature("AF164").examples["match"]:
        res = matcher(ex["text"]).results()
        assert res[0]["category"] == "py38_subscript", ex["text"][:80]
    for ex in find_signature("AF164").examples["no_match"]:
        assert "AF164" not in [h.id for h in matcher(ex["text"]).ranked()]


# -- 5: fp16 loss scaling that gave up ---------------------------------------------------------------------------------
def test_collapsed_loss_scale_is_numerics_and_calibration_is_silent():
    sig = find_signature("AF201")
    assert sig.warning_is_cause
    for ex in sig.examples["match"]:
        assert top_category(ex["text"]) == "numerics", ex["text"][:80]
    # the scaler calibrating at the start of training (scale still high): no diagnosis at all
    for ex in sig.examples["no_match"]:
        assert matcher(ex["text"]).results() == [], ex["text"][:80]


# -- 6: the host killing the process while it loads checkpoint shards -------------------------------------------------
def test_killed_after_a_shard_progress_bar_is_host_oom():
    sig = find_signature("AF048")
    bars = [ex["text"] for ex in sig.examples["match"] if "Loading checkpoint shards" in ex["text"]]
    assert len(bars) == 4
    for text in bars:
        assert top_category(text) == "host_oom", text[:60]
    # a finished progress bar is nothing (https://github.com/zai-org/ChatGLM-6B/issues/7)
    done = ("Downloading (…)l-00001-of-00008.bin: 100%|███████████████████████████████████████████████████████████████"
            "████████████████████████████████| 1.90G/1.90G [00:32<00:00, 59.1MB/s]")
    assert matcher(done).results() == []
