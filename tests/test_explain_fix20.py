"""fix20: two general explain defects of round 20.

1. CUDA words alone do not name cuda_on_npu. A GPU machine prints them on every CUDA failure ("RuntimeError: CUDA
   error: device-side assert triggered", "... an illegal memory access was encountered"): the bare CUDA word
   (rules/explain_categories.yaml, cuda_on_npu) must agree with an NPU context word on a failing line (npu, torch_npu,
   Ascend, CANN, HCCL) or come with the CUDA-less build's own words ("Torch not compiled with CUDA enabled",
   "Distributed package doesn't have NCCL built in", ...); the CUDA runtime's "device-side assert triggered" / "illegal
   memory access was encountered" (a CUDA kernel ran) count against the category. The GPU crashes below are copied from
   public issues (URL with each); the CUDA-less examples are the cuda_on_npu signatures' own.
2. A cause signature whose last match is followed by a success line of the run (and no failing line) is a note
   (Matcher.went_on): the program caught the traceback, printed it and went on. Captures made here (script and command
   with each).
"""

import io

import pytest

from ascendfix.explain import engine

from tests.explain_support import example, infer_only, matcher, top

# the prefixes a line gets from torchrun's per-rank output, Ray's worker processes and glog (as tests/test_explain_gen18)
PREFIXES = ["", "[rank3]: ", "(RayWorkerWrapper pid=2741) "]

GPU_CRASHES = [
    ("https://github.com/QwenLM/Qwen3/issues/368",
     "--> 158     return tensor.to(device, non_blocking=non_blocking)\n"
     "    159 except TypeError:  # .to() doesn't accept non_blocking as kwarg\n"
     "    160     return tensor.to(device)\n"
     "\n"
     "RuntimeError: CUDA error: device-side assert triggered\n"
     "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n"
     "For debugging consider passing CUDA_LAUNCH_BLOCKING=1.\n"
     "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions."),
    ("https://github.com/EleutherAI/lm-evaluation-harness/issues/2293",
     "/opt/conda/conda-bld/pytorch_1720538643151/work/aten/src/ATen/native/cuda/Indexing.cu:1231: indexSelectSmallIndex: block: [31,0,0], thread: [29,0,0] Assertion `srcIndex < srcSelectDimSize` failed.\n"
     "/opt/conda/conda-bld/pytorch_1720538643151/work/aten/src/ATen/native/cuda/Indexing.cu:1231: indexSelectSmallIndex: block: [31,0,0], thread: [30,0,0] Assertion `srcIndex < srcSelectDimSize` failed.\n"
     "/opt/conda/conda-bld/pytorch_1720538643151/work/aten/src/ATen/native/cuda/Indexing.cu:1231: indexSelectSmallIndex: block: [31,0,0], thread: [31,0,0] Assertion `srcIndex < srcSelectDimSize` failed."),
    ("https://github.com/WENGSYX/CMIVQA_Baseline/issues/16",
     "/opt/conda/conda-bld/pytorch_1695392067780/work/aten/src/ATen/native/cuda/Loss.cu:94: operator(): block: [1,0,0], thread: [115,0,0] Assertion `input_val >= zero && input_val <= one` failed.\n"
     "/opt/conda/conda-bld/pytorch_1695392067780/work/aten/src/ATen/native/cuda/Loss.cu:94: operator(): block: [1,0,0], thread: [116,0,0] Assertion `input_val >= zero && input_val <= one` failed."),
    ("https://github.com/lllyasviel/stable-diffusion-webui-forge/issues/1929",
     '  File "/content/stable-diffusion-webui-forge/modules/sd_samplers_kdiffusion.py", line 238, in <lambda>\n'
     "    samples = self.launch_sampling(steps, lambda: self.func(self.model_wrap_cfg, x, extra_args=self.sampler_extra_args, disable=False, callback=self.callback_state, **extra_params_kwargs))\n"
     '  File "/usr/local/lib/python3.10/dist-packages/torch/utils/_contextlib.py", line 116, in decorate_context\n'
     "    return func(*args, **kwargs)\n"
     '  File "/content/stable-diffusion-webui-forge/k_diffusion/sampling.py", line 124, in sample_euler\n'
     "    gamma = min(s_churn / (len(sigmas) - 1), 2 ** 0.5 - 1) if s_tmin <= sigmas[i] <= s_tmax else 0.\n"
     "RuntimeError: CUDA error: an illegal memory access was encountered\n"
     "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n"
     "For debugging consider passing CUDA_LAUNCH_BLOCKING=1\n"
     "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.\n"
     "\n"
     "CUDA error: an illegal memory access was encountered\n"
     "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n"
     "For debugging consider passing CUDA_LAUNCH_BLOCKING=1\n"
     "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions."),
    ("https://github.com/NVIDIA/Stable-Diffusion-WebUI-TensorRT/issues/163",
     '  File "C:\\sd_webui_aki\\sd-webui-aki-v4.4\\python\\lib\\site-packages\\torch\\nn\\modules\\module.py", line 905, in <lambda>\n'
     "    return self._apply(lambda t: t.cuda(device))\n"
     "RuntimeError: CUDA error: an illegal memory access was encountered\n"
     "提示：Python 运行时抛出了一个异常。请检查疑难解答页面。\n"
     "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n"
     "For debugging consider passing CUDA_LAUNCH_BLOCKING=1.\n"
     "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions."),
]


@pytest.mark.parametrize("i", range(len(GPU_CRASHES)))
@pytest.mark.parametrize("prefix", PREFIXES)
def test_gpu_crashes_are_not_cuda_code_on_an_npu(prefix, i):
    url, text = GPU_CRASHES[i]
    text = "\n".join(prefix + ln if ln.strip() else ln for ln in text.split("\n"))
    inf = infer_only(text)
    assert inf is None or inf["category"] != "cuda_on_npu", url
    assert top(text)[1] != "cuda_on_npu", url


def test_the_gpu_crash_words_count_against_cuda_on_npu_even_with_an_npu_word():
    # the Qwen3#368 exception, then AF346's torch_npu line (npu and cuda): the kernel that ran says a CUDA device is there
    text = GPU_CRASHES[0][1] + "\n" + example("AF346")
    assert infer_only(GPU_CRASHES[0][1]) is None
    assert (infer_only(example("AF346")) or {}).get("category") == "cuda_on_npu"
    assert (infer_only(text) or {}).get("category") != "cuda_on_npu"


# (conv27: AF162's "torch.cuda.is_available() is False" moved to device_unavailable with its signature — no usable GPU,
# not torch without CUDA; tests/test_explain_conv27.py)
@pytest.mark.parametrize("sig, i", [("AF088", 0), ("AF088", 1), ("AF346", 0), ("AF157", 0)])
def test_cuda_less_builds_and_npu_context_still_infer_cuda_on_npu(sig, i):
    """Without any signature, the CUDA-less build's words (torch.distributed without NCCL, torch.load of a CUDA
    checkpoint where torch.cuda.is_available() is False, "Torch not compiled with CUDA enabled") and the CUDA word next to
    an NPU word (torch_npu's "Two accelerators cannot be used at the same time in PyTorch: npu and cuda") still infer it."""
    assert (infer_only(example(sig, i=i)) or {}).get("category") == "cuda_on_npu", example(sig, i=i)


# -- 2. a cause the run went past --------------------------------------------------------------------------------------
# captured: safetensors 0.8.0 + torch 2.13.0+cpu, CPython 3.11.7, `python load_or_fallback.py > log 2>&1`, the script:
#     import traceback
#     from safetensors.torch import load_file
#     open("unet.fp16.safetensors", "wb").write(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":")
#     try:
#         sd = load_file("unet.fp16.safetensors")
#     except Exception:
#         traceback.print_exc()
#         print("fp16 weights unreadable, loading unet.safetensors instead")
#     print("generation finished: 1 image saved")
# (its folder and the venv's shown as /tmp/cap and /opt/venv)
SAFETENSORS_CAPTURE = 'Traceback (most recent call last):\n  File "/tmp/cap/load_or_fallback.py", line 5, in <module>\n    sd = load_file("unet.fp16.safetensors")\n         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File "/opt/venv/lib/python3.11/site-packages/safetensors/torch.py", line 359, in load_file\n    with safe_open(filename, framework="pt", device=device, backend=backend) as f:\n         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\nsafetensors._safetensors_rust.SafetensorError: Error while deserializing header: invalid header length\nfp16 weights unreadable, loading unet.safetensors instead\ngeneration finished: 1 image saved\n'
FINISHED = "generation finished: 1 image saved"


def _cut(text):
    """The same log without its success line (the run stopped after the fallback message)."""
    return "\n".join(ln for ln in text.split("\n") if ln != FINISHED)


def _captures():
    from tests import test_explain_eng20 as eng20  # huggingface_hub offline, chained traceback, fallback, finished

    return [("AF049", eng20.CAPTURE), ("AF062", SAFETENSORS_CAPTURE)]


@pytest.mark.parametrize("n", range(2))
def test_a_cause_the_run_went_past_is_a_note(n):
    sig, text = _captures()[n]
    assert FINISHED in text
    m = matcher(text)
    assert m.results() == []
    assert [x["id"] for x in m.notes()] == [sig]
    assert m.inferred() is None


@pytest.mark.parametrize("n", range(2))
def test_without_the_success_line_the_cause_stays(n):
    """The fallback message alone ("..., loading unet.safetensors instead", "..., using the local copy ...") is no
    success line: the log's last line being the program's output is not enough for a signature of a failing line."""
    sig, text = _captures()[n]
    assert top(_cut(text))[0] == sig


@pytest.mark.parametrize("n", range(2))
def test_a_failure_after_the_success_line_keeps_the_cause(n):
    # captured: CPython 3.11.7, python -c "import json; json.loads('x')" (the last line of its traceback), as in
    # tests/test_explain_kb16veto.py
    other = "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    sig, text = _captures()[n]
    res = matcher(text.rstrip("\n") + "\n" + other).results()
    assert res and res[0]["id"] == sig


@pytest.mark.parametrize("n", range(2))
def test_the_same_on_every_read_path(n, tmp_path):
    sig, text = _captures()[n]
    p = tmp_path / "run.log"
    p.write_text(text, encoding="utf-8")
    for use_grep in (True, False):
        with open(p, "rb") as fh:
            assert engine.scan_stream(fh, use_grep=use_grep).results() == []
        m = engine.scan_stream(io.BufferedReader(io.BytesIO(p.read_bytes())), use_grep=use_grep)
        assert m.results() == [] and [x["id"] for x in m.notes()] == [sig]
