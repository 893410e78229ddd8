"""Rules of knowledge-base round 13b (Python-level and library families): masked_fill / mask dtypes across PyTorch
releases, postponed annotations read by libraries, fp16 loss-scale divergence vs. calibration, pip backtracking,
non-JSON model configs, NumPy 2 removals, transformers / diffusers dummy backends.

Every text here is real: signature examples (each with its public source or capture command), or templates quoted
from the emitting source with their placeholders filled in.
"""

from ascendfix.explain.engine import _warnings_after_failures
from ascendfix.explain.kb import benign_entries, find_signature
from explain_support import example, hits, matcher, ranked, top, top_category


def _all(sig_id, kind="match"):
    return [e["text"] for e in find_signature(sig_id).examples[kind]]


# -- 1: masked_fill / masks across PyTorch releases ----------------------------------------------------------------
def test_mask_dtype_wordings_of_every_release_are_maskedfill():
    for sid in ("AF260", "AF262"):
        for text in _all(sid):
            assert top(text) == (sid, "maskedfill_dtype"), text
    # the TH binding's name in torch 1.1 / 1.2 ("_th_masked_fill_bool_ only supports a 0-dimensional value tensor")
    assert top(example("AF168", "match", 4))[0] == "AF168"


def test_other_scalar_type_errors_are_not_masks():
    # (same TH template, argument 'mat2': a dtype mix-up in matmul, not a mask)
    assert "AF260" not in hits(example("AF260", "no_match", 0))


def test_uint8_mask_deprecation_warning_alone_is_silent():
    for text in _all("AF261"):
        m = matcher(text)
        assert m.results() == [], text


def test_uint8_mask_warning_names_a_failure_nothing_else_explains():
    # the warning, then a later failure with no signature of its own (captured: CPython 3.11.7,
    # python -c "import json; json.loads('{')")
    failure = ("Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n"
               "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")
    r = ranked(example("AF261", "match", 0) + "\n" + failure)
    assert r and r[0].id == "AF261"


# -- 2: postponed annotations --------------------------------------------------------------------------------------
def test_string_annotation_used_as_a_class_in_a_library():
    for text in _all("AF263"):
        assert top(text) == ("AF263", "patch_side_effect"), text
    # the same exception in the user's own code stays unclaimed by the signature
    assert "AF263" not in hits(example("AF263", "no_match", 0))


def test_fastapi_request_asked_as_query_field():
    for text in _all("AF264"):
        assert top(text) == ("AF264", "patch_side_effect")
    assert top(example("AF264", "no_match", 0)) == (None, None)


# -- 3: fp16 loss scaling --------------------------------------------------------------------------------------------
_DS_UNFUSED = "[deepspeed] fp16 dynamic loss scale overflow! Skipping step. Attempted loss scale: {}, reducing to {}"
_DS_REDUCE = "Reducing dynamic loss scale from {} to {}"


def test_deepspeed_unfused_scale_collapse_is_numerics_and_calibration_is_silent():
    # templates of deepspeed/runtime/fp16/unfused_optimizer.py (68ee9f83), placeholders filled
    assert top(_DS_UNFUSED.format("2.0", "1.0")) == ("AF201", "numerics")
    assert top(_DS_REDUCE.format("2.0", "1.0")) == ("AF201", "numerics")
    assert matcher(_DS_UNFUSED.format("65536.0", "32768.0")).results() == []
    assert matcher(_DS_REDUCE.format("65536.0", "32768.0")).results() == []


def test_loss_scaler_skips_are_benign_but_not_a_veto():
    entry = [e for e in benign_entries() if e["id"] == "loss-scaler-skipped-step"][0]
    assert entry["veto"] is False
    # AF201's collapsed-scale examples are still named
    for text in _all("AF201"):
        assert top_category(text) == "numerics", text
    for text in _all("AF201", "no_match"):
        assert matcher(text).results() == [], text


# -- 4: pip ----------------------------------------------------------------------------------------------------------
def test_pip_backtracking_without_end_is_pip_conflict():
    for text in _all("AF265"):
        assert top(text) == ("AF265", "pip_conflict")
    # the first notice alone is common in installs that end well
    assert matcher(example("AF265", "no_match", 0)).results() == []


# -- 5: model files that are not JSON --------------------------------------------------------------------------------
def test_weights_file_read_as_config_is_missing_weights():
    for sid in ("AF266", "AF267"):
        for text in _all(sid):
            assert top_category(text) == "missing_weights", (sid, text)
    assert "AF267" not in hits(example("AF267", "no_match", 0))
    assert "AF266" not in hits(example("AF266", "no_match", 0))


def test_hf_dummy_backend_is_install():
    for text in _all("AF268"):
        assert top(text) == ("AF268", "install")


# -- 6: NumPy 2 ----------------------------------------------------------------------------------------------------
def test_numpy2_removed_names_are_numpy_abi():
    for text in _all("AF269"):
        assert top(text) == ("AF269", "numpy_abi"), text
    # the NumPy 1.24 alias removal stays AF051's
    assert top(example("AF269", "no_match", 0))[0] == "AF051"


def test_a_warning_cause_is_not_pushed_back_by_a_generic_code():
    from types import SimpleNamespace as N

    warn = N(id="warn", role="cause", loud=False, sig=None, kind="signature", category="numpy_abi")
    generic = N(id="code", role="cause", loud=True, sig=None, kind="code", category="ascend_inner_error")
    specific = N(id="fail", role="cause", loud=True, sig=None, kind="signature", category="device_oom")
    ids = lambda hs: [h.id for h in hs]  # noqa: E731
    assert ids(_warnings_after_failures([warn, generic])) == ["warn", "code"]
    assert ids(_warnings_after_failures([warn, specific, generic])) == ["fail", "warn", "code"]


# -- survey: library families with no signature before round 13 -------------------------------------------------------
def test_tokenizer_files_and_classes():
    for text in _all("AF270"):
        assert top(text) == ("AF270", "missing_weights"), text
    for text in _all("AF271"):
        assert top(text) == ("AF271", "version_skew"), text


def test_future_import_new_wordings_of_af050():
    # a double-quoted repr in argparse's check, pydantic < 2.7's __pydantic_extra__ check
    for i in (0, 1):
        assert top(example("AF050", "match", i)) == ("AF050", "patch_side_effect")
