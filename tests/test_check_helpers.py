"""Helpers for the check tests: fake filesystem roots built from the recorded real samples, fake envs.

Holds no tests itself (pytest finds nothing to run here); imported by the other test_check_* files.
"""

import json
import os
import struct
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "check"


def sample(rel):
    return (DATA / rel).read_text(encoding="utf-8")


def write(root, rel, text):
    p = Path(root) / rel.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def add_devices(root, n=8, helpers=True):
    for i in range(n):
        write(root, "/dev/davinci{}".format(i), "")
    if helpers:
        for h in ("davinci_manager", "devmm_svm", "hisi_hdc"):
            write(root, "/dev/" + h, "")


def add_pci(root, n=8, device="0xd802"):
    for i in range(n):
        base = "/sys/bus/pci/devices/0000:{:02x}:00.0".format(0x18 + i)
        write(root, base + "/vendor", "0x19e5\n")
        write(root, base + "/device", device + "\n")
    # an unrelated device that must be ignored
    write(root, "/sys/bus/pci/devices/0000:00:01.0/vendor", "0x8086\n")
    write(root, "/sys/bus/pci/devices/0000:00:01.0/device", "0x1234\n")


def add_driver(root, info="driver/vllm-ascend-451_version.info", firmware=None):
    write(root, "/usr/local/Ascend/driver/version.info", sample(info))
    if firmware:
        write(root, "/usr/local/Ascend/firmware/version.info",
              "Version={}\nfirmware_version=1.0\n".format(firmware))


def add_toolkit(root, install_info, version, arch="aarch64", kernels=True, kernel_chip="ascend910b"):
    """CANN <= 8.3 layout: ascend-toolkit/<ver> + latest symlink, recorded ascend_toolkit_install.info."""
    base = Path(root) / "usr/local/Ascend/ascend-toolkit"
    real = base / version
    write(root, "/usr/local/Ascend/ascend-toolkit/{}/{}-linux/ascend_toolkit_install.info".format(version, arch),
          sample(install_info))
    (real / "lib64").mkdir(parents=True, exist_ok=True)
    write(root, "/usr/local/Ascend/ascend-toolkit/set_env.sh", "# set_env\n")
    if kernels:
        (real / "opp/built-in/op_impl/ai_core/tbe/kernel" / kernel_chip).mkdir(parents=True, exist_ok=True)
    if not (base / "latest").exists():
        os.symlink(version, str(base / "latest"))
    return "/usr/local/Ascend/ascend-toolkit/latest"


def add_toolkit_plain(root, version, arch="aarch64", chip="ascend910b"):
    """CANN <= 8.3 layout with an ``ascend_toolkit_install.info`` of the documented fields and kernels for ``chip``."""
    d = "/usr/local/Ascend/ascend-toolkit/{}".format(version)
    write(root, d + "/{}-linux/ascend_toolkit_install.info".format(arch),
          "package_name=Ascend-cann-toolkit\nversion={}\narch={}\nos=linux\npath={}\n".format(version, arch, d))
    (Path(root) / d.lstrip("/") / "opp/built-in/op_impl/ai_core/tbe/kernel" / chip).mkdir(parents=True, exist_ok=True)
    write(root, "/usr/local/Ascend/ascend-toolkit/set_env.sh", "# set_env\n")
    link = Path(root) / "usr/local/Ascend/ascend-toolkit/latest"
    if not link.exists():
        os.symlink(version, str(link))
    return "/usr/local/Ascend/ascend-toolkit/latest"


def add_cann85(root, version="8.5.0", arch="aarch64", ops_chip="910b", ops_version=None):
    """CANN >= 8.5 layout: /usr/local/Ascend/cann-<ver> + cann symlink, *_install.info with the documented fields."""
    d = "/usr/local/Ascend/cann-{}".format(version)
    write(root, d + "/{}-linux/ascend_toolkit_install.info".format(arch),
          "package_name=Ascend-cann-toolkit\nversion={}\narch={}\nos=linux\npath={}\n".format(version, arch, d))
    if ops_chip:
        write(root, d + "/{}-linux/ascend_ops_install.info".format(arch),
              "package_name=Ascend-cann-{}-ops\nversion={}\narch={}\nos=linux\npath={}\n".format(
                  ops_chip, ops_version or version, arch, d))
    write(root, d + "/set_env.sh", "# set_env\n")
    (Path(root) / d.lstrip("/") / "lib64").mkdir(parents=True, exist_ok=True)
    link = Path(root) / "usr/local/Ascend/cann"
    if not link.exists():
        os.symlink("cann-" + version, str(link))
    return "/usr/local/Ascend/cann"


def sourced_env(home, extra=None):
    """The variables set_env.sh exports (values as printed in vllm-ascend issue 955's ENV section)."""
    env = {
        "HOME": "/root",
        "PATH": "/usr/bin:/bin",
        "ASCEND_HOME_PATH": home,
        "ASCEND_TOOLKIT_HOME": home,
        "ASCEND_OPP_PATH": home + "/opp",
        "ASCEND_AICPU_PATH": home,
        "LD_LIBRARY_PATH": "{0}/lib64:{0}/lib64/plugin/opskernel:/usr/local/Ascend/driver/lib64/common/:"
                           "/usr/local/Ascend/driver/lib64/driver/:".format(home),
    }
    env.update(extra or {})
    return env


def fake_env(python="3.11.7", dists=None, broken=None, duplicates=None):
    """An envprobe-shaped dict; ``dists`` maps name -> version or (version, requires[, requires_python])."""
    out = {}
    for name, spec in (dists or {}).items():
        if isinstance(spec, str):
            spec = (spec, [])
        version, requires = spec[0], spec[1]
        canon = name.lower().replace("_", "-").replace(".", "-")
        out[canon] = {"name": name, "version": version, "requires": list(requires),
                      "requires_python": spec[2] if len(spec) > 2 else None,
                      "location": "/env/lib/site-packages", "path": None}
    vi = [int(x) for x in python.split(".")]
    return {"python": {"executable": "/env/bin/python", "version": python, "version_info": vi,
                       "implementation": "CPython", "platform": "linux", "machine": "aarch64", "prefix": "/env"},
            "distributions": out, "duplicates": duplicates or {}, "broken": broken or [], "sys_path": [],
            "packages": {}}


# Requires-Dist of real releases (read from the installed dist-info / PyPI metadata, see rules/compat/mindone.yaml)
MINDONE_050_REQUIRES = ["better-profanity", "huggingface-hub>=0.20.2", "mindcv==0.3.0", "nltk", "numpy<2.0",
                        "omegaconf", "opencv-python", "pyyaml", "safetensors>=0.3.1", "sentencepiece", "tqdm",
                        "trampoline", "transformers==4.57.1"]
MINDONE_020_REQUIRES = ["huggingface-hub>=0.20.2", "numpy<2.0", "omegaconf", "opencv-python", "pyyaml",
                        "safetensors>=0.3.1", "sentencepiece", "tqdm", "transformers==4.38.*"]


def write_safetensors(path, tensors, truncate=0, metadata=None):
    """A real .safetensors file: 8-byte LE header length + JSON header + raw data.

    ``tensors`` maps name -> (dtype, shape); data is zero bytes of the right size.
    """
    sizes = {"F16": 2, "BF16": 2, "F32": 4, "I64": 8}
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        n = sizes[dtype]
        for s in shape:
            n *= s
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    data = struct.pack("<Q", len(raw)) + raw + b"\0" * offset
    if truncate:
        data = data[:-truncate]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(data)
    return Path(path)


SDXL_INDEX = {
    "_class_name": "StableDiffusionXLPipeline",
    "_diffusers_version": "0.19.0.dev0",
    "force_zeros_for_empty_prompt": True,
    "add_watermarker": None,
    "scheduler": ["diffusers", "EulerDiscreteScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "tokenizer_2": ["transformers", "CLIPTokenizer"],
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}
MODEL_FILES = {"unet": "diffusion_pytorch_model", "vae": "diffusion_pytorch_model", "text_encoder": "model",
               "text_encoder_2": "model"}


def make_sdxl(root, variants=("fp16", None), fmt="safetensors", skip=(), per_component=None):
    """A tiny SDXL diffusers folder with real safetensors headers (tiny tensors, the real file names)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "model_index.json").write_text(json.dumps(SDXL_INDEX, indent=2))
    for name in ("tokenizer", "tokenizer_2"):
        if name in skip:
            continue
        (root / name).mkdir(exist_ok=True)
        (root / name / "vocab.json").write_text("{}")
        (root / name / "merges.txt").write_text("#version: 0.2\n")
    if "scheduler" not in skip:
        (root / "scheduler").mkdir(exist_ok=True)
        (root / "scheduler" / "scheduler_config.json").write_text('{"_class_name": "EulerDiscreteScheduler"}')
    for comp, stem in MODEL_FILES.items():
        if comp in skip:
            continue
        d = root / comp
        d.mkdir(exist_ok=True)
        (d / "config.json").write_text("{}")
        vs = (per_component or {}).get(comp, variants)
        for v in vs:
            name = "{}{}.{}".format(stem, "." + v if v else "", fmt)
            if fmt == "safetensors":
                write_safetensors(d / name, {"w": ("F16" if v == "fp16" else "F32", (4, 4))})
            else:
                (d / name).write_bytes(b"PK\x03\x04" + b"\0" * 2048)
    return root
