"""Round 14's category evidence (rules/explain_categories.yaml): words a category's failures share across families.

Each case is a signature's own real example read by the category inference alone (no signature, code or fault
entry loaded): the evidence must name the category without the family's signature — what
benchmarks/bench_explain_generalization.py measures over every signature."""

import pytest

from tests.explain_support import example, infer_only

CASES = [
    ("AF251", 0, "cann_env"),  # Paddle-Lite: "CANN version mismatch. The build version is ..."
    ("AF151", 0, "cann_env"),  # torch_npu: "Failed to find function aclmdlRICaptureBegin"
    ("AF292", 0, "install"),  # importlib.metadata.PackageNotFoundError
    ("AF226", 2, "missing_weights"),  # "You are trying to access a gated repo."
    ("AF221", 0, "dist_launch"),  # "Cannot re-initialize NPU in forked subprocess"
    ("AF291", 0, "version_skew"),  # argparse "invalid choice"
    ("AF295", 0, "host_system"),  # "can't start new thread"
    ("AF050", 3, "patch_side_effect"),  # pydantic "... is not fully defined"
    ("AF153", 3, "patch_side_effect"),  # SQLAlchemy MappedAnnotationError
    ("AF100", 0, "shape_mismatch"),  # state_dict "size mismatch for weight"
]


@pytest.mark.parametrize("sig_id,i,category", CASES, ids=["{}-{}".format(c[0], c[1]) for c in CASES])
def test_category_evidence_names_the_family_without_its_signature(sig_id, i, category):
    found = infer_only(example(sig_id, i=i))
    assert found is not None and found["category"] == category, found


# torch_npu's task queue ends every asynchronous inner error with a hint naming an environment variable
# (torch_npu/csrc/core/npu/NPUQueue.cpp, Repository::Enqueue): the variable is advice, not the failure; an earlier
# draft of this round's evidence read "environment variable ASCEND_..." as CANN set-up evidence and turned a held-out
# inner error into cann_env
INNER_ERROR_HINT = (
    "RuntimeError: The Inner error is reported as above. The process exits for this inner error, and the current "
    "working operator name is aclnnArange.\n"
    "Since the operator is called asynchronously, the stacktrace may be inaccurate. If you want to get the accurate "
    "stacktrace, please set the environment variable ASCEND_LAUNCH_BLOCKING=1.\n"
    "Note: ASCEND_LAUNCH_BLOCKING=1 will force ops to run in synchronous mode, resulting in performance degradation. "
    "Please unset ASCEND_LAUNCH_BLOCKING in time after debugging."
)


def test_the_launch_blocking_hint_is_no_cann_setup_evidence():
    found = infer_only(INNER_ERROR_HINT)
    assert found is None or found["category"] != "cann_env", found


# the host's SIGILL line names the install (a wheel built for another CPU); an NPU vector core's exception dump also
# says "errorStr: Illegal instruction" mid-line, which the evidence leaves alone (it only reads a line that is the
# shell's or the kernel's whole report)
def test_sigill_is_install_evidence_only_as_the_hosts_own_line():
    assert infer_only(example("AF225"))["category"] == "install"
