"""Families of the twelfth knowledge-base round (helper kb12c, AF220-AF226): what each one names, and the
neighbouring text it must leave alone (the same words in a warning the run went past, another library's twin
message, the cases other signatures own).

Every text here is real: a signature example (each with its public source) or a line quoted from the public source
named next to it.
"""

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, run, top


@pytest.mark.parametrize("sig_id,category", [
    ("AF220", "cann_env"), ("AF221", "dist_launch"), ("AF222", "version_skew"), ("AF223", "install"),
    ("AF224", "install"), ("AF225", "install"), ("AF226", "missing_weights"), ("AF227", "version_skew"),
    ("AF228", "version_skew"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        text = ex["text"]
        if sig_id == "AF220" and "[WARNING]" in text:
            # a warning alone is not a failure: it is named once the log fails (next tests)
            text += "\nTraceback (most recent call last):\nRuntimeError: Sync stream error!"
        assert top(text) == (sig_id, category), (sig_id, text)


# https://github.com/SwanHubX/SwanLab-Docs/blob/main/zh/guide_cloud/integration/integration-ascend.md: the same
# run_check prints the version warning and then passes
_RUN_CHECK_OK = ("MindSpore version:  2.4.1\n"
                 "The result of multiplication calculation is correct, MindSpore has been installed on platform "
                 "[Ascend] successfully!")


def test_mindspore_version_warning_in_a_run_that_went_on_is_not_a_failure():
    m, ranked = run(example("AF220") + "\n" + example("AF220", "match", 1) + "\n" + _RUN_CHECK_OK)
    assert not m.failed(ranked)


def test_mindspore_version_warning_ranks_after_the_crash_it_may_explain():
    # the SwanLab page's log: the warnings, then "Segmentation fault (core dumped)"
    m, ranked = run(example("AF220") + "\nMindSpore version:  2.3.1\nSegmentation fault (core dumped)")
    ids = [h.id for h in ranked]
    assert ids[0] == "AF067" and "AF220" in ids


def test_the_cuda_twin_of_the_fork_message_is_not_the_npu_family():
    text = example("AF221", "no_match", 0)
    assert "CUDA" in text
    _, ranked = run(text)
    assert "AF221" not in [h.id for h in ranked]


def test_vllm_inspection_failure_is_not_an_unknown_architecture():
    # "Error in inspecting model architecture" means the model file failed to import, not an old registry
    _, ranked = run(example("AF222", "no_match", 0))
    assert "AF222" not in [h.id for h in ranked]


def test_import_error_with_a_real_path_stays_a_version_mismatch():
    # with a file location the package is really installed: the name is missing from that release (AF093)
    text = example("AF223", "no_match", 0)
    _, ranked = run(text)
    ids = [h.id for h in ranked]
    assert "AF223" not in ids and "AF093" in ids


def test_cann_library_missing_stays_cann_env():
    text = example("AF224", "no_match", 1)
    assert top(text)[1] == "cann_env"
    _, ranked = run(text)
    assert "AF224" not in [h.id for h in ranked]


def test_illegal_instruction_in_prose_is_not_a_crash():
    for text in find_signature("AF225").examples["no_match"]:
        _, ranked = run(text["text"])
        assert "AF225" not in [h.id for h in ranked]


def test_illegal_instruction_after_the_interactive_import():
    # https://github.com/pytorch/pytorch/issues/100156: ">>> import torch" then "Illegal instruction"
    assert top(">>> import torch\nIllegal instruction") == ("AF225", "install")


def test_gated_repo_advice_in_a_comment_is_not_the_error():
    _, ranked = run(example("AF226", "no_match", 0))
    assert "AF226" not in [h.id for h in ranked]


def test_gated_repo_names_the_repo():
    m, _ = run(example("AF226", "match", 1))
    res = m.results()[0]
    assert res["id"] == "AF226" and "stabilityai/stable-fast-3d" in res["cause"]


def test_transformers_unknown_model_type_names_the_type():
    m, _ = run(example("AF227"))
    res = m.results()[0]
    assert res["id"] == "AF227" and "qwen2_5_omni" in res["cause"]


def test_a_title_without_the_model_type_is_not_the_error():
    _, ranked = run(example("AF227", "no_match", 0))
    assert "AF227" not in [h.id for h in ranked]


def test_pipeline_components_message_names_the_class():
    m, _ = run(example("AF228"))
    res = m.results()[0]
    assert res["id"] == "AF228" and "QwenImageEditPipeline" in res["cause"]
