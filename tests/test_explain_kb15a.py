"""Round 15 (helper kb15a), round 16 (kb16b) and round 17 (kb17b): failures of the three SDXL-on-Ascend stacks (MindSpore + MindOne, torch_npu + diffusers,
MindIE-SD) captured by running the users' typical mistakes on a host without an NPU, and the families written for the
ones explain answered wrongly or only by inference (AF360, AF362-AF365).

Every text is real: a capture under tests/data/kb15a/ (index.json names the command that produced each one and the
category explain must give, null for a run that worked), or a signature example.
"""

import json
from pathlib import Path

import pytest

from ascendfix.explain.kb import find_signature
from explain_support import example, hits, matcher, top, top_category

DATA = Path(__file__).parent / "data" / "kb15a"
# round 16's second sweep (kb16b) and round 17's third (kb17b) keep their captures in the same layout; one test runs
# all three folders
FOLDERS = [DATA, Path(__file__).parent / "data" / "kb16b", Path(__file__).parent / "data" / "kb17b"]
CASES = [(folder, case) for folder in FOLDERS
         for case in json.loads((folder / "index.json").read_text(encoding="utf-8"))]


def _results(text):
    return matcher(text).results()


@pytest.mark.parametrize("folder,case", CASES, ids=[f.name + "/" + c["name"] for f, c in CASES])
def test_capture_names_its_category(folder, case):
    text = (folder / (case["name"] + ".log")).read_text(encoding="utf-8")
    res = _results(text)
    if case["category"] is None:
        # a run that worked (or only warned): nothing is diagnosed
        assert not res, (case["command"], res[:1])
    elif case["category"].startswith("other:"):
        # a real failure outside the categories: no signature may claim it for one of them
        assert not res or res[0]["kind"] != "signature", (case["command"], res[:1])
    else:
        assert res and res[0]["category"] == case["category"], (case["command"], res[:1])


@pytest.mark.parametrize("sig_id,category", [
    ("AF360", "shape_mismatch"), ("AF362", "host_oom"), ("AF363", "host_oom"),
    ("AF364", "permission"), ("AF365", "version_skew"),
    # round 16 (kb16b)
    ("AF560", "missing_weights"), ("AF561", "missing_weights"), ("AF562", "shape_mismatch"),
    ("AF563", "shape_mismatch"), ("AF564", "install"), ("AF565", "version_skew"), ("AF566", "version_skew"),
])
def test_each_family_names_its_category_first(sig_id, category):
    for ex in find_signature(sig_id).examples["match"]:
        assert top(ex["text"]) == (sig_id, category), (sig_id, ex["text"][:120])


def test_cpu_pool_failure_outranks_the_generic_allocation_lines():
    # the generic "Allocate memory failed" lines alone stay with the device-memory reading (they cannot tell host
    # from HBM); the cpu_memory_pool line names host memory
    generic = example("AF362", "no_match", 0)
    assert "AF362" not in hits(generic)
    assert top_category(example("AF362", "match", 1)) == "host_oom"


def test_missing_torch_npu_stays_an_inference_so_an_optional_import_stays_silent():
    # a script that catches the ImportError and goes on on the CPU is harmless (tests/data/logs); a signature for
    # "No module named 'torch_npu'" would fire there, the inference does not
    text = (DATA / "sd_import_mindiesd_without_torch_npu.log").read_text(encoding="utf-8")
    res = _results(text)
    assert res[0]["kind"] == "inferred" and res[0]["category"] == "cann_env"


def test_read_only_file_system_is_not_a_permission_error():
    text = example("AF364", "no_match", 0)
    assert "AF364" not in hits(text) and top_category(text) == "host_system"


def test_a_none_path_needs_the_tokenizer_frame():
    # CPython's TypeError for open(None) alone is any unset path (AF561's no_match); with the frame of a tokenizer
    # constructor opening its vocabulary / merges file it is a tokenizer folder missing that file
    assert "AF561" not in hits(example("AF561", "no_match", 0))
    assert top(example("AF561", "match", 0)) == ("AF561", "missing_weights")
