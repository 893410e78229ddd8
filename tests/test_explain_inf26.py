"""inf26: the category inference reads the CLASS a family belongs to for version_skew, kernel_unsupported,
graph_compile_crash, cluster_setup and numerics — the emitting source's generic template (CPython's pickle and
AttributeError templates, torch's config modules, the CUDA / HIP runtimes' status texts, TensorRT's plan reader, the
ONNX importers of ONNX Runtime / TensorRT / ATC, protobuf's 2 GB limit, CDI / containerd / OCI runtime words, model
and template registries) — in rules/explain_categories.yaml, not one family's phrase; and a Kubernetes event row of
type Warning with a Failed* reason ("Warning  FailedScheduling ...") is a failing line (infer._K8S_FAIL_EVENT).

Each case is a signature example already in the repo (its public source is in the signature file), explained with
NO signature and no fault entry: the inference alone must name the signature's category.
"""

import pytest

from ascendfix.explain.kb import find_signature
from tests.explain_support import example, infer_only

CASES = [
    # version_skew: pickle's find_class, torch's ConfigModule, CUDA's unsupported-PTX status, TensorRT's plan version
    # tags, libnvidia-container's requirement check, version-range instructions, name registries, diffusers' mixin
    # methods, "Unsupported ... version" readers, CPython's type-object AttributeError and its name suggestion
    ("AF1668", 0, "version_skew"), ("AF1668", 3, "version_skew"), ("AF1694", 0, "version_skew"),
    ("AF1694", 2, "version_skew"), ("AF977", 0, "version_skew"), ("AF977", 2, "version_skew"),
    ("AF986", 3, "version_skew"), ("AF986", 6, "version_skew"), ("AF1272", 0, "version_skew"),
    ("AF1660", 0, "version_skew"), ("AF1520", 0, "version_skew"), ("AF1521", 0, "version_skew"),
    ("AF1667", 0, "version_skew"), ("AF612", 0, "version_skew"), ("AF1565", 0, "version_skew"),
    ("AF1565", 3, "version_skew"), ("AF1005", 0, "version_skew"), ("AF896", 3, "version_skew"),
    ("AF896", 4, "version_skew"), ("AF1041", 1, "version_skew"),
    # HfArgumentParser's leftover options (ms-swift's wrapper)
    ("AF092", 0, "version_skew"), ("AF092", 3, "version_skew"),
    # kernel_unsupported: refusal wordings (MPS), GPU binaries without code for the arch (HIP, CUDA, rocBLAS),
    # precision modes that need a GPU generation (accelerate, transformers), Triton's OutOfResources
    ("AF1501", 0, "kernel_unsupported"), ("AF1491", 1, "kernel_unsupported"), ("AF1090", 0, "kernel_unsupported"),
    ("AF1090", 3, "kernel_unsupported"), ("AF1241", 0, "kernel_unsupported"), ("AF1693", 0, "kernel_unsupported"),
    ("AF1693", 5, "kernel_unsupported"), ("AF971", 0, "kernel_unsupported"),
    # graph_compile_crash: ONNX importers, protobuf's size limit, the ACL model-RI capture API, MindSpore's GE adapter
    ("AF1662", 0, "graph_compile_crash"), ("AF1663", 0, "graph_compile_crash"), ("AF1663", 4, "graph_compile_crash"),
    ("AF182", 0, "graph_compile_crash"), ("AF949", 1, "graph_compile_crash"), ("AF949", 3, "graph_compile_crash"),
    ("AF083", 0, "graph_compile_crash"), ("AF1000", 1, "graph_compile_crash"),
    # MLIR's location diagnostics, Triton's front end
    ("AF1400", 5, "graph_compile_crash"), ("AF1400", 6, "graph_compile_crash"),
    # cluster_setup: CDI injection, containerd's runtime handlers, requested-vs-available counts, OCI runtime hooks,
    # Kubernetes Warning event rows
    ("AF1631", 0, "cluster_setup"), ("AF1276", 1, "cluster_setup"), ("AF1637", 0, "cluster_setup"),
    ("AF1637", 1, "cluster_setup"), ("AF1247", 0, "cluster_setup"), ("AF1634", 0, "cluster_setup"),
    ("AF289", 0, "cluster_setup"), ("AF770", 0, "cluster_setup"), ("AF1035", 0, "cluster_setup"),
    # numerics: "nan or inf" checkers (Paddle)
    ("AF1365", 0, "numerics"), ("AF1365", 1, "numerics"),
    # the classes step aside: a CANN without the capture API (cann_env), the NVIDIA hook's own initialization
    # failure (device_unavailable), a JSON type "not yet supported" (patch_side_effect)
    ("AF151", 0, "cann_env"), ("AF1271", 0, "device_unavailable"), ("AF109", 0, "patch_side_effect"),
    # CUDA error 803 (a driver library / kernel module mismatch) is no operator without a kernel
    ("AF1441", 0, "device_unavailable"),
    # Windows' ERROR_PRIVILEGE_NOT_HELD is a permission problem
    ("AF1697", 0, "permission"), ("AF1697", 2, "permission"),
]


@pytest.mark.parametrize("i", range(4))
def test_a_privilege_not_held_holds_no_device(i):
    # Windows' WinError 1314 "A required privilege is not held by the client" (AF1697, permission): not device_busy
    got = infer_only(example("AF1697", i=i))
    assert got is None or got["category"] != "device_busy", (i, got)


@pytest.mark.parametrize("sig_id,i,category", CASES)
def test_the_class_evidence_names_the_category_without_the_signature(sig_id, i, category):
    assert find_signature(sig_id).category == category
    got = infer_only(example(sig_id, i=i))
    assert got is not None and got["category"] == category, (sig_id, i, got)


def test_a_kubernetes_warning_event_with_a_failed_reason_is_a_failing_line():
    from ascendfix.explain import infer

    # AF289's example row (kubectl describe pod, Type Reason Age From Message)
    row = find_signature("AF289").examples["match"][0]["text"].strip()
    assert infer._K8S_FAIL_EVENT.match(row)


# rev26i: runc's "starting container process caused "exec: ...": executable file not found in $PATH" inside docker's
# "OCI runtime create failed" is the container's own command missing from the image, no orchestration problem: the
# OCI runtime words (weight 2) must not name cluster_setup for it. Lines copied from the cited issues.
OCI_EXEC_NOT_FOUND = [
    # https://github.com/docker/for-linux/issues/726
    'Error response from daemon: OCI runtime create failed: container_linux.go:348: starting container process caused'
    ' "exec: \\"db:create\\": executable file not found in $PATH": unknown',
    # https://github.com/QT-DevOps/DevOpsIssues/issues/631
    'docker: Error response from daemon: OCI runtime create failed: container_linux.go:346: starting container process'
    ' caused "exec: \\"exec\\": executable file not found in $PATH": unknown.',
]


@pytest.mark.parametrize("line", OCI_EXEC_NOT_FOUND)
def test_a_missing_container_command_is_no_cluster_setup(line):
    got = infer_only(line)
    assert got is None or got["category"] != "cluster_setup", got


def test_the_oci_counter_spares_a_missing_hook_binary():
    # the NVIDIA hook's own failure rows (AF1271, AF1272) still read the OCI words: the counter needs the container's
    # "starting container process caused ... exec:" / "unable to start container process: exec:"
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    cats = yaml.safe_load((root / "rules" / "explain_categories.yaml").read_text(encoding="utf-8"))
    ev = next(c for c in cats if c["id"] == "cluster_setup")["evidence"]
    counter = next(e for e in ev if "executable file not found" in e["regex"])
    rx = re.compile(counter["regex"], re.I)
    assert all(rx.search(line) for line in OCI_EXEC_NOT_FOUND)
    for sig_id in ("AF1271", "AF1272", "AF090"):
        for ex in find_signature(sig_id).examples["match"]:
            assert not rx.search(ex["text"]), (sig_id, ex["text"][:80])
