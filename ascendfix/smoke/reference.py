"""Published speed figures (a recipe's ``references``) set beside a run, on the same settings or saying why not.

A reference is data in the recipe: the figure (seconds for one pipeline call), what exactly was timed, the
settings it was measured on (steps, image size, dtype, mode, device, warm or first call), the software,
and its public source. :func:`assess` compares one run with each: a ratio only when steps, size, dtype,
mode and the device family match; otherwise the differences, plainly.
"""

import re

SETTING_KEYS = ("steps", "width", "height", "dtype", "mode")


def device_label(cfg, environment):
    """'CPU', 'Ascend 910B3' (chip name from npu-smi), or 'Ascend NPU (model not identified)'."""
    dev = str(cfg.get("device") or "")
    if dev.lower() == "cpu":
        return "CPU"
    chips = (environment or {}).get("npu_chips") or []
    if chips:
        name = chips[0]
        return name if name.lower().startswith("ascend") else "Ascend " + name
    return "Ascend NPU (model not identified)"


def _family(label):
    """'Ascend 910B3' -> '910b', 'Ascend 910B' -> '910b', 'Ascend 910' -> '910', 'CPU' -> 'cpu'."""
    text = (label or "").lower()
    if "cpu" in text:
        return "cpu"
    m = re.search(r"(\d{3})([a-z]?)", text)
    return m.group(1) + m.group(2) if m else text


def _size(s):
    return "{}x{}".format(s.get("width"), s.get("height"))


def assess(references, cfg, environment, stats, warmup=0):
    """Each reference beside this run: ``[{id, source, published, run, differences, comparable, ratio, summary}]``."""
    out = []
    run_device = device_label(cfg, environment)
    for ref in references or []:
        pub = ref["settings"]
        metric = ref.get("metric", "generate")
        s = (stats or {}).get(metric)
        run_seconds = s["median"] if s else None
        diffs = []
        for key in ("steps", "dtype", "mode"):
            if pub.get(key) is not None and pub.get(key) != cfg.get(key):
                diffs.append({"setting": key, "run": cfg.get(key), "published": pub.get(key)})
        if (pub.get("width"), pub.get("height")) != (cfg.get("width"), cfg.get("height")):
            diffs.append({"setting": "size", "run": _size(cfg), "published": _size(pub)})
        if _family(pub.get("device")) != _family(run_device):
            diffs.append({"setting": "device", "run": run_device, "published": pub.get("device")})
        notes = []
        warm_run = bool(warmup) or (s is not None and s.get("n", 1) >= 3)
        if pub.get("warm") and not warm_run:
            notes.append("the figure was taken after a warm-up call; this run's time includes the first call's "
                         "one-off cost (use --warmup 1)")
        elif pub.get("warm") is False and warmup:
            notes.append("the figure is a first call (no warm-up); this run was warmed up")
        comparable = not diffs and run_seconds is not None
        ratio = round(run_seconds / ref["seconds"], 3) if comparable and ref["seconds"] else None
        approx = "about " if ref.get("approx") else ""
        if run_seconds is None:
            summary = "no timing from this run to set beside it"
        elif comparable:
            summary = "this run {:.2f} s vs published {}{:g} s: {:.2f}x the published time".format(
                run_seconds, approx, ref["seconds"], ratio)
        else:
            summary = "not comparable — " + "; ".join(
                "{} {} here vs {} published".format(d["setting"], d["run"], d["published"]) for d in diffs)
        out.append({
            "id": ref["id"],
            "title": ref["title"],
            "source": ref["source"],
            "published": {"seconds": ref["seconds"], "approx": bool(ref.get("approx")), "metric": metric,
                          "what": ref.get("what"), "settings": pub, "software": ref.get("software")},
            "run": {"seconds": run_seconds, "device": run_device, "settings": {k: cfg.get(k) for k in SETTING_KEYS},
                    "calls": s["n"] if s else 0, "warmup": warmup},
            "differences": diffs,
            "comparable": comparable,
            "ratio": ratio,
            "notes": notes + ([ref["note"]] if ref.get("note") else []),
            "summary": summary,
        })
    return out
