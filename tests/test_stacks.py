"""rules/stacks.yaml: every stack's examples, its references into other data and code, and that adding a stack
touches that one file (plus its recipe)."""

import ast
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from ascendfix import stacks
from ascendfix.check import engine as check_engine
from ascendfix.smoke.recipes import load_recipes
from test_check_helpers import make_sdxl

ROOT = Path(__file__).resolve().parents[1]
# check/report without --python look for the user's environment: keep that lookup to this venv's python3 (quick, the
# same on every machine, and not a pyenv shim), as test_check_cli does
LOOKUP_ENV = {"PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin", "VIRTUAL_ENV": "",
              "CONDA_PREFIX": ""}
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
    from ascendfix.check import compat, plan, rules
    from ascendfix.smoke import tiny

    recipes = load_recipes()
    runner_src = (ROOT / "ascendfix" / "smoke" / "runner.py").read_text(encoding="utf-8")
    runners = next([k.value for k in n.value.keys] for n in ast.parse(runner_src).body
                   if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "RUNNERS")
    categories = {c for c, _ in check_engine.CATEGORIES}
    pkgs = stacks.packages()
    families = stacks.families()
    assert set(families) == set(plan.FAMILIES), "every family has a plan model and every plan model a family"
    floors = {r["id"] for r in compat.table("packages.yaml") if r["kind"] == "floor"}
    for s in stacks.load()["stacks"]:
        sid = s["id"]
        assert s["runner"] in runners, sid
        assert s["tiny"] in tiny.BUILDERS, sid
        assert recipes[s["recipe"]]["stack"] == sid, sid
        for cls, cats in s["preflight"].items():
            assert set(cats) <= categories, (sid, cls, set(cats) - categories)
        assert set(s["imports"]) <= set(pkgs), sid
        assert set(s["requires_from"]) <= set(s["distributions"]), sid
        assert set(s.get("floors") or []) <= floors, sid
        if s.get("top"):
            assert compat.top_rows(s["top"]), (sid, "rules/compat/{}".format(stacks.top_table(s["top"])[0]))
    for rid, r in recipes.items():
        stack = stacks.get(r["stack"])
        assert set(r["devices"]) <= set(stack["devices"]), rid
        assert set(r["requires"] + (r.get("requires_cpu") or [])) <= set(pkgs), rid
        assert r["mode"] in stacks.modes(r["stack"]), rid
    for c in check_engine.REGISTRY:
        assert set(c.family or ()) <= set(families), c.id
        assert c.scope is None or c.stacks, "{} runs for no stack".format(c.id)
    for r in rules.env_rules():
        assert set(r.get("family") or ()) <= set(families), r["id"]


def test_no_code_names_a_stack():
    """A per-stack fact lives in rules/stacks.yaml: no code compares a stack with a literal id, and no literal list,
    tuple, set or dict names two stack ids (choices, scopes, lookup tables). The runner registry is keyed by runner
    names (a stack's `runner`), which happen to share some spellings."""
    ids = set(stacks.ids())
    allowed = {("ascendfix/smoke/runner.py", "RUNNERS")}
    bad = []
    for path in sorted((ROOT / "ascendfix").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if not any(i in text for i in ids):  # no stack id spelled out anywhere in the file: nothing to parse for
            continue
        tree = ast.parse(text)
        skip = set()
        if any(r == rel for r, _ in allowed):
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and any((rel, getattr(t, "id", None)) in allowed for t in node.targets):
                    skip.update(id(n) for n in ast.walk(node.value))
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            consts = []
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                consts = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            elif isinstance(node, ast.Dict):
                consts = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len(ids & {c for c in consts if isinstance(c, str)}) >= 2:
                bad.append("{}:{} names stacks {}".format(rel, node.lineno, sorted(ids & set(consts))))
            if isinstance(node, ast.Compare):
                sides = [node.left] + list(node.comparators)
                named = set()
                for side in sides:
                    for n in ast.walk(side):
                        if isinstance(n, ast.Constant) and n.value in ids:
                            named.add(n.value)
                if named and "stack" in ast.dump(node).lower():
                    bad.append("{}:{} compares a stack with {}".format(rel, node.lineno, sorted(named)))
    assert not bad, "\n".join(bad)


# --- a stack added by data alone -------------------------------------------------------------------------------
def _rules_copy(tmp_path):
    rules, recipes = tmp_path / "rules", tmp_path / "recipes"
    shutil.copytree(str(ROOT / "rules"), str(rules))
    shutil.copytree(str(ROOT / "recipes"), str(recipes))
    return rules, recipes


def _add_stack(rules, recipes, base, new, entry=None, recipe_changes=None, packages=None):
    """A stack entry ``new`` modelled on ``base`` (plus ``entry``), and its recipe modelled on base's recipe."""
    doc = yaml.safe_load((rules / "stacks.yaml").read_text(encoding="utf-8"))
    b = stacks.get(base)
    e = dict(b, id=new, title="{} (test)".format(new), recipe="r-" + new,
             detect=[{"path": "/opt/" + new, "reason": "/opt/{} exists".format(new), "order": 9}],
             examples=[{"installed": [], "paths": ["/opt/" + new], "stack": new}])
    e.update(entry or {})
    doc["stacks"].append(e)
    doc["packages"].update(packages or {})
    (rules / "stacks.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    recipe = yaml.safe_load((recipes / (b["recipe"] + ".yaml")).read_text(encoding="utf-8"))
    recipe.update(id="r-" + new, stack=new, default=False)
    recipe.update(recipe_changes or {})
    (recipes / ("r-" + new + ".yaml")).write_text(yaml.safe_dump(recipe, sort_keys=False), encoding="utf-8")
    return dict(LOOKUP_ENV, ASCENDFIX_RULES_DIR=str(rules), ASCENDFIX_RECIPES_DIR=str(recipes))


def _schema_ok(verb, r):
    """The --json document on stdout, validated against schemas/<verb>.schema.json."""
    from test_schemas import _valid

    return _valid(verb, r)


def _check(run_cli, env, *args):
    r = run_cli("check", "--json", *args, env=env)
    assert r.returncode in (0, 1), r.stderr
    doc = _schema_ok("check", r)
    crashed = [(f["id"], f["detail"]) for f in doc["findings"] if f["status"] == "crashed"]
    assert not crashed, crashed
    return doc


def _stub_venv(tmp_path, imports):
    """A real interpreter environment whose framework packages are installed (dist-info) but cannot be imported:
    smoke gets through its requirements, preflight and configuration and stops where the framework is needed."""
    import subprocess
    import sys

    venv = tmp_path / "stub-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    dists = stacks.packages()
    for imp in imports:
        (site / imp).mkdir()
        (site / imp / "__init__.py").write_text('raise ImportError("no {} in this test environment")\n'.format(imp))
        dist = dists.get(imp, imp)
        info = site / "{}-1.0.dist-info".format(dist.replace("-", "_"))
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n".format(dist))
    return str(py)


# one per family (a stack with a top package on torch_npu: the test after this one)
NEW_STACKS = [("sdxl-refiner-mindone", "mindone"), ("sd3-torch-npu", "torch-npu")]


@pytest.mark.parametrize("new,base", NEW_STACKS, ids=[n for n, _ in NEW_STACKS])
def test_a_new_stack_is_one_entry_and_its_recipe(tmp_path, run_cli, new, base):
    """A stack that reuses a family, added to a copy of rules/ (one stacks.yaml entry) and recipes/ (its recipe): every
    verb knows it, and check treats it as it treats the stack it is modelled on."""
    from ascendfix.check import plan as planmod

    rules, recipes = _rules_copy(tmp_path)
    env = _add_stack(rules, recipes, base, new)

    # check: every check that applies runs (none crashes), the plan is the base stack's plan
    mine, theirs = _check(run_cli, env, "--stack", new), _check(run_cli, env, "--stack", base)
    assert mine["summary"]["stack"] == new and mine["plan"]["stack"] == new

    def shape(doc):  # what this machine's free disk space does not change
        return sorted({(f["id"], f["status"]) for f in doc["findings"] if f["category"] != "system"})

    assert shape(mine) == shape(theirs)
    assert {f["check"] for f in mine["findings"]} == {f["check"] for f in theirs["findings"]}
    for key in ("status", "choice", "relaxed", "steps"):
        assert mine["plan"][key] == theirs["plan"][key], key
    want = planmod.want_names(base)[0]
    _check(run_cli, env, "--stack", new, "--want", want + ">=0")
    r = run_cli("check", "--list-checks", "--json", env=env)
    for row in _schema_ok("check", r)["checks"]:
        assert (base in row["stacks"]) == (new in row["stacks"]) or row["stacks"] == ["all"], row["id"]

    # smoke: listed; a run gets through requirements, preflight (the stack's categories) and configuration, and
    # stops importing the framework (the family's runner ran)
    r = run_cli("smoke", "--list", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert {"id": "r-" + new, "stack": new} in [{"id": x["id"], "stack": x["stack"]} for x in json.loads(r.stdout)["recipes"]]
    recipe = load_recipes()[stacks.get(base)["recipe"]]
    python = _stub_venv(tmp_path, recipe["requires"])
    weights = make_sdxl(tmp_path / "weights", variants=("fp16",))  # real safetensors headers, no tensors
    r = run_cli("smoke", "--recipe", "r-" + new, "--weights", str(weights), "--python", python, "--force",
                "--out", str(tmp_path / "smoke"), "--json", env=env)
    doc = _schema_ok("smoke", r)
    assert r.returncode == 1, r.stderr
    assert doc["recipe"]["values"]["stack"] == new
    assert doc["preflight"] and doc["preflight"]["checked"] > 0, doc["preflight"]
    assert doc["failure"]["stage"] == "import", doc["failure"]
    assert "in this test environment" in doc["failure"]["message"], doc["failure"]

    # report: --stack takes it; its check part is the new stack's
    r = run_cli("report", "--stack", new, "--no-smoke", "--out", str(tmp_path / "page.html"), "--json", env=env)
    assert r.returncode == 0, r.stderr
    rep = _schema_ok("report", r)
    assert rep["check"]["summary"]["stack"] == new
    assert not [f for f in rep["check"]["findings"] if f["status"] == "crashed"]

    # compare: node reports of the new stack compare like any other
    (tmp_path / "a.json").write_text(json.dumps(mine))
    (tmp_path / "b.json").write_text(json.dumps(theirs))
    r = run_cli("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--json", env=env)
    assert r.returncode in (0, 1), r.stderr
    assert len(_schema_ok("compare", r)["nodes"]) == 2


TOPS = [
    # a package on MindSpore (like mindone): its table in mindone.yaml's format
    ("mindone", "mindtwo", "mindone.yaml", "mindspore"),
    # a package on torch_npu (like mindiesd): its table in mindiesd.yaml's format
    ("mindie", "fastsd", "mindiesd.yaml", "torch"),
]


@pytest.mark.parametrize("base,top,table,suffix", TOPS, ids=[t for _, t, _, _ in TOPS])
def test_a_new_top_package_is_an_entry_a_recipe_and_its_table(tmp_path, run_cli, monkeypatch, base, top, table, suffix):
    """A stack that puts a new package on top of a family: its stacks.yaml entry, its recipe, and its pairing table
    rules/compat/<top>.yaml. check judges it by that table, the plan installs it, --want may name it."""
    from ascendfix import data
    from ascendfix.check import compat

    rules, recipes = _rules_copy(tmp_path)
    old = stacks.get(base)["top"]
    rows = yaml.safe_load((rules / "compat" / table).read_text(encoding="utf-8"))
    for row in rows:
        row[top] = row.pop(old)
        row["id"] = row["id"].replace(old, top)
    (rules / "compat" / (top + ".yaml")).write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")
    swap = lambda names: [top if n == old else n for n in names]  # noqa: E731
    b = stacks.get(base)
    recipe = load_recipes()[b["recipe"]]
    env = _add_stack(rules, recipes, base, top, packages={top: top},
                     entry={"top": top, "distributions": swap(b["distributions"]), "imports": swap(b["imports"]),
                            "requires_from": swap(b["requires_from"])},
                     recipe_changes={"requires": swap(recipe["requires"]),
                                     **({"requires_cpu": swap(recipe["requires_cpu"])} if recipe.get("requires_cpu") else {})})

    mine, theirs = _check(run_cli, env, "--stack", top), _check(run_cli, env, "--stack", base)
    ids = {f["id"] for f in mine["findings"]}
    assert "{}.{}".format(top, suffix) in ids and "{}.{}".format(old, suffix) not in ids, sorted(ids)
    assert mine["plan"]["choice"][top] == theirs["plan"]["choice"][old]
    assert any(top in s["packages"] and "{}=={}".format(top, mine["plan"]["choice"][top]) in " ".join(s["commands"])
               for s in mine["plan"]["steps"]), mine["plan"]["steps"]
    _check(run_cli, env, "--stack", top, "--want", top + ">=0")

    # the table's own examples run like the shipped tables' (tests/test_check_data.py)
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    data._load_entries_cached.cache_clear()
    try:
        assert top + ".yaml" in compat.tables()
        for row in compat.table(top + ".yaml"):
            for ex in row["examples"]:
                assert compat.evaluate_example(top + ".yaml", row, ex["given"]) == ex["expect"], (row["id"], ex)
    finally:
        data._load_entries_cached.cache_clear()


def test_a_family_without_a_plan_model_is_a_data_error(tmp_path, run_cli):
    rules, recipes = _rules_copy(tmp_path)
    doc = yaml.safe_load((rules / "stacks.yaml").read_text(encoding="utf-8"))
    doc["families"]["paddle"] = dict(doc["families"]["torch"], title="PaddlePaddle")
    (rules / "stacks.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    env = _add_stack(rules, recipes, "torch-npu", "paddle-npu", entry={"family": "paddle"})
    r = run_cli("check", "--stack", "paddle-npu", "--json", env=env)
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1 and "'paddle' has no plan model" in err, (r.returncode, err)


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


@pytest.mark.parametrize("scope,expect", [
    ({}, ["mindone", "torch-npu", "mindie"]),
    ({"family": "torch"}, ["torch-npu", "mindie"]),
    ({"family": ["mindspore"]}, ["mindone"]),
    ({"uses": ["mindiesd"]}, ["mindie"]),
    ({"uses": ["torch_npu"]}, ["torch-npu", "mindie"]),  # distribution names compare canonically
    ({"family": "torch", "top": True}, ["mindie"]),
    ({"top": False}, ["torch-npu"]),
])
def test_scopes_select_stacks_by_what_they_declare(scope, expect):
    assert [s for s in stacks.ids() if stacks.applies(s, **scope)] == expect


def test_an_env_rule_scoped_by_uses_runs_for_the_stacks_that_install_it(tmp_path, monkeypatch):
    from ascendfix import data
    from ascendfix.check import run_checks
    from test_check_helpers import fake_env

    rules, _ = _rules_copy(tmp_path)
    with open(str(rules / "checks" / "env.yaml"), "a", encoding="utf-8") as fh:
        fh.write("- id: env.TEST_ONLY_MINDIESD\n  var: TEST_ONLY_MINDIESD\n  uses: [mindiesd]\n  kind: enum\n"
                 "  values: ['1']\n  source: [https://example.org/]\n  examples:\n    - {env: {}, expect: ok}\n")
    monkeypatch.setenv("ASCENDFIX_RULES_DIR", str(rules))
    data._load_entries_cached.cache_clear()
    try:
        ran = {s: {f["id"] for f in run_checks(only=["env"], stack=s, env={}, environment=fake_env())}
               for s in stacks.ids()}
    finally:
        data._load_entries_cached.cache_clear()
    assert [s for s in stacks.ids() if "env.TEST_ONLY_MINDIESD" in ran[s]] == ["mindie"]
    assert "env.MS_ALLOC_CONF" in ran["mindone"] and "env.MS_ALLOC_CONF" not in ran["mindie"]
