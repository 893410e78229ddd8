"""conv27: label conventions and veto rules round 26's reviews left open, decided from the corpus' labels and the
emitting sources.

Every log line is a signature's own example (its source is in the signature file), a public thread's text (cited next
to it) or captured here by running the program (the command next to it). The captured tracebacks were made with
CPython 3.11.7: a package folder /tmp/c27/site-packages on PYTHONPATH stands for an installed library, /tmp/c27/app for
the program's own code."""

import io

import pytest

from ascendfix.explain.engine import explain_stream
from ascendfix.explain.kb import find_signature

PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])

# a torch_npu frame of a traceback on an Atlas 910B host (https://github.com/opendatalab/MinerU/issues/2258, as in
# test_explain_npu_context)
NPU_FRAME = ('  File "/opt/mineru_venv/lib/python3.10/site-packages/torch_npu/npu/npu_config.py", line 89, '
             'in set_compile_mode')


def _doc(text, use_grep=False):
    return explain_stream(io.BytesIO(text.encode()), limit=None, use_grep=use_grep)


def _cats(text, use_grep=False):
    return [(m["id"], m["category"]) for m in _doc(text, use_grep)["matches"]]


def _example(sig_id, idx, kind="match"):
    return find_signature(sig_id).examples[kind][idx]["text"]


# --- 1. a benign notice about a step of its own does not show the run going on past an earlier traceback -----------

# captured: python3.11 gr.py, whose first line imports a module that is not installed (the traceback ends the program)
ENDED = """Traceback (most recent call last):
  File "/tmp/c27/app/gr.py", line 1, in <module>
    import torch_not_there
ModuleNotFoundError: No module named 'torch_not_there'
"""
# https://github.com/modelscope/facechain/issues/406 (as in test_explain_conv26): Gradio's launch lines when the share
# link cannot be created; in a paste of stdout and stderr the buffered stdout lines can print after the traceback
GRADIO_NOTICE = """Running on local URL:  http://127.0.0.1:7861

Could not create share link. Please check your internet connection or our status page: https://status.gradio.app.
"""


@PATHS
def test_a_share_link_notice_after_a_traceback_does_not_silence_it(use_grep):
    got = _cats(ENDED + GRADIO_NOTICE, use_grep)
    assert got and got[0][1] == "install"


@PATHS
def test_the_share_link_notice_alone_is_still_no_failure(use_grep):
    doc = _doc(GRADIO_NOTICE, use_grep)
    assert doc["matches"] == [] and not doc["failed"]


def test_the_share_link_line_is_no_failing_line_and_no_success_line():
    from ascendfix.explain import infer
    from ascendfix.explain.lines import parse

    inf = infer.load()
    line = GRADIO_NOTICE.splitlines()[2]
    assert infer.classify_line(line, parse(line), None, inf.benign, inf.benign_went_on) is None
    # ("the above error log can be ignored" still speaks for the lines before it)
    ok = 'Get a block from the existing pool failed. Try to free cached blocks and reallocate. This error log can be ignored.'
    assert infer.classify_line(ok, parse(ok), None, inf.benign, inf.benign_went_on) == "ok"


# --- 2. CPython's "Did you mean" suggestion: a library's attribute, not the program's own class ----------------------

# captured: python3.11 typo1.py — a class of the program whose method reads self.learnig_rate
OWN_CLASS_TYPO = """Traceback (most recent call last):
  File "/tmp/conv27/typo1.py", line 6, in <module>
    Trainer().run()
  File "/tmp/conv27/typo1.py", line 5, in run
    return self.learnig_rate * 2
           ^^^^^^^^^^^^^^^^^
AttributeError: 'Trainer' object has no attribute 'learnig_rate'. Did you mean: 'learning_rate'?
"""
# captured: python3.11 lib_attr.py — the same read inside an installed library's method
LIBRARY_CLASS = """Traceback (most recent call last):
  File "/tmp/c27/app/lib_attr.py", line 2, in <module>
    libx.Engine().run()
  File "/tmp/c27/site-packages/libx/__init__.py", line 5, in run
    return self.max_lne
           ^^^^^^^^^^^^
AttributeError: 'Engine' object has no attribute 'max_lne'. Did you mean: 'max_len'?
"""


@PATHS
def test_a_typo_in_the_programs_own_class_is_no_version_skew(use_grep):
    assert "version_skew" not in [c for _, c in _cats(OWN_CLASS_TYPO, use_grep)]


@PATHS
def test_a_library_objects_missing_attribute_stays_version_skew(use_grep):
    assert _cats(LIBRARY_CLASS, use_grep)[0] == ("inferred:version_skew", "version_skew")


# --- 3 / 4. a shortage of devices on this machine, and "failed to schedule" outside a scheduler ---------------------

# captured: python3.11 gpus.py, the check of a training script (torch.cuda.device_count() against the requested count:
# raise ValueError(f'Requested {num_requested} GPUs but only {num_available} are available'))
LOCAL_SHORTAGE = """Traceback (most recent call last):
  File "/tmp/c27/app/gpus.py", line 3, in <module>
    raise ValueError(f'Requested {num_requested} GPUs but only {num_available} are available')
ValueError: Requested 8 GPUs but only 4 are available
"""
# captured: python3.11 sched.py — logging.exception("Failed to schedule restart") in an except block, then re-raised
SCHEDULE_WORDS = """ERROR:root:Failed to schedule restart
Traceback (most recent call last):
  File "/tmp/c27/app/sched.py", line 3, in <module>
    raise OSError("timer queue closed")
OSError: timer queue closed
"""


@PATHS
def test_a_local_device_shortage_is_device_unavailable(use_grep):
    assert _cats(LOCAL_SHORTAGE, use_grep)[0] == ("inferred:device_unavailable", "device_unavailable")


def test_the_clusters_shortage_stays_cluster_setup():
    text = next(t for t in (ex["text"] for ex in find_signature("AF1247").examples["match"]) if "in the cluster" in t)
    from ascendfix.explain import infer

    inf = infer.load()
    cats = {inf.categories[ci][0] for ci, ei, _w in inf.line_evidence(text) if inf.weight(ci, ei) > 0}
    assert "cluster_setup" in cats and "device_unavailable" not in cats


@PATHS
def test_failed_to_schedule_outside_a_scheduler_is_no_cluster_setup(use_grep):
    assert "cluster_setup" not in [c for _, c in _cats(SCHEDULE_WORDS, use_grep)]


# --- 5. a kernel fault on the GPU is no device_oom -------------------------------------------------------------------

@PATHS
@pytest.mark.parametrize("idx", [1, 2])
def test_a_cuda_kernel_fault_is_not_out_of_memory(idx, use_grep):
    text = _example("AF752", idx, "no_match")  # the illegal-address / misaligned-address texts (their sources there)
    assert "CUDA error: " in text
    assert "device_oom" not in [c for _, c in _cats(text, use_grep)]
    # (also under the other exception name torch prints since 2.8: torch.AcceleratorError)
    text2 = text.replace("RuntimeError: ", "torch.AcceleratorError: ")
    assert "device_oom" not in [c for _, c in _cats(text2, use_grep)]


# --- 7. a bare NotImplementedError raised by a library method: version_skew -------------------------------------------

# captured: python3.11 lib_rpc.py — an installed library's method that raises NotImplementedError with no message
LIBRARY_NOT_IMPLEMENTED = """Traceback (most recent call last):
  File "/tmp/c27/app/lib_rpc.py", line 2, in <module>
    libx.Engine().collective_rpc()
  File "/tmp/c27/site-packages/libx/__init__.py", line 7, in collective_rpc
    raise NotImplementedError
NotImplementedError
"""
# captured: python3.11 ni.py — the program's own abstract method
OWN_ABSTRACT = """Traceback (most recent call last):
  File "/tmp/conv27/ni.py", line 6, in <module>
    Impl().step()
  File "/tmp/conv27/ni.py", line 3, in step
    raise NotImplementedError
NotImplementedError
"""


@PATHS
def test_a_library_method_not_implemented_alone_names_no_category(use_grep):
    """(review conv27) a library's bare NotImplementedError is as often a base-class hook the program's subclass left
    out (torch 1.x Module._forward_unimplemented, Dataset.__getitem__) as a method a release lacks: version_skew's word
    must agree with another one, and kernel_unsupported's counter keeps it from naming an operator."""
    cats = [c for _, c in _cats(LIBRARY_NOT_IMPLEMENTED, use_grep)]
    assert "version_skew" not in cats and "kernel_unsupported" not in cats


@PATHS
def test_the_programs_own_abstract_method_names_no_category(use_grep):
    cats = [c for _, c in _cats(OWN_ABSTRACT, use_grep)]
    assert "version_skew" not in cats and "kernel_unsupported" not in cats


# --- 8. CUDA error 803 named even when the program went on on the CPU -------------------------------------------------

# https://github.com/easydiffusion/easydiffusion/issues/379 (the warning is AF1441's example; the next two lines follow
# it there)
@PATHS
def test_a_driver_mismatch_warning_before_a_cpu_fallback_is_named(use_grep):
    text = _example("AF1441", 3) + "\n  return torch._C._cuda_getDeviceCount() > 0\n" \
        "WARNING: No compatible GPU found. Using the CPU, but this will be very slow!\n"
    assert "UserWarning" in text
    assert _cats(text, use_grep)[0] == ("AF1441", "device_unavailable")


# --- 9. a package missing its own submodule: install ------------------------------------------------------------------

# captured: python3.11 own_pkg.py — an installed package whose __init__ imports a part of itself that is missing
OWN_SUBMODULE = """Traceback (most recent call last):
  File "/tmp/c27/app/own_pkg.py", line 1, in <module>
    import pkga
  File "/tmp/c27/site-packages/pkga/__init__.py", line 1, in <module>
    from pkga.ops import kernels
ModuleNotFoundError: No module named 'pkga.ops'
"""
# captured: python3.11 other_pkg.py — the program importing a submodule the installed package does not have
OTHER_SUBMODULE = """Traceback (most recent call last):
  File "/tmp/c27/app/other_pkg.py", line 1, in <module>
    from pkgb.models.unets import UNet
ModuleNotFoundError: No module named 'pkgb.models'
"""


@PATHS
def test_a_package_missing_its_own_part_is_install(use_grep):
    assert _cats(OWN_SUBMODULE, use_grep)[0] == ("inferred:install", "install")


@PATHS
def test_a_submodule_the_callers_release_lacks_stays_version_skew(use_grep):
    assert _cats(OTHER_SUBMODULE, use_grep)[0] == ("inferred:version_skew", "version_skew")


@PATHS
def test_a_frame_whose_function_a_web_page_dropped_is_still_read(use_grep):
    """'File "...", line 1, in' with "<module>" eaten as an HTML tag: the frame still places the import."""
    text = OWN_SUBMODULE.replace(", in <module>", ", in")
    assert _cats(text, use_grep)[0] == ("inferred:install", "install")


# --- 10. AF162: cuda_on_npu only with an NPU context ------------------------------------------------------------------

@PATHS
def test_af162_follows_the_no_usable_gpu_convention(use_grep):
    text = _example("AF162", 0)
    assert _cats(text, use_grep)[0] == ("AF162", "device_unavailable")
    assert _cats(NPU_FRAME + "\n" + text, use_grep)[0] == ("AF162", "cuda_on_npu")


def test_af162s_words_infer_device_unavailable_without_the_signature():
    from tests.explain_support import infer_only

    assert (infer_only(_example("AF162", 0)) or {}).get("category") == "device_unavailable"


# --- review conv27 ----------------------------------------------------------------------------------------------------

# captured: python3.11 run.py — a namespace package's part (nsp/api_core) importing a module of another distribution of
# the same namespace (nsp.proto, installed but without .internal.builder): the google/api_core -> google.protobuf shape
NAMESPACE_SIBLING = """Traceback (most recent call last):
  File "/tmp/rev-conv27/cap/app/run.py", line 1, in <module>
    import nsp.api_core.helpers
  File "/tmp/rev-conv27/cap/site-packages/nsp/api_core/helpers.py", line 1, in <module>
    import nsp.proto.internal.builder
ModuleNotFoundError: No module named 'nsp.proto.internal.builder'
"""


@PATHS
def test_a_namespace_siblings_missing_module_stays_version_skew(use_grep):
    assert _cats(NAMESPACE_SIBLING, use_grep)[0] == ("inferred:version_skew", "version_skew")


@PATHS
def test_a_flattened_traceback_on_the_first_line_is_read_for_its_innermost_frame(use_grep):
    """OWN_SUBMODULE as a web page flattens it onto one line, with nothing before it."""
    text = " ".join(line.strip() for line in OWN_SUBMODULE.splitlines()) + "\n"
    assert _cats(text, use_grep)[0] == ("inferred:install", "install")


# captured: IPython 9.19.1 (ipython --colors=NoColor -c "import pkga"), the package of OWN_SUBMODULE: IPython's frame
# headers ("Cell In[1], line 1", "File /.../pkga/__init__.py:1") place the import in the package's own folder
IPYTHON_OWN_SUBMODULE = """---------------------------------------------------------------------------
ModuleNotFoundError                       Traceback (most recent call last)
Cell In[1], line 1
----> 1 import pkga

File /tmp/rev-conv27/cap/site-packages/pkga/__init__.py:1
----> 1 from pkga.ops import kernels

ModuleNotFoundError: No module named 'pkga.ops'
"""


@PATHS
def test_an_ipython_traceback_is_read_for_its_innermost_frame(use_grep):
    assert _cats(IPYTHON_OWN_SUBMODULE, use_grep)[0] == ("inferred:install", "install")
    cell = IPYTHON_OWN_SUBMODULE.replace("File /tmp/rev-conv27/cap/site-packages/pkga/__init__.py:1",
                                         "Cell In[2], line 1")
    assert _cats(cell, use_grep)[0] == ("inferred:version_skew", "version_skew")
