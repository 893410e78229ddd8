"""Where the framework processes run: nothing a framework writes into its working directory (MindSpore's
rank_0/om/, kernel_meta/, IR dumps) lands in the user's current folder. smoke runs its generation in the
smoke output folder; check's probes run in a fresh folder that is removed afterwards."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ascendfix import target
from ascendfix.smoke import engine

# a protocol-speaking script: says where it runs, what it was configured with, and leaves debris where it runs
WHERE = r"""
import json, os, sys
cfg = json.load(open(sys.argv[1])) if len(sys.argv) > 1 and sys.argv[1].endswith(".json") else {}
os.makedirs(os.path.join("rank_0", "om"), exist_ok=True)
open(os.path.join("rank_0", "om", "analyze_fail.ir"), "w").write("debris")
print(json.dumps({"event": "result", "cwd": os.getcwd(), "cfg": cfg, "path": sys.path,
                  "pythonpath": os.environ.get("PYTHONPATH")}), flush=True)
"""


@pytest.fixture
def where(tmp_path):
    script = tmp_path / "where.py"
    script.write_text(WHERE)
    return script


def test_scratch_folder_is_fresh_and_removed_with_the_debris(tmp_path, where, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = target.get(sys.executable).run_script(str(where), cwd=target.SCRATCH, timeout=60)
    cwd = run.result["cwd"]
    assert run.returncode == 0 and cwd != str(tmp_path)
    assert not os.path.exists(cwd)  # removed, with rank_0/om/analyze_fail.ir in it
    assert sorted(os.listdir(str(tmp_path))) == ["where.py"]


def test_probes_run_in_a_scratch_folder_by_default(monkeypatch):
    seen = {}

    def fake(self, script, args=(), timeout=None, env=None, on_event=None, cwd=None, host=False):
        seen["cwd"] = cwd
        return target.ProbeRun()

    monkeypatch.setattr(target.Target, "run_script", fake)
    target.get(sys.executable).run_probe("environment", ["--"])
    assert seen["cwd"] == target.SCRATCH


def test_relative_pythonpath_keeps_its_meaning_in_another_folder(tmp_path, where, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(["src", "", "/abs/lib"]))
    run = target.get(sys.executable).run_script(str(where), cwd=target.SCRATCH, env=env, timeout=60)
    assert run.result["pythonpath"].split(os.pathsep) == [str(tmp_path / "src"), str(tmp_path), "/abs/lib"]
    assert str(tmp_path / "src") in run.result["path"]


def test_smoke_runner_works_in_the_output_folder_with_absolute_paths(tmp_path, where, monkeypatch):
    here = tmp_path / "here"
    out = tmp_path / "out"
    here.mkdir()
    out.mkdir()
    monkeypatch.chdir(here)
    cfg = {"weights": "models/sdxl", "out_png": "../out/x.png", "cache_dir": "~/cache", "prompt": "a/b"}
    run = engine.run_runner(sys.executable, cfg, timeout=60, script=where, cwd=out)
    got = run.result
    assert got["cwd"] == str(out)
    assert got["cfg"]["weights"] == str(here / "models" / "sdxl")
    assert got["cfg"]["out_png"] == str(out / "x.png")
    assert got["cfg"]["cache_dir"] == os.path.expanduser("~/cache")
    assert got["cfg"]["prompt"] == "a/b"  # only paths are touched
    assert os.listdir(str(here)) == []  # the user's folder stays empty ...
    assert (out / "rank_0" / "om" / "analyze_fail.ir").is_file()  # ... the debris is beside the report


def test_smoke_operation_passes_its_output_folder(tmp_path, monkeypatch, own_python_first):
    """The smoke operation (tiny recipe) hands run_runner its --out folder as the working directory."""
    from ascendfix.smoke import operation

    calls = []

    def fake_runner(python, cfg, timeout, on_event=None, script=None, cwd=None):
        calls.append((cfg.get("download_only"), cwd))
        return target.ProbeRun()

    monkeypatch.setattr(engine, "run_runner", fake_runner)
    monkeypatch.setattr(engine, "probe_python", lambda py, mods=None: {
        "version": "3.11.7", "modules": {m: {"found": True, "version": "1"} for m in ("mindspore", "mindone")}})
    monkeypatch.chdir(tmp_path)
    rep = operation.smoke("sdxl-mindone", tiny=True, device="CPU", out="run", no_preflight=True)
    assert not rep.ok and calls == [(None, tmp_path / "run")]


# ------------------------------------------------------------------ the real frameworks (full tier)


def _empty_cwd(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return cwd


@pytest.mark.full
def test_real_smoke_leaves_the_current_folder_empty(tmp_path):
    """MindSpore 2.7 on CPU with MS_DEV_SAVE_GRAPHS=1 writes hundreds of IR files into its working directory
    (measured: ~950 files, 4 MB for the tiny pipeline); from an empty folder, that folder stays empty."""
    from support import ms27_python

    cwd = _empty_cwd(tmp_path)
    out = tmp_path / "smoke-out"
    env = dict(os.environ, NO_COLOR="1", MS_DEV_SAVE_GRAPHS="1")
    env.pop("ASCENDFIX_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "ascendfix", "smoke", "--tiny", "--device", "CPU", "--python",
                        ms27_python(), "--out", str(out), "--json"], cwd=str(cwd), env=env, capture_output=True,
                       timeout=1200)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert json.loads(r.stdout)["status"] == "pass"
    assert os.listdir(str(cwd)) == []
    assert len([p for p in out.iterdir() if p.suffix == ".ir"]) > 10  # the dumps went beside the report


@pytest.mark.full
def test_real_deep_check_writes_nothing_here_or_in_the_root(tmp_path):
    """check --deep runs MindSpore's run_check and the fp16 masked_fill probe: nothing in the current folder,
    nothing new in / (where the probes used to run: writable when ascendfix runs as root)."""
    from support import ms27_python

    cwd = _empty_cwd(tmp_path)
    root_before = set(os.listdir("/"))
    env = dict(os.environ, NO_COLOR="1", MS_DEV_SAVE_GRAPHS="1")
    env.pop("ASCENDFIX_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "ascendfix", "check", "--python", ms27_python(), "--deep", "--only",
                        "deep", "--json"], cwd=str(cwd), env=env, capture_output=True, timeout=1200)
    assert r.returncode in (0, 1), r.stderr.decode()[-2000:]
    ids = {f["id"]: f["status"] for f in json.loads(r.stdout)["findings"]}
    assert ids.get("deep.mindspore_run_check") == "ok", ids
    assert os.listdir(str(cwd)) == []
    assert set(os.listdir("/")) - root_before == set()
