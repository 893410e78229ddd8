"""check on the two pip traps of round 17's captures (tests/data/kb17b): "CANN" installed from PyPI (placeholder
names, a metadata-only ascend-cann-nnrt 8.0.0) and a torch next to a torch_npu that pins another torch.

Fast tests replay the environment probe of the real venvs (tests/data/check/envprobe, README there); the full tier
builds the same venvs (--no-deps) and runs the probe in them, and proves the fix command with `pip install --dry-run`.
"""

import json
import subprocess
from pathlib import Path

import pytest

from ascendfix.check import compat, run_checks
from test_check_helpers import add_cann85, fake_env, sourced_env

ENVPROBE = Path(__file__).parent / "data" / "check" / "envprobe"
NO_HOME = {"HOME": "/nonexistent"}


def recorded(name):
    return json.loads((ENVPROBE / (name + ".json")).read_text())


def by_id(findings):
    return {f["id"]: f for f in findings}


# --- placeholder distributions (rules/compat/packages.yaml, kind placeholder) ----------------------------------
@pytest.mark.parametrize("stack", ["torch-npu", "mindie", "mindone"])
def test_metadata_only_ascend_cann_nnrt_is_flagged_as_not_cann(stack):
    fs = by_id(run_checks(only=["pkgs.consistency"], stack=stack, env=NO_HOME,
                          environment=recorded("ascend-cann-nnrt-8.0.0")))
    f = fs["pkgs.placeholder.ascend-cann-nnrt"]
    assert f["status"] == "error" and f["category"] == "packages", f
    assert f["detail"].startswith("ascend-cann-nnrt 8.0.0 is installed but is not CANN: ") and "import acl" in f["detail"]
    assert "\n" not in f["detail"]
    assert f["fix"][0] == "/venv/bin/python -m pip uninstall -y ascend-cann-nnrt"
    assert any("CANN" in line for line in f["fix"][1:]), f["fix"]  # the plan's CANN step
    assert f["links"] == ["https://pypi.org/project/ascend-cann-nnrt/8.0.0/"]
    assert not [x for x in fs if x.startswith("pkgs.consistency")]  # no "none broken" line next to it


@pytest.mark.parametrize("name,version", [("cann", "0.0.1.dev1"), ("ascend-cann-toolkit", "0.0.1.dev1"),
                                          ("ascend_cann_nnrt", "8.0.0")])
def test_every_placeholder_row_is_flagged_under_any_spelling(name, version):
    fs = run_checks(only=["pkgs.consistency"], stack="torch-npu", env=NO_HOME, environment=fake_env(dists={name: version}))
    assert [f["status"] for f in fs if f["id"].startswith("pkgs.placeholder.")] == ["error"], fs


def test_the_real_pip_cann_release_names_are_not_placeholders():
    # Ascend's own index ships ascend-cann-toolkit / -nnrt under CANN versions (rules/compat/cann.yaml, cann-pip)
    env = fake_env(dists={"ascend-cann-toolkit": "8.5.0", "ascend-cann-nnrt": "8.5.0"})
    fs = run_checks(only=["pkgs.consistency"], stack="torch-npu", env=NO_HOME, environment=env)
    assert [f["status"] for f in fs] == ["ok"] and "none broken, duplicated or a placeholder" in fs[0]["detail"], fs


def test_with_a_real_cann_found_the_placeholder_is_a_warning(tmp_path):
    home = add_cann85(tmp_path, "8.5.0")
    fs = by_id(run_checks(only=["pkgs.consistency"], stack="torch-npu", root=str(tmp_path), env=sourced_env(home),
                          environment=recorded("ascend-cann-nnrt-8.0.0")))
    f = fs["pkgs.placeholder.ascend-cann-nnrt"]
    assert f["status"] == "warn" and "the CANN found on this machine is used instead" in f["detail"], f


def test_placeholder_rows_are_data():
    rows = [r for r in compat.table("packages.yaml") if r["kind"] == "placeholder"]
    assert {r["package"] for r in rows} >= {"cann", "ascend-cann-toolkit", "ascend-cann-nnrt"}
    assert all(r["why"] and r["source"] for r in rows)


def test_one_line_without_v_details_with_v_and_the_document_validates():
    from ascendfix.check import check
    from support import schema_errors
    from test_check_cli import _render

    report = check(only=["pkgs"], stack="torch-npu", env=NO_HOME, environment=recorded("ascend-cann-nnrt-8.0.0"))
    text = _render(report, False)
    line = [ln for ln in text.splitlines() if "Python packages" in ln]
    assert len(line) == 1 and "ascend-cann-nnrt 8.0.0 is installed but is not CANN" in line[0], text
    assert "Traceback" not in text
    verbose = _render(report, True)
    assert "pip uninstall -y ascend-cann-nnrt" in verbose and "https://pypi.org/project/ascend-cann-nnrt/8.0.0/" in verbose
    assert schema_errors("check", report.to_dict()) == []


# --- torch_npu's own torch pin ------------------------------------------------------------------------------------
@pytest.mark.parametrize("probe,pin,torch_v", [
    ("torch-npu-2.14.0_torch-2.13.0+cpu", "torch==2.14.0.*", "2.13.0+cpu"),
    ("torch-npu-2.9.0_torch-2.13.0+cpu", "torch==2.9.0+cpu", "2.13.0+cpu"),
])
def test_torch_next_to_a_torch_npu_pinning_another_is_an_error(probe, pin, torch_v):
    fs = by_id(run_checks(only=["pkgs.pins", "torch_npu.compat"], stack="torch-npu", env=NO_HOME,
                          environment=recorded(probe)))
    pins = fs["pkgs.pins.torch"]
    assert pins["status"] == "error" and pins["expected"] == pin and torch_v in pins["detail"], pins
    assert fs["torch_npu.compat"]["status"] == "error", fs["torch_npu.compat"]
    assert any("torch" in line for line in pins["fix"]), pins["fix"]


def test_a_torch_npu_the_table_does_not_know_is_judged_by_its_requires_dist(monkeypatch):
    # a release newer than rules/compat/torch_npu.yaml: the table answers "not in the shipped table"
    monkeypatch.setattr(compat, "eval_torch_npu", lambda cann, torch, tn: (
        "warn", None, "torch_npu {} is not in the shipped table".format(tn)))
    f = by_id(run_checks(only=["torch_npu.compat"], stack="torch-npu", env=NO_HOME,
                         environment=recorded("torch-npu-2.14.0_torch-2.13.0+cpu")))["torch_npu.compat"]
    assert f["status"] == "error", f
    assert f["detail"] == "torch_npu 2.14.0 requires torch==2.14.0.* (its Requires-Dist), found torch 2.13.0+cpu"
    assert f["fix"] and "torch" in f["fix"][0]
    env = recorded("torch-npu-2.14.0_torch-2.13.0+cpu")
    env["distributions"]["torch"]["version"] = "2.14.0+cpu"
    f = by_id(run_checks(only=["torch_npu.compat"], stack="torch-npu", env=NO_HOME, environment=env))["torch_npu.compat"]
    assert f["status"] == "warn" and "Requires-Dist torch==2.14.0.* is met by torch 2.14.0+cpu" in f["detail"], f


# --- full tier: the same venvs, built here ------------------------------------------------------------------------
@pytest.mark.full
def test_real_venv_with_ascend_cann_nnrt_from_pypi(run_cli):
    import support

    exe = support.framework_venv("cann-nnrt-8.0.0", ["--no-deps", "ascend-cann-nnrt==8.0.0"])
    r = subprocess.run([exe, "-c", "import acl"], capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'acl'" in r.stderr  # what the finding says
    r = run_cli("check", "--python", exe, "--stack", "torch-npu", "--json", env=NO_HOME, timeout=600)
    doc = json.loads(r.stdout)
    f = by_id(doc["findings"])["pkgs.placeholder.ascend-cann-nnrt"]
    assert f["status"] == "error" and f["fix"][0] == "{} -m pip uninstall -y ascend-cann-nnrt".format(exe)


@pytest.mark.full
def test_real_venv_torch_npu_214_next_to_torch_213_and_the_fix_resolves(run_cli):
    import support

    exe = support.framework_venv("torch-npu-2.14.0-torch-2.13.0", ["--no-deps", "torch-npu==2.14.0", "torch==2.13.0+cpu"])
    r = run_cli("check", "--python", exe, "--stack", "torch-npu", "--json", env=NO_HOME, timeout=600)
    doc = json.loads(r.stdout)
    fs = by_id(doc["findings"])
    assert fs["pkgs.pins.torch"]["status"] == "error" and fs["pkgs.pins.torch"]["expected"] == "torch==2.14.0.*"
    assert fs["torch_npu.compat"]["status"] == "error"
    pin = fs["pkgs.pins.torch"]["expected"]
    _dry_run(exe, [pin])  # the pin the finding names is installable from the package index
    cmds = [c for s in doc["plan"]["steps"] for c in s["commands"] if " -m pip install torch==" in c]
    assert cmds, doc["plan"]
    argv = cmds[0].split()
    args = argv[argv.index("install") + 1:]
    if "--index-url" in args and not _resolves(args[args.index("--index-url") + 1]):
        pytest.skip("the plan's command uses {} (PyTorch's CPU index), which this host cannot reach; the pin itself "
                    "resolved".format(args[args.index("--index-url") + 1]))
    _dry_run(exe, args)


def _resolves(url):
    import socket
    from urllib.parse import urlparse

    try:
        socket.getaddrinfo(urlparse(url).hostname, 443)
        return True
    except OSError:
        return False


def _dry_run(exe, args):
    r = subprocess.run([exe, "-m", "pip", "install", "--dry-run", "--quiet", "--disable-pip-version-check",
                        "--no-deps"] + list(args), capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, (args, r.stderr[-3000:])
