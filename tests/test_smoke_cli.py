"""`ascendfix smoke` without a framework: bad input, weights refusal, --out, --list, MindIE absent, timeouts."""

import json
import pickle
import sys
import time
from pathlib import Path

import pytest

from ascendfix.smoke import engine

DATA = Path(__file__).parent / "data" / "smoke"


def _one_line_exit2(r):
    err = r.stderr.decode()
    assert r.returncode == 2, (r.returncode, err, r.stdout.decode())
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--recipe", "nope"], "unknown recipe"),
        (["--device", "gpu"], "--device gpu"),
        (["--recipe", "sdxl-torch-npu", "--device", "Ascend"], "--device Ascend"),
        (["--size", "100x7"], "--size"),
        (["--steps", "0"], "--steps"),
        (["--steps", "many"], "invalid int"),
        (["--timeout", "-5"], "--timeout"),
        (["--python", "/nonexistent/bin/python"], "no such interpreter"),
        (["--recipe", "sdxl-mindie", "--tiny"], "--tiny"),
        (["--tiny", "--weights", "."], "--weights"),
        (["--mode", "eager"], "eager"),
        (["--weights", "/nonexistent/sdxl"], "no such directory"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_exit_2(run_cli, tmp_path, args, needle):
    r = run_cli("smoke", *args, "--out", tmp_path / "out")
    err = _one_line_exit2(r)
    assert needle in err
    assert not (tmp_path / "out" / "report.json").exists()


class _Boom(object):
    """Unpickling this creates a marker file: proof that .bin weights were (not) unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_bin_only_folder_is_refused_without_unpickling(run_cli, tmp_path):
    marker = tmp_path / "UNPICKLED"
    w = tmp_path / "sdxl"
    (w / "unet").mkdir(parents=True)
    (w / "vae").mkdir()
    (w / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionXLPipeline",
                                                    "unet": ["diffusers", "UNet2DConditionModel"],
                                                    "vae": ["diffusers", "AutoencoderKL"]}))
    for comp, name in (("unet", "diffusion_pytorch_model.bin"), ("vae", "diffusion_pytorch_model.bin")):
        (w / comp / "config.json").write_text("{}")
        (w / comp / name).write_bytes(pickle.dumps(_Boom(str(marker))))
    r = run_cli("smoke", "--weights", w, "--out", tmp_path / "out", "--device", "CPU")
    err = _one_line_exit2(r)
    assert "only .bin" in err and "never unpickles" in err
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_folder_without_model_index_is_exit_2(run_cli, tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "sd_xl_base_1.0.safetensors").write_bytes(b"\x00")
    err = _one_line_exit2(run_cli("smoke", "--weights", tmp_path / "w", "--out", tmp_path / "o"))
    assert "model_index.json" in err


def test_out_not_empty_needs_force(run_cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("{}")
    err = _one_line_exit2(run_cli("smoke", "--recipe", "sdxl-mindie", "--out", out))
    assert "--force" in err
    assert (out / "report.json").read_text() == "{}"


def test_unwritable_out_is_exit_2(run_cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    err = _one_line_exit2(run_cli("smoke", "--recipe", "sdxl-mindie", "--out", blocker / "sub"))
    assert "cannot write" in err
    err = _one_line_exit2(run_cli("smoke", "--recipe", "sdxl-mindie", "--out", blocker))
    assert "not a directory" in err


def test_list_shows_recipes_and_what_can_run(run_cli):
    r = run_cli("smoke", "--list")
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    for rid in ("sdxl-mindone", "sdxl-torch-npu", "sd15-torch-npu", "sdxl-mindie"):
        assert rid in out
    assert "MindIE-SD not installed" in out
    assert "\x1b[" not in out
    r = run_cli("smoke", "--list", "--json")
    doc = json.loads(r.stdout.decode())
    rows = {row["id"]: row for row in doc["recipes"]}
    assert rows["sdxl-mindie"]["missing"] and "mindiesd" in rows["sdxl-mindie"]["missing"]
    assert rows["sdxl-mindone"]["default"] is True
    assert not rows["sdxl-mindie"]["runnable"]


def test_mindie_not_installed_is_a_clear_failed_smoke(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("smoke", "--recipe", "sdxl-mindie", "--out", out)
    text = r.stdout.decode()
    assert r.returncode == 1, r.stderr.decode()
    assert "MindIE-SD not installed" in text and "gitcode.com/Ascend/MindIE-SD" in text
    assert "Traceback" not in text + r.stderr.decode()
    rep = json.loads((out / "report.json").read_text())
    assert rep["status"] == "fail" and rep["failure"]["stage"] == "requirements"
    # --json: the same report, only JSON on stdout; --force drops the previous results first
    (out / "sdxl-mindie.png").write_bytes(b"stale")
    (out / "notes.txt").write_text("mine")
    r = run_cli("smoke", "--recipe", "sdxl-mindie", "--out", out, "--force", "--json")
    assert not (out / "sdxl-mindie.png").exists() and (out / "notes.txt").read_text() == "mine"
    doc = json.loads(r.stdout.decode())
    assert r.returncode == 1 and doc["status"] == "fail" and "MindIE-SD" in doc["failure"]["message"]


def test_missing_framework_packages_fail_the_smoke(run_cli, tmp_path):
    # ascendfix's own venv has neither MindSpore nor mindone
    r = run_cli("smoke", "--out", tmp_path / "o", "--device", "CPU", "--tiny")
    assert r.returncode == 1
    assert "missing packages: mindspore, mindone" in r.stdout.decode()


HANG = r"""
import os, subprocess, sys, time, json
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(json.load(open(sys.argv[1]))["pidfile"], "w").write(str(child.pid))
print(json.dumps({"event": "stage", "stage": "load", "status": "start"}), flush=True)
time.sleep(600)
"""


def test_runner_timeout_kills_the_whole_process_group(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(HANG)
    seen = []
    t = time.time()
    pidfile = tmp_path / "child.pid"
    res = engine.run_runner(sys.executable, {"pidfile": str(pidfile)}, timeout=3, on_event=seen.append, script=script)
    assert time.time() - t < 30
    assert res.timed_out and res.last_stage == "load" and seen
    # the grandchild is gone too (killed with the group, reaped by init)
    pid = int(pidfile.read_text())
    for _ in range(50):
        try:
            with open("/proc/{}/stat".format(pid)) as f:
                state = f.read().split(") ", 1)[1].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.1)
    else:
        pytest.fail("grandchild {} still running".format(pid))


def test_runner_dying_without_result(tmp_path):
    script = tmp_path / "die.py"
    script.write_text("import sys\nsys.stderr.write('Segmentation fault (core dumped)\\n')\nsys.exit(139)\n")
    res = engine.run_runner(sys.executable, {}, timeout=30, script=script)
    assert res.returncode == 139 and not res.timed_out and res.events == []
    assert "Segmentation fault" in res.stderr_tail


def test_recorded_mindone050_cpu_traceback_is_diagnosed():
    text = (DATA / "ms210_mindone050_cpu_tiny_sdxl.traceback.txt").read_text()
    assert "The kernel GeluExt unregistered" in text
    matches, why = engine.explain(text)
    assert why is None
    assert matches and "unregistered" in matches[0]["title"]
    assert matches[0].get("fix")


def test_png_size(tmp_path):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 80, 48, 8, 2, 0, 0, 0))
    (tmp_path / "a.png").write_bytes(png)
    assert engine.png_size(str(tmp_path / "a.png")) == (80, 48)
    (tmp_path / "b.png").write_bytes(b"GIF89a....")
    assert engine.png_size(str(tmp_path / "b.png")) is None
    assert engine.png_size(str(tmp_path / "missing.png")) is None


@pytest.mark.full
@pytest.mark.py38
def test_runner_runs_on_python38_and_reports_a_missing_framework(tmp_path):
    """The runner is executed by the user's interpreter (seed 000 uses Python 3.8): it must parse and
    report there; with no MindSpore it reports the ImportError as an event."""
    from support import python38

    py = python38()
    cfg = {"stack": "mindone", "arch": "sdxl", "device": "CPU", "seed": 1}
    res = engine.run_runner(py, cfg, timeout=120)
    assert res.returncode == 1 and not res.timed_out
    err = res.last("error")
    assert err["type"] in ("ModuleNotFoundError", "ImportError") and "mindspore" in err["message"]
    assert res.events[0]["event"] == "start" and res.events[0]["python_version"].startswith("3.8")
    probe = engine.probe_python(py, ["mindspore", "json"])
    assert probe["modules"]["json"]["found"] and not probe["modules"]["mindspore"]["found"]
