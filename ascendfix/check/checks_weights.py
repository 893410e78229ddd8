"""SDXL weights folder: layout from model_index.json, formats and variants, LFS pointers, safetensors headers.

Nothing is hashed and no tensor data is read: a safetensors file is checked by its 8-byte header length,
its JSON header, and whether the file is as long as the header says.
"""

import json
import os
import re
import struct

from ascendfix.check.engine import check, ev, finding

WEIGHT_RE = re.compile(r"^(diffusion_pytorch_model|model|pytorch_model)(?:\.([A-Za-z0-9_]+))?\.(safetensors|bin|ckpt)$")
INDEX_RE = re.compile(r"^(diffusion_pytorch_model|model|pytorch_model)(?:\.([A-Za-z0-9_]+))?\.(safetensors|bin)\.index\.json$")
TOKENIZER_FILES = ("vocab.json", "merges.txt")
NON_MODEL = ("tokenizer", "scheduler", "feature_extractor", "image_processor", "safety_checker")
LFS_PREFIX = b"version https://git-lfs"
SDXL_CLASSES = ("StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline", "StableDiffusionXLInpaintPipeline")


def default_weight_dirs(ctx):
    """SDXL folders in the modelscope caches (seed 000/002 download with snapshot_download)."""
    home = ctx.env.get("HOME", "/root")
    roots = []
    for base in [ctx.env.get("MODELSCOPE_CACHE"), home + "/.cache/modelscope"]:
        if base:
            roots += [base, base + "/hub", base + "/hub/models", base + "/models"]
    roots.append(home + "/weights")  # seed 000: snapshot_download(cache_dir="~/weights")
    found = []
    for r in roots:
        for org in ctx.listdir(r):
            for name in ctx.listdir(r + "/" + org):
                if "stable-diffusion-xl" in name.lower() or "sdxl" in name.lower():
                    p = "{}/{}/{}".format(r, org, name)
                    if ctx.exists(p + "/model_index.json") and p not in found:
                        found.append(p)
    return found


def weight_dirs(ctx):
    """(dirs, filesystem view): --weights is a real path; the default cache is looked up under --root."""
    if ctx.weights:
        return [os.path.abspath(str(ctx.weights))], ctx.real_view()
    return ctx.cached("weight_dirs", lambda: default_weight_dirs(ctx)), ctx


def _fs(ctx, p):
    return str(ctx.path(p)) if os.path.isabs(str(p)) else str(p)


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


def _components(index):
    comps = {}
    for k, v in index.items():
        if k.startswith("_") or not isinstance(v, list) or len(v) != 2 or v[0] is None:
            continue
        comps[k] = v
    return comps


def _is_model(name, cls):
    low = (name + " " + str(cls[1])).lower()
    return not any(t in low for t in NON_MODEL) and "tokenizer" not in low and "scheduler" not in low


def _load_index(ctx, d):
    p = d + "/model_index.json"
    text = ctx.read_text(p)
    if text is None:
        return None, None
    try:
        return json.loads(text), p
    except ValueError as e:
        return {"__error__": str(e)}, p


@check("weights.layout", "weights", "SDXL folder layout (model_index.json)")
def weights_layout(ctx):
    """model_index.json present; every listed component has its folder and config files."""
    dirs, ctx = weight_dirs(ctx)
    if not dirs:
        return finding("skip", "no weights folder (pass --weights DIR; none found in the modelscope cache)")
    out = []
    for d in dirs:
        if not ctx.is_dir(d):
            out.append(finding("error", "{} is not a directory".format(d), [ev(d, "missing")]))
            continue
        index, ip = _load_index(ctx, d)
        if index is None:
            singles = [f for f in ctx.listdir(d) if f.endswith((".safetensors", ".ckpt"))]
            if singles:
                out.append(finding("error", "{} holds a single-file checkpoint ({}), not a diffusers folder".format(
                    d, ", ".join(singles)), [ev(d, ", ".join(ctx.listdir(d))[:200])],
                    fix=["load it with StableDiffusionXLPipeline.from_single_file('{}/{}'), or download the diffusers "
                         "layout: modelscope download AI-ModelScope/stable-diffusion-xl-base-1.0".format(d, singles[0])]))
            else:
                out.append(finding("error", "{}: model_index.json is missing".format(d), [ev(d + "/model_index.json", "missing")],
                                   fix=["re-download the full folder: modelscope download AI-ModelScope/stable-diffusion-xl-base-1.0 --local_dir {}".format(d)]))
            continue
        if "__error__" in index:
            out.append(finding("error", "{}: model_index.json is not valid JSON: {}".format(d, index["__error__"]), [ev(ip, "invalid")]))
            continue
        cls = index.get("_class_name")
        comps = _components(index)
        missing = []
        for name, (lib, ccls) in sorted(comps.items()):
            sub = d + "/" + name
            if not ctx.is_dir(sub):
                missing.append("{}/ (folder missing)".format(name))
                continue
            files = ctx.listdir(sub)
            if "tokenizer" in name or "Tokenizer" in str(ccls):
                need = [f for f in TOKENIZER_FILES if f not in files]
            elif "scheduler" in name:
                need = [] if "scheduler_config.json" in files else ["scheduler_config.json"]
            else:
                need = [] if "config.json" in files else ["config.json"]
            missing.extend("{}/{}".format(name, f) for f in need)
        e = [ev(ip, "_class_name={}, components: {}".format(cls, ", ".join(sorted(comps))))]
        if missing:
            out.append(finding("error", "{}: {} missing: {}".format(d, "file" if len(missing) == 1 else "files", ", ".join(missing)), e,
                               fix=["re-download the missing parts (modelscope download AI-ModelScope/stable-diffusion-xl-base-1.0 --local_dir {})".format(d)]))
        elif cls not in SDXL_CLASSES:
            out.append(finding("warn", "{}: {} is not an SDXL pipeline".format(d, cls), e, expected=" / ".join(SDXL_CLASSES)))
        else:
            out.append(finding("ok", "{}: {}, {}/{} components".format(d, cls, len(comps), len(comps)), e))
    return out


@check("weights.files", "weights", "Weight files: format, variant, LFS, integrity")
def weights_files(ctx):
    """Per model component: .safetensors present (mindone cannot load .bin), variants, LFS pointers, headers."""
    dirs, ctx = weight_dirs(ctx)
    if not dirs:
        return finding("skip", "no weights folder")
    out = []
    for d in dirs:
        index, _ = _load_index(ctx, d)
        if not index or "__error__" in index:
            continue
        per = {}
        problems = []
        for name, cls in sorted(_components(index).items()):
            if not _is_model(name, cls):
                continue
            sub = d + "/" + name
            files = ctx.listdir(sub)
            variants = {}
            for f in files:
                m = WEIGHT_RE.match(f) or INDEX_RE.match(f)
                if m:
                    variants.setdefault(m.group(2), set()).add(m.group(3))
            per[name] = variants
            st = [v for v, fmts in variants.items() if "safetensors" in fmts]
            if not variants:
                problems.append(("error", "{}: no weight file".format(name), ev(sub, ", ".join(files) or "empty")))
                continue
            if not st and not any("ckpt" in f for f in variants.values()):
                problems.append(("error", "{}: only .bin weights — mindone.diffusers loads only .safetensors (or .ckpt) and "
                                 "raises NotImplementedError on .bin".format(name), ev(sub, ", ".join(sorted(files)))))
            for f in sorted(files):
                fp = _fs(ctx, sub + "/" + f)
                if f.endswith(".index.json"):
                    try:
                        with open(fp, "r", encoding="utf-8") as fh:
                            shards = sorted(set(json.load(fh).get("weight_map", {}).values()))
                    except (OSError, ValueError) as e:
                        problems.append(("error", "{}/{}: unreadable index: {}".format(name, f, e), ev(sub + "/" + f, "bad")))
                        continue
                    lost = [s for s in shards if s not in files]
                    if lost:
                        problems.append(("error", "{}/{}: shards missing: {}".format(name, f, ", ".join(lost)), ev(sub + "/" + f, ", ".join(shards))))
                    continue
                if not WEIGHT_RE.match(f) and not f.endswith(".safetensors"):
                    continue
                issues, desc = inspect_file(fp)
                for status, msg in issues:
                    problems.append((status, "{}/{} {}".format(name, f, msg), ev(sub + "/" + f, desc)))
        fix_variant = []
        all_v = [set(v) for v in per.values() if v]
        plain_everywhere = all(None in v for v in all_v) if all_v else False
        fp16_everywhere = all("fp16" in v for v in all_v) if all_v else False
        if all_v and not plain_everywhere:
            if fp16_everywhere:
                problems.append(("warn", "weights use the fp16 variant naming (*.fp16.safetensors) and not every component "
                                 "has plain files: pass variant=\"fp16\" to from_pretrained",
                                 ev(d, "; ".join("{}: {}".format(k, sorted(str(x) for x in v)) for k, v in sorted(per.items())))))
                dtype = "torch_dtype=torch.float16" if ctx.stack in ("torch-npu", "mindie") else "mindspore_dtype=ms.float16"
                fix_variant = ["StableDiffusionXLPipeline.from_pretrained('{}', variant=\"fp16\", {})".format(d, dtype)]
            else:
                only_plain = sorted(k for k, v in per.items() if v and "fp16" not in v)
                only_var = sorted(k for k, v in per.items() if v and None not in v)
                problems.append(("error", "mixed variants: {} have only fp16 files, {} have no fp16 files — neither "
                                 "variant=\"fp16\" nor the default finds every component".format(
                                     ", ".join(only_var) or "-", ", ".join(only_plain) or "-"),
                                 ev(d, "; ".join("{}: {}".format(k, sorted(str(x) for x in v)) for k, v in sorted(per.items())))))
                fix_variant = ["re-download the missing variant files, or rename consistently (all *.fp16.safetensors)"]
        for status, msg, e in problems:
            fix = []
            if "LFS pointer" in msg:
                fix = ["fetch the real files: cd {} && git lfs pull   (or download with modelscope)".format(d)]
            elif "truncated" in msg or "header" in msg:
                fix = ["the download was interrupted: delete the file and download it again"]
            elif ".bin" in msg:
                fix = ["download the .safetensors files (modelscope download ... --include '*.safetensors'), or convert: "
                       "python -c \"import torch; from safetensors.torch import save_file; "
                       "save_file(torch.load('X.bin'), 'X.safetensors')\""]
            elif "variant" in msg:
                fix = fix_variant
            out.append(finding(status, "{}: {}".format(d, msg), [e], fix=fix,
                               links=["https://github.com/huggingface/diffusers/issues/8968"] if "variant" in msg else None))
        if not problems:
            kinds = sorted({str(x) for v in per.values() for x in v})
            out.append(finding("ok", "{}: {} model components, safetensors headers OK (variants: {})".format(
                d, len(per), ", ".join(sorted("plain" if k == "None" else k for k in kinds))), [ev(d, ", ".join(sorted(per)))]))
    return out
