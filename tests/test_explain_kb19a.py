"""Round 19 (ev19a): category evidence that generalizes for cann_env, install, pip_conflict and permission. Each new
or widened evidence entry gets a real line from an emitting source (or a capture made here) that is not one of the
signatures' examples and that the inference alone names correctly, and a harmless / neighbour line it must not claim.
Fast tier, in-process."""

import pytest

from explain_support import infer_only


def inferred(text):
    r = infer_only(text)
    return r["category"] if r else None


@pytest.mark.parametrize("text,category", [
    # cann_env, platform-info + SoC words: hicann/runtime's ACL, GetPlatformInfoWithKey
    # https://github.com/hicann/runtime/blob/master/src/acl/aclrt_impl/acl.cpp
    ("Failed to get platform info, SocVersion = %s.", "cann_env"),
    # cann_env, device id outside the visible ones: CUDA's cudaErrorInvalidDevice text as torch's CUDA check raises it
    # https://docs.nvidia.com/cuda/cuda-runtime-api/group__CUDART__TYPES.html
    ("RuntimeError: CUDA error: invalid device ordinal", "cann_env"),
    # install, a compiler the build needs is not there: autoconf's compiler check (_AC_COMPILER_EXEEXT_DEFAULT)
    # https://github.com/autotools-mirror/autoconf/blob/master/lib/autoconf/lang.m4
    ("configure: error: C compiler cannot create executables", "install"),
    # install, pip's install step refusing a requirement (VcsHashUnsupported, pip/_internal/exceptions.py);
    # captured: pip 23.2.1 `pip install --no-index --dry-run --target <tmp> --require-hashes "x @ git+https://example.invalid/x.git"`
    ("ERROR: Can't verify hashes for these requirements because we don't have a way to hash version control "
     "repositories:", "install"),
    # install, a namespace package where the package should be (CPython's import_from, Python/ceval.c);
    # captured: python3.11 -c "from diffusers import DiffusionPipeline" next to an empty directory named diffusers
    ("ImportError: cannot import name 'DiffusionPipeline' from 'diffusers' (unknown location)", "install"),
    # pip_conflict, conda's solver (UnsatisfiableError, virtual_package wording)
    # https://github.com/conda/conda/blob/9c644e1e92ad349a30f2fd956c0b2388b6a3129b/conda/exceptions.py
    ("UnsatisfiableError: The following specifications were found to be incompatible with your system:",
     "pip_conflict"),
])
def test_inference_alone_names_the_category(text, category):
    assert inferred(text) == category, text


@pytest.mark.parametrize("text,not_category", [
    # the driver failing to open a card (a device, not the CANN environment; AF670's no_match, the halXxx word alone)
    ("[drv api] halDeviceOpen failed. device_id=1, drvRetCode=7.[FUNC:DeviceOpen][FILE:npu_driver.cc][LINE:438]",
     "cann_env"),
    # a CANN tool missing from PATH is cann_env, not a missing build tool
    ("bash: atc: command not found", "install"),
    # pip's resolver giving up stays pip_conflict (pip/_internal/resolution/resolvelib/factory.py)
    ("ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/",
     "install"),
    # an installed module without the name (a file location, no namespace package) stays version_skew;
    # captured: python3.11 -c "from mylib import cached_download" next to a package mylib with an empty __init__.py
    ("ImportError: cannot import name 'cached_download' from 'mylib' (<tmp>/mylib/__init__.py)", "install"),
])
def test_neighbour_lines_are_not_claimed(text, not_category):
    assert inferred(text) != not_category, text


@pytest.mark.parametrize("text", [
    # ACL's INFO line after a platform lookup that worked (acl.cpp), its format string as the source has it
    "Successfully get platform info, key = %s, value = %ld",
    # conda's progress line when the solve worked
    "Solving environment: done",
])
def test_success_and_progress_lines_name_nothing(text):
    # no failing line at all: the level / success rules, not an entry, keep these quiet (review 19 item 9)
    assert inferred(text) is None, text


def test_unknown_location_is_install_and_a_file_location_version_skew():
    assert inferred("ImportError: cannot import name 'cached_download' from 'mylib' (<tmp>/mylib/__init__.py)") \
        == "version_skew"
    assert inferred("bash: atc: command not found") == "cann_env"
