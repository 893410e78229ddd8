"""eng24b: a signature's ``npu_category`` — the category it names when the log shows an Ascend NPU context
(rules/explain_npu_context.yaml) — on both paths (the pure-Python pre-filter and grep), in a file and on a pipe.

The failing lines are the signatures' own examples; the NPU-context lines are copied from real public logs (sources
next to them, registered in the round's kb-sources)."""

import contextlib
import io

import pytest

from ascendfix.explain import kb
from ascendfix.explain.engine import Matcher, explain_stream
from ascendfix.explain.kb import find_signature

PATHS = pytest.mark.parametrize("use_grep", [False, True], ids=["python", "grep"])

# a torch_npu frame of a traceback on an Atlas 910B host
# https://github.com/opendatalab/MinerU/issues/2258
NPU_FRAME = ('  File "/opt/mineru_venv/lib/python3.10/site-packages/torch_npu/npu/npu_config.py", line 89, '
             'in set_compile_mode')
# a tensor printed on the NPU: https://github.com/Ascend/pytorch/issues/7
NPU_TENSOR = "        [0.4220, 0.1443]], device='npu:0')"
# captured: python3 -c "import torch_npu" on a host without torch_npu (the last line)
NO_TORCH_NPU = "ModuleNotFoundError: No module named 'torch_npu'"

CASES = {
    # signature id: (the example's index, category without the context, with it)
    "AF1550": (0, "device_unavailable", "cuda_on_npu"),
    "AF163": (2, "install", "cuda_on_npu"),
}


def _example(sig_id):
    idx = CASES[sig_id][0]
    return find_signature(sig_id).examples["match"][idx]["text"]


def _top(data, use_grep, tmp_path, pipe):
    if pipe:
        doc = explain_stream(io.BytesIO(data), limit=None, use_grep=use_grep)
    else:
        p = tmp_path / "npu.log"
        p.write_bytes(data)
        with open(str(p), "rb") as fh:
            doc = explain_stream(fh, limit=None, use_grep=use_grep)
    return doc["matches"][0] if doc["matches"] else None


@PATHS
@pytest.mark.parametrize("pipe", [False, True], ids=["file", "pipe"])
@pytest.mark.parametrize("sig_id", sorted(CASES))
def test_npu_context_switches_the_category(sig_id, pipe, use_grep, tmp_path):
    _, plain, npu = CASES[sig_id]
    assert find_signature(sig_id).npu_category == npu
    # without the context: the signature's own category, and no "because"
    top = _top((_example(sig_id) + "\n").encode(), use_grep, tmp_path, pipe)
    assert (top["id"], top["category"]) == (sig_id, plain)
    assert "because" not in top and "category_without_context" not in top
    # with an NPU-context line before it: npu_category, named with the line that shows it
    top = _top((NPU_FRAME + "\n" + _example(sig_id) + "\n").encode(), use_grep, tmp_path, pipe)
    assert (top["id"], top["category"]) == (sig_id, npu)
    assert top["category_without_context"] == plain
    assert top["context"] == {"line": 1, "text": NPU_FRAME.strip()}
    assert top["because"] == "the log shows an Ascend NPU context: line 1: " + NPU_FRAME.strip()


@PATHS
def test_both_paths_agree_on_the_context(use_grep, tmp_path):
    data = (NPU_TENSOR + "\n" + _example("AF1550") + "\n").encode()
    top = _top(data, use_grep, tmp_path, pipe=False)
    assert top["category"] == "cuda_on_npu" and top["context"]["line"] == 1


@PATHS
def test_a_missing_torch_npu_is_no_npu_context(use_grep, tmp_path):
    """A GPU host's "No module named 'torch_npu'" names the NPU stack only to say it is not there."""
    data = (NO_TORCH_NPU + "\n" + _example("AF1550") + "\n").encode()
    top = _top(data, use_grep, tmp_path, pipe=False)
    assert top["category"] == "device_unavailable" and "because" not in top


def test_context_regexes():
    ctx, veto = kb.npu_context()
    for line in (NPU_FRAME, NPU_TENSOR):
        assert ctx.search(line.encode()) and not veto.search(line.encode()), line
    assert veto.search(NO_TORCH_NPU.encode())
    # the signatures' own examples (GPU / CPU hosts) show no NPU context
    for sig_id in CASES:
        for ex in find_signature(sig_id).examples["match"] + find_signature(sig_id).examples["no_match"]:
            assert not ctx.search(ex["text"].encode()), ex["text"]


def test_no_context_before_any_line():
    m = Matcher()
    assert m.npu_line is None and m.npu_context() is None


def test_human_report_says_why(tmp_path):
    from ascendfix.cli import main

    p = tmp_path / "npu.log"
    p.write_bytes((NPU_FRAME + "\n" + _example("AF163") + "\n").encode())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main(["explain", str(p)])
        except SystemExit:
            pass
    text = out.getvalue()
    assert "why cuda_on_npu: the log shows an Ascend NPU context: line 1: File " in text
    assert "(not install)" in text


@pytest.mark.parametrize("as_json", [False, True])
def test_signature_page_names_the_npu_category(as_json):
    """`ascendfix explain AF1550` says which category the signature names in an Ascend NPU context (and --json has
    it as npu_category; null for a signature without one)."""
    import json

    from ascendfix.cli import main

    def page(*args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main(["explain", *args])
            except SystemExit:
                pass
        return out.getvalue()

    if as_json:
        assert json.loads(page("AF1550", "--json"))["npu_category"] == "cuda_on_npu"
        assert json.loads(page("AF003", "--json"))["npu_category"] is None
    else:
        assert "category device_unavailable (cuda_on_npu when the log shows an Ascend NPU context)" in page("AF1550")
        assert "NPU context" not in page("AF003").splitlines()[1]
