"""SDXL weights folder: layout from model_index.json, formats and variants, LFS pointers, safetensors headers.

The folder is read by the inspector smoke uses too (:mod:`ascendfix.weights`); nothing is hashed and no tensor
data is read: a safetensors file is checked by its 8-byte header length, its JSON header, and whether the file is
as long as the header says.
"""

import os
import re

from ascendfix import stacks
from ascendfix.check import compat
from ascendfix.check.engine import check, ev, finding
from ascendfix.weights import SDXL_CLASSES, scan


def default_weight_dirs(ctx):
    """SDXL folders in the modelscope caches (where snapshot_download puts them) and ~/weights."""
    home = ctx.env.get("HOME", "/root")
    roots = []
    for base in [ctx.env.get("MODELSCOPE_CACHE"), home + "/.cache/modelscope"]:
        if base:
            roots += [base, base + "/hub", base + "/hub/models", base + "/models"]
    roots.append(home + "/weights")  # snapshot_download(cache_dir="~/weights"), as SDXL guides do
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


def slow_tokenizer(ctx):
    """(needs vocab.json + merges.txt, why, evidence, pinned): does the transformers this run will use load CLIPTokenizer
    from vocab.json + merges.txt (transformers 4.x's slow tokenizer) rather than tokenizer.json (transformers 5)?

    The target interpreter's installed transformers decides (read by its environment probe, nothing imported);
    without one, the pin of the stack's top package (mindone pins transformers 4.x); without a pin, pip installs
    the newest transformers that fits the target's Python (5.x: its Requires-Python in rules/compat/packages.yaml). ``pinned``:
    the stack's top package pins transformers 4.x, so upgrading transformers is no way out.
    """
    return ctx.cached("weights:slow_tokenizer", lambda: _slow_tokenizer(ctx))


TRANSFORMERS5 = "5.0.0"  # the first transformers 5 release; its Requires-Python is a row of rules/compat/packages.yaml


def _major(v):
    m = re.match(r"\s*(\d+)", str(v))
    return int(m.group(1)) if m else None


def _stack_pin(ctx):
    """(top, its installed version when the compat table has its row else None, [(release, transformers spec)],
    its installed version or None) when every release the stack's plan may install of its top package pins
    transformers 4.x (mindone does), else None. Three states of the top package: installed and in the table (the
    row's pin), installed at a release the table lacks (a newer or dev build: its pin is unknown), not installed."""
    top = stacks.top(ctx.stack)
    if not top:
        return None
    top_v = ctx.version(top)
    row = compat.top_row(top, top_v) if top_v else None
    rows = [row] if row else list(compat.top_rows(top).values())
    pins = [(compat.row_version(top, r), compat.requires_spec(r, "transformers")) for r in rows]
    if pins and all(spec and _major(spec.lstrip("=<>~! ")) == 4 and not spec.startswith(">") for _, spec in pins):
        return top, (top_v if row else None), pins, top_v
    return None


def _slow_tokenizer(ctx):
    slow, why, evidence = _slow_tokenizer_why(ctx)
    return slow, why, evidence, _stack_pin(ctx) is not None


def _slow_tokenizer_why(ctx):
    inst = ctx.version("transformers")
    py = ctx.environment.get("python", {}).get("executable") or "the target Python"
    pin = _stack_pin(ctx)
    evidence = [ev(py, "transformers " + inst if inst else "transformers not installed")]
    unlisted = None  # the top package installed at a release rules/compat lacks: its pin is unknown
    if pin:
        top, top_v, pins, installed = pin
        if top_v:
            pinned = "{} {} pins transformers{}".format(top, top_v, pins[0][1])
        else:
            pinned = "every {} release pins transformers 4.x ({})".format(
                top, ", ".join("{} {}".format(v, spec) for v, spec in pins))
            if installed:
                unlisted = "{} {} is not in rules/compat/{}.yaml".format(top, installed, top)
                pinned = "{}; {}".format(unlisted, pinned.replace("every", "every listed", 1))
        evidence.append(ev("rules/compat/{}.yaml".format(top), pinned))
    if inst:
        major = _major(inst)
        if major is not None and major < 5:
            return True, "the target's transformers is " + inst, evidence[:1]
        if unlisted:  # installed next to a top package we know nothing of: the transformers installed decides
            return False, "the target's transformers is {} ({})".format(inst, unlisted), evidence
        if pin and not pin[1]:  # the plan installs the top package, and with it the transformers it pins
            return True, "the target's transformers is {}, but {} is not installed and {}".format(
                inst, pin[0], pinned), evidence
        return False, "the target's transformers is " + inst, evidence[:1]
    if pin:
        return True, "transformers is not installed and " + pinned, evidence
    if not _transformers5_fits(ctx):
        vi = tuple(ctx.py_version[:2])
        return (True, "transformers is not installed and Python {}.{} gets transformers 4.x (5.x needs Python "
                "{})".format(vi[0], vi[1], _transformers5_python()), evidence)
    return False, "transformers is not installed and pip installs transformers 5 for this Python", evidence


def _transformers5_python():
    return compat.requires_python_row("transformers", TRANSFORMERS5)["requires_python"]


def _transformers5_fits(ctx):
    """Can pip install transformers 5 for the target's Python (unknown Python: assume it can)?"""
    vi = tuple(ctx.py_version[:2])
    if not vi or not vi[0]:
        return True
    return compat.in_spec("{}.{}".format(*vi), _transformers5_python()) is not False


def _scan(view, d):
    return view.cached("weights:" + d, lambda: scan(d, fs=view)) if hasattr(view, "cached") else scan(d, fs=view)


@check("weights.layout", "weights", "SDXL folder layout (model_index.json)")
def weights_layout(ctx):
    """model_index.json present; every listed component has its folder and config files."""
    dirs, view = weight_dirs(ctx)
    if not dirs:
        return finding("skip", "no weights folder (pass --weights DIR; none found in the modelscope cache)")
    out = []
    for d in dirs:
        rep = _scan(view, d)
        if not rep["exists"]:
            out.append(finding("error", "{} is not a directory".format(d), [ev(d, "missing")]))
            continue
        if rep["index_path"] is None:
            singles = rep["singles"]
            if singles:
                out.append(finding("error", "{} holds a single-file checkpoint ({}), not a diffusers folder".format(
                    d, ", ".join(singles)), [ev(d, ", ".join(rep["files"])[:200])],
                    fix=["load it with StableDiffusionXLPipeline.from_single_file('{}/{}'), or download the diffusers "
                         "layout: modelscope download AI-ModelScope/stable-diffusion-xl-base-1.0".format(d, singles[0])]))
            else:
                out.append(finding("error", "{}: model_index.json is missing".format(d), [ev(d + "/model_index.json", "missing")],
                                   fix=["re-download the full folder: modelscope download AI-ModelScope/stable-diffusion-xl-base-1.0 --local_dir {}".format(d)]))
            continue
        if rep["index_error"]:
            out.append(finding("error", "{}: model_index.json is not valid JSON: {}".format(d, rep["index_error"]),
                               [ev(rep["index_path"], "invalid")]))
            continue
        cls = rep["class_name"]
        comps = rep["components"]
        missing = [m for c in comps.values() for m in c["missing"]]
        json_only = sorted(n for n, c in comps.items() if c.get("tokenizer_json_only"))
        e = [ev(rep["index_path"], "_class_name={}, components: {}".format(cls, ", ".join(sorted(comps))))]
        if missing:
            out.append(finding("error", "{}: {} missing: {}".format(d, "file" if len(missing) == 1 else "files", ", ".join(missing)), e,
                               fix=["re-download the missing parts (modelscope download AI-ModelScope/stable-diffusion-xl-base-1.0 --local_dir {})".format(d)]))
        elif cls not in SDXL_CLASSES:
            out.append(finding("warn", "{}: {} is not an SDXL pipeline".format(d, cls), e, expected=" / ".join(SDXL_CLASSES)))
        elif json_only:
            slow, why, evidence, pinned = slow_tokenizer(ctx)
            names = " and ".join(n + "/" for n in json_only)
            if slow:
                out.append(finding(
                    "warn", "{}: {} {} only tokenizer.json — {}, and transformers 4.x's CLIPTokenizer needs vocab.json "
                    "and merges.txt".format(d, names, "has" if len(json_only) == 1 else "have", why),
                    e + [ev(comps[n]["dir"], ", ".join(comps[n]["files"])[:200]) for n in json_only] + evidence,
                    fix=["download the tokenizer folders with vocab.json and merges.txt (modelscope download "
                         "AI-ModelScope/stable-diffusion-xl-base-1.0 --local_dir {}){}".format(
                             d, "" if pinned or not _transformers5_fits(ctx) else ", or install transformers 5")]))
            else:
                out.append(finding("ok", "{}: {}, {}/{} components ({} tokenizer.json only: {}, which loads it)".format(
                    d, cls, len(comps), len(comps), names, why), e + evidence))
        else:
            out.append(finding("ok", "{}: {}, {}/{} components".format(d, cls, len(comps), len(comps)), e))
    return out


@check("weights.files", "weights", "Weight files: format, variant, LFS, integrity")
def weights_files(ctx):
    """Per model component: .safetensors present (mindone cannot load .bin), variants, LFS pointers, headers."""
    dirs, view = weight_dirs(ctx)
    if not dirs:
        return finding("skip", "component files not checked: no weights folder")
    out = []
    for d in dirs:
        rep = _scan(view, d)
        if rep["index"] is None:
            continue
        per = {}
        problems = []
        for name, c in rep["components"].items():
            if not c["model"]:
                continue
            variants = {k: set(v) for k, v in c["formats"].items()}
            per[name] = variants
            st = [v for v, fmts in variants.items() if "safetensors" in fmts]
            if not variants:
                problems.append(("error", "{}: no weight file".format(name), ev(c["dir"], ", ".join(c["files"]) or "empty")))
                continue
            if not st and not any("ckpt" in f for f in variants.values()):
                problems.append(("error", "{}: only .bin weights — mindone.diffusers loads only .safetensors (or .ckpt) and "
                                 "raises NotImplementedError on .bin".format(name), ev(c["dir"], ", ".join(sorted(c["files"])))))
            for status, msg, path, value in c["problems"]:
                problems.append((status, msg, ev(path, value)))
        fix_variant = []
        all_v = [set(v) for v in per.values() if v]
        plain_everywhere = all(None in v for v in all_v) if all_v else False
        fp16_everywhere = all("fp16" in v for v in all_v) if all_v else False
        if all_v and not plain_everywhere:
            listing = "; ".join("{}: {}".format(k, sorted("plain" if x is None else x for x in v)) for k, v in sorted(per.items()))
            if fp16_everywhere:
                problems.append(("warn", "weights use the fp16 variant naming (*.fp16.safetensors) and not every component "
                                 "has plain files: pass variant=\"fp16\" to from_pretrained", ev(d, listing)))
                dtype = stacks.family_info(ctx.stack)["dtype_arg"]  # rules/stacks.yaml families
                fix_variant = ["StableDiffusionXLPipeline.from_pretrained('{}', variant=\"fp16\", {})".format(d, dtype)]
            else:
                only_plain = sorted(k for k, v in per.items() if v and "fp16" not in v)
                only_var = sorted(k for k, v in per.items() if v and None not in v)
                problems.append(("error", "mixed variants: {} have only fp16 files, {} have no fp16 files — neither "
                                 "variant=\"fp16\" nor the default finds every component".format(
                                     ", ".join(only_var) or "-", ", ".join(only_plain) or "-"), ev(d, listing)))
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
            kinds = sorted({"plain" if x is None else x for v in per.values() for x in v})
            out.append(finding("ok", "{}: {} model components, safetensors headers OK (variants: {})".format(
                d, len(per), ", ".join(kinds)), [ev(d, ", ".join(sorted(per)))]))
    return out
