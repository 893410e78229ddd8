"""The plan in the three situations users are in, with real interpreters and the real package index (full tier).

Each test builds a real virtual environment, gives it the MindSpore a user has (a real dist-info: pip and the
doctor read metadata only), points check at a fake CANN root, and then does what the user would do:
every pip command of the printed plan is resolved by pip itself (`pip install --dry-run` under that
interpreter); in the first two situations the commands are then run, in order, and check reports clean
(apart from the NPU, which this machine does not have).
"""

import json
import os
import shlex
import subprocess

import pytest

from test_check_helpers import add_cann85, add_toolkit_plain, sourced_env

pytestmark = pytest.mark.full

# Requires-Dist of the MindSpore wheels (their METADATA on PyPI; 2.3.0rc1 is not on PyPI, 2.0.0's list is used)
MS_REQUIRES = {
    "2.3.0rc1": ["numpy (>=1.17.0)", "protobuf (>=3.13.0)", "asttokens (>=2.0.4)", "pillow (>=6.2.0)",
                 "scipy (>=1.5.4)", "packaging (>=20.0)", "psutil (>=5.6.1)", "astunparse (>=1.6.3)"],
    "2.7.0": ["numpy<2.0.0,>=1.20.0", "protobuf>=3.13.0", "asttokens>=2.0.4", "pillow>=6.2.0", "scipy>=1.5.4",
              "packaging>=20.0", "psutil>=5.6.1", "astunparse>=1.6.3", "safetensors>=0.4.0", "dill>=0.3.7"],
}


def make_venv(python, path):
    subprocess.run([python, "-m", "venv", str(path)], check=True, timeout=300)
    return str(path / "bin" / "python")


def site_packages(py):
    return subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def fake_mindspore(py, version):
    """A MindSpore dist-info (METADATA, INSTALLER, RECORD) as pip writes it; no module files."""
    d = os.path.join(site_packages(py), "mindspore-{}.dist-info".format(version))
    os.makedirs(d)
    meta = ["Metadata-Version: 2.1", "Name: mindspore", "Version: " + version, "Requires-Python: >=3.7"]
    meta += ["Requires-Dist: " + r for r in MS_REQUIRES[version]]
    with open(os.path.join(d, "METADATA"), "w") as fh:
        fh.write("\n".join(meta) + "\n")
    with open(os.path.join(d, "INSTALLER"), "w") as fh:
        fh.write("pip\n")
    with open(os.path.join(d, "RECORD"), "w") as fh:
        fh.write("mindspore-{0}.dist-info/METADATA,,\nmindspore-{0}.dist-info/INSTALLER,,\n"
                 "mindspore-{0}.dist-info/RECORD,,\n".format(version))


def run_check(run_cli, py, root, home, *extra):
    r = run_cli("check", "--python", py, "--root", root, "--json", *extra, env=sourced_env(home), timeout=900)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def pip_commands(plan, exe=None):
    """(argv of `pip install ARGS`) for every pip command of the plan, with the interpreter replaced by ``exe``."""
    out = []
    for step in plan["steps"]:
        for cmd in step["commands"]:
            if " -m pip install " not in cmd:
                continue
            argv = shlex.split(cmd)
            if exe:
                argv[0] = exe
            out.append((step, argv))
    return out


def dry_run(argv):
    exe, args = argv[0], argv[argv.index("install") + 1:]
    r = subprocess.run([exe, "-m", "pip", "install", "--dry-run", "--quiet", "--disable-pip-version-check"] + args,
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, (argv, r.stderr[-3000:])


def clean(doc):
    bad = [(f["id"], f["detail"]) for f in doc["findings"]
           if f["status"] in ("error", "crashed") and f["category"] not in ("npu", "driver")]
    return bad


def test_python38_mindspore_230rc1_cann80_gets_mindone_020_and_ends_clean(run_cli, tmp_path):
    from support import python38

    py = make_venv(python38(), tmp_path / "py38")
    fake_mindspore(py, "2.3.0rc1")
    root = tmp_path / "root"
    home = add_toolkit_plain(root, "8.0.RC1")
    doc = run_check(run_cli, py, root, home)
    plan = doc["plan"]
    assert doc["summary"]["python"].startswith("3.8.") and plan["status"] == "changes"
    assert plan["choice"]["mindspore"] == "2.3.0rc1" and plan["choice"]["mindone"] == "0.2.0"
    assert plan["choice"]["transformers"] == "==4.38.*" and plan["choice"]["numpy"] == "<2"
    cmds = pip_commands(plan)
    assert [a[3:] for _, a in cmds] == [["install", "mindone==0.2.0", "transformers==4.38.*", "numpy<2"]]
    for _, argv in cmds:
        dry_run(argv)
    for _, argv in cmds:  # the user copies them, in order
        r = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        assert r.returncode == 0, r.stderr[-3000:]
    after = run_check(run_cli, py, root, home)
    assert clean(after) == [], after["findings"]
    assert after["plan"]["status"] == "ok" and after["plan"]["steps"] == []


def test_mindspore_27_on_python311_gets_mindone_050_and_ends_clean(run_cli, tmp_path):
    from support import framework_python

    py = make_venv(framework_python(), tmp_path / "py311")
    fake_mindspore(py, "2.7.0")
    root = tmp_path / "root"
    home = add_toolkit_plain(root, "8.2.RC1")
    doc = run_check(run_cli, py, root, home)
    plan = doc["plan"]
    assert plan["choice"]["mindspore"] == "2.7.0" and plan["choice"]["mindone"] == "0.5.0"
    cmds = pip_commands(plan)
    assert [a[3:] for _, a in cmds] == [["install", "mindone==0.5.0", "transformers==4.57.1", "numpy<2"]]
    for _, argv in cmds:
        dry_run(argv)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        assert r.returncode == 0, r.stderr[-3000:]
    after = run_check(run_cli, py, root, home)
    assert clean(after) == [], after["findings"]
    assert after["plan"]["status"] == "ok"


def test_python38_asking_for_mindone_05_gets_the_plan_for_a_new_environment(run_cli, tmp_path):
    from support import python38

    py = make_venv(python38(), tmp_path / "py38")
    fake_mindspore(py, "2.3.0rc1")
    root = tmp_path / "root"
    home = add_toolkit_plain(root, "8.0.RC1")
    doc = run_check(run_cli, py, root, home, "--want", "mindone>=0.5")
    verdict = {f["id"]: f for f in doc["findings"]}["python.verdict"]
    assert "mindone 0.5.0 requires Python >=3.9" in verdict["detail"]
    plan = doc["plan"]
    assert plan["status"] == "relaxed" and "python" in plan["relaxed"]
    venv_step = plan["steps"][0]
    assert venv_step["commands"][0] == "python3.11 -m venv ~/sdxl-env"
    # the user makes that environment (here: under tmp), then runs the plan's pip commands in it
    new = tmp_path / "sdxl-env"
    subprocess.run(shlex.split(venv_step["commands"][0].replace("~/sdxl-env", str(new))), check=True, timeout=300)
    cmds = pip_commands(plan, exe=str(new / "bin" / "python"))
    assert [a[4] for _, a in cmds] == ["mindspore==2.7.1", "mindone==0.5.0"]
    for step, argv in cmds:
        assert step["verifiable"], step  # from PyPI: pip can resolve it here
        dry_run(argv)
    # ... runs them in order (MindSpore 2.7.1 from PyPI is the real ~780 MB wheel), installs CANN 8.3.RC1 (here: a
    # replayed install), and check reports the new environment clean
    for _, argv in cmds:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        assert r.returncode == 0, r.stderr[-3000:]
    root83 = tmp_path / "root83"
    home83 = add_toolkit_plain(root83, "8.3.RC1")
    after = run_check(run_cli, str(new / "bin" / "python"), root83, home83, "--want", "mindone>=0.5")
    assert clean(after) == [], after["findings"]
    assert after["plan"]["status"] == "ok" and after["plan"]["choice"]["mindone"] == "0.5.0"


def test_cann85_python312_pip_commands_resolve(run_cli, tmp_path):
    """A plan with MindSpore from PyPI on the newest layout: 3.12 + CANN 8.5 -> MindSpore 2.7.2 + mindone 0.4.0."""
    from support import framework_python

    base = [p for p in ("/root/.pyenv/versions/3.12.1/bin/python3.12",) if os.path.exists(p)]
    if not base:
        pytest.fail("no Python 3.12 here")
    py = make_venv(base[0], tmp_path / "py312")
    root = tmp_path / "root"
    home = add_cann85(root, version="8.5.0")
    doc = run_check(run_cli, py, root, home)
    plan = doc["plan"]
    assert plan["choice"]["cann"] == "8.5.0" and plan["choice"]["mindspore"] in ("2.7.2", "2.8.0")
    for _, argv in pip_commands(plan):
        dry_run(argv)
    assert framework_python()  # the 3.11 of the suite exists too (used above)


@pytest.mark.parametrize("stack,cann", [("torch-npu", "9.1.0"), ("mindie", "9.1.0"), ("torch-npu", "8.5.0")])
def test_torch_stack_plans_resolve_with_pip(run_cli, tmp_path, stack, cann):
    """torch_npu / mindiesd / diffusers steps resolve from PyPI for this Python and architecture (the torch step
    itself points at PyTorch's CPU index on x86_64, which cannot be reached here: pip resolves torch from PyPI as
    torch_npu's dependency instead)."""
    from support import framework_python

    py = make_venv(framework_python(), tmp_path / "venv")
    root = tmp_path / "root"
    home = add_cann85(root, version=cann)
    doc = run_check(run_cli, py, root, home, "--stack", stack)
    plan = doc["plan"]
    assert plan["status"] == "changes", plan
    if stack == "mindie":
        assert plan["choice"]["mindiesd"] == "3.1.0" and compat_minor(plan["choice"]["torch"]) in (
            "2.7", "2.9", "2.10", "2.11", "2.12", "2.13")
    resolved = 0
    for step, argv in pip_commands(plan):
        if not step["verifiable"]:
            # torch from PyTorch's CPU index, or a torch_npu whose x86_64 wheel pins that torch+cpu build
            assert (step["packages"] == ["torch"] and "--index-url" in argv) or (
                step["packages"] == ["torch-npu"] and "+cpu" in step["title"]), step
            continue
        dry_run(argv)
        resolved += 1
    assert resolved >= 1


def compat_minor(v):
    from ascendfix.check import compat

    return compat.minor(v)
