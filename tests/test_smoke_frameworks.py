"""`ascendfix smoke` for real: tiny SDXL on MindSpore 2.7 + mindone 0.2 (CPU), the mindone 0.5 CPU
failure, diffusers + torch (CPU) for the torch_npu recipes, and a hub that cannot be reached.

The framework venvs are built once and cached (tests/support.py). Nothing here is mocked: the
runner imports the real frameworks, builds a tiny random pipeline, loads it and generates.
"""

import json
import subprocess
from pathlib import Path

import pytest

from support import ms27_python, ms210_python, schema_errors, torch_python

pytestmark = pytest.mark.full

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "ascendfix" / "smoke" / "tiny.py"
@pytest.fixture(scope="module")
def ms27():
    return ms27_python()


@pytest.fixture(scope="module")
def ms210():
    return ms210_python()


@pytest.fixture(scope="module")
def torchpy():
    return torch_python()


def _png_size(path):
    head = Path(path).read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _passed(r, out, recipe, size=(64, 64)):
    text = r.stdout.decode()
    assert r.returncode == 0, text + r.stderr.decode()[-3000:]
    rep = json.loads((out / "report.json").read_text())
    assert rep["status"] == "pass" and rep["failure"] is None
    assert schema_errors("smoke", rep) == []  # a real passing report.json against schemas/smoke.schema.json
    assert rep["recipe"]["id"] == recipe
    png = out / "{}.png".format(recipe)
    assert _png_size(png) == size
    assert all(c["status"] == "ok" for c in rep["image"]["checks"])
    assert {c["name"] for c in rep["image"]["checks"]} >= {"size", "finite", "not_black", "not_flat", "png"}
    t = rep["timings"]
    for key in ("import", "load", "text_encoding", "denoising", "vae_decode", "total", "it_per_s"):
        assert t[key] > 0, key
    assert rep["memory"]["peak_host_rss_mb"] > 50
    return rep


def test_tiny_sdxl_mindone_cpu_passes(run_cli, ms27, tmp_path):
    out = tmp_path / "out"
    r = run_cli("smoke", "--tiny", "--device", "CPU", "--python", ms27, "--out", out)
    rep = _passed(r, out, "sdxl-mindone")
    assert rep["environment"]["framework"]["mindspore"] == "2.7.0"
    assert rep["environment"]["framework"]["mindone"] == "0.2.0"
    assert rep["recipe"]["values"]["mode"] == "pynative" and rep["recipe"]["values"]["dtype"] == "float32"
    assert rep["preflight"]["errors"] == 0
    assert rep["timings"]["build_tiny"] > 0
    text = r.stdout.decode()
    assert "smoke passed" in text and "it/s" in text and "\x1b[" not in text


def test_tiny_py_standalone_and_weights_dir_fp16(run_cli, ms27, tmp_path):
    """tiny.py run by the framework's python (no ascendfix import), then smoke --weights on it in fp16."""
    w = tmp_path / "tiny-sdxl"
    r = subprocess.run([ms27, str(TINY), str(w)], capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == str(w)
    for comp in ("unet", "vae", "text_encoder", "text_encoder_2"):
        assert list((w / comp).glob("*.safetensors")), comp
        assert not list((w / comp).glob("*.bin")), comp
    for tok in ("tokenizer", "tokenizer_2"):
        assert (w / tok / "vocab.json").exists() and (w / tok / "merges.txt").exists()
    cfg2 = json.loads((w / "text_encoder_2" / "config.json").read_text())
    assert cfg2["architectures"] == ["CLIPTextModelWithProjection"]
    # a second run refuses to overwrite
    r2 = subprocess.run([ms27, str(TINY), str(w)], capture_output=True, text=True, timeout=600)
    assert r2.returncode == 2
    out = tmp_path / "out"
    r = run_cli("smoke", "--weights", w, "--device", "CPU", "--size", "64x64", "--steps", "1",
                "--python", ms27, "--out", out, "--json")
    doc = json.loads(r.stdout.decode())  # only JSON on stdout
    rep = _passed(r, out, "sdxl-mindone")
    assert doc["status"] == "pass"
    assert rep["recipe"]["values"]["dtype"] == "float16"
    assert rep["weights"]["source"] == "dir" and rep["weights"]["variant"] is None
    assert set(rep["weights"]["components"]) == {"unet", "vae", "text_encoder", "text_encoder_2"}


def test_mindone050_on_cpu_fails_cleanly_with_diagnosis(run_cli, ms210, tmp_path):
    out = tmp_path / "out"
    r = run_cli("smoke", "--tiny", "--device", "CPU", "--python", ms210, "--out", out, "--timeout", "900")
    text, err = r.stdout.decode(), r.stderr.decode()
    assert r.returncode == 1, text + err[-3000:]
    assert "Traceback" not in text + err  # the traceback goes to report.json, not the terminal
    rep = json.loads((out / "report.json").read_text())
    assert rep["status"] == "fail"
    assert rep["environment"]["framework"]["mindone"] == "0.5.0"
    f = rep["failure"]
    assert f["stage"] == "generate"
    assert "unregistered" in f["message"]  # "The kernel <Op> unregistered." (GeluExt, ZerosLikeExt, ...)
    assert "Traceback (most recent call last)" in f["traceback"]
    assert rep["timings"]["build_tiny"] > 0 and rep["timings"]["load"] > 0  # 0.5.0 builds and loads; it cannot run
    m = rep["diagnosis"]["matches"]
    assert m and "unregistered" in m[0]["title"]
    assert "diagnosis" in text and m[0]["id"] in text


@pytest.mark.parametrize("route", ["direct", "proxy"])
def test_download_from_unreachable_hub_fails_fast(run_cli, torchpy, tmp_path, route):
    """direct: the hub's name does not resolve here, caught before modelscope's retries.
    proxy: through a refusing proxy, so the real snapshot_download call (with its ignore patterns) runs
    and fails inside modelscope."""
    import time

    out = tmp_path / "out"
    env = {"HF_ENDPOINT": "https://hf-mirror.com"}  # what users in China set; it does not steer modelscope
    if route == "proxy":
        env["HTTPS_PROXY"] = "http://127.0.0.1:9"
    t = time.time()
    r = run_cli("smoke", "--recipe", "sdxl-torch-npu", "--device", "cpu", "--python", torchpy,
                "--cache-dir", tmp_path / "cache", "--out", out, "--no-preflight", env=env)
    assert time.time() - t < 120
    assert r.returncode == 1, r.stdout.decode() + r.stderr.decode()[-2000:]
    rep = json.loads((out / "report.json").read_text())
    f = rep["failure"]
    assert f["stage"] == "download"
    assert "snapshot_download" in f["traceback"] or route == "direct"
    assert "modelscope" in f["message"] or "modelscope" in f["traceback"]
    assert "TypeError" not in f["traceback"]
    assert "--weights" in f["hint"]
    assert "--weights DIR" in r.stdout.decode()
    assert "modelscope hub at https://www.modelscope.cn" in f["hint"]  # the endpoint the runner used
    assert "HF_ENDPOINT=https://hf-mirror.com set here" in f["hint"]


def test_no_weights_and_no_modelscope_is_exit_2(run_cli, ms27, tmp_path):
    import importlib.util

    if importlib.util.find_spec("modelscope") is not None:
        pytest.skip("modelscope is installed beside ascendfix here: smoke would download with it")
    r = run_cli("smoke", "--device", "CPU", "--python", ms27, "--out", tmp_path / "o", "--no-preflight")
    err = r.stderr.decode()
    assert r.returncode == 2, err + r.stdout.decode()
    assert "modelscope is not installed" in err and "--weights DIR" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_tokenizer_without_its_vocabulary_fails_at_load(run_cli, torchpy, tmp_path):
    """transformers 5 loads a tokenizer folder without vocab.json, merges.txt and tokenizer.json with no error
    (2 entries: the special tokens; every word the unknown token) and the run would pass with an image the prompt
    never reached: the runner's tokenizer check stops it at load. The same pipeline with its files passes
    (test_tiny_torch_cpu_passes, and the tiny runs: the check runs on every load)."""
    w = tmp_path / "tiny"
    r = subprocess.run([torchpy, str(TINY), str(w), "--builder", "diffusers"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    for name in ("tokenizer", "tokenizer_2"):
        for f in ("vocab.json", "merges.txt", "tokenizer.json"):
            if (w / name / f).exists():
                (w / name / f).unlink()
    out = tmp_path / "out"
    r = run_cli("smoke", "--recipe", "sdxl-torch-npu", "--weights", w, "--device", "cpu", "--dtype", "float32",
                "--size", "64x64", "--steps", "1", "--python", torchpy, "--out", out, "--no-preflight")
    text = r.stdout.decode()
    assert r.returncode == 1, text + r.stderr.decode()[-2000:]
    rep = json.loads((out / "report.json").read_text())
    assert schema_errors("smoke", rep) == []
    f = rep["failure"]
    assert f["stage"] == "load" and f["message"].startswith("TokenizerCheckError: tokenizer (CLIPTokenizer, 2 entries")
    assert "maps every word of the prompt to its unknown token" in f["message"]
    assert "ascendfix check --weights" in f["hint"]
    assert "Traceback" not in text and "TokenizerCheckError" in text
    # with the preflight, check names the missing files first
    r = run_cli("smoke", "--recipe", "sdxl-torch-npu", "--weights", w, "--device", "cpu", "--python", torchpy,
                "--out", tmp_path / "out2")
    assert r.returncode == 1 and "tokenizer/merges.txt" in r.stdout.decode()


@pytest.mark.parametrize("recipe", ["sdxl-torch-npu", "sd15-torch-npu"])
def test_tiny_torch_cpu_passes(run_cli, torchpy, tmp_path, recipe):
    out = tmp_path / "out"
    r = run_cli("smoke", "--recipe", recipe, "--tiny", "--device", "cpu", "--python", torchpy, "--out", out)
    rep = _passed(r, out, recipe)
    assert rep["environment"]["framework"]["torch"].startswith("2.13.0")
    assert rep["recipe"]["values"]["attention_slicing"] is True


def test_timeout_kills_a_real_generation(run_cli, ms27, tmp_path):
    import time

    out = tmp_path / "out"
    t = time.time()
    # 400 steps: far longer than the 4 s limit on any machine (the tiny run's 4 steps take about 2 s when the caches
    # are warm, so the default step count could finish before the limit)
    r = run_cli("smoke", "--tiny", "--device", "CPU", "--python", ms27, "--out", out, "--timeout", "4",
                "--steps", "400", "--no-preflight")
    assert time.time() - t < 60
    assert r.returncode == 1
    rep = json.loads((out / "report.json").read_text())
    assert rep["failure"]["timed_out"] is True and "timed out after 4 s" in rep["failure"]["message"]
    assert "timed out" in r.stdout.decode()


def test_list_with_a_mindone_venv(run_cli, ms27):
    r = run_cli("smoke", "--list", "--python", ms27, "--json")
    rows = {row["id"]: row for row in json.loads(r.stdout.decode())["recipes"]}
    assert rows["sdxl-mindone"]["missing"] == [] and rows["sdxl-mindone"]["runnable_cpu_tiny"] is True
    assert "torch" in rows["sdxl-torch-npu"]["missing"]
    r = run_cli("smoke", "--list", "--python", ms27)
    line = [l for l in r.stdout.decode().splitlines() if "sdxl-mindone" in l][0]
    assert "no NPU device" in line or "yes" in line


AMPLIFY_VAE = r"""
import json, sys
from safetensors.torch import load_file, save_file
folder, upcast = sys.argv[1], sys.argv[2] == "1"
p = folder + "/vae/diffusion_pytorch_model.safetensors"
sd = load_file(p)
for k in sd:  # decoder activations beyond float16's 65504: the fp16 SDXL VAE failure, reproduced
    if k.startswith("decoder.") and k.endswith("weight") and "norm" not in k:
        sd[k] = sd[k] * 40
save_file(sd, p)
c = json.load(open(folder + "/vae/config.json"))
c["force_upcast"] = upcast
json.dump(c, open(folder + "/vae/config.json", "w"))
"""


@pytest.mark.parametrize("upcast", [False, True])
def test_fp16_vae_overflow_is_a_failed_image_check(run_cli, torchpy, tmp_path, upcast):
    """A VAE whose fp16 decode overflows gives NaN -> black: the smoke fails on the image checks with the
    fp16-VAE hint. The same weights with force_upcast (decode in fp32) pass."""
    w = tmp_path / "tiny"
    r = subprocess.run([torchpy, str(TINY), str(w), "--stack", "diffusers"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run([torchpy, "-c", AMPLIFY_VAE, str(w), "1" if upcast else "0"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / "out"
    r = run_cli("smoke", "--recipe", "sdxl-torch-npu", "--weights", w, "--device", "cpu", "--size", "64x64",
                "--steps", "1", "--python", torchpy, "--out", out, "--no-preflight")
    rep = json.loads((out / "report.json").read_text())
    assert rep["recipe"]["values"]["dtype"] == "float16"
    failed = {c["name"] for c in rep["image"]["checks"] if c["status"] != "ok"}
    if upcast:
        assert r.returncode == 0 and not failed, r.stdout.decode()
    else:
        assert r.returncode == 1
        assert rep["failure"]["stage"] == "checks"
        assert {"finite", "not_black"} <= failed
        assert "fp16" in rep["failure"]["hint"]
        assert (out / "sdxl-torch-npu.png").exists()  # saved anyway, for the user to look at
