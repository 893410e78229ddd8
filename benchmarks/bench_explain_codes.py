"""Does `ascendfix explain` name the Ascend error code a line prints, in the forms real tools print it?

    python benchmarks/bench_explain_codes.py                 # both halves: how many texts name the right code
    python benchmarks/bench_explain_codes.py --misses        # also each text that does not
    python benchmarks/bench_explain_codes.py --json
    python benchmarks/bench_explain_codes.py --root /tmp/x   # the same texts, read by the ascendfix checkout at /tmp/x
                                                             # (before / after: a copy of main from `git archive main`)

Every text is a line (or an issue title) copied from a public page, cited in ``source``; none is written here. Each
names one code in one *form*: the way the emitting software prints it (an allocator's "acl Error, code: 207001",
torch_npu's "HCCL_E_REMOTE: ...", torch_npu's "error code is 507035", AscendCL samples' "errorCode = 507033", HCCL's
"errNo[0x...5000002]", ...). No text comes from a page that is the source of a guiding-set log
(benchmarks/explain_validation, sets A..AL): the forms whose only public instances found are guiding logs (MindX SDK's
"[507011][Error code unknown]", onnxruntime's "CANN errorEE9999", glog's "status == HCCL_SUCCESS (1 vs. 0)") are
measured by the guiding run and tests/test_explain_code_forms.py reads those logs by id.

The texts are in two halves. ``train``: the texts the code-family detectors (rules/codes/*.yaml ``detect``) were written
or checked from. ``validation``: texts found while surveying that no detector was written from; they say whether the
forms generalise. A text *names the right code* when explain's answer (the default three results, both pre-filter
paths: pure Python and grep) holds a code entry with the expected id — a signature ranked above it is fine (a
specific signature outranks a code entry by design), as long as the code is still among the results — or when a
signature in the answer claims the code (its ``codes:``; the code entry is then left out by design: the signature
says more about that code than the table).
"""

import argparse
import io
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (split, form, expected id, text, source)
TEXTS = [
    # -- train: the forms the detectors were written from ------------------------------------------------------
    # (review: the "ACL ERROR: api=..., code=" and "return Error, code:" texts moved here from validation — the bare
    # "code" detector's comment cites the first, and the review narrowed that detector with both in view)
    ("train", "acl Error, code: N", "207001",
     "acl Error, code: 207001 at /__w/vllm-ascend/vllm-ascend/csrc/camem_allocator.cpp:63",
     "https://github.com/vllm-project/vllm-ascend/issues/2546"),
    ("train", "HCCL_E_ name", "HCCL_E_REMOTE",
     "HCCL_E_REMOTE: A call failed possibly due to a network error or a remote process exiting prematurely.",
     "https://github.com/Ascend/pytorch/blob/master/torch_npu/csrc/distributed/HCCLUtils.cpp"),
    ("train", "OPS function error: Hccl…, error code is N", "HCCL_E_NOT_FOUND",
     "[rank1]: RuntimeError: InnerRunOpApi:torch_npu/csrc/framework/OpParamMaker.cpp:281 OPS function error: "
     "HcclAllreduce, error code is 6",
     "https://github.com/vllm-project/vllm-ascend/issues/486"),
    ("train", "error code:N", "507015",
     "[Bug]: 高频出现 RuntimeError: ACL stream synchronize failed, error code:507015 问题",
     "https://github.com/vllm-project/vllm-ascend/issues/5661"),
    ("train", "ACL_ERROR_ name", "507009",
     "Ascend310P vir01/vir04 vNPU fails to load CANN 8/9 OM with `ACL_ERROR_RT_TASK_TYPE_NOT_SUPPORT`",
     "https://github.com/Project-HAMi/HAMi/issues/1846"),
    ("train", "ACL ERROR: api=…, code=N", "107002",
     "[2025-09-02 16:47:06.238344 +08:00] [UCMNFSSTORE] [E] ACL ERROR: api=aclrtMallocHost, code=107002, "
     "caller=MakeBuffer,aclrt_device.cc:106. [380106,381690] [aclrt_device.cc:35,AclrtApi]",
     "https://github.com/ModelEngine-Group/unified-cache-management/issues/143"),
    ("train", "return Error, code: N", "100000",
     "[Bug]: aclrtMemGetAllocationGranularity return Error, code: 100000",
     "https://github.com/vllm-project/vllm-ascend/issues/2171"),
    ("validation", "runtime result = N", "507033",
     "aclrtSetDevice: open device 0 failed, runtime result = 507033",
     "https://github.com/Ascend/samples/issues/21"),
    ("validation", "<api>(…) failed: N", "507033",
     "[ERROR] aclrtSetDevice(deviceId) failed: 507033 (/tmp/ptoas-board-monitor/runs/20260324_120504_merged_pr341/"
     "npu_validation/PyPTOIRParser/orchestration_example_kernel_mul/main.cpp:72)",
     "https://github.com/hw-native-sys/PTOAS/pull/341"),
    ("validation", "<api> (…) failed: N", "507018",
     "[ERROR] run: rtStreamSynchronize (AICPU) failed: 507018",
     "https://github.com/hw-native-sys/simpler/issues/84"),
    ("validation", "error code:N", "507048",
     "RuntimeError: ACL stream synchronize failed, error code:507048",
     "https://github.com/DeepLink-org/dlinfer/issues/201"),
    ("validation", "errNo[0x…5000002]", "HCCL_E_PTR",
     "[ERROR] HCCL(36035,mindie_llm_backend_connector):2025-05-13-02:25:58.068.817 [op_base.cc:974][36818][Init]"
     "[CommRootInfoConfig]errNo[0x0000000005000002]HcclCommInitRootInfo failed.",
     "https://github.com/gpustack/gpustack/issues/2021"),
    ("validation", "retcode:N", "507011",
     "[ERROR] RUNTIME(420723,msame):2022-08-17-04:49:06.339.091 [callback.cc:91]420723 Notify:notify "
     "[_DEFAULT_MODEL_NAME_] task fail start.notify taskid:2 streamid:3 retcode:507011",
     "https://www.hiascend.com/doc_center/source/zh/canncommercial/601/troublemanagement/troubleshooting/"
     "troubleshooting_0104.html"),
    ("validation", "hccl…(…), error code is N (head trimmed)", "HCCL_E_TCP_CONNECT",
     "[Usage]: How to troubleshoot the \u201chcclCommInitRootInfoConfig(xxx), error code is 11",
     "https://github.com/vllm-project/vllm-ascend/issues/3196"),
    ("validation", "error code N (…)", "507015",
     "[Bug]: ACL graph capture fails with error code 507015 (MTE DDR address out of range) on W8A8 large model "
     "with default config",
     "https://github.com/vllm-project/vllm-ascend/issues/16581"),
    ("validation", "NPU function error: …, error code is N (in JSON)", "507033",
     "mineru-npu-model-server   | 2025-11-19 11:14:58.028 | ERROR    | __main__:doc_parse:95 | Dispatch error to "
     "http://127.0.0.1:8100/infer: 500: {\"detail\":\"Initialize:build/CMakeFiles/torch_npu.dir/compiler_depend.ts:152 "
     "NPU function error: c10_npu::SetDevice(device_id_), error code is 507033\\n[ERROR] 2025-11-19-11:14:58 "
     "(PID:356, Device:0, RankID:-1) ERR00100 PTA call acl api failed\\n[Error]: Failed to start the device. ",
     "https://github.com/vllm-project/vllm-ascend/issues/4284"),
]


def answer(explain_stream, text, use_grep):
    doc = explain_stream(io.BytesIO(text.encode("utf-8")), limit=3, use_grep=use_grep)
    return [(m["id"], m.get("kind")) for m in doc["matches"]]


def run(root):
    sys.path.insert(0, root)
    from ascendfix.explain.engine import explain_stream
    from ascendfix.explain.kb import find_signature

    def claims(sig_id, code):
        sig = find_signature(sig_id)
        return sig is not None and any(c.match(code) for c in getattr(sig, "codes", ()) or ())

    halves, misses, disagree = {}, [], []
    t0 = time.time()
    for split, form, want, text, source in TEXTS:
        got = answer(explain_stream, text, False)
        got_grep = answer(explain_stream, text, True)
        named = any((i == want and k == "code") or (k == "signature" and claims(i, want)) for i, k in got)
        if got != got_grep:
            disagree.append({"text": text[:100], "python": got, "grep": got_grep})
        h = halves.setdefault(split, {"texts": 0, "named": 0, "top": 0})
        h["texts"] += 1
        h["named"] += named
        h["top"] += bool(got) and (got[0][0] == want or (got[0][1] == "signature" and claims(got[0][0], want)))
        if not named:
            misses.append({"split": split, "form": form, "want": want, "got": got, "source": source})
    return {"root": root, "halves": halves, "misses": misses, "grep_disagrees": disagree,
            "seconds": round(time.time() - t0, 1)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT, help="the ascendfix checkout to read the texts with (default: this one)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list each text whose answer does not name its code")
    args = ap.parse_args(argv)
    doc = run(os.path.abspath(args.root))
    if not args.misses:
        doc.pop("misses")
    if args.json:
        print(json.dumps(doc, indent=1, ensure_ascii=False))
        return 0
    print("ascendfix at {}".format(doc["root"]))
    for split, h in doc["halves"].items():
        print("{:<11} {:>2} texts: right code named {:>2}/{:<2}  (first answer {:>2})".format(
            split, h["texts"], h["named"], h["texts"], h["top"]))
    print("pure-Python and grep pre-filter paths disagree on {} text(s)".format(len(doc["grep_disagrees"])))
    for m in doc.get("misses", []):
        print("  miss [{split}] {form}: want {want}, got {got}  ({source})".format(**m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
