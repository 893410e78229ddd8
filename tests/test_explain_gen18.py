"""Round 18 (gen18): message catalogues of the CUDA runtime and PyTorch core for device_busy, device_unavailable,
device_oom, shape_mismatch (AF751-AF754 and their category evidence), written from the emitting sources (the CUDA
runtime's error reference, PyTorch's ATen checks captured with torch 2.13.0+cpu). Texts are the signatures' own
examples (sources in the YAML), with the prefixes launchers and workers put in front of them. Fast tier, in-process."""

import pytest

from explain_support import example, hits, infer_only, top, top_category

# the prefixes a line gets from torchrun's per-rank output, Ray's worker processes and glog
PREFIXES = ["", "[rank3]: ", "(RayWorkerWrapper pid=2741) ", "(VllmWorkerProcess pid=311) ERROR 05-02 10:11:12 "]

# PyTorch's suffix after every CUDA error it raises (c10/cuda/CUDAMiscFunctions.cpp get_cuda_check_suffix and
# c10/cuda/CUDAException.h): harmless lines that must not change the category
CUDA_SUFFIX = (
    "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be "
    "incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1.\n"
    "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions."
)


# PyTorch core's shape checks, captured with torch 2.13.0+cpu (the call after each line). By the guiding sets'
# convention a shape error in the caller's own tensors is only inferred (shape_mismatch evidence), never claimed by a
# signature (tests/data/kb16b/README.md, pt_embeds_wrong_dim)
ATEN_SHAPE_LINES = [
    # torch.ones(2, 4) + torch.ones(2, 3)
    "RuntimeError: The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1",
    # torch.nn.Linear(4, 5)(torch.ones(2, 3))
    "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
    # torch.ones(6).view(2, 5)
    "RuntimeError: shape '[2, 5]' is invalid for input of size 6",
    # torch.nn.Conv2d(4, 8, 3)(torch.ones(1, 3, 8, 8))
    "RuntimeError: Given groups=1, weight of size [8, 4, 3, 3], expected input[1, 3, 8, 8] to have 4 channels, but "
    "got 3 channels instead",
    # torch.cat([torch.ones(2, 2), torch.ones(3, 3)], dim=1)
    "RuntimeError: Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor "
    "number 1 in the list.",
    # torch.stack([torch.ones(3), torch.ones(4)])
    "RuntimeError: stack expects each tensor to be equal size, but got [3] at entry 0 and [4] at entry 1",
    # torch.ones(2, 4).expand(2, 3)
    "RuntimeError: The expanded size of the tensor (3) must match the existing size (4) at non-singleton dimension 1."
    "  Target sizes: [2, 3].  Tensor sizes: [2, 4]",
    # torch.nn.GroupNorm(32, 64)(torch.ones(1, 60, 4, 4))
    "RuntimeError: Expected number of channels in input to be divisible by num_groups, but got input of shape "
    "[1, 60, 4, 4] and num_groups=32",
    # F.cross_entropy(torch.ones(2, 5), torch.zeros(3, dtype=torch.long))
    "ValueError: Expected input batch_size (2) to match target batch_size (3).",
    # F.conv2d(torch.ones(3, 8), torch.ones(8, 3, 3, 3))
    "RuntimeError: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 8]",
    # torch.cat([torch.ones(2, 2), torch.ones(2, 2, 2)])
    "RuntimeError: Tensors must have same number of dimensions: got 2 and 3",
    # torch.einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(4, 5))
    "RuntimeError: einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen "
    "size 3",
]


@pytest.mark.parametrize("i", range(len(ATEN_SHAPE_LINES)))
@pytest.mark.parametrize("prefix", PREFIXES)
def test_aten_shape_checks_are_inferred_shape_mismatch_behind_any_prefix(i, prefix):
    line = prefix + ATEN_SHAPE_LINES[i]
    assert infer_only(line)["category"] == "shape_mismatch"
    res = top(line)
    assert res[1] == "shape_mismatch" and res[0].startswith("inferred:"), res


def test_shape_evidence_leaves_the_loss_broadcast_warning_alone():
    # captured: torch 2.13.0+cpu, python -W always -c "F.mse_loss(torch.ones(2, 1), torch.ones(2, 3))": the run goes on
    warning = ("<string>:3: UserWarning: Using a target size (torch.Size([2, 3])) that is different to the input size "
               "(torch.Size([2, 1])). This will likely lead to incorrect results due to broadcasting. Please ensure "
               "they have the same size.")
    assert top(warning) == (None, None)


# (signature, category, examples to run, the runtime's string as PyTorch wraps it: "RuntimeError: CUDA error: ..." and
# its suffix) — error 46 in its newer wording, the allocator's and the runtime's out of memory
CUDA_FAMILIES = [
    ("AF751", "device_busy", 3, "CUDA-capable device(s) is/are busy or unavailable"),
    ("AF752", "device_oom", 2, "out of memory"),
]


@pytest.mark.parametrize("sig, category, n, runtime", CUDA_FAMILIES)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_cuda_runtime_families_in_their_wordings(prefix, sig, category, n, runtime):
    for i in range(n):
        assert top(prefix + example(sig, i=i)) == (sig, category), i
    assert top(prefix + "RuntimeError: CUDA error: " + runtime + "\n" + CUDA_SUFFIX) == (sig, category)


def test_busy_card_outranks_the_cuda_lazy_init_frame():
    # the traceback through torch.cuda's _lazy_init (AF157, cuda_on_npu) ends in the runtime's own reason
    frame = example("AF157")
    text = frame + "\nRuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable\n" + CUDA_SUFFIX
    assert "AF157" in hits(text)
    assert top(text) == ("AF751", "device_busy")


def test_no_device_is_not_a_busy_card():
    text = example("AF751", "no_match")
    assert "AF751" not in hits(text)
    assert top_category(text) != "device_busy"


def test_busy_evidence_names_device_busy_without_the_signature():
    assert infer_only(example("AF751", i=0))["category"] == "device_busy"



def test_host_allocator_is_not_gpu_memory():
    text = example("AF752", "no_match")
    assert "AF752" not in hits(text)
    assert top_category(text) == "host_oom"


def test_invalid_ordinal_and_uncorrectable_ecc():
    for prefix in PREFIXES:
        assert top(prefix + example("AF753")) == ("AF753", "cann_env")
        assert top(prefix + example("AF754")) == ("AF754", "device_unavailable")
        wrapped = prefix + "RuntimeError: CUDA error: invalid device ordinal\n" + CUDA_SUFFIX
        assert top(wrapped) == ("AF753", "cann_env")
    for sig in ("AF753", "AF754"):
        assert sig not in hits(example(sig, "no_match"))
    assert infer_only(example("AF754"))["category"] == "device_unavailable"


def test_cuda_suffix_alone_stays_silent_on_these_families():
    ranked = hits(CUDA_SUFFIX)
    assert not {"AF751", "AF752", "AF753", "AF754"} & set(ranked)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_argument_of_the_wrong_dtype_is_a_code_bug(prefix):
    for i in range(3):
        assert top(prefix + example("AF755", i=i)) == ("AF755", "tensor_mismatch"), i
    assert "AF755" not in hits(example("AF755", "no_match"))
    # a mask of the wrong type stays the masked_fill family (AF260)
    mask = example("AF260")
    assert "AF755" not in hits(mask)
