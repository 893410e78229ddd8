"""Root cause first, on real excerpts: a specific cause ranks above the generic inner error around it, a
collective timeout ranks above the runtime's own timeout code, and generic ("a runtime task failed") table rows
never outrank a specific consequence. Every excerpt is copied from the public thread named next to it.
"""

import json

import pytest

from ascendfix.data import data_root, load_yaml
from ascendfix.explain.engine import Matcher, explain_text, rank_key
from ascendfix.explain.faults import load_fault_families

# https://github.com/vllm-project/vllm-ascend/issues/1443 — a notify-wait timeout seen from a healthy rank: torch_npu
# reports the runtime's timeout code 507048 first, CANN's EI0002 last
NOTIFY_WAIT_TORCH_NPU = """\
(train pid=8464)     return torch_npu._C._npu_synchronize()
(train pid=8464) RuntimeError: npuSynchronizeDevice:build/CMakeFiles/torch_npu.dir/compiler_depend.ts:479 NPU function error: AclrtSynchronizeDeviceWithTimeout, error code is 507048
(train pid=8464) [ERROR] 2025-06-25-10:45:23 (PID:13075, Device:0, RankID:8) ERR00100 PTA call acl api failed
(train pid=8464) [Error]: The execution of the internal task times out.
(train pid=8464)         Rectify the fault based on the error information in the ascend log.
(train pid=8464) EI0002: [PID: 13075] 2025-06-25-10:45:23.586.187 The wait execution of the Notify register times out. Reason: The Notify register has not received the Notify record from remote rank: [unknown]. base information: [streamID:[1], taskID[8318285], tag[AllReduce_group_name_710], A
"""

# https://github.com/Ascend/pytorch/issues/158 — an aclnn dtype check under torch_npu's generic wrapper lines
ACLNN_DTYPE = """\
RuntimeError: add_out_npu_nocheck:third_party/op-plugin/op_plugin/ops/opapi/AddKernelNpuOpApi.cpp:52 NPU function error: call aclnnAdds failed, error code is 161002
[ERROR] 2026-08-03-15:41:28 (PID:235311, Device:0, RankID:0) ERR00100 PTA call acl api failed.
[PID: 235311] 2026-08-03-15:41:28.117.010 AclNN_Parameter_Error(EZ1001): Tensor self not implemented for DT_UINT64, should be in dtype support list [DT_FLOAT,DT_INT32,DT_INT64,DT_FLOAT16,DT_INT16,DT_INT8,DT_UINT8,DT_DOUBLE,DT_BOOL,DT_BFLOAT16,DT_COMPLEX64,DT_COMPLEX128,].
"""

# https://github.com/hiyouga/LlamaFactory/issues/3796 — a missing kernel binary inside an EZ9999 block
NO_BINARY_UNDER_EZ9999 = """\
[E OpParamMaker.cpp:273] call aclnnEqScalar failed, detail:EZ9999: Inner Error!
EZ9999: 2024-05-17-18:46:14.721.067  Op Equal does not has any binary.
        TraceBack (most recent call last):
        Kernel Run failed. opType: 88, Equal
        launch failed for Equal, errno:561000.
"""

# https://github.com/modelscope/ms-swift/issues/2517 — only the operator is named, the CANN error is generic
OP_ONLY_UNDER_EZ9999 = "RuntimeError: call aclnnIndex failed, detail:EZ9999: Inner Error!"


def _ranked(text):
    m = Matcher()
    m.feed_lines(text.split("\n"))
    return m.ranked()


def test_collective_timeout_outranks_the_runtime_timeout_code():
    ms = explain_text(NOTIFY_WAIT_TORCH_NPU, limit=None)
    assert ms[0]["id"] == "AF037" and ms[0]["category"] == "hccl"
    by_id = {m["id"]: m for m in ms}
    assert by_id["507048"]["role"] == "consequence"  # the runtime's timeout says only that something waited
    assert by_id["AF027"]["role"] == "wrapper"
    assert all(m["category"] != "cann_env" for m in ms)  # torch_npu's synchronize wrapper is not an env problem


def test_specific_dtype_check_outranks_torch_npu_wrappers():
    ms = explain_text(ACLNN_DTYPE, limit=None)
    assert ms[0]["id"] == "AF059" and ms[0]["category"] == "kernel_unsupported"
    assert "aclnnAdds" in ms[0]["cause"] and "DT_UINT64" in ms[0]["cause"]
    rest = {m["id"]: m for m in ms[1:]}
    assert rest["AF027"]["consequence_of"] == "AF059"


def test_missing_binary_outranks_ez9999_and_the_operator_wrapper():
    ids = [m["id"] for m in explain_text(NO_BINARY_UNDER_EZ9999, limit=None)]
    assert ids[0] == "AF019"
    assert ids.index("AF077") < ids.index("AF025")  # the named operator says more than the bare inner error


def test_named_operator_outranks_the_bare_inner_error():
    ms = explain_text(OP_ONLY_UNDER_EZ9999, limit=None)
    assert [m["id"] for m in ms][:2] == ["AF077", "AF025"]
    assert ms[0]["category"] == "kernel_unsupported" and "aclnnIndex" in ms[0]["cause"]


def test_generic_code_causes_rank_between_consequences_and_wrappers():
    hits = {h.id: h for h in _ranked(NOTIFY_WAIT_TORCH_NPU + ACLNN_DTYPE)}
    # 161002 is an operator-category row (tier 1): it stays above the HCCL consequence
    assert rank_key(hits["AF059"]) < rank_key(hits["AF037"])
    # https://github.com/hw-native-sys/PTOAS/pull/982 — an AscendCL sample reporting the runtime's return code
    line = ("[ERROR] aclrtSynchronizeStream(stream) failed: 507035 (/home/zhongxuan/ptoas-board-monitor/runtime/runs/"
            "20260724_001611_merged_pr982/npu_validation/CommSync/comm_p2p_binding_variants/main.cpp:122)")
    generic = [h for h in _ranked(line) if h.kind == "code"]
    assert generic and generic[0].category == "ascend_inner_error" and rank_key(generic[0])[0] == 2.5


def test_fault_table_roles_and_categories_name_existing_entries():
    doc = load_yaml(data_root("rules") / "faults" / "ascend-fd.yaml")
    with open(str(data_root("rules") / "faults" / "ascend-fd-table.json"), encoding="utf-8") as fh:
        ids = {e["id"] for e in json.load(fh)["entries"]}
    for key in ("roles", "categories"):
        unknown = sorted(set(doc.get(key) or {}) - ids)
        assert not unknown, "{}: unknown fault ids {}".format(key, unknown)
    rules = {r.id: r for fam in load_fault_families() for r in fam.rules}
    # torch_npu's "the operator is called asynchronously" note and synchronize failure wrap the real error
    assert rules["AISW_PyTorch_Train_15"].role == "wrapper" and rules["AISW_PyTorch_Train_15"].category == "ascend_inner_error"
    assert rules["AISW_CANN_Runtime_021"].role == "consequence" and rules["AISW_CANN_Runtime_021"].category == "hccl"


@pytest.mark.parametrize("code,role", [("507046", "consequence"), ("507047", "consequence"), ("507048", "consequence"),
                                        ("E90001", "cause"), ("E89999", "wrapper"), ("EI0002", "consequence")])
def test_code_roles(code, role):
    from ascendfix.explain.codes import find_code

    fam, row, _ = find_code(code)
    assert row is not None and row.role == role
    if code.startswith("E9"):
        assert row.category == "kernel_unsupported"
    if code.endswith("9999"):  # a module's generic "Inner Error!": the lines after it name the cause
        assert row.category == "ascend_inner_error"


def test_framework_summary_lines_are_wrappers_below_any_code():
    """MindSpore's "Ascend kernel runtime initialization failed" (AF097) and torch_npu's "HCCL watchdog thread terminated
    with exception" (AF098) only announce an error printed with them: a runtime return code in the same log (a real
    line from the ACL code table's examples) ranks above them, and alone they still name their category."""
    from ascendfix.explain.codes import load_families
    from ascendfix.explain.engine import Matcher
    from ascendfix.explain.kb import find_signature

    assert find_signature("AF097").role == "wrapper" and find_signature("AF098").role == "wrapper"
    wrapper_line = find_signature("AF097").examples["match"][0]["text"]
    acl = next(f for f in load_families() if f.name == "acl")
    code_line = next(ex["text"] for ex in acl.examples["match"] if ex.get("id") == "507018")
    m = Matcher()
    m.feed_lines([wrapper_line, code_line])
    ids = [d["id"] for d in m.results()]
    assert ids.index("507018") < ids.index("AF097"), ids
    alone = Matcher()
    alone.feed_lines([wrapper_line])
    # alone, MindSpore's summary names no reason: a generic inner error, not "device unavailable"
    assert [d["category"] for d in alone.results()][:1] == ["ascend_inner_error"]


def test_a_cause_read_from_warnings_only_ranks_after_a_failure():
    """A warning the run went past (a quiet hit) ranks after causes and consequences read from failing lines."""
    from types import SimpleNamespace as NS

    from ascendfix.explain.engine import _warnings_after_failures

    warn = NS(role="cause", loud=False, sig=NS(warning_is_cause=False), kind="signature", id="warn")
    fail = NS(role="cause", loud=True, sig=NS(warning_is_cause=False), kind="signature", id="fail")
    wrap = NS(role="wrapper", loud=True, sig=NS(warning_is_cause=False), kind="signature", id="wrap")
    told = NS(role="cause", loud=False, sig=NS(warning_is_cause=True), kind="signature", id="told")
    ids = lambda hits: [h.id for h in hits]  # noqa: E731
    assert ids(_warnings_after_failures([warn, fail, wrap])) == ["fail", "warn", "wrap"]
    assert ids(_warnings_after_failures([warn, wrap])) == ["warn", "wrap"]  # no failure: unchanged
    assert ids(_warnings_after_failures([told, fail])) == ["told", "fail"]  # the warning is the failure


def test_spdlog_and_year_stamped_glog_headers_are_read():
    """C++ loggers in Ascend serving stacks: spdlog-style "[time] [error] [pid] [file:line]" (ATB, from AF010's
    example) and glog >= 0.7 with the year (xLLM, from AF083's example)."""
    from ascendfix.explain import lines

    info = lines.parse("[2025-05-13 02:25:58.64217] [error] [36815] [hccl_runner.cpp:132] AllGatherHcclRunner:0 "
                       "HcclCommInitRootInfo fail, error:2, rank:1, rankSize:4")
    assert info.level == "ERROR" and info.message.startswith("AllGatherHcclRunner:0")
    info = lines.parse("E20260821 17:32:26.321024 84730 acl_graph_executor_impl.cpp:464] ACL graph capture_end "
                       "during cleanup failed: capture_end:torch_npu/csrc/core/npu/NPUGraph.cpp:247")
    assert info.level == "ERROR" and info.message.startswith("ACL graph capture_end")
