"""`ascendfix check` as users run it: exit codes, --json purity, plain output, replay, bad input, --script.

Most tests call the CLI in-process (``check_cli``, over the suite's ``run_cli``); the first two run it as a
subprocess, as a user does, to prove the process boundary (exit code, nothing but JSON on stdout, whatever a
probe's child writes to the inherited descriptor): marked ``process``, they run with ``pytest --full`` and in CI's
Python 3.8 run.
"""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_check_helpers import DATA, add_devices, add_driver, add_pci, add_toolkit

ANSI = re.compile(r"\x1b\[")
# `python3` on PATH is looked at when --python is not given: keep it to this venv's (fast, and not a pyenv shim)
FAST_PATH = os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin"


@pytest.fixture
def check_cli(run_cli):
    """``check_cli(*args, env={...})``: ``ascendfix check ARGS`` in-process (the suite's run_cli), with no active
    venv/conda env and a PATH whose python3 is this venv's, so the environment lookup is quick and the same
    on every machine."""

    def _run(*args, env=None):
        full = {"PATH": FAST_PATH, "VIRTUAL_ENV": "", "CONDA_PREFIX": ""}
        full.update(env or {})
        return run_cli("check", *args, env=full)

    return _run


@pytest.mark.process
def test_default_run_on_this_machine_says_no_npu_and_does_not_crash(run_cli_process):
    r = run_cli_process("check", env={"PATH": FAST_PATH})
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


@pytest.mark.process
def test_json_is_the_only_thing_on_stdout(run_cli_process):
    r = run_cli_process("check", "--json", env={"PATH": FAST_PATH})
    doc = json.loads(r.stdout)
    assert set(doc) == {"findings", "summary", "plan", "node"}
    assert doc["summary"]["counts"]["error"] >= 1 and doc["summary"]["ok"] is False
    ids = [f["id"] for f in doc["findings"]]
    assert "npu.devices" in ids and "cann.locate" in ids
    for f in doc["findings"]:
        assert set(f) >= {"id", "category", "status", "title", "detail", "evidence", "expected", "fix"}


def test_replay_a_healthy_root_with_recorded_npu_smi(check_cli, tmp_path):
    root = tmp_path / "root"
    add_devices(root, 8)
    add_pci(root, 8)
    add_driver(root)
    home = add_toolkit(root, "cann/vllm-ascend-955_x86_64_ascend_toolkit_install.info", "8.1.RC1", arch="x86_64")
    env = {"ASCEND_HOME_PATH": home, "ASCEND_OPP_PATH": home + "/opp",
           "LD_LIBRARY_PATH": home + "/lib64:/usr/local/Ascend/driver/lib64/driver/"}
    r = check_cli("--root", root, "--command-output",
                "npu-smi info={}".format(DATA / "npu-smi/vllm-ascend-955_910b2c_idle.txt"),
                "--only", "npu", "cann", "driver", "-v", env=env)
    out = r.stdout.decode()
    assert "[✓] NPU devices" in out and "10 chip(s) healthy" in out
    assert "CANN 8.1.RC1 at /usr/local/Ascend/ascend-toolkit/latest" in out
    assert "npu-smi info: npu-smi 24.1.rc1" in out  # -v shows evidence
    # the recorded driver (24.1.rc3) is older than the line documented for CANN 8.1.RC1
    assert "[✗] Version pairing (1 error)" in out  # -v: a summary line, then every finding
    assert "✗ CANN 8.1.RC1 needs driver 25.0.rc1 or newer, found 24.1.rc3" in out
    assert r.returncode == 1


def test_strict_makes_warnings_fail(check_cli, tmp_path):
    root = tmp_path / "root"
    add_devices(root, 1, helpers=False)  # -> a warning only
    r = check_cli("--root", root, "--only", "npu.devices")
    assert r.returncode == 0 and "[!] NPU devices" in r.stdout.decode()
    r = check_cli("--root", root, "--only", "npu.devices", "--strict")
    assert r.returncode == 1


def test_list_checks(check_cli):
    r = check_cli("--list-checks")
    out = r.stdout.decode()
    assert r.returncode == 0
    for cid in ("npu.devices", "npu.smi", "cann.locate", "python.verdict", "weights.files", "script.lint",
                "deep.mindspore_run_check", "torch_npu.compat", "mindie.components"):
        assert cid in out
    doc = json.loads(check_cli("--list-checks", "--json").stdout)
    assert len({c["id"] for c in doc["checks"]}) == len(doc["checks"]) >= 25


@pytest.mark.parametrize("args,needle", [
    (["--weights", "/no/such/dir"], "--weights /no/such/dir: no such directory"),
    (["--script", "/no/such.py"], "--script /no/such.py: no such file"),
    (["--python", "/no/such/python"], "--python /no/such/python: no such interpreter"),
    (["--only", "nonsense"], "--only nonsense: no such check"),
    (["--stack", "tensorflow"], "invalid choice"),
    (["--command-output", "npu-smi info"], "expected 'COMMAND=FILE'"),
    (["--want", "mindone>>0.5", "--stack", "mindone"], "--want 'mindone>>0.5': not a requirement"),
    (["--want", "torch>=2", "--stack", "mindone"], "--want torch>=2: the mindone stack plans"),
])
def test_bad_input_is_one_line_exit_2(check_cli, args, needle):
    r = check_cli(*args)
    err = r.stderr.decode()
    assert r.returncode == 2, (r.stdout, err)
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_input_with_json_prints_an_error_document(check_cli):
    r = check_cli("--json", "--weights", "/no/such/dir")
    assert r.returncode == 2
    assert json.loads(r.stdout)["error"]["exit_code"] == 2


def test_script_that_is_not_python(check_cli, tmp_path):
    p = tmp_path / "run.py"
    p.write_text("def broken(:\n")
    r = check_cli("--script", p, "--only", "script")
    assert r.returncode == 2 and "not valid Python" in r.stderr.decode()


def test_script_lint_on_seed_001(check_cli):
    r = check_cli("--stack", "torch-npu", "--script", DATA / "seed001_run.py", "--only", "script", "--json")
    doc = json.loads(r.stdout)
    hits = [(f["id"], f["evidence"][0]["source"].rsplit(":", 2)[-2]) for f in doc["findings"]]
    # the two API mistakes in seed 001's code, at their real lines (file line = seed line - 21)
    assert hits == [("script.npu-set-benchmark-mode", "39"), ("script.torch-compile-backend-ascend", "108")]
    assert r.returncode == 1


def test_secrets_never_printed(check_cli, tmp_path):
    r = check_cli("--json", "-v", env={"HF_TOKEN": "hf_SECRETSECRET", "MODELSCOPE_API_TOKEN": "ms-SECRET"})
    assert b"SECRET" not in r.stdout and b"SECRET" not in r.stderr


def test_check_writes_nothing(check_cli, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    check_cli("-v")
    check_cli("--json")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.full
@pytest.mark.py38
def test_python38_target_gets_the_honest_verdict(run_cli):
    from support import python38

    r = run_cli("check", "--python", python38(), "--only", "python", "--json")
    doc = json.loads(r.stdout)
    f = {x["id"]: x for x in doc["findings"]}
    assert doc["summary"]["python"].startswith("3.8.")
    # nothing installed there yet: the newest mindone the tables allow on 3.8, and the plan to get it
    assert f["python.verdict"]["status"] == "ok"
    assert "the newest mindone that fits the tables is 0.2.0" in f["python.verdict"]["detail"]
    assert doc["plan"]["choice"]["mindone"] == "0.2.0"
    assert not any("0.3.0" in c for s in doc["plan"]["steps"] for c in s["commands"])
    r = run_cli("check", "--python", python38(), "--only", "python", "--json", "--want", "mindone>=0.5")
    v = {x["id"]: x for x in json.loads(r.stdout)["findings"]}["python.verdict"]
    assert v["status"] == "warn" and "mindone 0.5.0 requires Python >=3.9" in v["detail"]


def test_deep_checks_named_without_deep_are_reported_as_skipped(check_cli):
    r = check_cli("--only", "deep", "--json")
    doc = json.loads(r.stdout)
    assert doc["findings"] and all(f["status"] == "skip" for f in doc["findings"])
    assert any("needs --deep" in f["detail"] for f in doc["findings"])
    assert doc["summary"]["tool_version"] and r.returncode == 0


# --- clean output ------------------------------------------------------------------------------------
JARGON = re.compile(r"\bNone\b|[Ss]eed \d|[Ii]ssue \d|/work/|\.cache/ascendfix|see `?-v|[Rr]un with -v")


def _render(report, verbose, width=160, soft=True):
    from rich.console import Console

    from ascendfix.check import engine
    from ascendfix.check.cli import _render

    buf = io.StringIO()
    _render(Console(file=buf, width=width, no_color=True, highlight=False, emoji=False, soft_wrap=soft), report,
            verbose, engine)
    return buf.getvalue()


def _scenarios(tmp_path):
    from ascendfix.check import check
    from test_check_helpers import MINDONE_050_REQUIRES, add_cann85, fake_env, sample, sourced_env

    add_devices(tmp_path, 8)
    add_pci(tmp_path, 8)
    add_driver(tmp_path, firmware="7.5.0.1.129")
    home = add_cann85(tmp_path)
    cmds = {"npu-smi info": sample("npu-smi/vllm-ascend-5606_910b4-1_busy.txt")}
    envs = {
        "seed": fake_env("3.8.18", {"mindspore": "2.3.0rc1", "mindone": ("0.5.0", MINDONE_050_REQUIRES, ">=3.9"),
                                    "transformers": "4.39.3", "numpy": "1.24.4"}),
        "torch": fake_env("3.10.14", {"torch": "2.6.0", "torch_npu": ("2.5.1", ["torch==2.5.1"]), "numpy": "2.1.0"}),
        "mindie": fake_env("3.11.7", {"torch": "2.14.0", "torch_npu": ("2.14.0", ["torch==2.14.0.*"]),
                                      "mindiesd": ("3.1.0", ["torch", "torch-npu"], ">=3.10")}),
        "empty": fake_env("3.12.3", {}),
    }
    out = {}
    for name, env in envs.items():
        out[name] = check(root=str(tmp_path), env=sourced_env(home), commands=cmds, environment=env,
                          wants=["mindone>=0.5"] if name == "empty" else ())
    return out


def test_human_output_has_no_none_no_repeated_line_no_jargon(tmp_path):
    for name, report in _scenarios(tmp_path).items():
        for verbose in (False, True):
            text = _render(report, verbose)
            assert not JARGON.search(text.replace("Run with -v for details", "")), (name, verbose, text)
            # category lines, findings, fixes and plan lines (a finding's own evidence lines may repeat a value)
            lines = [ln.strip() for ln in text.splitlines() if ln.strip() and
                     (not ln.startswith(" " * 8) or ln.strip().startswith("→"))]
            dups = sorted({ln for ln in lines if lines.count(ln) > 1})
            assert not dups, (name, verbose, dups)
            assert ("Run with -v" in text) is (not verbose)


def test_json_has_no_none_in_human_fields(tmp_path):
    for name, report in _scenarios(tmp_path).items():
        doc = json.loads(json.dumps(report.to_dict()))
        for f in doc["findings"]:
            for field in ("detail", "title"):
                assert "None" not in f[field], (name, f)
            for e in f["evidence"]:
                assert e["value"] is not None and "None" not in str(e["value"]), (name, f["id"], e)
            assert all("None" not in x for x in f["fix"]), (name, f)


def test_list_checks_ids_are_never_cut_in_a_narrow_terminal(monkeypatch):
    from rich.console import Console

    from ascendfix.check import engine, load_checks
    from ascendfix.check import cli as check_cli_mod

    load_checks()
    buf = io.StringIO()
    narrow = Console(file=buf, width=40, no_color=True, highlight=False, emoji=False, soft_wrap=False,
                     force_terminal=True)
    monkeypatch.setattr("ascendfix.output.make_console", lambda stderr=False: narrow)

    class Args:
        json = False

    check_cli_mod._list(Args(), engine)
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", ln).rstrip() for ln in buf.getvalue().splitlines()]
    for c in engine.REGISTRY:
        assert c.id in lines, c.id  # on a line of its own, whole
    assert not JARGON.search(buf.getvalue())


def test_list_checks_under_columns_40(check_cli):
    r = check_cli("--list-checks", env={"COLUMNS": "40"})
    lines = r.stdout.decode().splitlines()
    from ascendfix.check import engine

    assert all(c.id in lines for c in engine.REGISTRY)


def test_no_fix_line_installs_a_table_package_outside_the_plan(tmp_path):
    """Versions of the packages the tables pair come only from plan steps: no finding carries its own pip command
    for them (so no fix can contradict the plan or a table)."""
    import shlex

    paired = {"mindspore", "mindone", "transformers", "numpy", "torch", "torch-npu", "torch_npu", "mindiesd"}
    for name, report in _scenarios(tmp_path).items():
        for f in report.findings:
            for fx in f["fix"]:
                if " -m pip install " not in fx or fx.startswith("plan step"):
                    continue
                args = shlex.split(fx.split(" -m pip install ", 1)[1])
                names = {re.split(r"[<>=!~\[ ]", a, 1)[0].lower() for a in args if not a.startswith("-")}
                assert not (names & paired), (name, f["id"], fx)


def test_every_kind_of_plan_validates_against_the_schema(tmp_path):
    pytest.importorskip("jsonschema")
    from ascendfix.check import check
    from support import schema_validator
    from test_check_helpers import fake_env

    validator = schema_validator("check")
    reports = dict(_scenarios(tmp_path))
    reports["unsolvable"] = check(root=str(tmp_path), env={"HOME": "/root"}, environment=fake_env("3.8.18", {}),
                                  wants=["mindone>=0.9"])
    no_driver = tmp_path / "no-driver"
    from test_check_helpers import add_cann85

    add_cann85(no_driver)
    reports["changes"] = check(root=str(no_driver), env={"HOME": "/root"},
                               environment=fake_env("3.11.7", {"mindspore": "2.7.2", "numpy": "1.26.4"}))
    statuses = set()
    for name, report in reports.items():
        doc = json.loads(json.dumps(report.to_dict()))
        validator.validate(doc)
        statuses.add(doc["plan"]["status"])
    assert statuses >= {"changes", "relaxed", "unsolvable"}, statuses


def test_all_clear_line_counts_one_check_in_the_singular(check_cli, tmp_path):
    (tmp_path / "root/proc").mkdir(parents=True)
    (tmp_path / "root/proc/meminfo").write_text("MemTotal: 263786544 kB\nMemAvailable: 250000000 kB\n")
    r = check_cli("--root", str(tmp_path / "root"), "--only", "sys.memory")
    out = r.stdout.decode()
    assert r.returncode == 0, out
    assert "No issues found! (1 check passed)" in out, out


def test_verbose_never_prints_a_line_twice(check_cli, tmp_path):
    """-v lists every finding; two checks skipped for one reason (no CANN, no weights) say what each skipped."""
    (tmp_path / "root").mkdir()
    r = check_cli("--root", str(tmp_path / "root"), "--python", sys.executable, "-v", "--stack", "mindone")
    out = r.stdout.decode()
    assert r.returncode == 1, out
    seen, dups, category = set(), [], None
    for line in out.splitlines():
        if line.startswith("["):
            category, seen = line, set()
        elif category and re.match(r"    [✓!✗\-·] ", line):
            if line in seen:
                dups.append((category, line))
            seen.add(line)
    assert not dups, dups
    assert "operator package not checked: no CANN toolkit found" in out
    assert "set_env.sh not checked: no CANN toolkit found" in out
