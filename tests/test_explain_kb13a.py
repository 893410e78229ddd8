"""Round 13a families (Ascend side), written from their emitting sources: a card bound to another container,
GE graph-build inner errors, offline-model execution failures, the driver's management library / npu-smi missing,
CANN tools / headers outside the build shell's environment, MindIE engine init, ATB dtype / format refusals, MindIR
versions and torch_npu's device bring-up. Fast tier, in-process."""

from explain_support import example, first, infer_only, top


def test_device_bound_to_another_container():
    for text in ("Resource_Busy(EL0020): Device 3 is occupied by multiple containers.",
                 "[ERROR] DEVMNG Device is busy. (device_id=0, ret=87)",
                 example("AF240", i=1)):
        assert first(text) == ("AF240", "device_busy"), text
    assert first(example("AF240", "no_match")) != ("AF240", "device_busy")


def test_graph_build_inner_error_outranks_the_generic_wrapper():
    # E19999 carries the parser's message: the graph build is what failed (ATC convention in explain_categories)
    assert top(example("AF241")) == ("AF241", "graph_compile_crash")
    assert first("        src out anchor is nullptr[FUNC:X][FILE:y.cc][LINE:1]") == ("AF241", "graph_compile_crash")
    # a graph pass's warning the run goes past is no failure
    assert first(example("AF241", "no_match", 1)) is None
    # the ATC process in a CANN log header is graph-build context for the inference
    got = infer_only("[ERROR] GE(3170,atc.bin):2024-01-01-00:00:00.000.000 [graph_manager.cc:100]3170 Build: "
                     "ErrorNo: 4294967295 failed\nE19999: Inner Error!")
    assert got is not None and got["category"] == "graph_compile_crash", got


def test_model_stream_execute_failed_is_generic_unless_a_cause_is_printed():
    assert top(example("AF242")) == ("AF242", "ascend_inner_error")
    assert top("aclmdlExecute failed, ret[507011].")[1] == "ascend_inner_error"
    # a specific cause printed with it comes first
    text = example("AF242") + "\n" + example("AF005")
    assert top(text)[1] == "device_oom"


def test_driver_management_library_and_npu_smi_missing_are_install():
    for text in ("dcmi lib load failed, error code: -99999",
                 "[LoadDcmi] Failed to dlopen libdcmi.so: libdcmi.so: cannot open shared object file: No such file "
                 "or directory",
                 "bash: /usr/local/bin/npu-smi: No such file or directory",
                 "zsh: command not found: npu-smi"):
        assert top(text)[1] == "install", text
    # without the signature the words still point there
    got = infer_only("ERROR: dcmi lib load failed, error code: -99999")
    assert got is not None and got["category"] == "install", got


def test_cann_tools_and_headers_are_the_cann_environment():
    for text in ("bash: line 1: atc: command not found", "zsh: command not found: msprof",
                 "sh: 1: atc: not found", example("AF245"), example("AF245", i=1)):
        assert top(text)[1] == "cann_env", text
    # a third-party header stays install (AF069)
    assert top("ext.c:1:10: fatal error: Python.h: No such file or directory")[1] == "install"
    assert first("bash: line 1: atcx: command not found") is None


def test_mindie_engine_init_and_atb_kernel_checks():
    assert top("LLMInferEngine failed to init LLMInferModels")[1] == "mindie_service"
    assert top(example("AF246", i=1)) == ("AF246", "mindie_service")
    text = ("[2025-01-01 10:00:00.000] [1234] [atb] [error] [operation_base.cpp:410] ReshapeAndCacheOperation_1 "
            "CheckIniMatch Failed! Supported Combs: ")
    assert top(text) == ("AF247", "kernel_unsupported")
    assert first(example("AF247", "no_match")) is None


def test_mindir_version_and_vnpu_memory_wording():
    assert top(example("AF248")) == ("AF248", "version_skew")
    got = infer_only("RuntimeError: failed to apply memory on the virtual NPU, size 1024")
    assert got is not None and got["category"] == "device_oom", got


def test_torch_npu_device_bring_up():
    for text in (example("AF249"), example("AF249", i=1)):
        assert top(text) == ("AF249", "device_unavailable"), text
    # an invalid device id is the visible-devices setting, not AF249
    assert first(example("AF249", "no_match"))[0] != "AF249"


def test_generic_code_yields_to_a_wrapper_the_failing_lines_agree_with():
    """561002 (aclnn tiling error, generic) next to an aclnn call whose parameter check says 'not supported': the
    failing lines point to kernel_unsupported and AF077 says as much, so it goes before the generic code."""
    text = "\n".join((
        "Traceback (most recent call last):",
        "RuntimeError: npu_rotary_mul:build/CMakeFiles/torch_npu.dir/compiler_depend.ts:100 NPU function error: "
        "call aclnnRotaryPositionEmbedding failed, error code is 561002",
        "EZ9999: Inner Error!",
        "EZ9999: [PID: 1] 2025-01-01 check param failed, layout of x is not supported.[FUNC:Tiling]",
    ))
    assert top(text) == ("AF077", "kernel_unsupported")


def test_memory_copy_refused_with_el0003_is_a_runtime_failure_not_the_device():
    text = example("AF250") + "\nrtMemcpy execution failed, error code is 507899"
    assert top(text) == ("AF250", "ascend_inner_error")
    assert first(example("AF250", "no_match")) != ("AF250", "ascend_inner_error")


def test_paddle_lite_cann_mismatch_and_ge_initialisation_are_the_cann_environment():
    assert top(example("AF251")) == ("AF251", "cann_env")
    assert top(example("AF253")) == ("AF253", "cann_env")
    assert first(example("AF253", "no_match")) is None or first(example("AF253", "no_match"))[0] != "AF253"


def test_mindie_shared_memory_and_hdc_client():
    assert top(example("AF252")) == ("AF252", "host_oom")
    assert top("Hdc Client Create Failed, error: 31") == ("AF185", "device_unavailable")


def test_illegal_format_points_to_an_unsupported_kernel():
    got = infer_only("RuntimeError: aclnnConvolutionBackward failed: illegal format of input")
    assert got is not None and got["category"] == "kernel_unsupported", got


def test_ge_anchor_checks_in_their_sibling_wordings():
    for text in ("E19999: src node[Resize_3] out data anchor[0] is null.",
                 "out anchor[0] of node Resize_3(Resize) is nullptr.",
                 "peer out anchor is nullptr, node:Resize_3, in anchor index:0"):
        assert first(text) == ("AF241", "graph_compile_crash"), text
