"""Smoke recipes (``recipes/*.yaml``): loading, validation, and resolving one run's settings.

A recipe is data: model id + revision, stack, dtype, mode, memory cap, VAE tiling, prompt, steps,
guidance, size, seed, output checks, plus ``examples`` that tests/test_smoke_recipes.py runs.
:func:`resolve` turns a recipe plus the command-line overrides into the flat settings the runner
gets; adding a recipe touches no code.
"""

from ascendfix import stacks
from ascendfix.data import DataError, Field, display_path, load_entries, validate
from ascendfix.errors import AscendfixError

CHECK_NAMES = ("size", "finite", "not_black", "not_flat")

FIELDS = {
    "id": Field(str),
    "title": Field(str),
    "default": Field(bool, required=False),
    "stack": Field(str),  # one of rules/stacks.yaml's (checked when the recipes are read)
    "arch": Field(str, choices=("sdxl", "sd15")),
    "model_id": Field(str),
    "revision": Field(str, required=False),
    "variant": Field(str, required=False),
    "dtype": Field(str, choices=("float16", "bfloat16", "float32")),
    "mode": Field(str),  # one of its stack's family's modes (rules/stacks.yaml)
    "device": Field(str),
    "devices": Field(list, items=str),
    "max_device_memory": Field(str, required=False),
    "vae_tiling": Field(bool),
    "attention_slicing": Field(bool),
    "prompt": Field(str),
    "negative_prompt": Field(str, required=False),
    "steps": Field(int),
    "guidance": Field(float),
    "size": Field(list, items=int),
    "seed": Field(int),
    "timeout": Field(int),
    "requires": Field(list, items=str),
    "requires_cpu": Field(list, required=False, items=str),
    "install": Field(str),
    "checks": Field(dict),
    "tiny": Field(dict, required=False),
    "references": Field(list, required=False, items=dict),
    "resources": Field(dict, required=False),
    "examples": Field(list, items=dict),
}
CHECK_FIELDS = {
    "size": Field(bool),
    "finite": Field(bool),
    "black_mean_below": Field(float),
    "flat_std_below": Field(float),
}
REFERENCE_FIELDS = {
    "id": Field(str),
    "title": Field(str),
    "source": Field(str),
    "seconds": Field(float),
    "approx": Field(bool, required=False),
    "metric": Field(str, choices=("generate", "denoising")),
    "what": Field(str),
    "settings": Field(dict),
    "software": Field(str, required=False),
    "note": Field(str, required=False),
}
REFERENCE_SETTINGS = {
    "steps": Field(int),
    "width": Field(int),
    "height": Field(int),
    "dtype": Field(str, required=False, choices=("float16", "bfloat16", "float32")),
    "mode": Field(str, required=False),  # one of the families' modes (rules/stacks.yaml)
    "device": Field(str),
    "warm": Field(bool, required=False),
}
# Host resources a deployment of the recipe's model needs; `ascendfix check` reads them (disk, memory).
RESOURCE_FIELDS = {
    "disk_free_gb": Field(float),
    "tmp_free_gb": Field(float),
    "disk_error_below_gb": Field(float),
    "memory_error_below_gb": Field(float),
    "memory_warn_below_gb": Field(float),
}
TINY_FIELDS = {"size": Field(list, items=int), "steps": Field(int), "dtype": Field(str, choices=("float16", "float32"))}
EXAMPLE_KINDS = ("layout", "image", "resolve", "reference")


def load_recipes():
    """All recipes as ``{id: dict}`` (validated; order of the files)."""
    out = {}
    defaults = []
    fields = dict(FIELDS, stack=Field(str, choices=stacks.ids()))  # the stacks of rules/stacks.yaml, read now
    for path, entry in load_entries("recipes", "", fields):
        where = "{}: recipe '{}'".format(display_path(path), entry["id"])
        if entry["mode"] not in stacks.modes(entry["stack"]):
            raise DataError("{}: mode '{}' is not one of the {} stack's modes ({})".format(
                where, entry["mode"], entry["stack"], ", ".join(stacks.modes(entry["stack"]))))
        validate(entry["checks"], CHECK_FIELDS, where + " checks")
        if entry.get("tiny") is not None:
            validate(entry["tiny"], TINY_FIELDS, where + " tiny")
        for i, ref in enumerate(entry.get("references") or []):
            rwhere = "{} references[{}]".format(where, i)
            validate(ref, REFERENCE_FIELDS, rwhere)
            validate(ref["settings"], REFERENCE_SETTINGS, rwhere + " settings")
            if ref["settings"].get("mode") and ref["settings"]["mode"] not in stacks.all_modes():
                raise DataError("{} settings: mode '{}' is not one of {}".format(
                    rwhere, ref["settings"]["mode"], ", ".join(stacks.all_modes())))
            if not ref["source"].startswith("https://"):
                raise DataError("{}: source must be a public https:// URL".format(rwhere))
        if entry.get("resources") is not None:
            validate(entry["resources"], RESOURCE_FIELDS, where + " resources")
        for name in ("size",):
            if len(entry[name]) != 2 or min(entry[name]) <= 0:
                raise DataError("{}: field 'size' must be [width, height]".format(where))
        if entry["device"] not in entry["devices"]:
            raise DataError("{}: device '{}' is not in devices".format(where, entry["device"]))
        for i, ex in enumerate(entry["examples"]):
            if ex.get("kind") not in EXAMPLE_KINDS or not isinstance(ex.get("expect"), dict):
                raise DataError(
                    "{}: examples[{}] needs kind ({}) and an expect mapping".format(where, i, ", ".join(EXAMPLE_KINDS))
                )
        entry = dict(entry)
        entry["_file"] = display_path(path)
        out[entry["id"]] = entry
        if entry.get("default"):
            defaults.append(entry["id"])
    if len(defaults) > 1:
        raise DataError("recipes: more than one default recipe ({})".format(", ".join(defaults)))
    return out


def resource_thresholds(stack=None, recipes=None):
    """Host resource thresholds (``resources`` of a recipe) for ``stack``: its SDXL recipe, else the default one.

    ``{"disk_free_gb", "tmp_free_gb", "disk_error_below_gb", "memory_error_below_gb", "memory_warn_below_gb"}``
    (with ``"recipe"`` naming where they come from), or None when no recipe carries them.
    """
    recipes = recipes if recipes is not None else load_recipes()
    ranked = sorted(recipes.values(), key=lambda r: (r["stack"] != stack, r["arch"] != "sdxl", not r.get("default")))
    for r in ranked:
        if r.get("resources"):
            return dict(r["resources"], recipe=r["id"])
    return None


def default_recipe_id(recipes):
    for rid, r in recipes.items():
        if r.get("default"):
            return rid
    return next(iter(recipes)) if recipes else None


def get_recipe(recipes, rid):
    if rid is None:
        rid = default_recipe_id(recipes)
    if rid not in recipes:
        raise AscendfixError("unknown recipe '{}' (known: {}; see --list)".format(rid, ", ".join(sorted(recipes))))
    return recipes[rid]


def _parse_size(text):
    try:
        w, h = text.lower().split("x")
        w, h = int(w), int(h)
    except ValueError:
        raise AscendfixError("--size must look like 1024x1024, got '{}'".format(text))
    if w <= 0 or h <= 0 or w % 8 or h % 8:
        raise AscendfixError("--size {}: width and height must be positive multiples of 8".format(text))
    return w, h


def resolve(recipe, opts):
    """Settings for one run: the recipe's values with the command-line overrides in ``opts``.

    ``opts`` keys (all optional): tiny, device, dtype, mode, steps, size ("WxH"), seed, prompt,
    revision, variant. Raises AscendfixError (exit 2) for a value the recipe cannot take.
    """
    tiny = bool(opts.get("tiny"))
    if tiny and not recipe.get("tiny"):
        raise AscendfixError("recipe '{}' has no --tiny variant (it needs the real package on an NPU)".format(recipe["id"]))
    devices = recipe["devices"]
    device = opts.get("device") or recipe["device"]
    by_lower = {d.lower(): d for d in devices}
    if device.lower() not in by_lower:
        raise AscendfixError(
            "--device {}: recipe '{}' runs on {}".format(device, recipe["id"], " or ".join(devices))
        )
    device = by_lower[device.lower()]
    t = recipe.get("tiny") or {}
    width, height = recipe["size"]
    steps, dtype = recipe["steps"], recipe["dtype"]
    if tiny:
        width, height = t["size"]
        steps, dtype = t["steps"], t["dtype"]
    if opts.get("size"):
        width, height = _parse_size(opts["size"])
    if opts.get("steps") is not None:
        steps = int(opts["steps"])
        if steps < 1:
            raise AscendfixError("--steps must be at least 1")
    if opts.get("dtype"):
        dtype = opts["dtype"]
    cfg = {
        "recipe": recipe["id"],
        "stack": recipe["stack"],
        "arch": recipe["arch"],
        "model_id": recipe["model_id"],
        "revision": opts.get("revision") or recipe.get("revision"),
        "variant": recipe.get("variant"),
        "dtype": dtype,
        "mode": opts.get("mode") or recipe["mode"],
        "device": device,
        "device_id": 0,
        "max_device_memory": recipe.get("max_device_memory"),
        "vae_tiling": recipe["vae_tiling"],
        "attention_slicing": recipe["attention_slicing"],
        "prompt": opts.get("prompt") or recipe["prompt"],
        "negative_prompt": recipe.get("negative_prompt"),
        "steps": steps,
        "guidance": float(recipe["guidance"]),
        "width": width,
        "height": height,
        "seed": recipe["seed"] if opts.get("seed") is None else int(opts["seed"]),
        "tiny": tiny,
        "timeout": recipe["timeout"] if not tiny else min(recipe["timeout"], 900),
    }
    modes = stacks.modes(recipe["stack"])  # the stack's family in rules/stacks.yaml
    if cfg["mode"] not in modes:
        raise AscendfixError("--mode {}: {} recipes run {}".format(
            cfg["mode"], stacks.family_info(recipe["stack"])["title"], " or ".join(modes)))
    return cfg


def requirements(recipe, device):
    """Import names the target interpreter needs for ``recipe`` on ``device``."""
    if device.lower() == "cpu" and recipe.get("requires_cpu"):
        return list(recipe["requires_cpu"])
    return list(recipe["requires"])


# ------------------------------------------------------------------ output checks


def evaluate_checks(checks, stats, width, height):
    """``[{"name", "status" ok|error, "detail"}]`` for the image statistics the runner reported."""
    out = []

    def add(name, ok, detail):
        out.append({"name": name, "status": "ok" if ok else "error", "detail": detail})

    if checks.get("size"):
        got = (stats.get("width"), stats.get("height"))
        add("size", got == (width, height), "{}x{} (expected {}x{})".format(got[0], got[1], width, height))
    mean, std = stats.get("mean"), stats.get("std")
    if checks.get("finite"):
        bad = (stats.get("nan") or 0) + (stats.get("inf") or 0)
        add("finite", bad == 0, "no NaN/Inf" if bad == 0 else "{} NaN, {} Inf values".format(stats.get("nan"), stats.get("inf")))
    if "black_mean_below" in checks:
        limit = checks["black_mean_below"]
        ok = mean is not None and mean >= limit
        add("not_black", ok, "mean {} (black below {})".format(_fmt(mean), limit))
    if "flat_std_below" in checks:
        limit = checks["flat_std_below"]
        ok = std is not None and std >= limit
        add("not_flat", ok, "std {} (flat below {})".format(_fmt(std), limit))
    return out


def _fmt(v):
    return "n/a" if v is None else "{:.1f}".format(v)
