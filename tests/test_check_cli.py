"""`ascendfix check` as users run it: exit codes, --json purity, plain output, replay, bad input, --script."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from test_check_helpers import DATA, add_devices, add_driver, add_pci, add_toolkit

ANSI = re.compile(r"\x1b\[")


def test_default_run_on_this_machine_says_no_npu_and_does_not_crash(run_cli):
    r = run_cli("check")
    out = r.stdout.decode()
    assert r.returncode == 1, r.stderr
    assert "[✗] NPU devices (no NPU found" in out
    assert "ascendfix found issues in" in out
    assert "internal error" not in r.stderr.decode() and "Traceback" not in r.stderr.decode()
    assert not ANSI.search(out)  # NO_COLOR / not a TTY: plain


@pytest.mark.full
def test_default_run_imports_no_framework_even_where_they_are_importable(tmp_path):
    """Run the doctor in-process under the MindSpore 2.7 + mindone venv's interpreter (ascendfix's own deps
    come from the dev venv): after a full default run, no framework module may be loaded."""
    import sysconfig

    from support import ms27_python

    py = ms27_python()
    repo = str(Path(__file__).resolve().parent.parent)
    code = ("import sys; sys.path[:0] = [{!r}]; sys.path.append({!r}); import importlib.util as u; "
            "assert u.find_spec('mindspore') and u.find_spec('mindone'); "
            "from ascendfix.cli import main; rc = main(['check', '--json']); "
            "bad = [m for m in ('mindspore', 'mindone', 'torch', 'transformers', 'diffusers', 'numpy') if m in sys.modules]; "
            "sys.stderr.write('RC %s BAD %s\\n' % (rc, bad))").format(repo, sysconfig.get_paths()["purelib"])
    r = subprocess.run([py, "-c", code], capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    m = re.search(r"RC (\d+) BAD (\[.*\])", r.stderr)
    assert m, r.stderr[-2000:]
    doc = json.loads(r.stdout)
    assert doc["summary"]["stack"] == "mindone" and "mindone.mindspore" in {f["id"] for f in doc["findings"]}
    assert m.group(2) == "[]"


def test_json_is_the_only_thing_on_stdout(run_cli):
    r = run_cli("check", "--json")
    doc = json.loads(r.stdout)
    assert set(doc) == {"findings", "summary", "node"}
    assert doc["summary"]["counts"]["error"] >= 1 and doc["summary"]["ok"] is False
    ids = [f["id"] for f in doc["findings"]]
    assert "npu.devices" in ids and "cann.locate" in ids
    for f in doc["findings"]:
        assert set(f) >= {"id", "category", "status", "title", "detail", "evidence", "expected", "fix"}


def test_replay_a_healthy_root_with_recorded_npu_smi(run_cli, tmp_path):
    root = tmp_path / "root"
    add_devices(root, 8)
    add_pci(root, 8)
    add_driver(root)
    home = add_toolkit(root, "cann/vllm-ascend-955_x86_64_ascend_toolkit_install.info", "8.1.RC1", arch="x86_64")
    env = {"ASCEND_HOME_PATH": home, "ASCEND_OPP_PATH": home + "/opp",
           "LD_LIBRARY_PATH": home + "/lib64:/usr/local/Ascend/driver/lib64/driver/"}
    r = run_cli("check", "--root", root, "--command-output",
                "npu-smi info={}".format(DATA / "npu-smi/vllm-ascend-955_910b2c_idle.txt"),
                "--only", "npu", "cann", "driver", "-v", env=env)
    out = r.stdout.decode()
    assert "[✓] NPU devices" in out and "10 chip(s) healthy" in out
    assert "CANN 8.1.RC1 at /usr/local/Ascend/ascend-toolkit/latest" in out
    assert "npu-smi info: npu-smi 24.1.rc1" in out  # -v shows evidence
    # the recorded driver (24.1.rc3) is older than the line documented for CANN 8.1.RC1
    assert "[✗] Version pairing (CANN 8.1.RC1 needs driver 25.0.rc1 or newer, found 24.1.rc3)" in out
    assert r.returncode == 1


def test_strict_makes_warnings_fail(run_cli, tmp_path):
    root = tmp_path / "root"
    add_devices(root, 1, helpers=False)  # -> a warning only
    r = run_cli("check", "--root", root, "--only", "npu.devices")
    assert r.returncode == 0 and "[!] NPU devices" in r.stdout.decode()
    r = run_cli("check", "--root", root, "--only", "npu.devices", "--strict")
    assert r.returncode == 1


def test_list_checks(run_cli):
    r = run_cli("check", "--list-checks")
    out = r.stdout.decode()
    assert r.returncode == 0
    for cid in ("npu.devices", "npu.smi", "cann.locate", "python.verdict", "weights.files", "script.lint",
                "deep.mindspore_run_check", "torch_npu.compat", "mindie.components"):
        assert cid in out
    doc = json.loads(run_cli("check", "--list-checks", "--json").stdout)
    assert len({c["id"] for c in doc["checks"]}) == len(doc["checks"]) >= 25


@pytest.mark.parametrize("args,needle", [
    (["--weights", "/no/such/dir"], "--weights /no/such/dir: no such directory"),
    (["--script", "/no/such.py"], "--script /no/such.py: no such file"),
    (["--python", "/no/such/python"], "--python /no/such/python: no such interpreter"),
    (["--only", "nonsense"], "--only nonsense: no such check"),
    (["--stack", "tensorflow"], "invalid choice"),
    (["--command-output", "npu-smi info"], "expected 'COMMAND=FILE'"),
])
def test_bad_input_is_one_line_exit_2(run_cli, args, needle):
    r = run_cli("check", *args)
    err = r.stderr.decode()
    assert r.returncode == 2, (r.stdout, err)
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_input_with_json_prints_an_error_document(run_cli):
    r = run_cli("check", "--json", "--weights", "/no/such/dir")
    assert r.returncode == 2
    assert json.loads(r.stdout)["error"]["exit_code"] == 2


def test_script_that_is_not_python(run_cli, tmp_path):
    p = tmp_path / "run.py"
    p.write_text("def broken(:\n")
    r = run_cli("check", "--script", p, "--only", "script")
    assert r.returncode == 2 and "not valid Python" in r.stderr.decode()


def test_script_lint_on_seed_001(run_cli):
    r = run_cli("check", "--stack", "torch-npu", "--script", DATA / "seed001_run.py", "--only", "script", "--json")
    doc = json.loads(r.stdout)
    hits = [(f["id"], f["evidence"][0]["source"].rsplit(":", 2)[-2]) for f in doc["findings"]]
    # the two API mistakes in seed 001's code, at their real lines (file line = seed line - 21)
    assert hits == [("script.npu-set-benchmark-mode", "39"), ("script.torch-compile-backend-ascend", "108")]
    assert r.returncode == 1


def test_secrets_never_printed(run_cli, tmp_path):
    r = run_cli("check", "--json", "-v", env={"HF_TOKEN": "hf_SECRETSECRET", "MODELSCOPE_API_TOKEN": "ms-SECRET"})
    assert b"SECRET" not in r.stdout and b"SECRET" not in r.stderr


def test_check_writes_nothing(run_cli, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    run_cli("check", "-v")
    run_cli("check", "--json")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.full
@pytest.mark.py38
def test_python38_target_gets_the_honest_verdict(run_cli):
    from support import python38

    r = run_cli("check", "--python", python38(), "--only", "python", "--json")
    doc = json.loads(r.stdout)
    f = {x["id"]: x for x in doc["findings"]}
    assert doc["summary"]["python"].startswith("3.8.")
    assert f["python.verdict"]["status"] == "warn"  # nothing installed there yet: planning advice
    assert "cannot work" in f["python.verdict"]["detail"]
    assert any("mindone==0.3.0" in x for x in f["python.verdict"]["fix"])


def test_deep_checks_named_without_deep_are_reported_as_skipped(run_cli):
    r = run_cli("check", "--only", "deep", "--json")
    doc = json.loads(r.stdout)
    assert doc["findings"] and all(f["status"] == "skip" for f in doc["findings"])
    assert any("needs --deep" in f["detail"] for f in doc["findings"])
    assert doc["summary"]["tool_version"] and r.returncode == 0
