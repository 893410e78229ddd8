"""Weights checks on fake SDXL folders with real safetensors headers, LFS pointers, .bin-only, variants, truncation."""

import json
import subprocess
from pathlib import Path

import pytest

from ascendfix.check import run_checks
from ascendfix.weights import inspect_file, read_safetensors_header
import support
from test_check_helpers import MINDONE_020_REQUIRES, fake_env, make_sdxl, write_safetensors

DATA = Path(__file__).parent / "data" / "check"

ENV = fake_env("3.11.7", {})


def check(path, **kw):
    fs = run_checks(only=["weights"], weights=str(path), env={"HOME": "/nonexistent"}, environment=ENV, **kw)
    return fs


def statuses(fs):
    return sorted((f["status"], f["detail"]) for f in fs)


def test_complete_plain_and_fp16_folder_is_ok(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=("fp16", None))
    fs = check(d)
    assert [f["status"] for f in fs] == ["ok", "ok"], statuses(fs)
    assert "StableDiffusionXLPipeline, 7/7 components" in fs[0]["detail"]
    assert "variants: fp16, plain" in fs[1]["detail"]


def test_fp16_only_tells_to_pass_variant(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=("fp16",))
    fs = [f for f in check(d) if f["status"] != "ok"]
    assert len(fs) == 1 and fs[0]["status"] == "warn"
    assert 'variant="fp16"' in fs[0]["detail"] and 'variant="fp16"' in fs[0]["fix"][0]


def test_mixed_variants_are_an_error(tmp_path):
    # diffusers#8968: some components only fp16, others only plain
    d = make_sdxl(tmp_path / "sdxl", variants=("fp16",), per_component={"text_encoder": (None,), "vae": (None,)})
    fs = [f for f in check(d) if f["status"] == "error"]
    assert len(fs) == 1 and "mixed variants" in fs[0]["detail"]
    assert "text_encoder, vae have no fp16 files" in fs[0]["detail"]


def test_bin_only_components(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=(None,), fmt="bin")
    errs = [f for f in check(d) if f["status"] == "error"]
    assert len(errs) == 4
    assert all("only .bin weights" in f["detail"] and "NotImplementedError" in f["detail"] for f in errs)
    assert "safetensors" in errs[0]["fix"][0]


def test_lfs_pointer(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=(None,))
    ptr = d / "unet" / "diffusion_pytorch_model.safetensors"
    ptr.write_text("version https://git-lfs.github.com/spec/v1\n"
                   "oid sha256:5c1b1a9f0a2f8a0f0e6b1f5b2f0e5a8d0f6c7f4e9a3b2c1d0e9f8a7b6c5d4e3f\nsize 10270077736\n")
    errs = [f for f in check(d) if f["status"] == "error"]
    assert len(errs) == 1 and "git-LFS pointer" in errs[0]["detail"] and "git lfs pull" in errs[0]["fix"][0]


def test_truncated_and_garbage_files(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=(None,))
    write_safetensors(d / "vae" / "diffusion_pytorch_model.safetensors", {"w": ("F32", (64, 64))}, truncate=100)
    (d / "text_encoder" / "model.safetensors").write_bytes(b"\xff" * 5000)
    errs = sorted(f["detail"] for f in check(d) if f["status"] == "error")
    assert len(errs) == 2
    assert "text_encoder/model.safetensors unreadable safetensors header" in errs[0]
    assert "vae/diffusion_pytorch_model.safetensors truncated" in errs[1]


def test_missing_component_and_files(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", skip=("text_encoder_2", "tokenizer_2"))
    (d / "unet" / "config.json").unlink()
    errs = [f for f in check(d) if f["status"] == "error"]
    assert any("text_encoder_2/ (folder missing)" in f["detail"] and "tokenizer_2/ (folder missing)" in f["detail"]
               and "unet/config.json" in f["detail"] for f in errs)


def test_single_file_checkpoint_and_missing_index(tmp_path):
    d = tmp_path / "single"
    write_safetensors(d / "sd_xl_base_1.0.safetensors", {"w": ("F16", (2, 2))})
    fs = check(d)
    assert fs[0]["status"] == "error" and "single-file checkpoint" in fs[0]["detail"]
    assert "from_single_file" in fs[0]["fix"][0]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "model_index.json is missing" in check(empty)[0]["detail"]


def test_sharded_index_with_a_missing_shard(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=(None,))
    u = d / "unet"
    (u / "diffusion_pytorch_model.safetensors").unlink()
    write_safetensors(u / "diffusion_pytorch_model-00001-of-00002.safetensors", {"a": ("F16", (2,))})
    (u / "diffusion_pytorch_model.safetensors.index.json").write_text(json.dumps({"weight_map": {
        "a": "diffusion_pytorch_model-00001-of-00002.safetensors",
        "b": "diffusion_pytorch_model-00002-of-00002.safetensors"}}))
    errs = [f for f in check(d) if f["status"] == "error"]
    assert len(errs) == 1 and "shards missing: diffusion_pytorch_model-00002-of-00002.safetensors" in errs[0]["detail"]


def test_default_modelscope_cache_is_found(tmp_path):
    # seed 000 downloads with snapshot_download(cache_dir=~/weights): modelscope writes '.' as '___'
    make_sdxl(tmp_path / "home/weights/AI-ModelScope/stable-diffusion-xl-base-1___0", variants=("fp16", None))
    fs = run_checks(only=["weights"], root=str(tmp_path), env={"HOME": "/home"}, environment=ENV)
    assert [f["status"] for f in fs] == ["ok", "ok"]
    assert "/home/weights/AI-ModelScope/stable-diffusion-xl-base-1___0" in fs[0]["detail"]
    none = run_checks(only=["weights"], root=str(tmp_path / "x"), env={"HOME": "/home"}, environment=ENV)
    assert [f["status"] for f in none] == ["skip", "skip"]


def test_weights_path_is_a_real_path_even_with_a_replay_root(tmp_path):
    d = make_sdxl(tmp_path / "real" / "sdxl", variants=(None,))
    fs = run_checks(only=["weights"], weights=str(d), root=str(tmp_path / "fake-root"), env={"HOME": "/h"},
                    environment=ENV)
    assert [f["status"] for f in fs] == ["ok", "ok"]


def test_header_reader_exact_sizes(tmp_path):
    p = write_safetensors(tmp_path / "a.safetensors", {"x": ("F16", (3, 5)), "y": ("F32", (7,))},
                          metadata={"format": "pt"})
    header, n, expected = read_safetensors_header(str(p))
    assert expected == p.stat().st_size and header["x"]["dtype"] == "F16"
    assert inspect_file(str(p))[0] == []
    p.write_bytes(p.read_bytes() + b"\0" * 3)
    assert inspect_file(str(p))[0][0][0] == "warn"


@pytest.mark.full
def test_real_safetensors_library_agrees(tmp_path):
    """Cross-check with the real `safetensors` package (in the MindSpore test venv): it reads our files,
    and our reader accepts files it writes, including the truncation verdict."""
    from support import ms27_python

    py = ms27_python()
    mine = write_safetensors(tmp_path / "mine.safetensors", {"w": ("F16", (4, 4)), "b": ("F32", (4,))})
    theirs = tmp_path / "theirs.safetensors"
    code = ("import sys, numpy as np\nfrom safetensors import safe_open\nfrom safetensors.numpy import save_file\n"
            "with safe_open(sys.argv[1], 'np') as f:\n    print(sorted((k, str(f.get_tensor(k).dtype), f.get_tensor(k).shape) for k in f.keys()))\n"
            "save_file({'w': np.ones((8, 8), np.float16)}, sys.argv[2])\n")
    r = subprocess.run([py, "-c", code, str(mine), str(theirs)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "('b', 'float32', (4,))" in r.stdout and "('w', 'float16', (4, 4))" in r.stdout
    assert inspect_file(str(theirs))[0] == []
    theirs.write_bytes(theirs.read_bytes()[:-10])
    assert "truncated" in inspect_file(str(theirs))[0][0][1]


def test_check_and_smoke_use_one_inspector(tmp_path):
    """smoke's inspect_weights and check's weights findings come from ascendfix.weights.scan: the same reading of
    the same folder (smoke decides from names only; check also reads the safetensors headers)."""
    import ascendfix.smoke.operation as smoke_operation
    from ascendfix import weights

    assert smoke_operation.inspect_weights is weights.inspect_weights
    folder = make_sdxl(tmp_path / "sdxl", variants=("fp16",))
    info = weights.inspect_weights(str(folder), None)
    rep = weights.scan(str(folder))
    assert info["variant"] == "fp16"
    assert {n: c["variants"] for n, c in info["components"].items()} == {
        n: c["variants"] for n, c in rep["components"].items() if c["has_config"]}
    f = {x["id"]: x for x in run_checks(only=["weights"], weights=str(folder), root="/nonexistent-root",
                                        env={"HOME": "/root"}, environment={"python": {}, "distributions": {}})}
    assert f["weights.files"]["status"] == "warn" and 'variant="fp16"' in f["weights.files"]["detail"]


def test_tokenizer_json_only_is_not_missing_files_but_a_warning(tmp_path):
    # a tokenizer folder saved by transformers 5 (fast tokenizer only) holds tokenizer.json and no vocab.json /
    # merges.txt: complete for transformers 5, not for transformers 4.x's slow CLIPTokenizer (mindone 0.2.0 pins
    # 4.38), which fails on it with "expected str, bytes or os.PathLike object, not NoneType" (kb16b's capture)
    d = _json_only(tmp_path)
    fs = [f for f in check(d) if f["status"] != "ok"]
    assert [f["status"] for f in fs] == ["warn"], statuses(fs)
    assert "tokenizer/ and tokenizer_2/ have only tokenizer.json" in fs[0]["detail"]
    assert "vocab.json and merges.txt" in fs[0]["detail"]


def _json_only(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=(None,))
    for name in ("tokenizer", "tokenizer_2"):
        (d / name / "vocab.json").unlink()
        (d / name / "merges.txt").unlink()
        (d / name / "tokenizer.json").write_text("{}")
    return d


def recorded_env(version):
    """The environment probe of a real venv (transformers installed with --no-deps; tests/data/check/README.md)."""
    return json.loads((DATA / "envprobe" / "transformers-{}.json".format(version)).read_text())


def layout(d, environment, **kw):
    return {f["id"]: f for f in run_checks(only=["weights.layout"], weights=str(d), env={"HOME": "/nonexistent"},
                                           environment=environment, **kw)}["weights.layout"]


@pytest.mark.parametrize("stack", ["mindone", "torch-npu"])
def test_tokenizer_json_only_warns_for_the_targets_transformers_4(tmp_path, stack):
    f = layout(_json_only(tmp_path), recorded_env("4.38.2"), stack=stack)
    assert f["status"] == "warn", f
    assert "the target's transformers is 4.38.2" in f["detail"] and "vocab.json and merges.txt" in f["detail"]
    assert any(e["value"] == "transformers 4.38.2" for e in f["evidence"])


def test_tokenizer_json_only_is_ok_for_the_targets_transformers_5(tmp_path):
    f = layout(_json_only(tmp_path), recorded_env("5.25.0"), stack="torch-npu")
    assert f["status"] == "ok", f
    assert "tokenizer.json only: the target's transformers is 5.25.0, which loads it" in f["detail"]
    # mindone installed with its pin is a 4.x transformers; with transformers 5 alone, the mindone plan still
    # installs a mindone, and every mindone release pins transformers 4.x
    f = layout(_json_only(tmp_path), recorded_env("5.25.0"), stack="mindone")
    assert f["status"] == "warn" and "every mindone release pins transformers 4.x" in f["detail"], f


def test_tokenizer_json_only_without_transformers_follows_the_stacks_pin_or_the_python(tmp_path):
    d = _json_only(tmp_path)
    f = layout(d, fake_env("3.11.7", {"mindone": ("0.2.0", MINDONE_020_REQUIRES)}), stack="mindone")
    assert f["status"] == "warn" and "mindone 0.2.0 pins transformers==4.38.*" in f["detail"], f
    f = layout(d, fake_env("3.11.7", {}), stack="torch-npu")
    assert f["status"] == "ok" and "pip installs transformers 5" in f["detail"], f
    f = layout(d, fake_env("3.8.18", {}), stack="torch-npu")  # transformers 5.0.0: Requires-Python >=3.10
    assert f["status"] == "warn" and "Python 3.8 gets transformers 4.x" in f["detail"], f


@pytest.mark.full
@pytest.mark.parametrize("version,status", [("4.38.2", "warn"), ("5.25.0", "ok")])
def test_tokenizer_json_only_reads_a_real_target_venv(tmp_path, version, status):
    """The same question against real venvs (transformers alone, --no-deps): the probe runs in the target."""
    exe = support.framework_venv("transformers-" + version, ["--no-deps", "transformers==" + version])
    f = {x["id"]: x for x in run_checks(only=["weights.layout"], weights=str(_json_only(tmp_path)), python=exe,
                                        stack="torch-npu", env={"HOME": "/nonexistent"})}["weights.layout"]
    assert f["status"] == status, f
    assert "the target's transformers is " + version in f["detail"]


def test_tokenizer_folder_with_neither_file_is_missing_the_slow_files(tmp_path):
    d = make_sdxl(tmp_path / "sdxl", variants=(None,))
    (d / "tokenizer" / "merges.txt").unlink()
    errs = [f for f in check(d) if f["status"] == "error"]
    assert len(errs) == 1 and "file missing: tokenizer/merges.txt" in errs[0]["detail"]


def test_a_top_package_release_the_compat_table_lacks_is_not_reported_as_missing(tmp_path):
    # mindone installed at a release rules/compat/mindone.yaml has no row for (a newer or dev build): its transformers
    # pin is unknown, so the transformers installed decides (review 17)
    d = _json_only(tmp_path)
    f = layout(d, fake_env("3.11.7", {"mindone": ("0.6.0", []), "transformers": "5.1.0"}), stack="mindone")
    assert f["status"] == "ok", f
    assert "mindone is not installed" not in f["detail"]
    assert "the target's transformers is 5.1.0 (mindone 0.6.0 is not in rules/compat/mindone.yaml)" in f["detail"]
    # with transformers 4.x it still warns, and mindone absent keeps the plan's pin
    f = layout(d, fake_env("3.11.7", {"mindone": ("0.6.0", []), "transformers": "4.57.1"}), stack="mindone")
    assert f["status"] == "warn" and "the target's transformers is 4.57.1" in f["detail"], f
    f = layout(d, fake_env("3.11.7", {"transformers": "5.1.0"}), stack="mindone")
    assert f["status"] == "warn" and "mindone is not installed and every mindone release pins" in f["detail"], f


def test_transformers_5_is_offered_only_to_a_python_that_can_install_it(tmp_path):
    d = _json_only(tmp_path)
    f = layout(d, fake_env("3.9.18", {}), stack="torch-npu")
    assert f["status"] == "warn" and not any("install transformers 5" in x for x in f["fix"]), f
    f = layout(d, fake_env("3.11.7", {"transformers": "4.57.1"}), stack="torch-npu")
    assert f["status"] == "warn" and f["fix"][0].endswith(", or install transformers 5"), f
