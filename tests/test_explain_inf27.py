"""inf27: the category inference reads the CLASS a family belongs to for install, missing_weights,
device_unavailable and kernel_unsupported — the emitting source's generic template, in
rules/explain_categories.yaml, not one family's phrase: the run-time library loaders of bitsandbytes / Paddle /
cuDNN / CTranslate2 / ONNX Runtime, framework builds without a backend (torch's XPU checks, CTranslate2), CPython's
subprocess templates for a missing external program, the "requires X (`pip install x`)" install hints, the SD WebUI
launchers' command runner, containerd's platform matcher; the model-file readers of ONNX Runtime / GGUF / torch, an
empty pickle, model clients' digest checks; the GPU runtimes' "no device" and driver-state statuses; CUDA / HIP's
"invalid device function".

Each case is a signature example already in the repo (its public source is in the signature file), explained with
NO signature and no fault entry: the inference alone must name the signature's category.
"""

import pytest

from ascendfix.explain.kb import find_signature
from tests.explain_support import example, infer_only

CASES = [
    # install: run-time library loaders (bitsandbytes, Paddle's dynload, cuDNN's sub-libraries, CTranslate2, ONNX
    # Runtime's provider bridge)
    ("AF981", 0, "install"), ("AF973", 0, "install"), ("AF973", 3, "install"), ("AF985", 1, "install"),
    ("AF985", 3, "install"), ("AF985", 4, "install"), ("AF983", 0, "install"), ("AF983", 2, "install"),
    # a framework build without the backend asked for (torch XPU, CTranslate2 without CUDA)
    ("AF1492", 0, "install"), ("AF1492", 3, "install"), ("AF1661", 0, "install"), ("AF1661", 2, "install"),
    # an external program not on PATH (CPython's subprocess templates, shell status 127)
    ("AF1664", 1, "install"), ("AF1664", 2, "install"), ("AF1664", 3, "install"), ("AF1664", 4, "install"),
    # install hints in the message (transformers' quantizers, vLLM's extras)
    ("AF1691", 0, "install"), ("AF1691", 2, "install"), ("AF1600", 0, "install"),
    # the SD WebUI launchers' command runner (containerd's platform matcher: removed in review, it was AF1636's own
    # pattern copied, no class beyond the signature)
    ("AF1302", 0, "install"), ("AF1302", 1, "install"), ("AF1568", 0, "install"),
    # missing_weights: ONNX Runtime's model reader, digest checks of model clients (Ollama, hf_xet)
    ("AF1672", 0, "missing_weights"), ("AF1672", 3, "missing_weights"), ("AF062", 0, "missing_weights"),
    ("AF1439", 0, "missing_weights"), ("AF1439", 2, "missing_weights"), ("AF1048", 1, "missing_weights"),
    # device_unavailable: the GPU runtimes' "no device" texts, CUDA's 802 / 803 driver states
    ("AF1490", 0, "device_unavailable"), ("AF1490", 2, "device_unavailable"), ("AF1498", 0, "device_unavailable"),
    ("AF1498", 1, "device_unavailable"), ("AF1039", 0, "device_unavailable"), ("AF1100", 1, "device_unavailable"),
    ("AF1100", 3, "device_unavailable"), ("AF1441", 1, "device_unavailable"),
    # kernel_unsupported: CUDA / HIP "invalid device function"
    ("AF1090", 1, "kernel_unsupported"),
]


@pytest.mark.parametrize("sig_id,i,category", CASES)
def test_the_class_evidence_names_the_category_without_the_signature(sig_id, i, category):
    assert find_signature(sig_id).category == category
    got = infer_only(example(sig_id, i=i))
    assert got is not None and got["category"] == category, (sig_id, i, got)


# The launcher's torch step ("Couldn't install torch.", AF1303) is pip_conflict's convention: the launcher's words
# do not tell it from a source build, so the runner's class must not name install for it.
@pytest.mark.parametrize("i", range(3))
def test_the_launchers_torch_step_is_not_read_as_install(i):
    got = infer_only(example("AF1303", i=i))
    assert got is None or got["category"] != "install", (i, got)


# TensorFlow's dso_loader prints "Could not load dynamic library 'libcudart.so.11.0'; dlerror: ..." on every host
# without CUDA and goes on on the CPU (its next line says to ignore it): the loader class leaves that wording out.
# Message as printed in https://github.com/jax-ml/jax/issues/3746 (glog header removed, so the line is read as a
# failing line and only the regex decides).
TF_DSO_WARNING = ("Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared"
                  " object file: No such file or directory")


def test_tensorflows_optional_cuda_probe_is_not_a_loader_failure():
    got = infer_only(TF_DSO_WARNING)
    assert got is None or got["category"] != "install", got


# NVML's "could not load NVML library" (the GPU driver's management library; the k8s device plugin's line, AF1635) is
# the driver's words, not a package's loader: the loader class leaves it to device_unavailable's NVML entry.
def test_nvml_not_loading_is_not_a_package_loader_failure():
    got = infer_only(example("AF1635", i=0))
    assert got is not None and got["category"] == "device_unavailable", got


# CANN's own libraries stay out of the loader class (cann_env names them): a loader line naming libascendcl is read
# as cann_env, not install. Line shape from bitsandbytes' cextension.py template with CANN's library name.
# (rev-inf27: was a test of the YAML regex text; now explain's answer)
def test_a_loader_line_naming_a_cann_library_is_cann_env():
    got = infer_only("Failed to load library libascendcl.so: cannot open shared object file")
    assert got is not None and got["category"] == "cann_env", got


# The classes stay away from texts the signatures' own no_match examples hold: an upgrade hint ("`pip install -U
# bitsandbytes`", a package there but too old), TensorFlow's E-level cuInit probe on a host without a GPU, llama.cpp's
# bare "failed to load model from" (an old GGML .bin says it too), an EOFError from a dataset cache or a spawn pipe.
NO_MATCH = [
    ("AF350", 0, "install"), ("AF1490", 0, "device_unavailable"), ("AF988", 0, "missing_weights"),
    ("AF1630", 0, "missing_weights"), ("AF1630", 1, "missing_weights"),
]


@pytest.mark.parametrize("sig_id,i,category", NO_MATCH)
def test_the_classes_leave_the_no_match_examples_alone(sig_id, i, category):
    got = infer_only(example(sig_id, kind="no_match", i=i))
    assert got is None or got["category"] != category, (sig_id, i, got)
