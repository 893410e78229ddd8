"""--deep's masked_fill probe tells the truth: mindone's CLIP code is blamed only when its source has a scalar fill."""

import json

import pytest

from ascendfix.check import checks_deep, run_checks
from ascendfix.check.checks_deep import scalar_fill_sites
from test_check_helpers import fake_env

SCALAR = "import mindspore as ms\n\n\ndef build(mask, cond):\n    return mask.masked_fill(cond, 0)\n"
TENSOR = ("import mindspore as ms\n\n\ndef build(mask, cond, dtype):\n"
          "    return mask.masked_fill(cond, ms.tensor(0).to(dtype))\n")


@pytest.mark.parametrize("source,lines", [
    (SCALAR, [5]),
    (TENSOR, []),
    ("import mindspore\nfrom mindspore import ops\nops.masked_fill(x, m, -1e9)\nx.masked_fill_(m, value=-1)\n", [3, 4]),
    ("import mindspore\nx.masked_fill(m, float('-inf'))\nx.masked_fill(m, fill)\n", [2]),  # float(...) is a Python float too
    ("import torch\nx.masked_fill(m, 0)\n", []),  # torch code: not MindSpore's MaskedFill
    ("import mindspore\ndef broken(:\n", []),
])
def test_scalar_fill_sites(source, lines):
    assert scalar_fill_sites(source) == lines


def _tree(tmp_path, source):
    clip = tmp_path / "mindone" / "mindone" / "transformers" / "models" / "clip"
    clip.mkdir(parents=True)
    (clip / "modeling_clip.py").write_text(source)
    (tmp_path / "mindone" / "mindone" / "transformers" / "modeling_attn_mask_utils.py").write_text(TENSOR)
    return tmp_path / "mindone"


def _run(monkeypatch, tree, payload):
    monkeypatch.setattr(checks_deep, "probe", lambda ctx, code, args=(), timeout=None: (payload, 0, ""))
    env = fake_env("3.11.7", {"mindspore": "2.7.0", "mindone": "0.2.0"})
    return run_checks(only=["deep.fp16_masked_fill"], root="/nonexistent-root", env={"HOME": "/root"},
                      environment=env, deep=True, mindone=str(tree))[0]


REFUSED = {"python scalar 0": "TypeError: For MaskedFill, the dtype of input and value should be same",
           "ms.Tensor(0, dtype)": "ok: Float16"}


def test_blames_mindone_when_its_clip_code_has_a_scalar_fill(tmp_path, monkeypatch):
    f = _run(monkeypatch, _tree(tmp_path, SCALAR), REFUSED)
    assert f["status"] == "warn"
    assert "CLIP code has 1 such call(s): mindone/transformers/models/clip/modeling_clip.py:5" in f["detail"]
    assert f["fix"][0].startswith("ascendfix apply ") and "masked-fill-dtype" in f["fix"][0]


def test_says_the_framework_refuses_and_mindone_is_fine_otherwise(tmp_path, monkeypatch):
    f = _run(monkeypatch, _tree(tmp_path, TENSOR), REFUSED)
    assert f["status"] == "ok"
    assert "MindSpore refuses masked_fill(cond, 0) on float16 (TypeError on CPU)" in f["detail"]
    assert "passes a Tensor of the input's dtype (2 file(s) read): mindone is fine" in f["detail"]
    assert not f["fix"]


def test_a_scalar_that_works_is_ok_and_blames_nobody(tmp_path, monkeypatch):
    f = _run(monkeypatch, _tree(tmp_path, SCALAR), {"python scalar 0": "ok: Float16", "ms.Tensor(0, dtype)": "ok: Float16"})
    assert f["status"] == "ok" and "works" in f["detail"]


@pytest.mark.full
def test_the_reader_agrees_with_the_patch_rule_on_a_whole_real_tree(run_cli):
    """Every masked_fill site the masked-fill-dtype rule rewrites or reports in mindone 0.5.0, file by file."""
    import collections
    import os

    from support import mindone_tree

    tree = mindone_tree("0.5.0")
    r = run_cli("apply", tree, "--rule", "masked-fill-dtype", "--check", "--json", timeout=900)
    doc = json.loads(r.stdout)
    rule = collections.Counter(f["path"] for f in doc["findings"] if f["kind"] in ("change", "skip"))
    mine = collections.Counter()
    for d, _, names in os.walk(str(tree)):
        for n in names:
            if n.endswith(".py"):
                p = os.path.join(d, n)
                with open(p, encoding="utf-8", errors="replace") as fh:
                    k = len(scalar_fill_sites(fh.read()))
                if k:
                    mine[os.path.relpath(p, str(tree)).replace(os.sep, "/")] = k
    assert sum(rule.values()) >= 80 and mine == rule


@pytest.mark.full
def test_real_mindone_020_is_never_blamed(run_cli):
    """MindSpore 2.7.0 + mindone 0.2.0 (CPU): whatever the framework does with a scalar fill, 0.2.0's CLIP code
    passes a tensor, so the finding never points at mindone."""
    from support import ms27_python

    r = run_cli("check", "--python", ms27_python(), "--deep", "--only", "deep.fp16_masked_fill", "--json", timeout=900)
    f = json.loads(r.stdout)["findings"][0]
    assert f["status"] in ("ok", "skip"), f
    assert "such call" not in f["detail"]
