"""Every smoke recipe's examples, run against the engine (weights layout, image checks, resolution)."""

import pytest

from ascendfix.errors import AscendfixError
from ascendfix.smoke.recipes import evaluate_checks, load_recipes, resolve, resource_thresholds
from ascendfix.smoke.reference import assess
from ascendfix.weights import WeightsError, inspect_weights

RECIPES = load_recipes()


def _examples():
    for rid, recipe in RECIPES.items():
        for i, ex in enumerate(recipe["examples"]):
            yield pytest.param(recipe, ex, id="{}-{}-{}".format(rid, i, ex["kind"]))


def test_required_recipes_exist():
    assert {"sdxl-mindone", "sdxl-torch-npu", "sd15-torch-npu", "sdxl-mindie"} <= set(RECIPES)
    assert [r for r, v in RECIPES.items() if v.get("default")] == ["sdxl-mindone"]
    sdxl = RECIPES["sdxl-mindone"]
    assert sdxl["model_id"] == "AI-ModelScope/stable-diffusion-xl-base-1.0"
    assert sdxl["mode"] == "pynative" and sdxl["dtype"] == "float16" and sdxl["vae_tiling"] is True


def test_every_recipe_has_each_example_kind_it_needs():
    for rid, r in RECIPES.items():
        kinds = {ex["kind"] for ex in r["examples"]}
        assert "resolve" in kinds, rid


def _make_layout(root, files):
    """Create the files of a pipeline folder; model_index.json lists the components present."""
    comps = sorted({f.split("/")[0] for f in files if "/" in f})
    for f in files:
        p = root / f
        p.parent.mkdir(parents=True, exist_ok=True)
        if f == "model_index.json":
            import json

            p.write_text(json.dumps(dict({c: ["diffusers", "X"] for c in comps}, _class_name="StableDiffusionXLPipeline")))
        elif f.endswith("config.json"):
            p.write_text("{}")
        else:
            p.write_bytes(b"\x00")
    return root


@pytest.mark.parametrize("recipe,ex", list(_examples()))
def test_recipe_example(recipe, ex, tmp_path):
    expect = ex["expect"]
    if ex["kind"] == "layout":
        folder = _make_layout(tmp_path / "w", ex["files"])
        if "error" in expect:
            with pytest.raises(WeightsError) as e:
                inspect_weights(str(folder), recipe.get("variant"))
            assert expect["error"] in str(e.value)
        else:
            info = inspect_weights(str(folder), recipe.get("variant"))
            assert info["variant"] == expect["variant"]
    elif ex["kind"] == "image":
        s = ex["stats"]
        checks = evaluate_checks(recipe["checks"], s, *recipe["size"])
        failed = sorted(c["name"] for c in checks if c["status"] != "ok")
        assert failed == sorted(expect["failed"]), checks
    elif ex["kind"] == "resolve":
        if "error" in expect:
            with pytest.raises(AscendfixError) as e:
                resolve(recipe, ex["args"])
            assert expect["error"] in str(e.value)
        else:
            cfg = resolve(recipe, ex["args"])
            for k, v in expect.items():
                assert cfg[k] == v, (k, cfg[k], v)
    elif ex["kind"] == "reference":
        run = ex["run"]
        cfg = {k: run[k] for k in ("steps", "width", "height", "dtype", "mode", "device")}
        env = {"npu_chips": run["npu_chips"]} if run.get("npu_chips") else {}
        stats = {"generate": {"median": run["generate"], "mad": 0.0, "n": run["runs"]}}
        got = {r["id"]: r for r in assess(recipe["references"], cfg, env, stats, run["warmup"])}
        assert set(got) == {r["id"] for r in recipe["references"]}
        assert sorted(i for i, r in got.items() if r["comparable"]) == sorted(expect["comparable"])
        for rid, settings in expect["differ"].items():
            assert sorted(d["setting"] for d in got[rid]["differences"]) == sorted(settings), got[rid]
            assert not got[rid]["comparable"] and got[rid]["ratio"] is None
            assert got[rid]["summary"].startswith("not comparable")
        for rid in expect["comparable"]:
            r = got[rid]
            assert r["ratio"] == pytest.approx(run["generate"] / r["published"]["seconds"], rel=1e-3)
            assert "x the published time" in r["summary"]
    else:  # pragma: no cover - load_recipes rejects other kinds
        pytest.fail("unknown example kind " + ex["kind"])


def test_size_override_and_bad_size():
    r = RECIPES["sdxl-mindone"]
    cfg = resolve(r, {"size": "768x512", "steps": 3, "seed": 7})
    assert (cfg["width"], cfg["height"], cfg["steps"], cfg["seed"]) == (768, 512, 3, 7)
    for bad in ("12x", "100x100", "0x64", "axb"):
        with pytest.raises(AscendfixError):
            resolve(r, {"size": bad})


def test_variant_falls_back_to_the_one_every_component_has(tmp_path):
    # only fp16 files although the recipe asks for no variant
    folder = _make_layout(tmp_path / "w", ["model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.fp16.safetensors",
                                           "vae/config.json", "vae/diffusion_pytorch_model.fp16.safetensors"])
    assert inspect_weights(str(folder), None)["variant"] == "fp16"
    # fp16 unet but fp32-only vae: no common variant
    folder2 = _make_layout(tmp_path / "w2", ["model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.fp16.safetensors",
                                             "vae/config.json", "vae/diffusion_pytorch_model.safetensors"])
    with pytest.raises(WeightsError, match="no weight variant in common"):
        inspect_weights(str(folder2), "fp16")


def test_malformed_recipe_is_exit_2(run_cli, tmp_path):
    d = tmp_path / "recipes"
    d.mkdir()
    (d / "bad.yaml").write_text("id: x\ntitle: t\nstack: tensorflow\n")
    r = run_cli("smoke", "--list", env={"ASCENDFIX_RECIPES_DIR": str(d)})
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "bad.yaml" in err and len(err.strip().splitlines()) == 1


def test_malformed_reference_is_exit_2(run_cli, tmp_path):
    import yaml

    from ascendfix.data import data_root

    d = tmp_path / "recipes"
    d.mkdir()
    entry = yaml.safe_load((data_root("recipes") / "sdxl-mindie.yaml").read_text())
    entry["references"][0]["source"] = "/home/me/notes.txt"
    (d / "sdxl-mindie.yaml").write_text(yaml.safe_dump(entry))
    r = run_cli("smoke", "--list", env={"ASCENDFIX_RECIPES_DIR": str(d)})
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "references[0]" in err and "https://" in err


def test_every_reference_names_a_public_source_and_its_settings():
    refs = [(rid, ref) for rid, r in RECIPES.items() for ref in r.get("references") or []]
    assert {rid for rid, _ in refs} >= {"sdxl-mindone", "sdxl-mindie", "sdxl-torch-npu"}
    for rid, ref in refs:
        assert ref["source"].startswith("https://") and ref["seconds"] > 0, (rid, ref["id"])
        assert {"steps", "width", "height", "device"} <= set(ref["settings"]), (rid, ref["id"])
        # every reference is exercised by a 'reference' example of its recipe
        examples = [ex for ex in RECIPES[rid]["examples"] if ex["kind"] == "reference"]
        assert any(ref["id"] in ex["expect"]["comparable"] or ref["id"] in ex["expect"]["differ"]
                   for ex in examples), (rid, ref["id"])
    # no local paths, no internal names in what users read
    for rid, ref in refs:
        for text in (ref["title"], ref.get("note", ""), ref["what"]):
            assert "/work/" not in text and "seed 0" not in text.lower()


def test_resource_thresholds_come_from_the_recipes():
    t = resource_thresholds("mindone")
    assert t["recipe"] == "sdxl-mindone"
    assert t["memory_error_below_gb"] < t["memory_warn_below_gb"] and t["disk_error_below_gb"] < t["disk_free_gb"]
    assert resource_thresholds("mindie")["recipe"] == "sdxl-mindie"
    assert resource_thresholds("torch-npu")["recipe"] == "sdxl-torch-npu"
    assert resource_thresholds(None)["recipe"] == "sdxl-mindone"  # the default recipe
