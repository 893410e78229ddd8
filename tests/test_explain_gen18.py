"""Round 18 (gen18): message catalogues of the CUDA runtime and PyTorch core for device_busy, device_unavailable,
device_oom, shape_mismatch (AF750-AF754 and their category evidence), written from the emitting sources (the CUDA
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


@pytest.mark.parametrize("i", range(14))
@pytest.mark.parametrize("prefix", PREFIXES)
def test_aten_shape_checks_are_one_shape_family_behind_any_prefix(i, prefix):
    assert top(prefix + example("AF750", i=i)) == ("AF750", "shape_mismatch")


def test_shape_family_leaves_warnings_and_dtype_errors_alone():
    warning = example("AF750", "no_match", 0)
    assert "AF750" not in hits(warning)
    # a dtype mismatch in the same matmul stays tensor_mismatch
    assert top(example("AF750", "no_match", 1)) == ("AF285", "tensor_mismatch")


def test_shape_stems_infer_shape_mismatch_without_the_signature():
    # the evidence alone names the category (other releases' wordings of the same checks)
    for i in (2, 5, 10, 11, 12, 13):
        assert infer_only(example("AF750", i=i))["category"] == "shape_mismatch", i


@pytest.mark.parametrize("prefix", PREFIXES)
def test_cuda_error_46_is_a_busy_card_in_both_wordings(prefix):
    for i in range(3):
        assert top(prefix + example("AF751", i=i)) == ("AF751", "device_busy"), i
    # PyTorch's wrapper and suffix around the runtime string (the example's wording, its newer form)
    newer = "RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable\n" + CUDA_SUFFIX
    assert top(prefix + newer) == ("AF751", "device_busy")


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


@pytest.mark.parametrize("prefix", PREFIXES)
def test_gpu_out_of_memory_in_allocator_and_runtime_words(prefix):
    for i in range(2):
        assert top(prefix + example("AF752", i=i)) == ("AF752", "device_oom"), i
    runtime = "RuntimeError: CUDA error: out of memory\n" + CUDA_SUFFIX
    assert top(prefix + runtime) == ("AF752", "device_oom")


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
    assert not {"AF750", "AF751", "AF752", "AF753", "AF754"} & set(ranked)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_argument_of_the_wrong_dtype_is_a_code_bug(prefix):
    for i in range(3):
        assert top(prefix + example("AF755", i=i)) == ("AF755", "tensor_mismatch"), i
    assert "AF755" not in hits(example("AF755", "no_match"))
    # a mask of the wrong type stays the masked_fill family (AF260)
    mask = example("AF260")
    assert "AF755" not in hits(mask)
