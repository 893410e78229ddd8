"""rules/stacks.yaml: every stack's examples, its references into other data and code, and that adding a stack
touches that one file (plus its recipe)."""

import ast
import json
import shutil
from pathlib import Path

import pytest
import yaml

from ascendfix import stacks
from ascendfix.check import engine as check_engine
from ascendfix.smoke.recipes import load_recipes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [(s["id"], i, ex) for s in stacks.load()["stacks"] for i, ex in enumerate(s["examples"])]


@pytest.mark.parametrize("stack_id,i,example", EXAMPLES, ids=["{}-{}".format(s, i) for s, i, _ in EXAMPLES])
def test_detection_examples(stack_id, i, example):
    installed = {stacks_canon(n) for n in example["installed"]}
    paths = set(example.get("paths") or [])
    got, reason = stacks.detect(lambda n: stacks_canon(n) in installed, lambda p: p in paths)
    assert got == example["stack"], reason


def stacks_canon(name):
    from ascendfix.target import canonical_name

    return canonical_name(name)


def test_every_stack_has_detection_examples_that_pick_it():
    for s in stacks.load()["stacks"]:
        assert any(ex["stack"] == s["id"] for ex in s["examples"]), s["id"]


def test_references_resolve():
    recipes = load_recipes()
    runner_src = (ROOT / "ascendfix" / "smoke" / "runner.py").read_text(encoding="utf-8")
    runners = next([k.value for k in n.value.keys] for n in ast.parse(runner_src).body
                   if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "RUNNERS")
    categories = {c for c, _ in check_engine.CATEGORIES}
    pkgs = stacks.packages()
    for s in stacks.load()["stacks"]:
        sid = s["id"]
        assert s["runner"] in runners, sid
        assert recipes[s["recipe"]]["stack"] == sid, sid
        for cls, cats in s["preflight"].items():
            assert set(cats) <= categories, (sid, cls, set(cats) - categories)
        assert set(s["imports"]) <= set(pkgs), sid
        assert set(s["requires_from"]) <= set(s["distributions"]), sid
    for rid, r in recipes.items():
        stack = stacks.get(r["stack"])
        assert set(r["devices"]) <= set(stack["devices"]), rid
        assert set(r["requires"] + (r.get("requires_cpu") or [])) <= set(pkgs), rid


def test_a_new_stack_is_one_entry(tmp_path, run_cli):
    """A stack added to a copy of rules/ (and a recipe for it) is known to check and smoke without code."""
    rules = tmp_path / "rules"
    shutil.copytree(str(ROOT / "rules"), str(rules))
    doc = yaml.safe_load((rules / "stacks.yaml").read_text(encoding="utf-8"))
    new = dict(stacks.get("torch-npu"), id="torch-npu-lts", title="torch_npu LTS", recipe="sdxl-torch-npu-lts",
               detect=[{"path": "/opt/torch-npu-lts", "reason": "/opt/torch-npu-lts exists", "order": 9}],
               examples=[{"installed": [], "paths": ["/opt/torch-npu-lts"], "stack": "torch-npu-lts"}])
    doc["stacks"].append(new)
    (rules / "stacks.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    recipes = tmp_path / "recipes"
    shutil.copytree(str(ROOT / "recipes"), str(recipes))
    recipe = yaml.safe_load((recipes / "sdxl-torch-npu.yaml").read_text(encoding="utf-8"))
    recipe.update(id="sdxl-torch-npu-lts", stack="torch-npu-lts", default=False)
    (recipes / "sdxl-torch-npu-lts.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False), encoding="utf-8")
    env = {"ASCENDFIX_RULES_DIR": str(rules), "ASCENDFIX_RECIPES_DIR": str(recipes)}
    r = run_cli("check", "--stack", "torch-npu-lts", "--only", "packages", "--json", env=env)
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["summary"]["stack"] == "torch-npu-lts"
    r = run_cli("smoke", "--list", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert "sdxl-torch-npu-lts" in [row["id"] for row in json.loads(r.stdout)["recipes"]]


def test_malformed_stacks_file_is_one_line_exit_2(tmp_path, run_cli):
    rules = tmp_path / "rules"
    shutil.copytree(str(ROOT / "rules"), str(rules))
    text = (rules / "stacks.yaml").read_text(encoding="utf-8").replace("runner: diffusers", "runner: [diffusers]")
    (rules / "stacks.yaml").write_text(text, encoding="utf-8")
    r = run_cli("check", "--json", env={"ASCENDFIX_RULES_DIR": str(rules)})
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1 and "stacks.yaml" in err and "runner" in err, err
    assert json.loads(r.stdout)["error"]["exit_code"] == 2


def test_a_rules_folder_without_stacks_uses_the_shipped_one(tmp_path, monkeypatch):
    (tmp_path / "signatures").mkdir()
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(tmp_path))
    assert stacks.ids() == ("mindone", "torch-npu", "mindie")
