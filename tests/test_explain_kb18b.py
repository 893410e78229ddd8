"""Round 18 (kb18b): torch_npu and op-plugin message families, written from their emitting sources (op-plugin's
CANN-version and SoC checks and its aclnn lookup, torch_npu's ACL_OP_INIT_MODE and CPU-fallback checks, its device
check of an operator's input, its HCCL data-type refusal) and PyTorch's dispatcher for torch_npu's own operators.
Texts are signatures' own examples (sources in the YAML) or the torch_npu code table's example line; fast tier,
in-process."""

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, top, top_category

# the ERR code line torch_npu prints under an error (the example of rules/codes/torch_npu.yaml)
ERR_LINE = "[rank1]: [ERROR] 2025-04-08-18:07:20 (PID:1292363, Device:1, RankID:1) ERR01100 OPS call acl api failed."


@pytest.mark.parametrize("sig_id, category", [
    ("AF690", "cann_env"),
    ("AF691", "cann_env"),
    ("AF692", "kernel_unsupported"),
    ("AF693", "kernel_unsupported"),
    ("AF694", "kernel_unsupported"),
    ("AF695", "tensor_mismatch"),
    ("AF696", "tensor_mismatch"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for i, ex in enumerate(find_signature(sig_id).examples["match"]):
        assert top(ex["text"]) == (sig_id, category), (sig_id, i)


@pytest.mark.parametrize("sig_id", ["AF690", "AF691", "AF692", "AF693", "AF694", "AF695", "AF696"])
def test_specific_family_outranks_the_torch_npu_code_line(sig_id):
    # the ERR##### line is a wrapper (ascend_inner_error): the message above it names the cause
    text = example(sig_id) + "\n" + ERR_LINE
    assert top(text)[0] == sig_id


def test_cann_too_old_family_across_wordings():
    # op-plugin's "Current CANN version ..." and torch_npu's own event / batch-consistency checks: one family
    for i in range(3):
        assert top_category(example("AF690", i=i)) == "cann_env", i
    # the CANN / torch_npu pairing warning keeps its own signature
    for i in range(3):
        assert "AF690" not in hits(example("AF690", "no_match", i)), i
    assert top(example("AF044"))[0] == "AF044"
    # op-plugin's "requires CANN >= N ... Please upgrade CANN" TORCH_CHECK stays the family when it fails
    assert top("RuntimeError: torch_npu.npu_mhc_pre requires CANN >= 9.0.0. Please upgrade CANN.") == ("AF690", "cann_env")
    # a test run whose skipped test carries op-plugin's skip reason passed: nothing to report
    skipped = example("AF690", "no_match", 1) + "\n" + "-" * 70 + "\nRan 2 tests in 0.412s\n\nOK (skipped=1)"
    assert "AF690" not in hits(skipped)
    assert top(skipped) == (None, None)


def test_acl_op_init_mode_refusals_are_the_environment_not_a_graph_build():
    for i in range(2):
        assert top(example("AF691", i=i)) == ("AF691", "cann_env"), i
    assert "AF691" not in hits(example("AF691", "no_match"))


def test_chip_refusals_are_missing_kernels():
    for i in range(4):
        assert top(example("AF692", i=i)) == ("AF692", "kernel_unsupported"), i
    assert "AF692" not in hits(example("AF692", "no_match"))
    # a notice that goes on with another implementation names no missing kernel (review 18)
    notice = "npu_fusion_attention is not supported on this soc version, falling back to the small-ops implementation"
    assert "AF692" not in hits(notice)
    assert "AF673" not in hits("Feature X is not supported on this platform: npuArch=2201, skipping")
    assert "AF673" not in hits("aclnnFoo is not supported on the current platform, use default implementation")


def test_aclnn_lookup_failure_is_a_missing_kernel_but_its_fallback_warning_is_silent():
    assert top(example("AF693")) == ("AF693", "kernel_unsupported")
    # DO_COMPATIBILITY's warning says it will call the aclop kernel instead: no diagnosis from it
    assert "AF693" not in hits(example("AF693", "no_match"))


def test_cpu_fallback_refused_versus_the_fallback_warning():
    assert top(example("AF694")) == ("AF694", "kernel_unsupported")
    warning = example("AF694", "no_match")
    assert "AF694" not in hits(warning)
    # the dense fallback's warning stays AF020's note, never an error of its own
    assert top(warning)[0] in (None, "AF020")


def test_npu_operator_on_cpu_tensors_is_a_device_mix_not_a_missing_kernel():
    assert top(example("AF695")) == ("AF695", "tensor_mismatch")
    # an aten operator without an NPU kernel stays AF042
    assert top(example("AF695", "no_match")) == ("AF042", "kernel_unsupported")


def test_widened_families():
    # AF284: torch_npu's bare "Expected NPU tensor" check
    bare = [ex["text"] for ex in find_signature("AF284").examples["match"] if ex["text"].startswith("RuntimeError: Expected NPU")]
    assert bare and top(bare[0]) == ("AF284", "tensor_mismatch")
    # AF087: HCCL refusing a tensor dtype
    hccl = [ex["text"] for ex in find_signature("AF087").examples["match"] if "HCCL process group" in ex["text"]]
    assert hccl and top(hccl[0]) == ("AF087", "kernel_unsupported")


def test_generator_on_another_device_is_a_device_mix():
    assert top(example("AF696")) == ("AF696", "tensor_mismatch")
    assert "AF696" not in hits(example("AF696", "no_match"))


def test_hccl_watchdog_line_with_numel_and_timeout_fields_alone():
    # torch_npu's WorkHCCL prints "Timeout(ms)=..." inside its parentheses: the watchdog line alone is AF036
    first = example("AF036").split("\n")[0]
    assert "Timeout(ms)=" in first
    assert top(first) == ("AF036", "hccl")
    # the NCCL watchdog stays AF661's
    assert top(example("AF036", "no_match"))[0] != "AF036"
