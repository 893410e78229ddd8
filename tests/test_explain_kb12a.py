"""Round 12a families (Ascend side), written from their emitting sources: model conversion failures as graph builds,
vLLM on Ray without an NPU resource, kernels built for another SoC, containers / users without device access.
Fast tier, in-process."""

from ascendfix.explain.codes import find_code
from explain_support import example, first, infer_only, ranked


def test_model_conversion_codes_are_graph_builds():
    """E19010 / EZ9010 (no parser for an optype) and E40021 (an op failed to compile) under ATC are graph_compile_crash
    by the convention in rules/explain_categories.yaml, even without AF182's full wording."""
    for line in ("E19010: something the parser printed",
                 "EZ9010: something the parser printed",
                 "E40021: Failed to compile Op [Conv_3]."):
        got = first(line)
        assert got is not None and got[1] == "graph_compile_crash", (line, got)


def test_the_onnx_parser_names_the_opset_and_ranks_above_its_code():
    text = example("AF182")
    order = ranked(text)
    assert (order[0].id, order[0].category) == ("AF182", "graph_compile_crash")
    assert order[0].captures.get("opset") == "11" and order[0].captures.get("op") == "Convx"
    # the current CANN wording (E16002) has no node and no domain prefix
    assert first(example("AF182", i=1)) == ("AF182", "graph_compile_crash")


def test_single_op_compile_failed_is_inferred_as_a_graph_build():
    # the MindSpore message (backend/kernel_compiler/tbe/tbe_kernel_compile.cc QueryProcess) without a code
    got = infer_only("RuntimeError: Single op compile failed, op: strided_slice_grad_d_1157509189447431479_0")
    assert got is not None and got["category"] == "graph_compile_crash", got


def test_ray_without_npu_resource_is_a_launch_problem_on_any_wrapped_part():
    # the three phrases of vLLM's message each suffice (terminals wrap the long line)
    for part in ("ValueError: Current node has no NPU available. current_node_resource={'CPU': 192.0}",
                 "ne cannot start without NPU. Make s",
                 "Make sure you have at least 1 NPU available in a node current_node_id='a7'"):
        assert first(part) == ("AF183", "dist_launch"), part
    # the CUDA platform's form is not AF183's (no Ascend cluster): kb21e's AF976 (the same vLLM check on GPUs) names it;
    # rev23b filed AF976 under cluster_setup with the other Ray placement families (AF1246 / AF1247 / AF290), AF183
    # stays dist_launch (see AF976's header)
    assert first(example("AF183", "no_match")) == ("AF976", "cluster_setup")


def test_kernel_package_for_another_soc_is_install():
    assert first(example("AF184")) == ("AF184", "install")
    assert first(example("AF184", i=1)) == ("AF184", "install")


def test_hdc_channel_errors_count_only_at_error_level():
    assert first(example("AF185")) == ("AF185", "device_unavailable")
    # the current runtime's dump server logs the same words as a warning and carries on
    warn = "[WARNING] IDEDD(1234,python):2025-01-01-00:00:00.000.000 [hdc_api.cpp:114]1234 HdcServerCreate: logDevId 0 create HDC failed, error: 31"
    assert all(h.id != "AF185" for h in ranked(warn))


def test_dcmi_minus_8005_is_permission_only_with_the_open_failure():
    assert first(example("AF186")) == ("AF186", "permission")
    # without "ret=4" (older driver wording, or a device held elsewhere) the earlier container family stands
    old = example("AF186", "no_match")
    assert all(h.id != "AF186" for h in ranked(old))
    assert first(old)[1] != "permission"
    # either line alone is not enough
    for line in example("AF186").split("\n"):
        assert all(h.id != "AF186" for h in ranked(line)), line


def test_code_rows_moved_are_curated_not_generated():
    for code in ("E19010", "EZ9010", "E40021"):
        fam, row, _ = find_code(code)
        assert fam is not None and row.category == "graph_compile_crash", code


# torch_npu's line when it cannot hand the operator compiler its options (AF096's example from MinerU #2258)
_SETOPT_500001 = ("RuntimeError: Initialize:build/CMakeFiles/torch_npu.dir/compiler_depend.ts:217 NPU function error: "
                  "at_npu::native::AclSetCompileopt(aclCompileOpt::ACL_PRECISION_MODE, precision_mode), error code is 500001")


def test_a_missing_compiler_dependency_names_the_environment_only_with_its_evidence():
    # captured: python3 -S -c 'import sympy' (CPython 3.11.7 without site-packages)
    missing = "ModuleNotFoundError: No module named 'sympy'"
    assert first(_SETOPT_500001 + "\n" + missing) == ("AF187", "cann_env")
    assert first(missing + "\n" + _SETOPT_500001) == ("AF187", "cann_env")
    # the code alone stays an inner error; the missing module alone is not CANN's
    assert first(_SETOPT_500001)[1] == "ascend_inner_error"
    assert all(h.id != "AF187" for h in ranked(missing))
    # a module CANN does not need is not this family
    assert all(h.id != "AF187" for h in ranked(_SETOPT_500001 + "\nModuleNotFoundError: No module named 'einops'"))


def test_numpy_2_against_cann_is_numpy_abi_when_the_log_says_so():
    for sid in ("AF021", "AF051"):
        text = _SETOPT_500001 + "\n" + example(sid)
        assert first(text)[1] == "numpy_abi", sid


def test_vision_sdk_unrecognised_chip_is_the_cann_environment():
    assert first(example("AF188")) == ("AF188", "cann_env")
    assert first(example("AF188", i=1)) == ("AF188", "cann_env")
