"""code27: the forms Ascend tools print error codes in, read by the code families (rules/codes/*.yaml ``detect``).

Each text is a line copied from a public page (cited), the same as the "train" texts of
benchmarks/bench_explain_codes.py and the family examples: an allocator's "acl Error, code: <ret>" (vllm-ascend
csrc/camem_allocator.cpp), another wrapper's "ACL ERROR: api=<api>, code=<ret>", torch_npu's HcclResult name
("HCCL_E_REMOTE: ..."). The forms whose only public instances found are logs of the guiding sets (MindX SDK's
"[507011][Error code unknown] ...", onnxruntime's "CANN errorEE9999", glog's "status == HCCL_SUCCESS (1 vs. 0)") are
checked on those logs, read by id from benchmarks/explain_validation (their text is not copied here).
"""

import os

import pytest

from explain_support import grep_prefilter_lines, hits, top
from ascendfix.explain.engine import explain_stream

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGS = os.path.join(ROOT, "benchmarks", "explain_validation", "logs")

FORMS = [
    # (text, code id explain names, category, source)
    ("acl Error, code: 207001 at /__w/vllm-ascend/vllm-ascend/csrc/camem_allocator.cpp:63", "207001", "device_oom",
     "https://github.com/vllm-project/vllm-ascend/issues/2546"),
    ("[2025-09-02 16:47:06.238344 +08:00] [UCMNFSSTORE] [E] ACL ERROR: api=aclrtMallocHost, code=107002, "
     "caller=MakeBuffer,aclrt_device.cc:106. [380106,381690] [aclrt_device.cc:35,AclrtApi]", "107002",
     "ascend_inner_error", "https://github.com/ModelEngine-Group/unified-cache-management/issues/143"),
    ("[Bug]: aclrtMemGetAllocationGranularity return Error, code: 100000", "100000", "ascend_inner_error",
     "https://github.com/vllm-project/vllm-ascend/issues/2171"),
    ("HCCL_E_REMOTE: A call failed possibly due to a network error or a remote process exiting prematurely.",
     "HCCL_E_REMOTE", "hccl", "https://github.com/Ascend/pytorch/blob/master/torch_npu/csrc/distributed/HCCLUtils.cpp"),
]


@pytest.mark.parametrize("text, code, category, source", FORMS, ids=[f[1] for f in FORMS])
def test_a_code_printed_in_a_tools_form_is_named(text, code, category, source):
    assert code in hits(text)
    assert top(text) == (code, category)


@pytest.mark.parametrize("text, code, category, source", FORMS, ids=[f[1] for f in FORMS])
def test_grep_and_python_paths_read_the_form_alike(text, code, category, source):
    import io

    for use_grep in (False, True):
        doc = explain_stream(io.BytesIO(text.encode("utf-8")), limit=3, use_grep=use_grep)
        assert [m["id"] for m in doc["matches"]][:1] == [code], use_grep


def test_the_grep_pre_filter_passes_each_form(tmp_path):
    got = grep_prefilter_lines([t for t, _, _, _ in FORMS], tmp_path)
    if got is None:
        pytest.skip("no grep")
    assert got == list(range(1, len(FORMS) + 1))


@pytest.mark.parametrize("text", [
    "[123456][INFO] worker started",            # a bracketed number before a one-word tag: a pid, not MindX
    "export HCCL_EXEC_TIMEOUT=1800",           # an HCCL variable, not an HcclResult name
    "HTTP error, code: 404",                   # not an AscendCL shape
    "order code: 999999 shipped",              # six digits outside the documented shapes
    # review: a documented shape with no AscendCL head and error word, a bracket pair that is no MindX GetErrorInfo,
    # an HcclResult name in code or a retry warning
    "postal code: 100071",
    "process exited with code: 161003",
    "[100000][Epoch Start] loss 0.23",
    "if (ret != HCCL_SUCCESS && ret != HCCL_E_AGAIN) {",
    "[WARNING] HCCL_E_AGAIN returned, retrying",
])
def test_look_alikes_are_not_codes(text):
    assert not [h for h in hits(text) if h.startswith("HCCL_E_") or h.isdigit()]


@pytest.mark.parametrize("log, code", [
    ("ak-gh-mindyolo-243-mindx-310b-om-infer-507011-model-execute-failed.log", "507011"),   # MindX GetErrorInfo
    ("b-xllm-350-hccl-get-root-info-failed.log", "HCCL_E_PARA"),                          # glog CHECK_EQ
])
def test_forms_seen_only_in_guiding_logs_are_read_there(log, code):
    path = os.path.join(LOGS, log)
    if not os.path.exists(path):
        pytest.skip("guiding log not present")
    with open(path, "rb") as fh:
        doc = explain_stream(fh, limit=3)
    assert code in [m["id"] for m in doc["matches"]]


def test_onnxruntimes_joined_cann_error_is_read_in_its_guiding_log():
    """onnxruntime's CANN EP joins "CANN error" and the message ("CANN errorEE9999: ..."): the detector reads the code on
    that line of the guiding log (in the whole log a CANN inner-error signature claims EE9999 and ranks above it)."""
    from ascendfix.explain.codes import load_families

    path = os.path.join(LOGS, "e-onnxruntime-15947-atlas200dk-ee9999-devmsg-offline-mode.log")
    if not os.path.exists(path):
        pytest.skip("guiding log not present")
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = [ln for ln in fh if "CANN errorE" in ln]
    assert lines
    found = {(f.name, d.code(m)) for ln in lines for f in load_families() for d in f.detectors
             for m in d.regex.finditer(ln)}
    assert ("cann", "EE9999") in found


def test_the_symbol_page_is_the_code_page():
    from ascendfix.explain.codes import find_code

    fam, row, key = find_code("ACL_ERROR_RT_AICORE_OVER_FLOW")
    fam2, row2, key2 = find_code(key)
    assert row is row2 and key == "207003"
    fam, row, key = find_code("HCCL_E_TIMEOUT")
    assert fam.name == "hccl" and key == "9"
