"""Review rev21g of kb21e: warnings of runs that went on stay notes. JAX's CPU fallback prints AF972's lines inside a
warning (or at INFO) and the program goes on, so AF972 needs the run to stop (needs_failure); torch.compile's
max-autotune logs triton's OutOfResources text for a candidate kernel it then skips, so AF971 does not read those
lines. Logs are composed from real lines; each one's source is named where it is used."""

from tests.explain_support import example, first, ranked

# a progress bar of a run that goes on (AF797's no_match example, hiyouga/LlamaFactory#2949)
PROGRESS = example("AF797", "no_match", 0)

# https://github.com/conda-forge/jax-feedstock/issues/149 ("The model falls back to running on CPU ... the code still
# runs"): jax's warning, as printed
JAX_CPU_FALLBACK = "\n".join([
    "CUDA backend failed to initialize: Unable to use CUDA because of the following issues with CUDA components:",
    "Outdated cuDNN installation found.",
    "Version JAX was built against: 8907",
    "Minimum supported: 9100",
    "Installed version: 8907",
    "The local installation version must be no lower than 9100..(Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)",
])

# https://github.com/facebookresearch/sam2/issues/592: inductor's autotune skips two candidate kernels, then reports
# the benchmark of the others (the run goes on)
AUTOTUNE = "\n".join([
    "W0306 14:40:15.990000 1719866 .venv/lib/python3.12/site-packages/torch/_inductor/select_algorithm.py:1517] [2/0] "
    "out of resource: shared memory, Required: 131072, Hardware limit: 101376. Reducing block sizes or `num_stages` may "
    "help.",
    "W0306 14:40:15.993000 1719866 .venv/lib/python3.12/site-packages/torch/_inductor/select_algorithm.py:1517] [2/0] "
    "out of resource: shared memory, Required: 262144, Hardware limit: 101376. Reducing block sizes or `num_stages` may "
    "help.",
    "AUTOTUNE mm(16384x128, 128x256)",
])


def test_jax_cpu_fallback_warning_of_a_run_that_went_on_is_a_note():
    roles = {h.id: h.role for h in ranked(JAX_CPU_FALLBACK + "\n" + PROGRESS)}
    assert roles.get("AF972") == "context", roles
    # the same warning as the whole paste (the reporter asks why the GPU is not used) names the cause
    assert first(JAX_CPU_FALLBACK) == ("AF972", "version_skew")
    # and so does the older wording, raised or as the last line (AF972's examples)
    assert first(example("AF972")) == ("AF972", "version_skew")
    gcbf = {h.id: h.role for h in ranked(example("AF972") + "\n" + PROGRESS)}
    assert gcbf.get("AF972") == "context", gcbf


def test_inductor_autotune_skipping_a_kernel_is_not_triton_out_of_resources():
    assert all(h.id != "AF971" for h in ranked(AUTOTUNE))
    # the raised exception of a kernel that does not fit stays AF971 (AF971's examples)
    assert first(example("AF971")) == ("AF971", "kernel_unsupported")
    assert first(example("AF971", i=1)) == ("AF971", "kernel_unsupported")
