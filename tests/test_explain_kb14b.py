"""Rules of knowledge-base round 14b (a source sweep of the stacks users deploy: vLLM / vLLM-Ascend, torch_npu,
MindSpore and its suites, MindIE-SD / MindIE-LLM, diffusers / transformers as used on NPUs).

Every text here is real: signature examples (each with its public source or capture command), or templates quoted
from the emitting source with their placeholders filled in.
"""

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, ranked, top

NEW = {
    "AF340": "missing_weights",
    "AF341": "install",
    "AF342": "version_skew",
    "AF343": "cuda_on_npu",
    "AF344": "version_skew",
    "AF345": "install",
    "AF346": "cuda_on_npu",
    "AF347": "version_skew",
    "AF348": "install",
    "AF349": "version_skew",
    "AF350": "install",
    "AF351": "install",
    "AF352": "install",
    "AF353": "version_skew",
    "AF354": "version_skew",
    "AF355": "version_skew",
    "AF356": "version_skew",
    "AF357": "install",
}


def _all(sig_id, kind="match"):
    return [e["text"] for e in find_signature(sig_id).examples[kind]]


@pytest.mark.parametrize("sig_id", sorted(NEW))
def test_every_example_is_reported_first_in_its_category(sig_id):
    assert find_signature(sig_id).category == NEW[sig_id]
    for text in _all(sig_id):
        assert top(text) == (sig_id, NEW[sig_id]), text


@pytest.mark.parametrize("sig_id", sorted(NEW))
def test_no_match_examples_stay_out(sig_id):
    for text in _all(sig_id, "no_match"):
        assert sig_id not in hits(text), text


# -- prefixes the real logs put in front of the messages -----------------------------------------------------------
def test_vllm_worker_prefixes_do_not_hide_the_quantization_config_miss():
    # vllm_ascend/quantization/modelslim_config.py logs this before raising its banner (worker-prefixed by vLLM)
    line = ("(VllmWorker rank=0 pid=4312) ERROR 08-08 10:12:01 [modelslim_config.py:909] ModelSlim quantization config "
            "not found for model '/models/qwen3-w8a8'. Searched path: /models/qwen3-w8a8. Found JSON files: "
            "['config.json', 'generation_config.json'].")
    assert top(line) == ("AF340", "missing_weights")
    assert top("(APIServer pid=677) " + example("AF340", "match", 2)) == ("AF340", "missing_weights")


def test_mindie_sd_logger_line_is_read_with_its_header():
    line = ("[2026-05-11 10:02:13,441] [ERROR] [register_ops.py:161] " + example("AF345", "match", 1))
    assert top(line) == ("AF345", "install")


# -- neighbours keep their own families ----------------------------------------------------------------------------
def test_ascend_target_missing_stays_cann_env_and_gpu_target_is_cuda_on_npu():
    assert top(example("AF343", "no_match"))[1] == "cann_env"
    assert top(example("AF343"))[0] == "AF343"


def test_torch_npu_autoload_hook_stays_af043():
    # the same report goes on with torch's own line (flash-linear-attention-npu issue 2)
    text = (example("AF347", "no_match") + "\n"
            "RuntimeError: Failed to load the backend extension: torch_npu. You can disable extension auto-loading "
            "with TORCH_DEVICE_BACKEND_AUTOLOAD=0.")
    assert top(text)[0] == "AF043"
    assert "AF347" not in hits(text)


def test_missing_public_npu_operator_binding_reads_as_kernel_unsupported():
    # torch_npu.npu_<op> absent from this release: an operator the installed stack does not provide (inference)
    assert top(example("AF347", "no_match", 1)) == ("inferred:kernel_unsupported", "kernel_unsupported")


def test_new_torch_ops_wording_stays_af101():
    assert top(example("AF348", "no_match")) == ("AF101", "install")


def test_argparse_choice_stays_af291_and_config_validation_is_af355():
    assert top(example("AF355", "no_match"))[0] == "AF291"


def test_lfs_pointer_under_weights_only_stays_af062():
    # torch >= 2.6 reading a Git LFS pointer file: the weights-only wording plus "Unsupported operand 118" (AF062)
    text = (example("AF354", "match", 1) + "\n"
            "Please file an issue with the following so that we can make `weights_only=True` compatible with your use "
            "case: WeightsUnpickler error: Unsupported operand 118")
    r = ranked(text)
    assert r[0].id == "AF062"
    assert "AF354" in [h.id for h in r]


def test_transformers_torch_26_requirement_stays_af155():
    assert top(example("AF354", "no_match"))[0] == "AF155"


def test_pipeline_component_mismatch_stays_af228():
    assert top(example("AF356", "no_match"))[0] == "AF228"


def test_plain_missing_modules_are_not_these_families():
    for sig_id in ("AF341", "AF345", "AF351"):
        assert sig_id not in hits(example(sig_id, "no_match"))
