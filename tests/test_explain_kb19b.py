"""Round 19 (ev19b): category evidence that generalizes, for graph_compile_crash, kernel_unsupported, hccl,
dist_launch, device_unavailable, cluster_setup and ascend_inner_error (rules/explain_categories.yaml, the entries
marked "ev19b"). Each entry is checked with the inference alone (no signature, no fault entry) on a line its
emitting source prints — a template of that source with its placeholders filled, not a signature's example — and on
a neighbour or harmless line it must not claim. Fast tier, in-process."""

import pytest

from explain_support import infer_only


def cat(text):
    found = infer_only(text)
    return found["category"] if found else None


# (text, category the inference alone names) — the source each line's wording comes from in the comment
NAMED = [
    # torch/_dynamo/exc.py BackendCompilerFailed ("backend={name!r} raised:") around torch/_inductor/exc.py
    # LoweringException, https://github.com/pytorch/pytorch/blob/v2.7.0/torch/_inductor/exc.py
    ("torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:\n"
     "LoweringException: AssertionError: \n  target: aten.index_put_.default", "graph_compile_crash"),
    # AscendNPU-IR's BiShengLIR compile step (mod.emitError "Failed to compile BiShengLIR to binary") at triton-ascend's
    # kernel file, https://github.com/Ascend/triton-ascend/blob/eeb030e7bb71f8a251c5d378dbe2977e8b8dbb83/docs/en/programming_guide.md
    ('E loc("/tmp/tmpq1w2e3r4/kernel.ttadapter.mlir":1:1): error: Failed to compile BiShengLIR to binary',
     "graph_compile_crash"),
    # MindSpore's AKG kernel metadata lookup (MS_LOG(EXCEPTION) << "Akg dose not has metadata of op[" << op_name << "].",
    # its graph-kernel backend in https://github.com/mindspore-ai/mindspore; graph fusion docs
    # https://www.mindspore.cn/docs/en/master/model_train/optimize/graph_fusion_engine.html)
    ("RuntimeError: Akg dose not has metadata of op[Cast].", "graph_compile_crash"),
    # onnx-tensorrt's ModelImporter error ("In node %d (%s): %s: %s" with ErrorCode kUNSUPPORTED_NODE),
    # https://github.com/onnx/onnx-tensorrt/blob/main/ModelImporter.cpp
    ("[TRT] [E] In node 38 (importResize): UNSUPPORTED_NODE: Assertion failed: scales.is_weights()",
     "graph_compile_crash"),
    # MindSpore's JIT Fallback (pipeline/jit/ps/fallback.cc, "Should not use Python object in runtime, node: "; static
    # graph syntax guide https://www.mindspore.cn/docs/en/master/model_train/program_form/static_graph.html) on a
    # node of a network's construct()
    ("RuntimeError: Should not use Python object in runtime, node: ValueNode<InterpretedObject> InterpretedObject: "
     "'[1 2]'.\n\n# 0 In file net.py:12, in Net.construct", "graph_compile_crash"),
    # MindSpore's static analysis (the network compilation FAQ,
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md): the
    # call-depth limit
    ("RuntimeError: Exceed function call depth limit 1000, (function call depth: 1001, simulate call depth: 997).",
     "graph_compile_crash"),
    # MLX's CUDA backend (mlx/backend/cuda/quantized/no_qqmm_impl.cpp,
    # https://github.com/ml-explore/mlx/blob/main/mlx/backend/cuda/quantized/no_qqmm_impl.cpp)
    ("RuntimeError: [QQMatmul::eval_gpu] QQMM is only supported with CUDA 12.8 or higher.", "kernel_unsupported"),
    # CANN opbase's aclnn executor ("Cannot find kernel file for operator " + opType), the AF019 family
    ("RuntimeError: Cannot find kernel file for operator GroupedMatmul", "kernel_unsupported"),
    # op-plugin's AtbCommon.cpp OperationSetup: TORCH_CHECK(status == 0, operation->GetName(), " setup failed!"),
    # https://github.com/Ascend/op-plugin/blob/master/op_plugin/utils/custom_functions/atb/AtbCommon.cpp
    ("RuntimeError: PagedAttentionOperation setup failed!", "kernel_unsupported"),
    # transformers modeling_utils ("{preface} Flash Attention 2 is not available on CPU. Please make sure torch can
    # access a CUDA device."), https://github.com/huggingface/transformers/blob/v4.46.0/src/transformers/modeling_utils.py
    ("ValueError: FlashAttention2 has been toggled on, but it cannot be used due to the following error: Flash "
     "Attention 2 is not available on CPU. Please make sure torch can access a CUDA device.", "kernel_unsupported"),
    # torch c10d ProcessGroupGloo.cpp, https://github.com/pytorch/pytorch/blob/v2.7.0/torch/csrc/distributed/c10d/ProcessGroupGloo.cpp
    ("RuntimeError: Cannot use ReduceOp.AVG with Gloo", "kernel_unsupported"),
    # NCCL's IB transport (src/transport/net_ib.cc "NET/IB : Got completion from peer %s with error %d, opcode %d,
    # len %d, vendor err %d"), https://github.com/NVIDIA/nccl/blob/master/src/transport/net_ib.cc
    ("node2:1234:1301 [3] NCCL WARN NET/IB : Got completion from peer 10.0.0.3<41234> with error 12, opcode 0, len 0, "
     "vendor err 129 (Recv) localGid ::ffff:10.0.0.2 remoteGidsfe80::1", "hccl"),
    # torch_npu ProcessGroupHCCL.cpp / torch c10d's input checks ("Tensors must have identical strides"),
    # https://github.com/pytorch/pytorch/blob/v2.7.0/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp
    ("RuntimeError: Tensors must be non-overlapping and dense", "hccl"),
    # MindIE LLM's process_group.cpp CreateMasterListenSocket ("bind failed, masterAddr=..., port=..., errno="; an
    # older version of the file: at 8b4871ad the same bind() failure reads "BindMasterSocket bind failed for IPv4", AF526),
    # https://github.com/Ascend/MindIE-LLM/blob/ecfc8d2c5c51c05a726326f24b9350dfef5dbb2a/src/utils/process_group.cpp
    ("[ERROR] CreateMasterListenSocket bind failed, masterAddr=10.0.0.1, port=27070, errno=98", "dist_launch"),
    # MindSpore's dynamic cluster (compute_graph_node.cc; the MS_SCHED_HOST / MS_SCHED_PORT of
    # https://www.mindspore.cn/tutorials/en/master/parallel/dynamic_cluster.html)
    ("[ERROR] DISTRIBUTED(8312,ffff8c1f5020,python):2024-05-06-10:12:31.501.338 "
     "[mindspore/ccsrc/distributed/cluster/topology/compute_graph_node.cc:173] Register] Failed to connect to the "
     "meta server node url: 127.0.0.1:8118", "dist_launch"),
    # NCCL src/misc/socket.cc ("Net : Connect to %s failed : %s"), https://github.com/NVIDIA/nccl/blob/master/src/misc/socket.cc
    ("node1:99:120 [0] NCCL WARN Net : Connect to 10.1.1.2<43210> failed : Connection refused", "dist_launch"),
    # hicann docs on HBM multi-bit ECC faults (the runtime's STARS report "errorStr: A 2-bit ECC error occurs ..."),
    # https://github.com/hicann/docs/blob/c94cf50db06875e8676294422073d21318b183fb/docs/troubleshooting/zh/hbm_bit_ecc_fault.md
    ("[ERROR] RUNTIME(4121,python):2024-04-02-15:49:01.883.876 [device_error_proc.cc:1176] 4150 "
     "ProcessStarsCoreErrorInfo: The extend info: errcode:(0, 0x80000000, 0) errorStr: A 2-bit ECC error occurs in "
     "the HBM, core id is 5", "device_unavailable"),
    # moby's runtime lookup ("Unknown runtime specified %s"),
    # https://github.com/moby/moby/blob/78c2076ac3d9e537b495baa5846e486e28c377dd/daemon/runtime_unix.go
    ("docker: Error response from daemon: Unknown runtime specified ascend.", "cluster_setup"),
    # the runtime's AI Core exception report (EZ2001 execution error reference,
    # https://github.com/hicann/runtime/blob/master/docs/en/error_code_ref/EZ2001-Execution_Error.md)
    ("An error occurs on the device(chipId:1, dieId:0), the serial number is 7, the error is aivec error error, core id "
     "is 12, error code = 0x800000, dump info: pc start: 0x120041000070, current: 0x120041000120", "ascend_inner_error"),
]


@pytest.mark.parametrize("text,category", NAMED)
def test_the_inference_alone_names_the_family(text, category):
    assert cat(text) == category


# (text, category the ev19b entry must NOT give it)
NOT_CLAIMED = [
    # an out-of-memory error re-raised by the inductor is device_oom, not a graph build
    ("torch._inductor.exc.InductorError: OutOfMemoryError: NPU out of memory. Tried to allocate 2.00 GiB (NPU 0; "
     "60.97 GiB total capacity)", "graph_compile_crash"),
    # a kernel that does not fit the NPU's unified buffer is kernel_unsupported even with the BiShengIR pipeline
    # failing after it (triton-ascend programming guide)
    ('E loc("/tmp/tmpsb6qkdih/kernel.ttadapter.mlir":3:3): error: ub overflow, requires 3072256 bits while 1572864 '
     "bits available!\nE loc(\"/tmp/tmpsb6qkdih/kernel.ttadapter.mlir\":2:1): error: Failed to run BishengHIR pipeline",
     "graph_compile_crash"),
    # an eager operator without a kernel on a device stays kernel_unsupported (torch's fallback message for a
    # backend, "The operator '%s' is not currently implemented for the MPS device.")
    ("NotImplementedError: The operator 'aten::_linalg_solve_ex.result' is not currently implemented for the MPS "
     "device.", "graph_compile_crash"),
    # the NVIDIA installer not finding the Linux kernel's source is an install problem
    ("ERROR: Unable to find the kernel source tree for the currently running kernel.", "kernel_unsupported"),
    # flash_attn absent as a plain import is install
    ("ModuleNotFoundError: No module named 'flash_attn'", "kernel_unsupported"),
    # Gloo's socket failing is no unsupported reduction
    ("RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:598] Connection closed by peer [10.0.0.2]:12345",
     "kernel_unsupported"),
    # a model type the loader does not know is no missing kernel (MindIE LLM's tokenizer wrapper)
    ("NotImplementedError: unsupported model type: falcon_mamba", "kernel_unsupported"),
    # a collective handed a CPU tensor is tensor_mismatch (AF284's family), not a collective failure
    ("RuntimeError: Tensors must be NPU and dense", "hccl"),
    # NCCL's bootstrap connect refused is dist_launch, not the IB transport
    ("node5:240:240 [6] NCCL WARN Connect to 10.0.0.4<56849> failed : Connection refused", "hccl"),
    # torch's NCCL process group started with no GPU (a failing line with "only supported with"): CUDA code on another
    # device, which cuda_on_npu's signatures read, not an operator without a kernel (review 19 item 8;
    # https://github.com/pytorch/pytorch/blob/v2.7.0/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp)
    ("RuntimeError: ProcessGroupNCCL is only supported with GPUs, no GPUs found!", "kernel_unsupported"),
    # the unsupported reduction names gloo, and is no launch failure
    ("RuntimeError: Cannot use ReduceOp.PREMUL_SUM with Gloo", "dist_launch"),
    # another docker daemon refusal is no missing runtime
    ('docker: Error response from daemon: Conflict. The container name "/mindie" is already in use by container '
     '"3f2a".', "cluster_setup"),
]


@pytest.mark.parametrize("text,category", NOT_CLAIMED)
def test_the_entry_does_not_claim_its_neighbour(text, category):
    assert cat(text) != category


# lines that are no failing line at all (an INFO / WARNING level, a plain progress line): they test the level rules,
# not an entry, so they are kept apart from NOT_CLAIMED (review 19 item 9)
QUIET = [
    # onnx-tensorrt's INFO line before it imports a plugin (https://github.com/onnx/onnx-tensorrt/blob/main/ModelImporter.cpp)
    "[TRT] [I] No importer registered for op: GridSample. Attempting to import as plugin.",
    # a warning that a feature is only supported on some GPUs (transformers' mxfp4 quantizer)
    "WARNING: MXFP4 quantization is only supported on GPUs with compute capability >= 7.5 (e.g T4, A100, L4, H100, "
    "or B200)",
    # MindIE LLM's process group logging its master address (MINDIE_LLM_LOG_WARN("ProcessGroup construct, masterAddr="
    # ...), the message without the logger's header, which the source does not show;
    # https://github.com/Ascend/MindIE-LLM/blob/8b4871ad31f592aa863f6255760e4934484d78e4/src/utils/process_group.cpp)
    "ProcessGroup construct, masterAddr=10.0.0.1, masterPort=27070, localAddr=10.0.0.2, rank=0, worldSize=2, "
    "isMaster=1",
    # the kernel's corrected-event line (HW_ERR is "[Hardware Error]: ", cper_estatus_print "event severity: %s",
    # https://github.com/torvalds/linux/blob/0a5a46a6a61be7b63c12c18495d427f91f3662a9/drivers/firmware/efi/cper.c)
    "{6}[Hardware Error]: event severity: corrected",
]


@pytest.mark.parametrize("text", QUIET)
def test_a_line_that_is_no_failing_line_names_nothing(text):
    assert cat(text) is None
