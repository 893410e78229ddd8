"""Round 18 (kb18a): CANN runtime / driver / GE / operator-library message families, written from their emitting
sources (hicann/runtime's runtime, AscendCL and platform code and its FAQ, hicann/ge's session, graph manager, plugin
loader and fusion engine, hicann/opbase's aclnn executor, hicann/ops-nn and ops-transformer's operator host code).
Every text is a signature's own example (sources in the YAML); the wording variants are the same family's other
templates in those sources, with a CANN log header as the plog prints it. Fast tier, in-process."""

from explain_support import example, hits, top, top_category

# the header CANN's plog puts before a message ("[ERROR] RUNTIME(pid,process):time [file:line]tid func:") and the
# rank prefix torch.distributed adds; a family's pattern must hold through both
PLOG = "[ERROR] {mod}(31207,python3):2025-06-12-10:21:33.104.872 [{file}:{line}]31207 {func}: "
RANK = "[rank3]: "


def plog(mod, file, line, func, msg):
    return PLOG.format(mod=mod, file=file, line=line, func=func) + msg


def assert_family(sig, category, n, variants):
    """The signature's first ``n`` examples and the family's other wordings (``variants``) all name it first."""
    for i in range(n):
        assert top(example(sig, i=i)) == (sig, category), i
    for text in variants:
        assert top(text) == (sig, category), text


def test_driver_older_than_the_cann_runtime_is_the_cann_environment():
    # the wordings of the family: EE1015 with the operation that needed the driver feature, the missing driver
    # interface, the TSD client symbol, the errcode table's "please upgrade the driver"
    variants = [
        "EE1015: [PID: 31207] 2025-06-12-10:21:33.104.872 Setting the fault handling mode of a device failed. Reason: "
        "The driver version capability is insufficient. ",
        plog("RUNTIME", "npu_driver.cc", 591, "GetPhyDevIdByShmem",
             "The driver interface halShmemInfoGet does not exist."),
        plog("RUNTIME", "runtime.cc", 2188, "StartNetService",
             "Starting the HCCP process failed. Reason: The driver version capability is insufficient. Symbol "
             "TsdOpenNetService not found in libtsdclient.so."),
        RANK + plog("RUNTIME", "runtime.cc", 740, "InitSocTypeFrom910BVersion",
                    "The hardwareVersion (0x60b00) reported by the driver indicates that CANN and HDK may not be "
                    "compatible."),
    ]
    assert_family("AF670", "cann_env", 3, variants)
    # the driver failing to open the card stays device_unavailable
    assert top_category(example("AF670", "no_match", 0)) == "device_unavailable"
    assert "AF670" not in hits(example("AF670", "no_match", 1))


def test_runtime_that_gets_no_device_from_the_driver_is_unavailable():
    variants = [
        plog("RUNTIME", "api_error.cc", 5902, "GetDeviceCount", "The device count -1 obtained from the driver is invalid."),
        plog("RUNTIME", "api_error.cc", 5900, "GetDeviceCount", "Get device cnt failed, retCode=0x7020014"),
        plog("RUNTIME", "api_impl.cc", 3353, "GetDevicePhyIdByIndex", "failed to GetDeviceCount, err:0x7020014."),
        plog("ASCENDCL", "acl.cpp", 1362, "aclGetDeviceCapabilityImpl",
             "aclGetDeviceCapabilityImpl failed because deviceId 0 greater than deviceNum 0."),
    ]
    assert_family("AF671", "device_unavailable", 2, variants)
    # the frameworks' words for the same failed count (MindSpore's device runtime)
    assert top(example("AF671", i=2)) == ("AF671", "device_unavailable")
    assert top("RuntimeError: Call rtGetDeviceCount, ret[507899]") == ("AF671", "device_unavailable")
    # the runtime saying the card is held by another process (EL0005, AF053) explains the failed count: device_busy
    # ranks first
    busy = ("[ERROR] RecentErrMsg: [PID: 31207] 2025-06-12-10:21:33.104.872 Resource_Busy(EL0005): The resources are "
            "busy.\nRuntimeError: Call rtGetDeviceCount, ret[507899]")
    assert top_category(busy) == "device_busy"
    # an id past a device count above 0 is the visible-device numbering, not this family
    assert "AF671" not in hits(plog("ASCENDCL", "acl.cpp", 1362, "aclGetDeviceCapabilityImpl",
                                    "aclGetDeviceCapabilityImpl failed because deviceId 9 greater than deviceNum 8."))
    assert top_category(example("AF671", "no_match", 0)) == "cann_env"


def test_missing_operator_package_path_is_the_cann_environment():
    variants = [
        plog("GE", "plugin_manager.cc", 615, "GetOpsProtoPath", "Failed to get opp path!"),
        plog("GE", "tbe_plugin_loader.cc", 229, "LoadPluginSo", "Failed to get opp path."),
        plog("GE", "guard_codegen.cc", 293, "Generate", "Failed to get environment variable ASCEND_OPP_PATH, please set it."),
        plog("FE", "configuration.cc", 645, "InitOpsPath", "[GraphOpt][Init][InitOpsPath] Ascend opp path is invalid."),
    ]
    assert_family("AF672", "cann_env", 3, variants)
    for i in range(4):
        assert "AF672" not in hits(example("AF672", "no_match", i)), i
    # GE's own fallback warning before an unrelated failure does not become the cause
    warned = example("AF672", "no_match", 1) + "\nTraceback (most recent call last):\n  File \"t.py\", line 3, in <module>\n" \
        "RuntimeError: The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 0"
    assert top_category(warned) == "shape_mismatch"
    # FE's E20002 sentence is AF300's
    e20002 = ("Value /usr/local/Ascend/cann/opp for environment variable ASCEND_OPP_PATH is invalid. Reason: ASCEND_OPP_PATH "
              "does not exist or access permission is denied during FE initialization.")
    assert "AF672" not in hits(e20002)
    # with GE's build summary after it, the missing path stays the cause
    both = variants[0] + "\n" + plog("GE", "inner_session.cc", 613, "BuildGraph",
                                     "[Build][Graph] failed, InnerSession:1 graph_id=0.")
    assert top(both) == ("AF672", "cann_env")


def test_operator_without_an_implementation_for_this_chip():
    variants = [
        "EZ9999: [PID: 31207] 2025-06-12-10:21:33.104.872 RmsNormQuant is not supported on the current chip![FUNC:"
        "GetPlatformInfo][FILE:rms_norm_quant_tiling.cpp][LINE:88]",
        plog("OP", "threshold_v2.cpp", 39, "ThresholdV2", "ThresholdV2 not supported on this platform: npuArch=2002."),
        plog("OP", "aclnn_gelu_v2.cpp", 56, "CheckDtypeValid",
             "Input dtype of gelu_v2 is not support bfloat16 in current socversion."),
        plog("OP", "fused_infer_attention_score_tiling_info_parser.cpp", 158, "ParseSoc", "SOC Version[4] is not support."),
        "EZ1009: [PID: 31207] Failed to execute operator aclnnAddCustom. Reason: SoC version Ascend310P3 verification "
        "failed. This SoC is not configured through the AddConfig API of the OpDef class.",
        RANK + "EZ9999: [PID: 31207] The npu arch does not support FP32 for calculations when the cubeMathType is "
        "KEEP_DTYPE or USE_HF32, please change the setting of cubeMathType or the Dtype of input tensor.",
    ]
    assert_family("AF673", "kernel_unsupported", 5, variants)
    # the reason outranks torch_npu's wrapper around it and the generic EZ9999
    wrapped = ("RuntimeError: call aclnnRmsNormQuant failed, detail:EZ9999: Inner Error!\n" + variants[0]
               + "\n        TraceBack (most recent call last):\n        Tiling failed")
    assert top(wrapped) == ("AF673", "kernel_unsupported")
    # the fusion passes' DEBUG / INFO wordings decide a variant and fail nothing
    for i in range(2):
        assert "AF673" not in hits(example("AF673", "no_match", i)), i
    quiet = ("[INFO] OP(31207,python3):2025-06-12-10:21:33.104.872 [matmul_util.cpp:1681]31207 Gemm: "
             "AddRmsNormDynamicMxQuant is not supported on the current chip!")
    assert "AF673" not in hits(quiet)
    assert top_category(quiet) is None


def test_aclnn_kernel_binary_not_found_is_the_no_binary_family():
    for i in range(1, 4):
        assert top(example("AF019", i=i)) == ("AF019", "kernel_unsupported"), i
    # opbase's combined reason for a custom operator: the package that holds it is missing (AF019 outranks the
    # chip-config reason printed with it; both are kernel_unsupported)
    combined = ("EZ1009: [PID: 31207] Failed to execute operator aclnnAddCustom. Reason: 1.SoC version Ascend910B3 "
                "verification failed. This SoC is not configured through the AddConfig API of the OpDef class. 2.The "
                "binary_info_config.json file to which the AddCustom operator belongs fails to be loaded because the "
                "file is damaged or does not exist or the user does not have sufficient permissions. 3.The operator "
                "package to which the AddCustom operator belongs is not installed.")
    assert top(combined) == ("AF019", "kernel_unsupported")
    assert "AF673" in hits(combined)
    line = plog("OP", "kernel_mgr.cpp", 531, "JsonLoadImpl",
                "Failed to get op kernel bin json [ascend910b/add_rms_norm/AddRmsNorm_1234.json]")
    assert top(line) == ("AF019", "kernel_unsupported")
    # the loader's warning when it goes on looking elsewhere is not a failure
    assert "AF019" not in hits(example("AF019", "no_match", 0))


def test_platform_description_missing_in_the_runtime_words():
    variants = [
        plog("PLATFORM", "platform_info.cpp", 1394, "GetPlatformInfos", "Not find platformInfos, SocVersion: [Ascend950PR_9579]"),
        plog("ASCENDCL", "acl.cpp", 98, "InitSocVersion", "Failed to get platform info, SocVersion = Ascend910_9392."),
        plog("RUNTIME", "soc_info.cc", 29, "GetChipTypeFromPlatform",
             "Get chip type from platform failed, socName=Ascend950PR_9579, ret=1."),
        plog("RUNTIME", "runtime.cc", 922, "InitChipType", "Get chipType by socVersion=Ascend950PR_9579 from platform failed."),
    ]
    assert_family("AF172", "cann_env", 3, variants)


def test_acl_init_soc_version_in_the_newer_capitalisation():
    text = (plog("ASCENDCL", "acl.cpp", 164, "aclInit", "[Init][Version]init SoC version failed.") + "\n"
            + plog("RUNTIME", "api_impl.cc", 4511, "GetDevMsg",
                   "chipType=0 does not support get device msg feature."))
    assert top(text) == ("AF590", "cann_env")


def test_ge_build_stage_summaries_are_a_graph_build_consequence():
    variants = [
        plog("GE", "inner_session.cc", 614, "BuildGraph", "GraphManager BuildGraph failed, InnerSession:1 graph_id=0."),
        plog("GE", "graph_manager.cc", 4311, "BuildGraph", "[Call][Build] failed, session_id:1."),
        plog("GE", "graph_manager.cc", 4555, "PreRun", "[Run][PreRunOptimizeOriginalGraph] failed for graph:online_0, session_id:1"),
        plog("GE", "graph_manager.cc", 5365, "OptimizeSubgraph",
             "[SubgraphPartitionAndOptimization][Optimize] for graph:online_0 failed"),
        plog("GE", "graph_manager.cc", 3615, "OptimizeStage2", "[Run][Passes] when optimize stage 2 failed"),
        # the fusion engine compiling the graph's operators
        plog("FE", "tbe_op_store_adapter.cc", 1166, "ProcessFailCompileTask",
             "[SubGraphOpt][Compile][ProcFailedCompTask] Thread[281473] failed to recompile single op[Conv2D_12]"),
        plog("FE", "op_compiler.cc", 1331, "PostCompileOp",
             "[PostCompileOp][CompileFailed] Failed to compile rolled-back nodes for graph online_0. Result is 4294967295."),
    ]
    assert_family("AF674", "graph_compile_crash", 3, variants)
    # an operator the fusion engine names as not supported is not a compile failure of the graph
    assert "AF674" not in hits(plog("FE", "op_compiler.cc", 900, "CompileMultiOp",
                                    "[SubGraphOpt][Compile][CompMultiOp] Compile single op failed, op Foo not supported."))
    # a graph that was built and fails when it runs is not a build
    assert "AF674" not in hits(example("AF674", "no_match"))
    assert "AF674" not in hits(plog("GE", "inner_session.cc", 700, "RunGraph", "GraphManager RunGraph failed, session_id:1"))
    # a cause printed before the summary ranks first: an operator without a kernel on this chip
    both = example("AF673") + "\n" + variants[0]
    assert top(both) == ("AF673", "kernel_unsupported")


def test_harmless_lines_of_these_components_stay_silent():
    harmless = [
        # informational lines of the same components
        "[INFO] GE(31207,python3):2025-06-12-10:21:33.104.872 [plugin_manager.cc:169]31207 GetOppPath: Get opp path "
        "from env: /usr/local/Ascend/ascend-toolkit/latest/opp",
        "[INFO] ASCENDCL(31207,python3):2025-06-12-10:21:33.104.872 [device.cpp:228]31207 aclrtGetDeviceCount: "
        "successfully execute aclrtGetDeviceCount, get device count is 8.",
        "[INFO] GE(31207,python3):2025-06-12-10:21:33.104.872 [graph_manager.cc:4300]31207 BuildGraph: Build graph "
        "begin, graph_id=0, graph_name=online_0.",
        "[DEBUG] OP(31207,python3):2025-06-12-10:21:33.104.872 [inplace_add_fusion_pass.cpp:98]31207 Run: cur_soc "
        "Ascend910B3 not support.",
    ]
    for text in harmless:
        assert top_category(text) is None, text


def test_user_device_id_outside_the_visible_list_in_the_runtime_words():
    text = plog("RUNTIME", "api_error.cc", 3285, "SetDevice",
                "Failed to convert the user device ID 3 to driver device ID. The input visible device is 0,1.")
    assert top(text) == ("AF035", "cann_env")
    assert top(RANK + text) == ("AF035", "cann_env")
    # the same sentence without the visible list says nothing about the numbering
    bare = plog("RUNTIME", "api_error.cc", 3168, "GetDevicePhyId", "Failed to convert the user device ID 3 to driver device ID.")
    assert "AF035" not in hits(bare)


def test_device_that_lost_its_heartbeat_is_unavailable():
    assert top(example("AF675")) == ("AF675", "device_unavailable")
    for msg in ("Device[0] lost heartbeat.", "Device 3 loses the heartbeat."):
        text = plog("RUNTIME", "stars_engine.cc", 686, "TaskWait", msg)
        assert top(text) == ("AF675", "device_unavailable"), msg
    assert "AF675" not in hits(example("AF675", "no_match"))
    # HCCL's heartbeat between ranks keeps its own family
    hccl = ("[ERROR] HCCL(31207,python3):2025-06-12-10:21:33.104.872 [heartbeat.cc:1025] [HeartbeatAbnormal] "
            "Location[IP/ID]:[10.0.0.2/3], ExceptionType:[Heartbeat Lost Occurred]")
    assert "AF675" not in hits(hccl)


def test_operator_compiler_python_half_missing_is_the_cann_environment():
    text = plog("TEFUSION", "python_adapter_manager.cc", 171, "InitPython",
                "Failed to import python module te_fusion.parallel_compilation")
    assert top(text) == ("AF064", "cann_env")
    # GE's initialisation summaries after it stay behind the cause
    text += "\n" + plog("GE", "gelib.cc", 177, "Initialize", "[Initialize][Ge] GEInitialize failed. ge result = 4294967295")
    assert top(text) == ("AF064", "cann_env")
