"""Review rev22f of kb22f: AF1157 (torch.compile's Inductor finds no C++ compiler) stays silent on dynamo's
suppress_errors WARNING form when the run goes on, and PyTorch's glog headers with a Windows path are read as their
level (a "W0627 ... venv\\Lib\\...\\convert_frame.py:1280] " line is a WARNING line, not a bare exception).
Fast tier, in-process."""

from ascendfix.explain import lines as linefmt
from explain_support import hits, top

# https://github.com/marieai/marie-ai/issues/94 (torch 2.1, suppress_errors: "process completes but it looks like we
# are not compiling the models")
MARIE = "\n".join([
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING] due to: ",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING] Traceback (most recent call last):",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING]   File \"/opt/venv/lib/python3.10/site-packages/"
    "torch/_inductor/codecache.py\", line 438, in cpp_compiler_search",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING]     raise exc.InvalidCxxCompiler()",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING] torch._dynamo.exc.BackendCompilerFailed: "
    "backend='inductor' raised:",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING] InvalidCxxCompiler: No working C++ compiler found "
    "in torch._inductor.config.cpp.cxx: (None, 'g++')",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING] ",
    "[2023-11-29 22:29:33,093] torch._dynamo.convert_frame: [WARNING] Set TORCH_LOGS=\"+dynamo\" and "
    "TORCHDYNAMO_VERBOSE=1 for more information",
])
# captured: tqdm 4.66.1 on CPython 3.11.7, `for _ in tqdm(range(50), desc='Epoch 1', ncols=80): time.sleep(0.02)` (the
# bar's last redraw; the same capture as tests/test_explain_kb16veto.py)
BAR_DONE = "Epoch 1: 100%|██████████████████████████████████| 50/50 [00:01<00:00, 38.96it/s]"
# https://github.com/welltop-cn/ComfyUI-TeaCache/issues/150 (torch on Windows: dynamo's WON'T CONVERT warning)
WIN_GLOG = ("W0627 10:16:57.530000 11028 venv\\Lib\\site-packages\\torch\\_dynamo\\convert_frame.py:1280]     "
            "compiler_info = get_compiler_version_info(get_cpp_compiler())")


def test_af1157_warning_then_the_run_going_on_is_silent():
    assert "AF1157" not in hits(MARIE + "\n" + BAR_DONE)


def test_af1157_loud_form_is_named():
    # the same exception line without the WARNING header: the run stopped on it
    assert "AF1157" in hits("InvalidCxxCompiler: No working C++ compiler found in torch._inductor.config.cpp.cxx: "
                            "(None, 'g++')")


def test_windows_glog_header_is_a_warning_header():
    info = linefmt.parse(WIN_GLOG)
    assert info.level == "WARNING"
    assert info.message == "    compiler_info = get_compiler_version_info(get_cpp_compiler())"


# https://github.com/vllm-project/vllm/issues/52435 (comment of 2026-08-15: the API server's INFO line of the
# arguments, cut after the parallel sizes; the run then failed on the head count, which is the next test)
VLLM_ARGS = ("(APIServer pid=415) INFO 08-15 14:56:15 api_utils.py:273] non-default args: {'model_tag': "
             "'/app/data/deepseek-v4-flash-0731/model', 'default_chat_template_kwargs': {'temperature': 1.0, 'top_p': "
             "0.95}, 'enable_auto_tool_choice': True, 'tool_call_parser': 'deepseek_v4', 'middleware': "
             "['src.timing_middleware.log_timing_middleware'], 'model': '/app/data/deepseek-v4-flash-0731/model', "
             "'served_model_name': ['deepseek-v4-flash-0731'], 'reasoning_parser': 'deepseek_v4', "
             "'tensor_parallel_size': 3, 'enable_expert_parallel': True, 'block_size': 256")


def test_af1152_silent_on_the_info_line_of_parallel_sizes():
    assert "AF1152" not in hits(VLLM_ARGS)
    assert top(VLLM_ARGS) == (None, None)


def test_af1152_named_on_the_refusal_after_it():
    log = VLLM_ARGS + "\nValue error, Total number of attention heads (64) must be divisible by tensor parallel size (3)."
    assert top(log) == ("AF1152", "dist_launch")
