"""Round 23 (kb23f): numerics and annotation families explain missed in public logs. Each log below is copied from
the public thread named with it; the signatures' own examples run in tests/test_explain_kb.py. Fast tier, in-process."""

import pytest

from explain_support import top, top_category

# a plain Python TypeError of the code that ran: CPython's binop_type_error words ("unsupported operand type(s) for
# +: 'int' and 'str'") are no operator kernel, so kernel_unsupported's "unsupported" word is countered; the same
# words from an annotation evaluator that is not CPython's (pyscript's EvalLocalVar, a PEP 604 union it cannot
# evaluate) name nothing either
PYSCRIPT_UNION = "TypeError: unsupported operand type(s) for |: 'EvalLocalVar' and 'NoneType'"  # custom-components/pyscript#875

# ... while the PEP 604 union on a Python older than 3.10 stays py38_subscript (Ort0x36/Dimorf#2)
OLD_PY_UNION = """Traceback (most recent call last):
  File "/home/horseCock/Dimorf/./dimorf.py", line 18, in <module>
    def check_os(osname: str) -> str | None:
TypeError: unsupported operand type(s) for |: 'type' and 'NoneType'"""


def test_unsupported_operand_is_no_kernel():
    assert top_category(PYSCRIPT_UNION) is None


def test_old_python_union_stays_py38():
    assert top_category(OLD_PY_UNION) == "py38_subscript"


# TensorFlow's histogram summary refusing a NaN, a W-level op_kernel line of TF1 before the session raises
# (tensorflow/tensorflow#4592) and the TF2 eager form under IPython frames (tensorflow/models#9986)
TF1_HISTOGRAM = """W tensorflow/core/framework/op_kernel.cc:968] Invalid argument: Nan in summary histogram for: layer1/biases/summaries/HistogramSummary
	 [[Node: layer1/biases/summaries/HistogramSummary = HistogramSummary[T=DT_FLOAT, _device="/job:localhost/replica:0/task:0/cpu:0"](layer1/biases/summaries/HistogramSummary/tag, layer1/biases/Variable/read/_21)]]
W tensorflow/core/framework/op_kernel.cc:968] Invalid argument: Nan in summary histogram for: layer1/biases/summaries/HistogramSummary
	 [[Node: layer1/biases/summaries/HistogramSummary = HistogramSummary[T=DT_FLOAT, _device="/job:localhost/replica:0/task:0/cpu:0"](layer1/biases/summaries/HistogramSummary/tag, layer1/biases/Variable/read/_21)]]"""

TF2_HISTOGRAM = """/usr/local/lib/python3.7/dist-packages/tensorflow/python/eager/execute.py in quick_execute(op_name, num_outputs, inputs, attrs, ctx, name)
     58     ctx.ensure_initialized()
     59     tensors = pywrap_tfe.TFE_Py_Execute(ctx._handle, device_name, op_name,
---> 60                                         inputs, attrs, num_outputs)
     61   except core._NotOkStatusException as e:
     62     if name is not None:

InvalidArgumentError: Nan in summary histogram for: conv2d/kernel_0 [Op:WriteHistogramSummary]"""


@pytest.mark.parametrize("text", [TF1_HISTOGRAM, TF2_HISTOGRAM], ids=["tf1-warning-line", "tf2-eager"])
def test_tensorflow_histogram_nan(text):
    assert top(text) == ("AF1362", "numerics")


# torch.distributions refusing a NaN parameter: Real() only fails on NaN (IDSIA/hhmarl_2D#15); a positive-rate
# constraint with the NaN tensor printed under it (JinmiaoChenLab/scTM#6)
DIST_REAL = """ValueError: Expected parameter logits (Tensor of shape (280, 13)) of distribution Categorical(logits: torch.Size([280, 13])) to satisfy the constraint IndependentConstraint(Real(), 1), but found invalid values:
tensor([[nan, nan, nan,  ..., nan, nan, nan],
        [nan, nan, nan,  ..., nan, nan, nan],
        [nan, nan, nan,  ..., nan, nan, nan],
        ...,
        [nan, nan, nan,  ..., nan, nan, nan],
        [nan, nan, nan,  ..., nan, nan, nan],
        [nan, nan, nan,  ..., nan, nan, nan]], grad_fn=<SubBackward0>)

In tower 0 on device cpu"""

DIST_RATE = """ValueError: Expected parameter rate (Tensor of shape (256, 10106)) of distribution GammaPoisson() to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:
tensor([[nan, nan, nan,  ..., nan, nan, nan],
        [nan, nan, nan,  ..., nan, nan, nan],
        ...,
        [nan, nan, nan,  ..., nan, nan, nan]], device='cuda:0',
       grad_fn=<DivBackward0>)"""


def test_distribution_nan_parameters():
    assert top(DIST_REAL) == ("AF1360", "numerics")
    assert top(DIST_RATE) == ("AF1361", "numerics")
    # the positive-rate message alone (no NaN printed) may be an out-of-range value: no cause
    assert top(DIST_RATE.split("\n")[0])[0] != "AF1361"


# ComfyUI's NumPy warning pasted with the source line on the same line: the warning is the failure (a black image),
# a cause even with no failing line (Comfy-Org/ComfyUI#7715)
COMFY_JOINED = "... RuntimeWarning: invalid value encountered in cast  img = Image.fromarray(np.clip(i, 0, 255).astype(np.uint8))"


def test_nan_image_warning_on_one_line():
    assert top(COMFY_JOINED) == ("AF073", "numerics")


# one apex "Gradient overflow" at a high scale is dynamic loss scaling at work: silent (kenziyuliu/MS-G3D#9)
def test_single_gradient_overflow_stays_silent():
    assert top("Gradient overflow. Skipping step, loss scaler 0 reducing loss scale to 131072.0") == (None, None)


# JAX's debug_nans check: the word "jit" in "encountered in jit(convert_element_type)" names where the NaN was found,
# not a graph compiler failure (jax-ml/jax#22291)
JAX_TITLE = ("Exception has occurred: FloatingPointError invalid value (nan) encountered in jit(convert_element_type). "
             "Because jax_config.debug_nans.value and/or config.jax_debug_infs is set, the de-optimized funct")


def test_jax_debug_nans_is_numerics():
    assert top(JAX_TITLE) == ("AF1364", "numerics")


# NumPy's LinAlgError is a numerical result, not a NumPy build mismatch: "SVD did not converge" names numerics (most
# often NaN / inf in the matrix), the "numpy" module word no longer infers numpy_abi (DannyVanpoucke/LSSVMlib#5,
# juanjosegarciaripoll/seemps2#112)
@pytest.mark.parametrize("text", [
    'LSSVMRegression.py", line 251\nnumpy.linalg.LinAlgError: SVD did not converge',
    "numpy.linalg.LinAlgError: SVD did not converge from seemps.cython.core.__svd",
], ids=["lssvm", "seemps"])
def test_svd_did_not_converge_is_numerics(text):
    assert top_category(text) == "numerics"


# the inference alone (no signature loaded) names these checks' words numerics: a program or wording no signature
# knows yet (IDSIA/hhmarl_2D#15, tensorflow/models#9986, jax-ml/jax#22291)
@pytest.mark.parametrize("text", [DIST_REAL, TF2_HISTOGRAM, JAX_TITLE], ids=["dist-real", "tf-histogram", "jax"])
def test_numerics_inference_reads_nan_checks(text):
    from explain_support import infer_only
    res = infer_only(text)
    assert res is not None and res["category"] == "numerics"


# PaddlePaddle's NaN checker aborts with a device-side assertion, so a CUDA launch failure follows it: the checker's
# words name the cause (PaddlePaddle/Paddle#57955)
def test_paddle_check_nan_inf_is_numerics():
    from explain_support import example
    assert top(example("AF1365")) == ("AF1365", "numerics")
