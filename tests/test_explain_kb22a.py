"""Round 22 (kb22a): families found missing in public Ascend-ecosystem threads, taught from their emitting sources.
Category evidence is checked with the inference alone (no signature, no fault entry) on the line a real run printed
and on a neighbour it must not claim; signatures run their own examples in test_explain_kb.py. Fast tier,
in-process."""

import pytest

from explain_support import example, infer_only, top


def cat(text):
    found = infer_only(text)
    return found["category"] if found else None


# (text, category the inference alone names, or None) — each line's source in the comment
NAMED = [
    # cache-dit's profiler (assert device_type == "cuda", "Torch ProfilerContext currently only supports CUDA
    # devices."), the NPU run reported in https://github.com/vipshop/cache-dit/pull/1093
    ("EXPECTED AssertionError: Torch ProfilerContext currently only supports CUDA devices.", "cuda_on_npu"),
    # the same wording raised by a Triton flash-attention port's autotune config (get_fwd_autotune_config: raise
    # NotImplementedError("This flash attention implementation currently only supports CUDA devices!"))
    ("NotImplementedError: This flash attention implementation currently only supports CUDA devices!", "cuda_on_npu"),
    # torch/csrc/utils/tensor_numpy.cpp: a device tensor handed to NumPy, the NPU run of vllm-omni's Qwen3-Omni port
    # (https://github.com/vllm-project/vllm-omni/pull/266); its "host memory" is no host_oom
    ("TypeError: can't convert npu:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory "
     "first.", "tensor_mismatch"),
    # rev22a: a comma after the CUDA words that no other device follows is the refusal itself: the constant part of
    # torchtune's get_memory_stats ValueError (https://github.com/pytorch/torchtune/blob/
    # 631391dc3130443270fc148cc5773d2924c886ff/torchtune/training/memory.py)
    ("ValueError: Logging memory stats is only supported on CUDA devices, got ", "cuda_on_npu"),
]

# lines the new evidence must leave to others
NOT_CUDA_ON_NPU = [
    # torch's flex_attention names CUDA among other devices: an operator the NPU lacks (kernel_unsupported, AF060);
    # the speculators run of https://github.com/Ascend/pytorch/issues/147
    "[rank0]: ValueError: FlexAttention is only supported on CUDA, CPU, HPU, or MPS devices. Found input tensors on "
    "npu device.",
    # a CUDA version after the words: a GPU with a CUDA build too old (MLX's no_qqmm_impl.cpp, kb19b)
    "RuntimeError: [QQMatmul::eval_gpu] QQMM is only supported with CUDA 12.8 or higher.",
]

# rev22a: the device word must not be given back to the lookahead ("CUDA" alone then passed before " devices, ..." /
# " devices with ..."): NATTEN's check for a GPU too old (the constant part of its message in
# https://github.com/SHI-Labs/NATTEN/blob/506816a1b6b6bb9557466f0411dc4f0bc256cb3c/src/natten/backends/configs/checks.py),
# raised as log_or_raise_error's default RuntimeError
NOT_CUDA_ON_NPU_EVIDENCE = [
    "CUTLASS FMHA only supports CUDA devices with compute capability 60 or higher, ",
]


@pytest.mark.parametrize("text,category", NAMED)
def test_the_inference_alone_names_the_family(text, category):
    assert cat(text) == category


@pytest.mark.parametrize("text", NOT_CUDA_ON_NPU)
def test_the_cuda_only_wording_leaves_other_devices_and_versions(text):
    assert cat(text) != "cuda_on_npu"


@pytest.mark.parametrize("text", NOT_CUDA_ON_NPU_EVIDENCE)
def test_the_cuda_only_evidence_does_not_backtrack_past_the_device_word(text):
    assert cat("RuntimeError: " + text) != "cuda_on_npu"



# signatures whose first cause must outrank the generic codes printed with them (the aclnn tiling code 561002 and the
# E89999 wrapper for AF1002): the family's own example, read the way `explain` reports it
@pytest.mark.parametrize("sig_id,category", [
    ("AF1000", "graph_compile_crash"),
    ("AF1001", "kernel_unsupported"),
    ("AF1002", "kernel_unsupported"),
    ("AF1003", "host_system"),
    ("AF1004", "version_skew"),
    ("AF1005", "version_skew"),
])
def test_the_first_cause_is_the_family(sig_id, category):
    assert top(example(sig_id)) == (sig_id, category)
