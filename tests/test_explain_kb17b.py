"""Round 17 (helper kb17b): a third capture sweep on a host without NPU or CANN — the torch_npu + diffusers and
MindIE-SD stacks and CANN's pip packages: torch-npu installed against another torch (pip's resolver, `pip check`),
torch_npu without torch, mindiesd without torch or under an older Python, CANN's placeholder packages on PyPI,
diffusers' CPU offload without an accelerator, single-file loading of a folder, removed pipeline helpers, MindSpore
2.10's set_device("Ascend") and Ascend-only kernels on CPU.

Every text is real: a capture under tests/data/kb17b/ (index.json names the command that produced each one and the
category explain must give, null for a run that worked or only warned), or a signature example.
"""

from pathlib import Path

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, top

DATA = Path(__file__).parent / "data" / "kb17b"
# the captures themselves are run by tests/test_explain_kb15a.py (one test over the kb15a, kb16b and kb17b folders)


@pytest.mark.parametrize("sig_id,category", [
    ("AF610", "cann_env"), ("AF611", "missing_weights"), ("AF612", "version_skew"), ("AF613", "install"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        assert top(ex["text"]) == (sig_id, category), (sig_id, ex["text"][:120])


def test_offload_without_accelerate_stays_an_install_problem():
    # accelerate missing is AF564 (install); accelerate present but no device is AF610 (torch sees no NPU)
    text = example("AF610", "no_match", 0)
    assert "AF610" not in hits(text) and top(text) == ("AF564", "install")


def test_pip_check_wording_is_the_resolver_conflict():
    # `pip check` words a violated requirement without "which is incompatible"
    text = (DATA / "pt_pip_check_torch_npu214.log").read_text(encoding="utf-8")
    assert top(text) == ("AF022", "pip_conflict")


def test_cann_placeholder_on_pypi_is_named_by_its_signature():
    # inference already said install; the signature names the fix (CANN comes from Huawei's installers, not PyPI)
    for name in ("cann_pip_fake", "cann_pip_toolkit_placeholder"):
        text = (DATA / (name + ".log")).read_text(encoding="utf-8")
        assert top(text) == ("AF613", "install"), name
