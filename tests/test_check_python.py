"""Python, pins, numpy 2, broken/duplicate dists, and the honest 3.8 verdict (issue 7 part 2).

Fast tests inject an envprobe-shaped environment; slow ones inspect real interpreters (a real CPython 3.8
venv with mindone 0.5.0 forced in, the MindSpore 2.7 + mindone 0.2.0 venv) through ``--python``.
"""

import json
import subprocess

import pytest

from ascendfix.check import run_checks
from test_check_helpers import MINDONE_020_REQUIRES, MINDONE_050_REQUIRES, fake_env


def run(environment, only=None, **kw):
    fs = run_checks(only=only, root=kw.pop("root", "/nonexistent-root"), env={"HOME": "/root"},
                    environment=environment, **kw)
    return {f["id"]: f for f in fs}


def test_python38_with_mindone_050_installed_cannot_work():
    env = fake_env("3.8.18", {"mindone": ("0.5.0", MINDONE_050_REQUIRES, ">=3.9"), "transformers": "4.46.3",
                              "numpy": "1.24.4"})
    f = run(env, only=["python"])
    v = f["python.verdict"]
    assert v["status"] == "error"
    assert "Python 3.8.18 + mindone 0.5.0 cannot work" in v["detail"]
    assert "mindone 0.5.0 requires Python >=3.9" in v["detail"]
    assert "transformers==4.57.1, which requires Python >=3.9.0" in v["detail"]
    # the way out comes from the plan: on 3.8 the tables allow mindone 0.2.0 (MindSpore 0.3.0+ wheels need 3.9)
    assert "On Python 3.8.18, mindone 0.2.0 fits" in v["detail"]
    assert any(o.startswith("plan step") and "mindone 0.2.0" in o and "replacing mindone 0.5.0" in o for o in v["fix"]), v["fix"]
    assert not any("0.3.0" in o for o in v["fix"])
    assert f["python.version"]["status"] == "error"


def test_python38_planning_names_the_newest_release_that_fits_every_table():
    f = run(fake_env("3.8.18", {}), only=["python.verdict"])
    v = f["python.verdict"]
    assert v["status"] == "ok"
    assert "on Python 3.8.18 the newest mindone that fits the tables is 0.2.0" in v["detail"]


def test_python38_asking_for_mindone_05_needs_python_39():
    f = run(fake_env("3.8.18", {}), only=["python.verdict"], wants=["mindone>=0.5"])
    v = f["python.verdict"]
    assert v["status"] == "warn"
    assert v["detail"].startswith("mindone>=0.5 needs Python >=3.9 (mindone 0.5.0 requires Python >=3.9")
    assert v["detail"].endswith("this is Python 3.8.18")
    assert v["fix"][0].startswith("follow the plan below (a new Python 3.11 environment")


def test_python311_verdict_ok():
    f = run(fake_env("3.11.7", {"mindone": ("0.5.0", MINDONE_050_REQUIRES)}), only=["python.verdict"])
    assert f["python.verdict"]["status"] == "ok"


def test_pins_violations_with_exact_pip_commands():
    env = fake_env("3.10.12", {"mindone": ("0.5.0", MINDONE_050_REQUIRES), "transformers": "4.46.3",
                               "numpy": "1.26.4", "huggingface-hub": "0.36.2"})
    f = run(env, only=["pkgs.pins"])
    t = f["pkgs.pins.transformers"]
    assert t["status"] == "error" and "transformers 4.46.3 is installed; mindone 0.5.0 requires transformers==4.57.1" in t["detail"]
    # mindone's own pins come from the plan (which installs MindSpore and CANN first here)
    assert t["fix"] == ["plan step 3 below: the versions mindone 0.5.0 pins"]
    s = f["pkgs.pins.safetensors"]
    assert s["status"] == "error" and "not installed" in s["detail"]
    assert s["fix"] == ['/env/bin/python -m pip install "safetensors>=0.3.1"']


def test_pins_all_satisfied():
    env = fake_env("3.10.12", {"mindone": ("0.2.0", MINDONE_020_REQUIRES), "transformers": "4.38.2", "numpy": "1.26.4",
                               "huggingface-hub": "0.36.2", "safetensors": "0.4.5"})
    f = run(env, only=["pkgs.pins"])
    assert f["pkgs.pins"]["status"] == "ok"


def test_numpy2_under_mindspore_is_an_error():
    env = fake_env("3.11.7", {"mindspore": ("2.10.0", ["numpy>=1.25.0"]), "numpy": "2.4.6"})
    f = run(env, only=["pkgs.numpy2"])
    n = f["pkgs.numpy2"]
    assert n["status"] == "error" and "MindSpore 2.10.0 is compiled against NumPy 1.x" in n["detail"]
    assert n["fix"] == ["plan step 2 below: mindone 0.4.0 and the versions it pins"]
    ok = run(fake_env("3.11.7", {"mindspore": "2.7.1", "numpy": "1.26.4"}), only=["pkgs.numpy2"])
    assert ok["pkgs.numpy2"]["status"] == "ok"


def test_broken_duplicate_and_invalid_distributions():
    env = fake_env("3.9.19", {"moxing-framework": "2.2.3.2c7f2141", "numpy": "1.26.4"},
                   broken=[{"path": "/env/lib/site-packages/foo-1.0.dist-info", "error": "ValueError: no Name"}],
                   duplicates={"numpy": [{"version": "1.26.4", "location": "/env/lib/site-packages"},
                                         {"version": "2.1.0", "location": "/root/.local/lib/site-packages"}]})
    f = run(env, only=["pkgs.consistency"])
    assert f["pkgs.broken"]["status"] == "warn"
    assert f["pkgs.duplicate.numpy"]["status"] == "error" and "2.1.0 in /root/.local" in f["pkgs.duplicate.numpy"]["detail"]
    assert f["pkgs.invalid_version.moxing-framework"]["status"] == "warn"


def test_mindone_mindspore_range():
    base = {"mindone": ("0.5.0", MINDONE_050_REQUIRES)}
    assert run(fake_env("3.11.7", dict(base, mindspore="2.7.1")), only=["mindone.mindspore"])["mindone.mindspore"]["status"] == "ok"
    assert run(fake_env("3.11.7", dict(base, mindspore="2.5.0")), only=["mindone.mindspore"])["mindone.mindspore"]["status"] == "error"
    newer = run(fake_env("3.11.7", dict(base, mindspore="2.10.0")), only=["mindone.mindspore"])["mindone.mindspore"]
    assert newer["status"] == "warn" and "newer than the range" in newer["detail"]


# --- real interpreters -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def py38_mindone05():
    """A real CPython 3.8 venv where mindone 0.5.0 was forced in (--ignore-requires-python, like seed 000's
    sed on pyproject.toml) next to transformers 4.46.3, the newest release that installs on 3.8."""
    from support import framework_venv, python38

    return framework_venv("check-py38-mindone05", ["--no-deps", "--ignore-requires-python", "mindone==0.5.0",
                                                   "transformers==4.46.3"], python=python38())


@pytest.mark.full
def test_real_py38_verdict_and_unresolved_imports(run_cli, py38_mindone05):
    from support import mindone_tree

    tree = mindone_tree("0.5.0")
    r = run_cli("check", "--python", py38_mindone05, "--mindone", tree, "--json",
                "--only", "python.verdict", "mindone.transformers_imports", "pkgs.pins")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    f = {x["id"]: x for x in doc["findings"]}
    assert doc["summary"]["python"].startswith("3.8.")
    v = f["python.verdict"]
    assert v["status"] == "error" and "mindone 0.5.0 cannot work" in v["detail"]
    assert any("mindone 0.2.0" in o for o in v["fix"]) and not any("0.3.0" in o for o in v["fix"])
    imp = f["mindone.transformers_imports"]
    assert imp["status"] == "error"
    n = int(imp["detail"].split(" of ")[0])
    assert n >= 100, imp["detail"]  # "hundreds of imports unresolved" with transformers 4.46.3
    assert "transformers 4.46.3" in imp["detail"]
    assert f["pkgs.pins.transformers"]["status"] == "error"


@pytest.mark.full
def test_real_ms27_mindone02_env(run_cli):
    from support import ms27_python

    py = ms27_python()
    r = run_cli("check", "--python", py, "--json", env={"ASCENDFIX_TEST": "1"})
    doc = json.loads(r.stdout)
    f = {x["id"]: x for x in doc["findings"]}
    assert doc["summary"]["stack"] == "mindone" and "installed" in doc["summary"]["stack_source"]
    assert f["python.version"]["status"] == "ok" and "MindSpore 2.7.0" in f["python.version"]["detail"]
    assert f["pkgs.pins"]["status"] == "ok" and f["pkgs.numpy2"]["status"] == "ok"
    assert f["mindone.mindspore"]["status"] == "ok"
    # no CANN on this machine: the fix names the CANN MindSpore 2.7.0 needs
    assert any("CANN 8.2.RC1" in x for x in f["cann.locate"]["fix"])
    assert r.returncode == 1  # no NPU / no CANN are errors


@pytest.mark.full
def test_deep_probes_on_real_mindspore(run_cli):
    from support import ms27_python

    py = ms27_python()
    r = run_cli("check", "--python", py, "--deep", "--only", "deep", "--json", timeout=900)
    doc = json.loads(r.stdout)
    f = {x["id"]: x for x in doc["findings"]}
    rc = f["deep.mindspore_run_check"]
    assert rc["status"] == "ok" and "MindSpore 2.7.0 run_check passed on CPU" in rc["detail"]
    assert "successfully" in rc["evidence"][0]["value"]
    assert f["deep.sdxl_import"]["status"] == "ok"
    assert f["deep.fp16_masked_fill"]["status"] in ("ok", "warn", "skip")
    assert f["deep.torch_npu"]["status"] == "skip"  # not the torch stack


@pytest.mark.full
def test_torch_stack_deep_probe_and_atb_abi(run_cli):
    """The torch route on a real torch CPU build: torch_npu missing is reported, and torch's real C++ ABI is
    compared with the ATB flavour selected by $ATB_HOME_PATH (Ascend/pytorch#99)."""
    from support import torch_python

    # same name and list as tests/test_smoke_frameworks.py, so the cached venv is shared
    py = torch_python()
    r = run_cli("check", "--python", py, "--deep", "--json", "--only", "deep.torch_npu", "torch_npu.compat",
                env={"ATB_HOME_PATH": "/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_0"}, timeout=900)
    doc = json.loads(r.stdout)
    f = {x["id"]: x for x in doc["findings"]}
    assert doc["summary"]["stack"] == "torch-npu"  # detected from torch + diffusers
    d = f["deep.torch_npu"]
    assert d["status"] == "error" and "import torch_npu failed: ModuleNotFoundError" in d["detail"]
    abi = f["deep.atb_abi"]
    probe = subprocess.run([py, "-c", "import torch; print(int(torch.compiled_with_cxx11_abi()))"],
                           capture_output=True, text=True).stdout.strip()
    if probe == "1":
        assert abi["status"] == "error" and "cxx_abi_0" in abi["detail"]
        assert abi["fix"] == ["source /usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi=1"]
    else:
        assert abi["status"] == "ok"
    assert f["torch_npu.compat"]["status"] == "error" and "torch_npu is not installed" in f["torch_npu.compat"]["detail"]


@pytest.mark.full
def test_verdict_on_a_tree_whose_pyproject_was_sed_edited(tmp_path):
    """Seed 000 runs `sed -i 's/>=3.9/>=3.8/g' pyproject.toml` on a mindone 0.5.0 checkout: still cannot work."""
    from support import mindone_tree

    src = mindone_tree("0.5.0")
    tree = tmp_path / "mindone"
    tree.mkdir()
    (tree / "PKG-INFO").write_text((src / "PKG-INFO").read_text(encoding="utf-8"), encoding="utf-8")
    text = (src / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.9"' in text
    (tree / "pyproject.toml").write_text(text.replace(">=3.9", ">=3.8").replace(
        "transformers==4.57.1", "transformers>=4.39.3"), encoding="utf-8")
    f = run(fake_env("3.8.18", {}), only=["python.verdict"], mindone=str(tree))
    v = f["python.verdict"]
    assert v["status"] == "error" and "mindone 0.5.0 cannot work" in v["detail"]
    assert "the tree's pyproject.toml says requires-python >=3.8 (upstream 0.5.0: >=3.9)" in v["detail"]


@pytest.mark.full
def test_real_numpy2_trap_of_mindspore_210(run_cli):
    """`pip install mindspore==2.10.0` alone pulls numpy 2.x (its Requires-Dist dropped numpy<2); MindSpore is still
    compiled against NumPy 1.x. The doctor must flag it from metadata, without importing anything."""
    from support import framework_venv

    py = framework_venv("check-ms210-numpy2", ["mindspore==2.10.0"])
    probe = subprocess.run([py, "-c", "import numpy; print(numpy.__version__)"], capture_output=True, text=True)
    assert probe.stdout.startswith("2."), probe.stdout  # the trap is real: pip chose numpy 2
    r = run_cli("check", "--python", py, "--only", "pkgs.numpy2", "--json")
    doc = json.loads(r.stdout)
    f = doc["findings"][0]
    assert f["status"] == "error" and "compiled against NumPy 1.x" in f["detail"]
    # the plan keeps MindSpore 2.10.0, adds the mindone release that fits it, with numpy<2
    assert f["fix"] == ["plan step 2 below: mindone 0.4.0 and the versions it pins"]
    step = doc["plan"]["steps"][1]
    assert step["commands"] == ['{} -m pip install mindone==0.4.0 transformers==4.50.0 "numpy>=1.25.0,<2"'.format(py)]
    assert r.returncode == 1
