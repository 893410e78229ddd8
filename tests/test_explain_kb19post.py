"""Round 19 (post19): five common families written from their emitting sources, each checked on its real lines with
the prefixes a log puts in front of them (a timestamp, a launcher's [rank0]:, a log level) and on a benign neighbour
that must stay quiet:

1. nvidia-smi / NVML unable to reach the NVIDIA kernel driver (AF780, device_unavailable; the Ascend analogue,
   npu-smi's "dcmi module initialize failed", is AF052);
2. an ONNX model stamped with a newer IR version than onnxruntime / the onnx checker reads (AF781, version_skew);
3. Hugging Face tokenizers failing to parse a tokenizer.json written by a newer release (AF782, version_skew);
4. MindSpore's device memory pool in its own words: the raw "#umsg#" form and the eager-free path (AF006 widened,
   device_oom);
5. torch's fake-tensor layer failing during graph capture (AF783 and category evidence, graph_compile_crash).

Texts are the signatures' own examples (captures made for this round in scratch environments: onnx 1.23.2 /
onnxruntime 1.32.0, tokenizers 0.23.3 writing and 0.13.3 reading, torch 2.13.0+cpu) or lines with only the open part
of the emitting template filled in, or a log prefix added. Fast tier, in-process."""

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, infer_only, top, top_category


def inferred(text):
    found = infer_only(text)
    return found["category"] if found else None


@pytest.mark.parametrize("sig_id,category", [
    ("AF780", "device_unavailable"), ("AF781", "version_skew"), ("AF782", "version_skew"),
    ("AF783", "graph_compile_crash"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        assert top(ex["text"]) == (sig_id, category), (sig_id, ex["text"][:120])


PREFIXES = ("", "[rank0]: ", "2026-12-05 05:10:11,532 - ERROR - ", "ERROR: ", "E1205 05:11:58.902000 12909 run.py:42] ")


# -- 1. nvidia-smi / NVML ------------------------------------------------------------------------------------------
NVIDIA_LINES = [
    example("AF780", i=0),
    example("AF780", i=1),
    # the same NVML string after the prefixes of the libraries that print it: nvidia-container-cli ("nvml error: %s"),
    # NCCL ("nvmlInit_v2() failed: %s"), Slurm's gpu_nvml.c ("Failed to initialize NVML: %s")
    "nvidia-container-cli: initialization error: nvml error: driver/library version mismatch: unknown",
    "NCCL WARN nvmlInit_v2() failed: Driver/library version mismatch",
    "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that the NVIDIA Display Driver "
    "is properly installed and present in your system.",
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("line", NVIDIA_LINES)
def test_nvidia_management_layer_cannot_reach_the_driver(line, prefix):
    assert top(prefix + line) == ("AF780", "device_unavailable")


def test_nvidia_neighbours_stay_quiet():
    # a working nvidia-smi banner and a missing nvidia-smi binary
    for text in find_signature("AF780").examples["no_match"]:
        assert "AF780" not in hits(text["text"])
    # NVML's other messages name other causes (AF780 claims only the driver it cannot reach)
    assert "AF780" not in hits("Failed to initialize NVML: Insufficient Permissions")
    # npu-smi's own refusal stays AF052
    assert top("dcmi module initialize failed. ret is -8005")[0] == "AF052"


# -- 2. ONNX IR version ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", PREFIXES)
def test_onnx_ir_version_newer_than_the_reader(prefix):
    for i in range(2):
        assert top(prefix + example("AF781", i=i)) == ("AF781", "version_skew")
    # older onnx releases without the numbers (onnx/checker.cc before the versions were added)
    assert top(prefix + "onnx.onnx_cpp2py_export.checker.ValidationError: Your model ir_version is higher than the "
                        "checker's.") == ("AF781", "version_skew")


def test_onnx_opset_warnings_stay_quiet():
    for text in find_signature("AF781").examples["no_match"]:
        assert "AF781" not in hits(text["text"])
        assert top(text["text"]) == (None, None)


# -- 3. tokenizers --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", PREFIXES)
def test_tokenizer_json_from_a_newer_tokenizers(prefix):
    for i in range(4):
        line = example("AF782", i=i).split("\n")[-1]
        assert top(prefix + line) == ("AF782", "version_skew")


def test_tokenizer_wrapped_by_mindie_and_transformers():
    inner = example("AF782", i=0).split("\n")[-1][len("Exception: "):]
    # MindIE LLM's wrapper (the log format and wording of AF028's example)
    mindie = ("[2025-04-15 16:40:05.552024] [17310] [281473799454720] [llm] [ERROR] [model_deploy_config.cpp:159] "
              "Failed to get vocab size from tokenizer wrapper with exception: " + inner)
    assert top(mindie) == ("AF782", "version_skew")
    # the wrapper with another inner cause keeps its own answer (AF028: a model type the stack does not know)
    assert top(example("AF028"))[0] != "AF782"


def test_other_untagged_enums_and_broken_files_stay_quiet():
    # a truncated tokenizer.json is a broken file, not a version skew
    assert "AF782" not in hits(find_signature("AF782").examples["no_match"][0]["text"])
    # serde's sentence from another Rust program names another enum (serde_derive's generic fallthrough message)
    assert "AF782" not in hits("data did not match any variant of untagged enum Message")


# -- 4. MindSpore device memory ---------------------------------------------------------------------------------------
MS_LINES = [
    # gpu_memory_allocator.cc, the raw glog form
    "#umsg#Memory not enough:#umsg#Alloc device memory[1073741824] failed.",
    "#umsg#Memory not enough:#umsg#Current free memory size[0] is smaller than required size[1073741824].",
    # graph_scheduler's Split-tuple copy (MS_LOG(EXCEPTION) "#umsg#Memory not enough:#umsg#Device(id:" ...)
    "#umsg#Memory not enough:#umsg#Device(id:0) memory isn't enough and alloc failed, kernel name: Split tuple "
    "outputs, alloc size: 1024B.",
    # mem_dynamic_allocator.cc's eager-free path, MS_LOG(ERROR) in MindSpore's glog header
    "[ERROR] PRE_ACT(145615,fffbdf67f120,python):2025-01-12-09:48:13.703.514 "
    "[mindspore/ccsrc/backend/common/mem_reuse/mem_dynamic_allocator.cc:392] AddMemBlockAndMemBufByEagerFree] "
    "AllocDeviceMemByEagerFree failed, alloc_size : 0.",
    # the older Ascend memory manager ("Device " << device_id << " is occupied, malloc device memory failed, size[")
    "RuntimeError: Device 0 is occupied, malloc device memory failed, size[32212254720], ret[207001]",
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("line", MS_LINES)
def test_mindspore_device_memory_in_its_own_words(line, prefix):
    assert top(prefix + line) == ("AF006", "device_oom")


def test_mindspore_memory_neighbours_stay_quiet():
    # the dataset pipeline's host-side "Out of memory" (AF006's own no_match) and a GPU allocator misuse
    assert "AF006" not in hits(find_signature("AF006").examples["no_match"][0]["text"])
    assert "AF006" not in hits("#umsg#GPU memory error:#umsg#The memory alloc size is 0.")


# -- 5. fake tensors ------------------------------------------------------------------------------------------------
FAKE_LINES = [
    "torch._subclasses.fake_tensor.DynamicOutputShapeException: aten.nonzero.default",
    "torch._subclasses.fake_tensor.DataDependentOutputException: aten._local_scalar_dense.default",
    "torch._subclasses.fake_tensor.UnsupportedFakeTensorException: quantized nyi in meta tensors",
    # UnsupportedOperatorException(func) for an operator with no fake implementation (fake_tensor.py), a custom op
    "torch._subclasses.fake_tensor.UnsupportedOperatorException: npu.npu_fusion_attention.default",
    "fake tensor raised TypeError",
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("line", FAKE_LINES)
def test_fake_tensor_failures_are_graph_capture(line, prefix):
    assert top(prefix + line) == ("AF783", "graph_compile_crash")


def test_multiple_dispatch_needs_the_fake_tensor_handler():
    text = example("AF783", i=4)
    assert top(text) == ("AF783", "graph_compile_crash")
    head = text.split("\n")[0]
    # the TypeError line alone is supporting evidence only; the category evidence still reads it as graph capture
    assert "AF783" not in hits(head)
    assert inferred(head) == "graph_compile_crash"
    # a tensor subclass of its own (no fake tensor among the handlers): not claimed by AF783
    other = ("TypeError: Multiple dispatch failed for 'torch._ops.aten.linear.default'; all __torch_dispatch__ "
             "handlers returned NotImplemented:\n\n  - tensor subclass <class 'ggml_tensor.GGMLTensor'>")
    assert "AF783" not in hits(other)


def test_fake_tensor_evidence_alone_names_graph_capture():
    # the category evidence, with no signature loaded, on each exception line
    for line in FAKE_LINES[:4]:
        assert inferred("[rank0]: " + line) == "graph_compile_crash", line


def test_fake_tensor_neighbours_stay_quiet():
    for text in find_signature("AF783").examples["no_match"]:
        assert "AF783" not in hits(text["text"])
    # dynamo's graph break after the fake-tensor TypeError stays AF173's
    assert top(find_signature("AF783").examples["no_match"][1]["text"])[0] == "AF173"


# -- post-measure, set X: scaled_dot_product_attention's mask dtype check ----------------------------------------------
# captured: torch 2.13.0+cpu (/opt/wheels wheel in a scratch venv), `F.scaled_dot_product_attention(q, q, q,
# attn_mask=torch.zeros(1, 1, 4, 4, dtype=torch.half))` with q = torch.randn(1, 2, 4, 8) (float32): its last line
SDPA_MASK = ("RuntimeError: Expected attn_mask dtype to be bool or float or to match query dtype, but got "
             "attn_mask.dtype: c10::Half and  query.dtype: float instead.")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sdpa_mask_of_another_dtype_is_tensor_mismatch(prefix):
    found = infer_only(prefix + SDPA_MASK)
    assert found is not None and found["category"] == "tensor_mismatch"
