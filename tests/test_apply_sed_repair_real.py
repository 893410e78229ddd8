"""The blog's recipe on the real mindone 0.4.0 and 0.5.0 sources, then `ascendfix apply` (full tier).

- apply(sed(tree)) equals apply(tree) byte for byte, except the lines the recipe's own seds changed in
  the pin files (pyproject.toml, mindone/transformers/requirements.txt);
- the result builds, saves and loads a tiny SDXL pipeline with `from_pretrained` (real MindSpore 2.10 +
  mindone 0.5.0, the 0.5.0 tree first on PYTHONPATH), which the sed state does not (tests/test_py38_e2e.py);
- `ascendfix revert` gives the sed state back byte for byte.
"""

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import BLOG_RECIPE, copy_tree, mindone_tree, ms210_python, tree_bytes  # noqa: E402
from test_py38_e2e import build_and_load  # noqa: E402

pytestmark = pytest.mark.full

PIN_FILES = ("pyproject.toml", "mindone/transformers/requirements.txt")


def changed_lines(a, b):
    """Line numbers (of ``a``) that differ between two texts."""
    out = set()
    sm = difflib.SequenceMatcher(None, a.splitlines(), b.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in sm.get_opcodes():
        if tag != "equal":
            out.update(range(i1 + 1, max(i2, i1 + 1) + 1))
    return out


def apply(run_cli, root):
    r = run_cli("apply", str(root), "--json", "--jobs", "2", timeout=1800)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    return json.loads(r.stdout)


@pytest.mark.parametrize("version", ["0.5.0", "0.4.0"])
def test_repair_of_the_blog_recipe(tmp_path, run_cli, version):
    original = mindone_tree(version)
    clean = copy_tree(original, tmp_path / "clean" / "mindone")
    broken = copy_tree(original, tmp_path / "sed" / "mindone")
    subprocess.run(["bash", "-c", BLOG_RECIPE], cwd=str(broken), check=True)
    sed_state = tree_bytes(broken)
    pristine = tree_bytes(clean)

    doc_clean = apply(run_cli, clean)
    doc_sed = apply(run_cli, broken)
    rule = [r for r in doc_sed["rules"] if r["id"] == "blanket-future-import"][0]
    assert rule["changed_files"] == sum(1 for p, d in pristine.items() if p.endswith(".py") and d)  # 2358
    after_clean, after_sed = tree_bytes(clean), tree_bytes(broken)
    assert set(after_clean) == set(after_sed)
    differ = sorted(p for p in after_clean if after_clean[p] != after_sed[p])
    assert set(differ) <= set(PIN_FILES), differ
    for p in differ:  # only where the recipe's seds changed the pin file
        sed_lines = changed_lines(pristine[p].decode(), sed_state[p].decode())
        assert changed_lines(after_clean[p].decode(), after_sed[p].decode()) <= sed_lines, p
    # the Python files: identical, and so is what the other rules said about them
    key = lambda doc: sorted((f["rule"], f["path"], f["line"] or 0, f["kind"], f["message"]) for f in doc["findings"]
                             if f["rule"] not in ("blanket-future-import", "pins-relax"))
    assert key(doc_sed) == key(doc_clean)

    # the repaired tree loads the tiny SDXL pipeline; revert gives the sed state back
    if version == "0.5.0":  # the framework venv holds MindSpore 2.10 + mindone 0.5.0
        stage, err, info = build_and_load(ms210_python(), broken, tmp_path / "tiny")
        assert stage is None, "{} failed:\n{}".format(stage, err)
        assert info["mindone"].startswith(str(broken)) and info["pipeline"] == "StableDiffusionXLPipeline"
        assert "CLIPTextConfig" in info["config_class"]
    r = run_cli("revert", str(broken), timeout=600)
    assert r.returncode == 0, r.stderr
    assert tree_bytes(broken) == sed_state
