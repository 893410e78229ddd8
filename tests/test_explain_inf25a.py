"""inf25a: the environment side of the category inference reads the CLASS a family belongs to — the emitting
source's generic template (an OS loader, a compiler driver, a package manager, a library's install hint, a loader's
"newer file" refusal, a scheduler's resource count) — in rules/explain_categories.yaml, not one family's phrase.

Each case is a signature example already in the repo (its public source is in the signature file), explained with
NO signature and no fault entry: the inference alone must name the signature's category. Two signatures per class
where the class covers two, to show the entry is wider than either.
"""

import pytest

from ascendfix.explain.kb import find_signature
from tests.explain_support import example, infer_only

CASES = [
    # OS / library loaders (CPython dynload_win, ctypes, torch's DLL loop, macOS dyld, cuDNN / CTranslate2, glibc)
    ("AF890", 0, "install"), ("AF966", 0, "install"), ("AF1475", 1, "install"), ("AF985", 1, "install"),
    ("AF951", 0, "install"),
    # compiler drivers and build tools (gcc, nvcc, MSVC / MSBuild, rustc / cargo, PyO3, which / where lookup)
    ("AF1401", 0, "install"), ("AF1462", 1, "install"), ("AF1461", 0, "install"), ("AF1472", 0, "install"),
    ("AF1467", 0, "install"), ("AF1479", 0, "install"), ("AF1464", 0, "install"), ("AF731", 0, "install"),
    # run-time extension builders (torch.utils.cpp_extension, triton)
    ("AF795", 1, "install"), ("AF798", 0, "install"), ("AF1460", 0, "install"), ("AF1200", 0, "install"),
    ("AF1471", 0, "install"),
    # package managers other than pip's resolver (conda exceptions, APT, pip's vendored urllib3)
    ("AF1477", 0, "install"), ("AF1478", 0, "install"), ("AF1044", 1, "install"), ("AF1474", 0, "install"),
    # libraries' install hints for an optional companion package
    ("AF350", 0, "install"), ("AF1530", 0, "install"), ("AF1317", 0, "install"), ("AF893", 0, "install"),
    ("AF1311", 0, "install"),
    # Windows' commit limit is host memory, not a library that does not load
    ("AF793", 0, "host_oom"),
    # ports (Winsock, gradio), shell parse errors (bash, dash), SIGHUP
    ("AF282", 0, "host_system"), ("AF286", 0, "host_system"), ("AF1529", 1, "host_system"),
    ("AF1473", 0, "permission"),
    # no installable candidate (poetry, uv, conda)
    ("AF1466", 0, "pip_conflict"), ("AF1469", 0, "pip_conflict"), ("AF1463", 0, "pip_conflict"),
    # lazy-module attributes, model files newer than the loader, drivers / runtimes older than the build
    ("AF897", 0, "version_skew"), ("AF796", 0, "version_skew"), ("AF1430", 0, "version_skew"),
    ("AF1433", 0, "version_skew"), ("AF1092", 1, "version_skew"), ("AF987", 1, "version_skew"),
    ("AF972", 0, "version_skew"),
    ("AF672", 0, "cann_env"), ("AF691", 0, "cann_env"),
    ("AF1493", 0, "cuda_on_npu"),
    # (conv26) accelerate's "requires a GPU" only says torch sees no GPU: device_unavailable off an NPU host (post24)
    ("AF1315", 0, "device_unavailable"),
    # container engines without a device driver, scheduler resource counts, Ray placement groups, kubelet admission
    ("AF1270", 0, "cluster_setup"), ("AF1276", 0, "cluster_setup"), ("AF976", 0, "cluster_setup"),
    ("AF1247", 0, "cluster_setup"), ("AF1242", 1, "cluster_setup"), ("AF1275", 0, "cluster_setup"),
]


@pytest.mark.parametrize("sig_id,i,category", CASES)
def test_the_class_evidence_names_the_category_without_the_signature(sig_id, i, category):
    assert find_signature(sig_id).category == category
    got = infer_only(example(sig_id, i=i))
    assert got is not None and got["category"] == category, (sig_id, i, got)
