"""Repeatable timings: per-stage median and spread over the measured pipeline calls, first-call cost apart.

The runner loads the pipeline once, then calls it ``warmup`` times unmeasured and ``runs`` times measured
(``smoke --warmup K --runs N``). Each call reports the whole call (``generate``) and its parts
(``text_encoding``, ``denoising``, ``vae_decode``) plus ``it_per_s`` (denoising steps per second). Stages
done once per smoke (``import``, ``load``, ...) have one sample.

For a stage the summary is the median (robust to one slow call) and the spread as the median absolute
deviation (MAD) — with min, max and the samples kept. The first call of a process carries the one-off
costs (graph compilation in MindSpore graph mode, kernel selection and caching in PyNative and torch_npu,
torch.compile for MindIE-SD); its extra time over the median of the other calls is reported as the
first-call overhead, and never mixed into the medians when ``--warmup`` is at least 1.
"""

# measured on every pipeline call (seconds); the others are once per smoke
PER_CALL = ("generate", "text_encoding", "denoising", "vae_decode")
ONCE = ("import", "configure", "build_tiny", "load", "save")
RATE = "it_per_s"  # higher is better
STAGE_ORDER = ("import", "configure", "build_tiny", "load", "generate", "text_encoding", "denoising", "vae_decode",
               "save", "it_per_s")
STAGE_LABELS = {
    "import": "import framework",
    "configure": "configure device",
    "build_tiny": "build tiny pipeline",
    "load": "load pipeline",
    "generate": "generate (whole call)",
    "text_encoding": "text encoding",
    "denoising": "denoising",
    "vae_decode": "VAE decode",
    "save": "save PNG",
    "it_per_s": "denoising steps/s",
}


def median(values):
    xs = sorted(values)
    n = len(xs)
    if not n:
        return None
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2.0


def mad(values):
    """Median absolute deviation from the median (0 for one sample)."""
    m = median(values)
    if m is None:
        return None
    return median([abs(v - m) for v in values])


def summarize(samples):
    """``{median, mad, min, max, n, samples}`` of a list of numbers."""
    samples = [float(v) for v in samples if v is not None]
    if not samples:
        return None
    return {
        "median": round(median(samples), 4),
        "mad": round(mad(samples), 4),
        "min": round(min(samples), 4),
        "max": round(max(samples), 4),
        "n": len(samples),
        "samples": [round(v, 4) for v in samples],
    }


def summarize_calls(calls, once=None):
    """Statistics of one smoke from the runner's per-call timings.

    ``calls``: ``[{"generate", "text_encoding", "denoising", "vae_decode", "it_per_s", "warmup"}, ...]`` in
    call order; ``once``: the one-off stage timings. Returns ``{"stats", "first_call", "calls"}`` where
    ``stats`` maps a stage to :func:`summarize` of its measured samples (warm-up calls excluded) and
    ``first_call`` holds the first call's timings and its overhead over the median of the other calls.
    """
    once = once or {}
    measured = [c for c in calls if not c.get("warmup")]
    stats = {}
    for key in ONCE:
        if once.get(key) is not None:
            stats[key] = summarize([once[key]])
    for key in PER_CALL + (RATE,):
        s = summarize([c.get(key) for c in measured])
        if s:
            stats[key] = s
    first = None
    if calls:
        head = calls[0]
        rest = [c.get("generate") for c in calls[1:] if not c.get("warmup") and c.get("generate") is not None]
        overhead = None
        if rest and head.get("generate") is not None:
            overhead = round(head["generate"] - median(rest), 4)
        first = {
            "timings": {k: head.get(k) for k in PER_CALL + (RATE,) if head.get(k) is not None},
            "warmup": bool(head.get("warmup")),
            "overhead_s": overhead,
            "compared_with": len(rest),
        }
    return {"stats": stats, "first_call": first,
            "calls": {"warmup": len(calls) - len(measured), "measured": len(measured)}}


def flat_timings(stats, once=None):
    """The flat ``timings`` mapping of report.json: medians for per-call stages, the once stages as measured."""
    out = {}
    for key, s in stats.items():
        out[key] = s["median"]
    for key, v in (once or {}).items():
        out.setdefault(key, v)
    return out


def spread_text(s, unit="s"):
    """'1.23 s ± 0.04 (n=5)' — median ± MAD; one sample has no spread."""
    if s is None:
        return "-"
    fmt = "{:.2f}" if unit == "s" else "{:.3g}"
    text = (fmt + " {}").format(s["median"], unit)
    if s.get("n", 1) > 1:
        text += (" ± " + fmt + " (n={})").format(s["mad"], s["n"])
    return text
