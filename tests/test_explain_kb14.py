"""Families of knowledge-base round 14 (helper kb14, AF300-AF308): a CANN environment value rejected in CANN's shared
words, a CANN function missing from the loaded libraries, an aclnn tiling failure and stream exhaustion as inner
errors, PEP 604 unions of typing objects on old Pythons, postponed annotations read as strings by CLI libraries, and
comfy-kitchen finding no backend for the NPU, ATC's ONNX parser meeting a Constant without data; with the neighbouring text each family must leave alone.

Every text here is real: a signature example (each with its public source or the command that captured it).
"""

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, run, top, top_category


@pytest.mark.parametrize("sig_id,category", [
    ("AF300", "cann_env"), ("AF301", "cann_env"), ("AF302", "ascend_inner_error"), ("AF303", "py38_subscript"),
    ("AF304", "patch_side_effect"), ("AF305", "patch_side_effect"), ("AF306", "kernel_unsupported"),
    ("AF307", "ascend_inner_error"), ("AF308", "graph_compile_crash"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        assert top(ex["text"]) == (sig_id, category), (sig_id, ex["text"])


def test_visible_device_variables_keep_their_own_entry():
    # a malformed ASCEND_RT_VISIBLE_DEVICES stays AF108 (and the regex leaves HCCL_* to EI0001 / hccl the same way)
    visible = example("AF300", "no_match", 0)
    assert "AF300" not in hits(visible) and top(visible)[0] == "AF108"


def test_a_cann_symbol_outranks_the_generic_undefined_symbol_entry():
    text = example("AF301")
    ranked_ids = hits(text)
    assert ranked_ids[0] == "AF301" and "AF024" in ranked_ids
    # a symbol that is not CANN's keeps the generic entry
    assert "AF301" not in hits(example("AF301", "no_match", 1))


def test_tiling_failure_outranks_the_aclnn_call_wrapper():
    # torch_npu's "call aclnnXxx failed, detail:EZ9999" line (AF077, kernel_unsupported) above CANN's tiling lines
    call = example("AF077")
    assert top_category(call) == "kernel_unsupported"
    text = call + "\n" + example("AF302", "match", 0) + "\n" + example("AF302", "match", 1)
    assert top(text) == ("AF302", "ascend_inner_error")


def test_plain_value_unions_are_not_pep604():
    for i in range(2):
        assert "AF303" not in hits(example("AF303", "no_match", i))


def test_a_bare_name_error_is_not_an_annotation_effect():
    assert "AF304" not in hits(example("AF304", "no_match", 0))


def test_stream_exhaustion_during_capture_is_an_inner_error_not_a_graph_build():
    text = example("AF307", "match", 2)
    m, ranked = run(text)
    assert ranked[0].id == "AF307" and "AF083" in [h.id for h in ranked]
    assert top_category(text) == "ascend_inner_error"


def test_comfy_kitchen_other_backend_errors_are_not_this_family():
    m, ranked = run(example("AF306", "no_match", 0))
    assert "AF306" not in [h.id for h in ranked]
