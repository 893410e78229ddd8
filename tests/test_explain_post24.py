"""Round 24 post-measure families (helper post24): every text is a signature's own example (real public text or a
capture, see its ``source``).

1. torch's "Found no NVIDIA driver on your system" without an NPU context: device_unavailable (AF1550), no longer
   cuda_on_npu; the warning forms of a run that goes on stay silent.
2. The CUDA toolkit missing for an extension build (CUDA_HOME not set, no nvcc under CUDA_HOME): install (AF163).
3. A model config / hyperparameter JSON that does not parse, read by a custom loader: missing_weights (AF267).
4. '_OpNamespace' 'aten' has no attribute: torch older than the code, version_skew (AF1551); a custom namespace stays
   install (AF101).
"""

import pytest

from explain_support import example, hits, top, top_category


@pytest.mark.parametrize("i", [0, 1])
def test_no_nvidia_driver_is_device_unavailable(i):
    assert top(example("AF1550", "match", i)) == ("AF1550", "device_unavailable")


@pytest.mark.parametrize("i", [0, 1])
def test_no_nvidia_driver_warnings_stay_out(i):
    text = example("AF1550", "no_match", i)
    assert "AF1550" not in hits(text)
    assert "AF088" not in hits(text)


@pytest.mark.parametrize("i", [0, 1, 2, 3, 4, 5])
def test_cuda_toolkit_missing_for_a_build_is_install(i):
    assert top(example("AF163", "match", i)) == ("AF163", "install")


def test_cpp_extension_notice_stays_out():
    assert "AF163" not in hits(example("AF163", "no_match", 1))


@pytest.mark.parametrize("i", [2, 3])
def test_custom_loader_config_json_is_missing_weights(i):
    assert top(example("AF267", "match", i)) == ("AF267", "missing_weights")


def test_dataset_json_is_not_missing_weights():
    text = example("AF267", "no_match", 1)
    assert "AF267" not in hits(text)
    assert top_category(text) != "missing_weights"


def test_aten_op_missing_is_version_skew():
    assert top(example("AF1551", "match", 0)) == ("AF1551", "version_skew")


@pytest.mark.parametrize("i", [0, 1])
def test_custom_op_namespace_stays_install(i):
    text = example("AF1551", "no_match", i)
    assert "AF1551" not in hits(text)
    assert top(text) == ("AF101", "install")


# 5. MindIE-LLM's weight loader: a tensor the architecture expects is in no safetensors file (AF1552, missing_weights)
@pytest.mark.parametrize("i", [0, 1])
def test_mindie_weight_tensor_missing_is_missing_weights(i):
    assert top(example("AF1552", "match", i)) == ("AF1552", "missing_weights")


def test_mindie_model_folder_check_is_not_the_tensor_family():
    assert "AF1552" not in hits(example("AF1552", "no_match", 0))
