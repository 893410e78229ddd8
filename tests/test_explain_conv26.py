"""conv26: classes of logs round 25 left open, decided from their emitting sources and the corpus conventions.

1. NumPy's removed members (numpy/__init__.py's __former_attrs__ / __expired_functions__ / plain AttributeError, and
   numpy/_expired_attrs_2_0.py): all numpy_abi ("a NumPy too new for the module that uses it, including the removed
   np.float alias"); the 1.24 aliases are AF051, the 2.0 removals AF269, the 1.x removals AF1770.
2. CUDA messages that only say no GPU is usable (AF1771 "No CUDA GPUs are available", AF1490 cudaErrorNoDevice) are
   device_unavailable without an Ascend NPU context and cuda_on_npu with it; a CUDA device ordinal outside the visible
   set (AF753, AF424) keeps the device-id convention (cann_env) and is cuda_on_npu with an NPU context.

Every log line is a signature's own example (its source is in the signature file) or captured here by running the
program (the command next to it)."""

import io

import pytest

from ascendfix.explain.engine import explain_stream
from ascendfix.explain.kb import find_signature

PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])

# a torch_npu frame of a traceback on an Atlas 910B host (https://github.com/opendatalab/MinerU/issues/2258, as in
# test_explain_npu_context)
NPU_FRAME = ('  File "/opt/mineru_venv/lib/python3.10/site-packages/torch_npu/npu/npu_config.py", line 89, '
             'in set_compile_mode')


def _top(text, use_grep):
    doc = explain_stream(io.BytesIO(text.encode()), limit=None, use_grep=use_grep)
    return doc["matches"][0] if doc["matches"] else None


def _example(sig_id, idx):
    return find_signature(sig_id).examples["match"][idx]["text"]


# --- 1. NumPy's removed members -------------------------------------------------------------------------------------

# captured: CPython 3.11.7, python -c "import numpy as np; np.<name>" under the NumPy named (the traceback's last lines)
NUMPY_LOGS = [
    # numpy 1.26.4: a 1.24 alias (__former_attrs__)
    ("AF051", "  File \"/tmp/np126/lib/python3.11/site-packages/numpy/__init__.py\", line 324, in __getattr__\n"
              "    raise AttributeError(__former_attrs__[attr])\n"
              "AttributeError: module 'numpy' has no attribute 'bool'.\n"
              "`np.bool` was a deprecated alias for the builtin `bool`. To avoid this error in existing code, use `bool` "
              "by itself. Doing this will not modify any behavior and is safe. If you specifically wanted the numpy "
              "scalar type, use `np.bool_` here."),
    # numpy 1.26.4: removed in 1.x without a message
    ("AF1770", "    raise AttributeError(\"module {!r} has no attribute \"\n"
               "AttributeError: module 'numpy' has no attribute 'typeDict'. Did you mean: 'sctypeDict'?"),
    ("AF1770", "    raise AttributeError(\"module {!r} has no attribute \"\n"
               "AttributeError: module 'numpy' has no attribute 'asscalar'. Did you mean: 'isscalar'?"),
    # numpy 1.26.4: python -c "import numpy as np; np.fv(1,2,3,4)" (__expired_functions__)
    ("AF1770", "  File \"/tmp/np126/lib/python3.11/site-packages/numpy/__init__.py\", line 303, in _expired\n"
               "    raise RuntimeError(msg)\n"
               "RuntimeError: In accordance with NEP 32, the function fv was removed from NumPy version 1.20.  A "
               "replacement for this function is available in the numpy_financial library: "
               "https://pypi.org/project/numpy-financial"),
    # numpy 2.4.6: _expired_attrs_2_0 and a plain 2.0 removal
    ("AF269", "    raise AttributeError(\n"
              "AttributeError: `np.unicode_` was removed in the NumPy 2.0 release. Use `np.str_` instead."),
    ("AF269", "    raise AttributeError(f\"module {__name__!r} has no attribute {attr!r}\")\n"
              "AttributeError: module 'numpy' has no attribute 'in1d'. Did you mean: 'int16'?"),
    ("AF269", "    raise AttributeError(\"`numpy.array_api` is not available from \"\n"
              "AttributeError: `numpy.array_api` is not available from numpy 2.0 onwards"),
]


@PATHS
@pytest.mark.parametrize("sig_id,text", NUMPY_LOGS, ids=["%s-%d" % (s, i) for i, (s, _) in enumerate(NUMPY_LOGS)])
def test_numpy_removed_members_are_numpy_abi(sig_id, text, use_grep):
    top = _top("Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n" + text + "\n", use_grep)
    assert (top["id"], top["category"]) == (sig_id, "numpy_abi")


@PATHS
def test_the_nep32_warning_of_a_run_that_went_on_is_silent(use_grep):
    # captured: numpy 1.26.4, python -c "import numpy as np; f = np.fv; print('done')"
    log = ("<string>:1: DeprecationWarning: In accordance with NEP 32, the function fv was removed from NumPy version "
           "1.20.  A replacement for this function is available in the numpy_financial library: "
           "https://pypi.org/project/numpy-financial\n"
           "done\n")
    assert _top(log, use_grep) is None


@PATHS
def test_numpy_122_deprecation_warnings_are_silent(use_grep):
    # captured: numpy 1.22.4, python -c "import numpy as np; np.typeDict; np.MachAr; print('done')" (stderr lines)
    log = ("<string>:1: DeprecationWarning: `np.typeDict` is a deprecated alias for `np.sctypeDict`.\n"
           "<string>:1: DeprecationWarning: `np.MachAr` is deprecated (NumPy 1.22).\n"
           "done\n")
    assert _top(log, use_grep) is None


# --- 2. CUDA without a usable GPU, and a CUDA device index outside the visible set ----------------------------------

CASES = {
    # signature id: (the example's index, category without an NPU context, with it)
    "AF1771": (0, "device_unavailable", "cuda_on_npu"),
    "AF1490": (0, "device_unavailable", "cuda_on_npu"),
    "AF753": (1, "cann_env", "cuda_on_npu"),
    "AF424": (0, "cann_env", "cuda_on_npu"),
    # (item 5) the libraries' own "no GPU here" checks, the same class
    "AF1039": (0, "device_unavailable", "cuda_on_npu"),
    "AF1315": (1, "device_unavailable", "cuda_on_npu"),
}


@PATHS
@pytest.mark.parametrize("sig_id", sorted(CASES))
def test_cuda_device_messages_follow_the_npu_context(sig_id, use_grep):
    idx, plain, npu = CASES[sig_id]
    assert find_signature(sig_id).npu_category == npu
    top = _top(_example(sig_id, idx) + "\n", use_grep)
    assert (top["id"], top["category"]) == (sig_id, plain)
    top = _top(NPU_FRAME + "\n" + _example(sig_id, idx) + "\n", use_grep)
    assert (top["id"], top["category"], top["category_without_context"]) == (sig_id, npu, plain)


@PATHS
def test_nccl_process_group_without_gpus_is_af1771(use_grep):
    top = _top(_example("AF1771", 1) + "\n", use_grep)
    assert (top["id"], top["category"]) == ("AF1771", "device_unavailable")


@PATHS
def test_torch_without_cuda_stays_cuda_on_npu(use_grep):
    """torch itself without CUDA / NCCL (the CPU build every NPU setup runs) is cuda_on_npu on any host (AF088)."""
    for idx in (0, 1):
        top = _top(_example("AF088", idx) + "\n", use_grep)
        assert (top["id"], top["category"]) == ("AF088", "cuda_on_npu")


# --- 3. a compiler killed during a build is host_oom; the build failure after it is its consequence ---------------

# captured here: a ninja build whose compile step is killed with SIGKILL while it compiles (the OOM killer's signal),
#   rule cxx: command = (sleep 0.4; pkill -9 -P $$$$ -f heavy) & g++ -O2 -c $in -o $out; exit $$?
# (dash between ninja and g++ reports the kill as "Killed" under ninja's "FAILED:" header)
NINJA_SHELL_KILLED = """[1/1] (sleep 0.4; pkill -9 -P $$ -f heavy) & g++ -O2 -c heavy.cpp -o heavy2.o; exit $?
FAILED: heavy2.o 
(sleep 0.4; pkill -9 -P $$ -f heavy) & g++ -O2 -c heavy.cpp -o heavy2.o; exit $?
Killed
ninja: build stopped: subcommand failed.
"""
# captured here: the same with cc1plus (g++'s child) killed: GCC's own report
#   rule cxx: command = g++ -O2 -c $in -o $out & p=$$!; sleep 1; kill -9 $$(pgrep -P $$p cc1plus); wait $$p
NINJA_CC1PLUS_KILLED = """[1/1] g++ -O2 -c heavy.cpp -o heavy.o & p=$!; sleep 1; kill -9 $(pgrep -P $p cc1plus); wait $p
FAILED: heavy.o 
g++ -O2 -c heavy.cpp -o heavy.o & p=$!; sleep 1; kill -9 $(pgrep -P $p cc1plus); wait $p
g++: fatal error: Killed signal terminated program cc1plus
compilation terminated.
ninja: build stopped: subcommand failed.
"""
# captured here: GNU make running "g++ -O2 -c heavy.cpp -o heavy5.o", the g++ process killed with kill -9
MAKE_KILLED = """g++ -O2 -c heavy.cpp -o heavy5.o
make: *** [Makefile2:2: heavy5.o] Killed
"""
# captured here: GNU make running "(sleep 0.4; pkill -9 -P $$ -f heavy) & g++ -O2 -c heavy.cpp -o heavy4.o; exit $?"
MAKE_SHELL_KILLED = """(sleep 0.4; pkill -9 -P $$ -f heavy) & g++ -O2 -c heavy.cpp -o heavy4.o; exit $?
Killed
make: *** [Makefile:2: heavy4.o] Error 137
"""


@PATHS
@pytest.mark.parametrize("log,sig_id", [(NINJA_SHELL_KILLED, "AF048"), (NINJA_CC1PLUS_KILLED, "AF1390"),
                                        (MAKE_KILLED, "AF1390"), (MAKE_SHELL_KILLED, "AF048")],
                         ids=["ninja-shell-killed", "ninja-cc1plus", "make-killed", "make-shell-killed"])
def test_a_build_step_killed_is_host_oom(log, sig_id, use_grep):
    top = _top(log, use_grep)
    assert (top["id"], top["category"]) == (sig_id, "host_oom")


@PATHS
def test_the_shell_killed_under_a_ninja_step_outranks_the_extension_build_error(use_grep):
    """The "Killed" under ninja's "FAILED:" header is the step's own compiler killed (ninja never kills its steps):
    a cause, not the consequence of the failing header line; torch's cpp_extension summary after it (AF798's example,
    https://github.com/Dao-AILab/flash-attention/issues/1921) is install and comes second."""
    doc = explain_stream(io.BytesIO((NINJA_SHELL_KILLED + _example("AF798", 2) + "\n").encode()), limit=None,
                         use_grep=use_grep)
    got = [(m["id"], m["category"]) for m in doc["matches"]]
    assert got[0] == ("AF048", "host_oom")
    assert ("AF798", "install") in got[1:]



# --- 4. Gradio's share link that could not be created: the app goes on serving ------------------------------------

# captured here: gradio 6.31.0 on a host without internet access,
#   demo = gr.Interface(fn=lambda s: s, inputs="text", outputs="text"); demo.launch(share=True,
#   prevent_thread_lock=True); print("app still serving:", demo.local_url); demo.close()
GRADIO_SHARE_MISSING_FILE = """* Running on local URL:  http://127.0.0.1:7860

Could not create share link. Missing file: /tmp/c26/home/.cache/huggingface/gradio/frpc/frpc_linux_amd64_v0.3. 

Please check your internet connection. This can happen if your antivirus software blocks the download of this file. You can install manually by following these steps: 

1. Download this file: https://cdn-media.huggingface.co/frpc-gradio-0.3/frpc_linux_amd64
2. Rename the downloaded file to: frpc_linux_amd64_v0.3
3. Move the file to this location: /tmp/c26/home/.cache/huggingface/gradio/frpc
app still serving: http://127.0.0.1:7860/
Closing server running on port: 7860
"""
# https://github.com/modelscope/facechain/issues/406
GRADIO_SHARE_NO_INTERNET = """Running on local URL:  http://127.0.0.1:7861

Could not create share link. Please check your internet connection or our status page: https://status.gradio.app.
"""


@PATHS
@pytest.mark.parametrize("log", [GRADIO_SHARE_MISSING_FILE, GRADIO_SHARE_NO_INTERNET,
                                 GRADIO_SHARE_MISSING_FILE.split("app still serving")[0]],
                         ids=["missing-file", "no-internet", "missing-file-pasted-alone"])
def test_a_share_link_gradio_could_not_create_is_no_failure(log, use_grep):
    doc = explain_stream(io.BytesIO(log.encode()), limit=None, use_grep=use_grep)
    assert doc["matches"] == [] and not doc["failed"]


def test_the_share_link_line_is_no_failing_line():
    """The emitting source says the app goes on (blocks.py sets share=False and keeps serving): its words ("Missing
    file", "internet connection") are no evidence for the inference (rules/explain_benign.yaml)."""
    from ascendfix.explain import infer
    from ascendfix.explain.lines import parse

    inf = infer.load()
    for line in (GRADIO_SHARE_MISSING_FILE.splitlines()[2], GRADIO_SHARE_NO_INTERNET.splitlines()[2]):
        assert infer.classify_line(line.strip(), parse(line), None) == "fail"  # the words alone read as a failure
        assert infer.classify_line(line.strip(), parse(line), None, inf.benign, inf.benign_veto) == "ok"


# --- rev26c: review fixes -------------------------------------------------------------------------------------------

def test_af1771_needs_a_failed_run():
    """Scripts print the same words from their own torch.cuda.is_available() check and go on on the CPU (`else:
    print("No CUDA GPUs are available")`): torch's RuntimeError stops the run, so AF1771 names a cause only for a
    run that failed (``needs_failure``, as AF1770's NEP 32 text); the traceback examples still fire (the tests above)."""
    assert getattr(find_signature("AF1771"), "needs_failure", False) is True
