"""End to end (issue 3): the patched mindone 0.5.0 tree still builds, saves and loads a tiny SDXL pipeline.

Real MindSpore 2.10 + mindone 0.5.0 venv (CPU); the tree under test is put first on PYTHONPATH so it
shadows the installed mindone ("installed over" it). The tiny pipeline is built and saved by
ascendfix/smoke/tiny.py and loaded with ``StableDiffusionXLPipeline.from_pretrained``.

- after `ascendfix apply --rule py38-annotations --rule py38-stdlib`: works;
- the seed blog's recipe (`find . -name "*.py" -exec sed -i '1i from __future__ import annotations' {} +`)
  fails: "'str' object has no attribute '__args__'" already when mindone.diffusers imports;
- the future import in the SDXL pipeline file alone (what a "needed-only" codemod without the
  runtime-annotation exception does to pipeline files) fails in from_pretrained with a KeyError:
  diffusers reads the pipeline's __init__ annotations and drops string ones.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import BLOG_SED, copy_tree, mindone_tree, ms210_python  # noqa: E402

TINY = str(Path(__file__).resolve().parents[1] / "ascendfix" / "smoke" / "tiny.py")
SDXL_PIPELINE = "mindone/diffusers/pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py"

LOAD = r"""
import json, sys
import mindone
from mindone.diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_pretrained(sys.argv[1])
print(json.dumps({
    "mindone": mindone.__file__,
    "pipeline": type(pipe).__name__,
    "unet": type(pipe.unet).__name__,
    "vae": type(pipe.vae).__name__,
    "text_encoder": type(pipe.text_encoder).__name__,
    "text_encoder_2": type(pipe.text_encoder_2).__name__,
    "config_class": repr(pipe.text_encoder.config_class),
}))
"""


def _run(python, args, tree, timeout=1800):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.pop("PYTHONHOME", None)
    return subprocess.run([python] + args, capture_output=True, text=True, env=env, timeout=timeout)


def build_and_load(python, tree, out):
    """(stage that failed or None, stdout/stderr tail, loaded-info dict)."""
    r = _run(python, [TINY, str(out)], tree)
    if r.returncode != 0:
        return "build", r.stderr[-4000:], None
    r = _run(python, ["-c", LOAD, str(out)], tree)
    if r.returncode != 0:
        return "load", r.stderr[-4000:], None
    return None, "", json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def ms210():
    return ms210_python()


@pytest.mark.full
def test_patched_tree_builds_saves_and_loads_tiny_sdxl(ms210, tmp_path, py38_patched_tree):
    tree, r = py38_patched_tree("0.5.0")
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    stage, err, info = build_and_load(ms210, tree, tmp_path / "tiny")
    assert stage is None, "{} failed:\n{}".format(stage, err)
    assert info["mindone"].startswith(str(tree)), info  # the patched tree, not the installed mindone
    assert info["pipeline"] == "StableDiffusionXLPipeline"
    assert (info["unet"], info["vae"]) == ("UNet2DConditionModel", "AutoencoderKL")
    assert (info["text_encoder"], info["text_encoder_2"]) == ("CLIPTextModel", "CLIPTextModelWithProjection")
    assert "CLIPTextConfig" in info["config_class"]  # a class, not the string a PEP 563 annotation would give


@pytest.mark.full
def test_seed_sed_recipe_breaks_the_same_test(ms210, tmp_path):
    tree = copy_tree(mindone_tree("0.5.0"), tmp_path / "mindone")
    # the blog's command, verbatim, run by the real find and sed
    subprocess.run(BLOG_SED,
                   shell=True, cwd=str(tree), check=True)
    stage, err, _ = build_and_load(ms210, tree, tmp_path / "tiny")
    assert stage == "build"
    assert "'str' object has no attribute '__args__'" in err


@pytest.mark.full
def test_future_import_in_the_pipeline_file_breaks_from_pretrained(ms210, tmp_path):
    tree = copy_tree(mindone_tree("0.5.0"), tmp_path / "mindone")
    path = tree / SDXL_PIPELINE
    path.write_text("from __future__ import annotations\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    stage, err, _ = build_and_load(ms210, tree, tmp_path / "tiny")
    assert stage == "load"
    assert "KeyError: 'force_zeros_for_empty_prompt'" in err
