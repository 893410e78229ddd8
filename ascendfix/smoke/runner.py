"""The generation half of ``ascendfix smoke``, run by the TARGET interpreter (the framework's venv).

Standalone on purpose (no ascendfix import; Python 3.8+; only the framework's own packages), run by
file path::

    /path/to/venv/bin/python runner.py CONFIG.json

CONFIG.json holds the recipe values resolved by ``ascendfix smoke`` (stack, weights folder, variant,
dtype, mode, device, prompt, steps, ...). The runner reports on its ORIGINAL stdout, one JSON object
per line (``{"event": ...}``); everything the frameworks print (Python or C++) is sent to stderr, so
the event stream stays clean. Events: ``stage`` (start/done with seconds), ``env`` (versions,
device), ``step`` (denoising progress), ``iteration`` (one pipeline call's timings: ``warmup`` calls
first, then ``runs`` measured ones, from CONFIG.json), ``download`` (the weights folder), ``result``
(timings, every call's timings, memory, image statistics) and ``error`` (exception type, message,
traceback). Exit 0 on success,
1 when the generation raised.
"""

import json
import os
import sys
import time
import traceback

_EVENTS = None
_T0 = time.time()


def _open_event_stream():
    """Keep the real stdout for events; point fd 1 (and sys.stdout) at stderr for everything else."""
    global _EVENTS
    fd = os.dup(1)
    _EVENTS = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def emit(event, **data):
    data["event"] = event
    data["t"] = round(time.time() - _T0, 3)
    _EVENTS.write(json.dumps(data, default=str) + "\n")
    _EVENTS.flush()


class Stage(object):
    """``with Stage("load"):`` reports start/done (with seconds) and records the duration."""

    timings = {}

    def __init__(self, name, **label):
        self.name = name
        self.label = label

    def __enter__(self):
        self.start = time.time()
        emit("stage", stage=self.name, status="start", **self.label)
        return self

    def __exit__(self, exc_type, exc, tb):
        sec = round(time.time() - self.start, 3)
        if exc_type is None:
            Stage.timings[self.name] = sec
            emit("stage", stage=self.name, status="done", seconds=sec, **self.label)
        else:
            emit("stage", stage=self.name, status="failed", seconds=sec, **self.label)
        return False


def peak_rss_mb():
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0, 1)
    except Exception:
        return None


def _version(mod):
    try:
        from importlib import metadata  # Python 3.8+
    except ImportError:  # pragma: no cover
        return None
    try:
        return metadata.version(mod)
    except Exception:
        return None


# ------------------------------------------------------------------ stacks


class MindOneStack(object):
    def import_framework(self, cfg):
        import mindspore as ms
        import mindone.diffusers as md

        self.ms, self.md = ms, md
        return {
            "mindspore": ms.__version__,
            "mindone": _version("mindone"),
            "transformers": _version("transformers"),
            "numpy": _version("numpy"),
        }

    def configure(self, cfg):
        ms = self.ms
        mode = ms.GRAPH_MODE if cfg["mode"] == "graph" else ms.PYNATIVE_MODE
        ms.set_context(mode=mode)
        if hasattr(ms, "set_device"):
            ms.set_device(cfg["device"], cfg.get("device_id", 0))
        else:
            ms.set_context(device_target=cfg["device"], device_id=cfg.get("device_id", 0))
        cap = cfg.get("max_device_memory")
        if cap and cfg["device"] == "Ascend":
            if hasattr(ms, "runtime") and hasattr(ms.runtime, "set_memory"):
                ms.runtime.set_memory(max_size=cap)
            else:
                ms.set_context(max_device_memory=cap)
        ms.set_seed(cfg["seed"])

    def pipeline_class(self, cfg):
        return getattr(self.md, "StableDiffusionXLPipeline" if cfg["arch"] == "sdxl" else "StableDiffusionPipeline")

    def load(self, cfg):
        dtype = getattr(self.ms, cfg["dtype"])
        kwargs = dict(mindspore_dtype=dtype, use_safetensors=True)
        if cfg.get("variant"):
            kwargs["variant"] = cfg["variant"]
        return self.pipeline_class(cfg).from_pretrained(cfg["weights"], **kwargs)

    def generator(self, cfg):
        import numpy as np

        return np.random.default_rng(cfg["seed"])

    def device_memory(self, cfg):
        if cfg["device"] != "Ascend":
            return None
        rt = getattr(self.ms, "runtime", None) or self.ms
        return {"peak_allocated_mb": round(rt.max_memory_allocated() / 2.0**20, 1),
                "peak_reserved_mb": round(rt.max_memory_reserved() / 2.0**20, 1)}

    def to_numpy(self, images):
        import numpy as np

        return np.asarray(images)


class DiffusersStack(object):
    def import_framework(self, cfg):
        import torch

        versions = {"torch": torch.__version__}
        if cfg["device"] == "npu":
            import torch_npu  # noqa: F401  (registers the npu device)

            versions["torch_npu"] = _version("torch-npu") or getattr(torch_npu, "__version__", None)
        import diffusers

        self.torch, self.diffusers = torch, diffusers
        versions.update(diffusers=diffusers.__version__, transformers=_version("transformers"), numpy=_version("numpy"))
        return versions

    def configure(self, cfg):
        self.torch.manual_seed(cfg["seed"])

    def pipeline_class(self, cfg):
        return getattr(self.diffusers, "StableDiffusionXLPipeline" if cfg["arch"] == "sdxl" else "StableDiffusionPipeline")

    def load(self, cfg):
        kwargs = dict(torch_dtype=getattr(self.torch, cfg["dtype"]), use_safetensors=True)
        if cfg.get("variant"):
            kwargs["variant"] = cfg["variant"]
        if cfg["arch"] != "sdxl":
            kwargs.update(safety_checker=None, requires_safety_checker=False)
        pipe = self.pipeline_class(cfg).from_pretrained(cfg["weights"], **kwargs)
        return pipe.to(cfg["device"])

    def generator(self, cfg):
        return self.torch.Generator(device="cpu").manual_seed(cfg["seed"])

    def device_memory(self, cfg):
        if cfg["device"] != "npu":
            return None
        npu = self.torch.npu
        return {"peak_allocated_mb": round(npu.max_memory_allocated() / 2.0**20, 1),
                "peak_reserved_mb": round(npu.max_memory_reserved() / 2.0**20, 1)}

    def to_numpy(self, images):
        import numpy as np

        return np.asarray(images)


class MindIEStack(DiffusersStack):
    """MindIE-SD: the diffusers pipeline on torch_npu, with MindIE-SD imported (its kernels/patches)."""

    def import_framework(self, cfg):
        versions = DiffusersStack.import_framework(self, cfg)
        import mindiesd  # noqa: F401

        versions["mindiesd"] = _version("mindiesd")
        return versions

    def load(self, cfg):
        pipe = DiffusersStack.load(self, cfg)
        try:
            from mindiesd.compilation import MindieSDBackend
        except ImportError:
            emit("note", text="mindiesd.compilation.MindieSDBackend not available: running without MindIE-SD fusion")
            return pipe
        # MindIE-SD's documented entry point: torch.compile with its pattern-matching backend
        # (fused Ascend kernels); the first denoising step pays the compile time.
        setattr(pipe, "unet", self.torch.compile(pipe.unet, backend=MindieSDBackend()))
        emit("note", text="UNet compiled with MindieSDBackend")
        return pipe


# the ``runner`` of a stack in rules/stacks.yaml (ascendfix smoke puts it in the config)
RUNNERS = {"mindone": MindOneStack, "diffusers": DiffusersStack, "mindie": MindIEStack}


# ------------------------------------------------------------------ steps


def hub_endpoint():
    try:
        from modelscope.hub.utils.utils import get_endpoint

        return get_endpoint()
    except Exception:
        return "https://" + os.environ.get("MODELSCOPE_DOMAIN", "www.modelscope.cn")


def check_reachable(url, timeout=15):
    """Fail in seconds, not after minutes of retries, when the hub cannot be reached at all."""
    import socket

    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return  # a proxy decides; let modelscope try
    host = url.split("://", 1)[-1].split("/", 1)[0]
    port = 443 if url.startswith("https") else 80
    if ":" in host:
        host, port = host.rsplit(":", 1)
        port = int(port)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        raise ConnectionError("cannot reach the modelscope hub {} ({}:{}): {}".format(url, host, port, e))


# Never fetch what smoke will not load: pickle weights and other formats (the SDXL repository also
# ships .bin, ONNX, OpenVINO and Flax files: tens of GB).
SKIP_GLOBS = ["*.bin", "*.ckpt", "*.pt", "*.pth", "*.onnx", "*.onnx_data", "*.msgpack", "*.h5", "openvino/*", "onnx/*"]
SKIP_REGEX = [r"\.bin$", r"\.ckpt$", r"\.pth?$", r"\.onnx(_data)?$", r"\.msgpack$", r"\.h5$", r"^openvino/", r"^onnx/"]


def download(cfg):
    import inspect

    from modelscope import snapshot_download

    check_reachable(hub_endpoint())
    kwargs = dict(revision=cfg.get("revision"), cache_dir=cfg.get("cache_dir"))
    params = inspect.signature(snapshot_download).parameters
    if "ignore_patterns" in params:  # modelscope >= 1.2x: glob patterns
        kwargs["ignore_patterns"] = SKIP_GLOBS
    elif "ignore_file_pattern" in params:  # older: regular expressions
        kwargs["ignore_file_pattern"] = SKIP_REGEX
    return snapshot_download(cfg["model_id"], **kwargs)


def build_tiny(cfg):
    """Run tiny.py (beside this file) to write a tiny random pipeline into cfg["weights"]."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny.py")
    spec = importlib.util.spec_from_file_location("_ascendfix_tiny", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build(cfg["weights"], builder=cfg["tiny_builder"], arch=cfg["arch"])


# A byte-level BPE vocabulary (CLIP's: 49408 entries; smoke --tiny's: a few hundred) holds at least its 256
# byte symbols. transformers 5 builds a CLIPTokenizer from a folder without vocab.json, merges.txt and
# tokenizer.json without an error: its vocabulary is the special tokens alone and every word becomes the unknown
# token, so the pipeline runs and draws an image the prompt never reached.
MIN_VOCAB = 256


class TokenizerCheckError(RuntimeError):
    """A pipeline tokenizer that cannot carry the prompt (every word unknown, or a vocabulary of a few entries)."""


def check_tokenizers(pipe, prompt):
    """Tokenize the prompt with each of the pipeline's tokenizers; raise TokenizerCheckError for a broken one."""
    for name in ("tokenizer", "tokenizer_2"):
        tok = getattr(pipe, name, None)
        if tok is None or not callable(tok):
            continue
        ids = list(tok(prompt, add_special_tokens=False)["input_ids"])
        size = len(tok)
        unk, unk_id = getattr(tok, "unk_token", None), getattr(tok, "unk_token_id", None)
        all_unk = bool(ids) and unk_id is not None and all(i == unk_id for i in ids)
        if not all_unk and size >= MIN_VOCAB:
            continue
        what = "maps every word of the prompt to its unknown token {!r} (id {})".format(unk, unk_id) if all_unk else \
            "has a vocabulary of {} entries (fewer than the {} byte symbols of a BPE vocabulary)".format(size, MIN_VOCAB)
        raise TokenizerCheckError(
            "{} ({}, {} entries, from {}) {}: its vocabulary files were not found (a tokenizer folder needs "
            "tokenizer.json, or vocab.json and merges.txt), so the prompt would not reach the model and the image "
            "would not follow it".format(name, type(tok).__name__, size, getattr(tok, "name_or_path", "?"), what))


def image_stats(arr):
    """Statistics the host checks: shape, NaN/Inf counts, range, mean and spread (0..255 scale)."""
    import numpy as np

    arr = np.asarray(arr, dtype=np.float64)
    nan = int(np.isnan(arr).sum())
    inf = int(np.isinf(arr).sum())
    finite = arr[np.isfinite(arr)]
    scaled = finite * 255.0
    return {
        "height": int(arr.shape[0]),
        "width": int(arr.shape[1]),
        "channels": int(arr.shape[2]) if arr.ndim == 3 else 1,
        "nan": nan,
        "inf": inf,
        "min": round(float(scaled.min()), 3) if scaled.size else None,
        "max": round(float(scaled.max()), 3) if scaled.size else None,
        "mean": round(float(scaled.mean()), 3) if scaled.size else None,
        "std": round(float(scaled.std()), 3) if scaled.size else None,
    }


def save_png(arr, path):
    """Save a HxWxC float image in [0, 1] as PNG, atomically (temp file + rename)."""
    import numpy as np
    from PIL import Image

    arr = np.nan_to_num(np.asarray(arr, dtype=np.float64), nan=0.0, posinf=1.0, neginf=0.0)
    img = Image.fromarray((arr.clip(0, 1) * 255).round().astype("uint8"))
    tmp = path + ".tmp"
    img.save(tmp, format="PNG")
    os.replace(tmp, path)


def _timed_method(obj, name, sink):
    """Wrap obj.name (on the instance) so each call's start/end times are appended to ``sink``."""
    orig = getattr(obj, name)

    def wrapper(*a, **k):
        start = time.time()
        try:
            return orig(*a, **k)
        finally:
            sink.append((start, time.time()))

    object.__setattr__(obj, name, wrapper)


def generate(stack, pipe, cfg, label=None):
    """One pipeline call, timed: the whole call, text encoding, denoising (and it/s), VAE decode."""
    enc, dec, steps = [], [], []
    _timed_method(pipe, "encode_prompt", enc)
    _timed_method(pipe.vae, "decode", dec)
    n = cfg["steps"]

    def on_step(p, i, t, kwargs):
        steps.append(time.time())
        emit("step", i=i + 1, n=n)
        return kwargs

    call = dict(
        prompt=cfg["prompt"],
        negative_prompt=cfg.get("negative_prompt") or None,
        num_inference_steps=n,
        guidance_scale=cfg["guidance"],
        height=cfg["height"],
        width=cfg["width"],
        generator=stack.generator(cfg),
        output_type="np",
        callback_on_step_end=on_step,
    )
    try:
        with Stage("generate", **(label or {})):
            start = time.time()
            out = pipe(**call)
            end = time.time()
    finally:
        # the next call wraps the originals again, not these wrappers
        for obj, name in ((pipe, "encode_prompt"), (pipe.vae, "decode")):
            try:
                object.__delattr__(obj, name)
            except AttributeError:
                pass
    images = out.images if hasattr(out, "images") else out[0]
    image = stack.to_numpy(images)[0]
    timings = {"generate": round(end - start, 3)}
    if enc:
        timings["text_encoding"] = round(sum(e - s for s, e in enc), 3)
    if dec:
        timings["vae_decode"] = round(sum(e - s for s, e in dec), 3)
    den_start = enc[-1][1] if enc else start
    den_end = dec[0][0] if dec else end
    den = max(den_end - den_start, 1e-9)
    timings["denoising"] = round(den, 3)
    timings["it_per_s"] = round(n / den, 3)
    if len(steps) >= 2:
        # steady state: without the first step (graph compile / kernel warm-up lands there)
        timings["it_per_s_steady"] = round((len(steps) - 1) / max(steps[-1] - steps[0], 1e-9), 3)
    return image, timings


def generate_runs(stack, pipe, cfg):
    """``warmup`` unmeasured calls, then ``runs`` measured ones, in this process (the pipeline loaded once).

    Every call's timings are reported (``iteration`` events; warm-up calls flagged) so the host can put the
    first call's compile/warm-up cost apart from the steady state. Returns the last image and the list.
    """
    warmup = max(0, int(cfg.get("warmup") or 0))
    runs = max(1, int(cfg.get("runs") or 1))
    total = warmup + runs
    image, done = None, []
    for i in range(total):
        is_warmup = i < warmup
        label = {"index": i + 1, "of": total, "warmup": is_warmup}
        image, timings = generate(stack, pipe, cfg, label=label)
        timings["warmup"] = is_warmup
        done.append(timings)
        emit("iteration", index=i + 1, of=total, warmup=is_warmup, timings=timings)
    return image, done


def run(cfg):
    emit("start", pid=os.getpid(), python=sys.executable, python_version=sys.version.split()[0])
    if cfg.get("download_only"):
        emit("env", versions={"modelscope": _version("modelscope")}, device=None, hub=hub_endpoint())
        with Stage("download"):
            weights = download(cfg)
        emit("download", weights=weights)
        return
    stack = RUNNERS[cfg["runner"]]()
    with Stage("import"):
        versions = stack.import_framework(cfg)
    emit("env", versions=versions, device=cfg["device"])
    with Stage("configure"):
        stack.configure(cfg)
    if cfg.get("tiny"):
        with Stage("build_tiny"):
            build_tiny(cfg)
    with Stage("load"):
        pipe = stack.load(cfg)
        if cfg.get("vae_tiling"):
            if hasattr(pipe, "enable_vae_tiling"):
                pipe.enable_vae_tiling()
            else:  # diffusers >= 0.40 dropped the pipeline shortcut
                pipe.vae.enable_tiling()
        if cfg.get("attention_slicing"):
            pipe.enable_attention_slicing()
        check_tokenizers(pipe, cfg["prompt"])
    image, iterations = generate_runs(stack, pipe, cfg)
    stats = image_stats(image)
    with Stage("save"):
        save_png(image, cfg["out_png"])
    timings = dict(iterations[-1])
    timings.pop("warmup", None)
    timings.update(Stage.timings)
    timings["generate"] = iterations[-1]["generate"]
    timings["total"] = round(time.time() - _T0, 3)
    mem = {"peak_host_rss_mb": peak_rss_mb()}
    try:
        dev = stack.device_memory(cfg)
    except Exception as e:  # the framework may not report it on this device/version
        dev = {"unavailable": "{}: {}".format(type(e).__name__, e)}
    if dev:
        mem["device"] = dev
    emit("result", timings=timings, iterations=iterations, memory=mem, image=stats, png=cfg["out_png"])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    _open_event_stream()
    try:
        with open(argv[0], encoding="utf-8") as f:
            cfg = json.load(f)
        run(cfg)
    except BaseException as e:  # report everything, including SystemExit from a library
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        emit("error", type=type(e).__name__, message=str(e)[:4000], traceback=tb[-20000:],
             timings=dict(Stage.timings), memory={"peak_host_rss_mb": peak_rss_mb()})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
