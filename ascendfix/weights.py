"""One inspector for a diffusers pipeline folder (SDXL), used by ``check`` and ``smoke``.

:func:`scan` reads a folder once: model_index.json, each component's folder, its weight files by name
(formats and variants, sharded or not, their index files) and — unless ``read_headers=False`` — each
safetensors file's header (8-byte length + JSON; no tensor data is read, nothing is hashed or unpickled),
git-LFS pointers and missing shards. ``check`` turns the scan into findings; :func:`inspect_weights`
(``smoke``) picks the variant to load and refuses a folder it cannot load, from file names alone.
"""

import json
import os
import re
import struct
from collections import OrderedDict

from ascendfix.errors import AscendfixError

# name[.variant][-00001-of-00002].format and name[.variant].format.index.json
FILE_RE = re.compile(r"^(?P<stem>[^.]+?)(?:\.(?P<variant>[A-Za-z0-9_]+))?(?:-\d{5}-of-\d{5})?"
                     r"\.(?P<fmt>safetensors|bin|ckpt|pt|pth|pkl)$")
INDEX_RE = re.compile(r"^(?P<stem>[^.]+?)(?:\.(?P<variant>[A-Za-z0-9_]+))?\.(?P<fmt>safetensors|bin)\.index\.json$")
PICKLE_FORMATS = ("bin", "ckpt", "pt", "pth", "pkl")
PICKLE_SUFFIXES = tuple("." + f for f in PICKLE_FORMATS)
TOKENIZER_FILES = ("vocab.json", "merges.txt")  # what a slow CLIPTokenizer reads (transformers 4.x)
TOKENIZER_FAST_FILE = "tokenizer.json"  # what the fast tokenizer reads (transformers 5's only kind)
NON_MODEL = ("tokenizer", "scheduler", "feature_extractor", "image_processor", "safety_checker")
LFS_PREFIX = b"version https://git-lfs"
SDXL_CLASSES = ("StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline", "StableDiffusionXLInpaintPipeline")


class WeightsError(AscendfixError):
    """The weights folder cannot be used (exit 2: fix the folder or pass another one)."""


class RealFS(object):
    """The filesystem as it is (check passes its context, which maps paths under --root)."""

    def listdir(self, p):
        try:
            return sorted(os.listdir(p))
        except OSError:
            return []

    def read_text(self, p, limit=1 << 20):
        try:
            with open(p, "r", encoding="utf-8", errors="replace") as fh:
                return fh.read(limit)
        except (OSError, ValueError):
            return None

    def is_dir(self, p):
        return os.path.isdir(p)

    def exists(self, p):
        return os.path.exists(p)

    def path(self, p):
        return p


# --- single files ----------------------------------------------------------------------------------
def read_safetensors_header(path):
    """(header dict, header_len, expected_size) from a .safetensors file, or raise ValueError."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise ValueError("file is {} bytes, shorter than the 8-byte header length".format(size))
        (n,) = struct.unpack("<Q", head)
        if n > 100 * 1024 * 1024 or n > size - 8:
            raise ValueError("header length {} does not fit in a {}-byte file".format(n, size))
        raw = fh.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError("header is not valid JSON: {}".format(e))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    end = 0
    for k, v in header.items():
        if k == "__metadata__":
            continue
        try:
            end = max(end, int(v["data_offsets"][1]))
        except (KeyError, TypeError, IndexError, ValueError):
            raise ValueError("tensor {!r} has no valid data_offsets".format(k))
    return header, n, 8 + n + end


def inspect_file(path):
    """Problems with one weight file: [(status, message)]; empty when fine. Plus a short description."""
    size = os.path.getsize(path)
    if size < 1024:
        with open(path, "rb") as fh:
            if fh.read(len(LFS_PREFIX)) == LFS_PREFIX:
                return [("error", "is a git-LFS pointer ({} bytes), not the weights".format(size))], "LFS pointer"
    if not path.endswith(".safetensors"):
        return [], "{:.2f} GB".format(size / 1e9)
    try:
        header, n, expected = read_safetensors_header(path)
    except ValueError as e:
        return [("error", "unreadable safetensors header: {}".format(e))], "bad header"
    dtypes = sorted({v.get("dtype") for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)})
    desc = "{:.2f} GB, {} tensors, {}".format(size / 1e9, len(header) - (1 if "__metadata__" in header else 0),
                                               "/".join(d for d in dtypes if d))
    if size < expected:
        return [("error", "truncated: {} bytes on disk, the header says {} ({:.0%})".format(
            size, expected, size / float(expected)))], desc
    if size > expected:
        return [("warn", "{} trailing bytes after the last tensor".format(size - expected))], desc
    return [], desc


# --- a folder ----------------------------------------------------------------------------------------
def _is_model(name, spec):
    low = (name + " " + str(spec[1] if len(spec) > 1 else "")).lower()
    return not any(t in low for t in NON_MODEL)


def scan(folder, fs=None, read_headers=True):
    """Everything about a pipeline folder, as data (see the module docstring). Never raises for a bad folder."""
    fs = fs or RealFS()
    rep = OrderedDict([("path", folder), ("exists", fs.is_dir(folder)), ("index", None), ("index_path", None),
                       ("index_error", None), ("class_name", None), ("singles", []), ("files", []),
                       ("components", OrderedDict())])
    if not rep["exists"]:
        return rep
    rep["files"] = fs.listdir(folder)
    ip = folder.rstrip("/") + "/model_index.json"
    text = fs.read_text(ip)
    if text is None:
        rep["singles"] = [f for f in rep["files"] if f.endswith((".safetensors", ".ckpt"))]
        return rep
    rep["index_path"] = ip
    try:
        index = json.loads(text)
    except ValueError as e:
        rep["index_error"] = str(e)
        return rep
    if not isinstance(index, dict):
        rep["index_error"] = "model_index.json is not a JSON object"
        return rep
    rep["index"] = index
    rep["class_name"] = index.get("_class_name")
    for name, spec in sorted(index.items()):
        if name.startswith("_") or not isinstance(spec, list) or not spec or spec[0] is None:
            continue
        sub = folder.rstrip("/") + "/" + name
        files = fs.listdir(sub)
        c = OrderedDict([("library", spec[0]), ("class", spec[1] if len(spec) > 1 else None),
                         ("dir", sub), ("dir_exists", fs.is_dir(sub)), ("files", files),
                         ("has_config", "config.json" in files), ("model", _is_model(name, spec)),
                         ("missing", []), ("formats", {}), ("variants", []), ("pickle_only", False), ("problems", []),
                         ("tokenizer_json_only", False)])
        if not c["dir_exists"]:
            c["missing"].append("{}/ (folder missing)".format(name))
        elif "tokenizer" in name or "Tokenizer" in str(c["class"]):
            slow = ["{}/{}".format(name, f) for f in TOKENIZER_FILES if f not in files]
            if slow and TOKENIZER_FAST_FILE in files:  # complete for a fast tokenizer, not for transformers 4.x's slow one
                c["tokenizer_json_only"] = True
            elif slow:
                c["missing"] += slow
        elif "scheduler" in name:
            c["missing"] += [] if "scheduler_config.json" in files else ["{}/scheduler_config.json".format(name)]
        elif "config.json" not in files:
            c["missing"].append("{}/config.json".format(name))
        formats = {}
        for f in files:
            m = FILE_RE.match(f) or INDEX_RE.match(f)
            if m:
                formats.setdefault(m.group("variant"), set()).add(m.group("fmt"))
        c["formats"] = {k: sorted(v) for k, v in formats.items()}
        st = [v for v, fmts in formats.items() if "safetensors" in fmts]
        c["variants"] = sorted(st, key=lambda v: (v is not None, v or ""))
        c["pickle_only"] = any(f.endswith(PICKLE_SUFFIXES) for f in files) and not st
        if read_headers and c["model"]:
            c["problems"] = _file_problems(fs, name, sub, files)
        rep["components"][name] = c
    return rep


def _file_problems(fs, name, sub, files):
    out = []
    for f in sorted(files):
        rel = sub + "/" + f
        real = str(fs.path(rel))
        if f.endswith(".index.json"):
            try:
                with open(real, "r", encoding="utf-8") as fh:
                    shards = sorted(set(json.load(fh).get("weight_map", {}).values()))
            except (OSError, ValueError, AttributeError) as e:
                out.append(("error", "{}/{}: unreadable index: {}".format(name, f, e), rel, "bad"))
                continue
            lost = [s for s in shards if s not in files]
            if lost:
                out.append(("error", "{}/{}: shards missing: {}".format(name, f, ", ".join(lost)), rel, ", ".join(shards)))
            continue
        if not FILE_RE.match(f):
            continue
        try:
            issues, desc = inspect_file(real)
        except OSError as e:
            issues, desc = [("error", "unreadable: {}".format(e.strerror or e))], "unreadable"
        for status, msg in issues:
            out.append((status, "{}/{} {}".format(name, f, msg), rel, desc))
    return out


# --- smoke: the variant to load ---------------------------------------------------------------------
def inspect_weights(folder, preferred=None):
    """``{"path", "variant", "components": {name: {"variants": [...], "pickle_only": bool}}}`` from file names only.

    Components are the model_index.json entries whose folder holds a ``config.json`` (unet, vae, text encoders).
    ``variant`` is ``preferred`` when every component has it, else None (plain files) when every component has
    those, else the variant all have; otherwise WeightsError says which component lacks what. A component with
    only pickle files (.bin/.ckpt/.pt) is refused: loading them means unpickling.
    """
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        raise WeightsError("--weights {}: no such directory".format(folder))
    index = os.path.join(folder, "model_index.json")
    if not os.path.isfile(index):
        raise WeightsError(
            "{}: no model_index.json - not a diffusers pipeline folder (point --weights at the folder "
            "snapshot_download returned, the one holding unet/, vae/, text_encoder/)".format(folder)
        )
    rep = scan(folder, read_headers=False)
    if rep["index_error"]:
        raise WeightsError("{}: unreadable model_index.json: {}".format(index, rep["index_error"]))
    components = OrderedDict()
    for name, c in rep["components"].items():
        if c["has_config"]:
            components[name] = c
    if not components:
        raise WeightsError("{}: model_index.json lists no model components with a config.json".format(folder))
    for name, c in components.items():
        if c["pickle_only"]:
            raise WeightsError(
                "{}/{}: only .bin/pickle weights ({}); ascendfix never unpickles weights - download the "
                ".safetensors files of this model (or convert them) and retry".format(
                    folder, name, ", ".join(f for f in c["files"] if f.endswith(PICKLE_SUFFIXES))
                )
            )
        if not c["variants"]:
            raise WeightsError("{}/{}: no .safetensors weights".format(folder, name))
    candidates = [preferred, None] if preferred else [None]
    for cand in candidates:
        if all(cand in c["variants"] for c in components.values()):
            variant = cand
            break
    else:
        common = set.intersection(*(set(c["variants"]) for c in components.values()))
        if not common:
            detail = "; ".join(
                "{}: {}".format(n, ", ".join(v or "plain" for v in c["variants"])) for n, c in components.items()
            )
            raise WeightsError("{}: the components have no weight variant in common ({})".format(folder, detail))
        variant = sorted(common, key=lambda v: (v is not None, v or ""))[0]
    return {"path": folder, "variant": variant,
            "components": {n: {"variants": list(c["variants"]), "pickle_only": c["pickle_only"]}
                           for n, c in components.items()}}
