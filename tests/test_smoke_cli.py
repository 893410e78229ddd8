"""`ascendfix smoke` without a framework: bad input, weights refusal, --out, --list, MindIE absent, timeouts,
--compare of two recorded reports, --html.

The CLI runs in this process (``run_cli``); what a separate process adds (exit status, streams) is
covered by tests/test_cli.py and tests/test_entry_point.py.
"""

import json
import pickle
import shutil
import sys
import time
from pathlib import Path

import pytest

from ascendfix.smoke import engine

DATA = Path(__file__).parent / "data" / "smoke"
REPORTS = DATA / "reports"


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
        (["--runs", "0"], "--runs must be at least 1"),
        (["--warmup", "-1"], "--warmup must be 0 or more"),
        (["--threshold", "0"], "--threshold"),
        (["--compare", "a", "b", "c"], "--compare takes OLD"),
        (["--compare", "nowhere/report.json"], "--compare nowhere/report.json: no such file"),
        (["--html", "no/such/dir/x.html"], "--html"),
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


def test_compare_input_that_is_not_a_report_is_exit_2(run_cli, tmp_path):
    (tmp_path / "x.json").write_text("[1, 2]")
    assert "not a smoke report" in _one_line_exit2(run_cli("smoke", "--compare", tmp_path / "x.json", tmp_path / "x.json"))
    (tmp_path / "y.json").write_text("{not json")
    assert "not JSON" in _one_line_exit2(run_cli("smoke", "--compare", tmp_path / "y.json"))


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
    assert rows["sdxl-mindone"]["references"][0]["source"].startswith("https://")
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
    r = run_cli("smoke", "--out", tmp_path / "o", "--device", "CPU", "--tiny", "--html")
    assert r.returncode == 1
    assert "missing packages: mindspore, mindone" in r.stdout.decode()
    html = (tmp_path / "o" / "report.html").read_text()  # --html shows a failed run too
    assert "failed" in html and "missing packages: mindspore, mindone" in html


HANG = r"""
import os, subprocess, sys, time, json
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(json.load(open(sys.argv[1]))["pidfile"], "w").write(str(child.pid))
print(json.dumps({"event": "stage", "stage": "load", "status": "start"}), flush=True)
time.sleep(600)
"""


@pytest.mark.process  # waits out a 1.5 s timeout: --full and CI's Python 3.8 run
def test_runner_timeout_kills_the_whole_process_group(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(HANG)
    seen = []
    t = time.time()
    pidfile = tmp_path / "child.pid"
    res = engine.run_runner(sys.executable, {"pidfile": str(pidfile)}, timeout=1.5, on_event=seen.append, script=script)
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


# ------------------------------------------------------------------ --compare OLD NEW (recorded reports)


def _runs(tmp_path):
    a = shutil.copytree(str(REPORTS / "ms27-tiny-a"), str(tmp_path / "run-a"))
    b = shutil.copytree(str(REPORTS / "ms27-tiny-b"), str(tmp_path / "run-b"))
    return Path(a), Path(b)


def test_compare_two_reports(run_cli, tmp_path):
    a, b = _runs(tmp_path)
    for old, new in ((a, b), (b, a)):
        r = run_cli("smoke", "--compare", old, new / "report.json")
        text = r.stdout.decode()
        assert "denoising" in text and "then" in text and "verdict" in text
        doc = json.loads(run_cli("smoke", "--compare", old, new, "--json").stdout.decode())
        assert r.returncode == (0 if doc["ok"] else 1)
        assert doc["comparable"] and doc["rule"] and doc["threshold"] == 0.10
        if doc["regressions"]:
            assert "regression" in text
        else:
            assert "no regression beyond 10%" in text
    # a generous threshold accepts what a strict one flags
    loose = json.loads(run_cli("smoke", "--compare", b, a, "--json", "--threshold", "900").stdout.decode())
    assert loose["regressions"] == []


def test_compare_different_settings_fails_and_says_why(run_cli, tmp_path):
    a, b = _runs(tmp_path)
    rep = json.loads((b / "report.json").read_text())
    rep["recipe"]["values"]["steps"] = 20
    (b / "report.json").write_text(json.dumps(rep))
    r = run_cli("smoke", "--compare", a, b)
    assert r.returncode == 1
    assert "settings differ: steps 4 then, 20 now" in r.stdout.decode() and "not comparable" in r.stdout.decode()


def test_compare_html_shows_both_runs(run_cli, tmp_path):
    a, b = _runs(tmp_path)
    r = run_cli("smoke", "--compare", a, b, "--html", tmp_path / "cmp.html")
    html = (tmp_path / "cmp.html").read_text()
    assert r.returncode in (0, 1)
    assert 'id="compare-table"' in html and 'id="smoke-image"' in html and "Compared with an earlier run" in html


def test_library_entry_returns_a_typed_report(tmp_path, own_python_first):
    from ascendfix.errors import AscendfixError
    from ascendfix.smoke.operation import smoke

    rep = smoke("sdxl-mindie", out=str(tmp_path / "o"), compare_with=REPORTS / "ms27-tiny-a")
    d = rep.to_dict()
    assert rep.ok is False and d["status"] == "fail" and d["failure"]["stage"] == "requirements"
    assert json.loads((tmp_path / "o" / "report.json").read_text()) == json.loads(json.dumps(d, default=str))
    assert d["comparison"]["ok"] is False and not d["comparison"]["comparable"]  # another recipe
    with pytest.raises(AscendfixError):
        smoke(tiny=True, runs=0, out=str(tmp_path / "p"))
    with pytest.raises(TypeError):
        smoke(bogus=1)
