"""Inspect a diffusers pipeline folder: components, safetensors-only, and the weight variant.

Pure file-name inspection (nothing is opened, nothing is unpickled). A component folder holding a
``config.json`` is a model with weights (unet, vae, text_encoder, text_encoder_2); tokenizers and
schedulers have other config files. Every model needs safetensors weights: a folder with only
``.bin``/``.ckpt``/``.pt`` files is refused, because loading them means unpickling.
"""

import json
import os
import re

from ascendfix.errors import AscendfixError

PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth", ".pkl")
# name[.variant].safetensors or sharded name[.variant]-00001-of-00002.safetensors
_ST = re.compile(r"^(?P<stem>[^.]+?)(?:\.(?P<variant>[A-Za-z0-9_]+))?(?:-\d{5}-of-\d{5})?\.safetensors$")
_ST_INDEX = re.compile(r"^(?P<stem>[^.]+?)(?:\.(?P<variant>[A-Za-z0-9_]+))?\.safetensors\.index\.json$")


class WeightsError(AscendfixError):
    """The weights folder cannot be used (exit 2: fix the folder or pass another one)."""


def _variants_of(files):
    """Variants (None = plain) that have safetensors in this file list."""
    found = set()
    for name in files:
        m = _ST.match(name) or _ST_INDEX.match(name)
        if m:
            found.add(m.group("variant"))
    return found


def inspect_weights(folder, preferred=None):
    """``{"path", "variant", "components": {name: {"variants": [...], "pickle_only": bool}}}``.

    ``variant`` is ``preferred`` when every model component has it, else None (plain files) when
    every component has those; otherwise WeightsError says which component lacks what.
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
    try:
        with open(index, encoding="utf-8") as f:
            model_index = json.load(f)
    except (OSError, ValueError) as e:
        raise WeightsError("{}: unreadable model_index.json: {}".format(index, e))
    if not isinstance(model_index, dict):
        raise WeightsError("{}: model_index.json is not a JSON object".format(index))
    components = {}
    for name, spec in sorted(model_index.items()):
        if name.startswith("_") or not isinstance(spec, list) or not spec or spec[0] is None:
            continue
        sub = os.path.join(folder, name)
        if not os.path.isfile(os.path.join(sub, "config.json")):
            continue  # tokenizer / scheduler / feature extractor: no weights
        files = sorted(os.listdir(sub))
        variants = _variants_of(files)
        pickles = [f for f in files if f.endswith(PICKLE_SUFFIXES)]
        components[name] = {
            "variants": sorted(variants, key=lambda v: (v is not None, v or "")),
            "pickle_only": bool(pickles) and not variants,
            "files": files,
        }
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
        # a variant every component has, if any (e.g. only fp16 files while the recipe has none)
        common = set.intersection(*(set(c["variants"]) for c in components.values()))
        if not common:
            detail = "; ".join(
                "{}: {}".format(n, ", ".join(v or "plain" for v in c["variants"])) for n, c in components.items()
            )
            raise WeightsError("{}: the components have no weight variant in common ({})".format(folder, detail))
        variant = sorted(common, key=lambda v: (v is not None, v or ""))[0]
    for c in components.values():
        c.pop("files", None)
    return {"path": folder, "variant": variant, "components": components}
