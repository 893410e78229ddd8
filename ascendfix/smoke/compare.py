"""``smoke --compare OLD``: this run against an earlier report.json, stage by stage, noise taken into account.

The rule (also in ``ascendfix smoke --help``):

* Each side of a stage is its median over the measured calls (``--runs``), with its spread as the median
  absolute deviation (MAD). With 3 or more calls the spread of one call is estimated as
  ``sigma = 1.4826 * MAD`` (the normal-consistent MAD); with fewer it is unknown.
* The noise of the difference is ``sqrt(sigma_old^2 + sigma_new^2)``, and never less than a floor: 1 % of
  the larger median when both sides have a known spread, 5 % when one does not (one or two calls: the
  jitter is unknown), and never under 10 ms (the runner reports milliseconds). It is deliberately the spread
  of single calls, not of the medians, so the band is on the safe side.
* A stage changed when ``|median_new - median_old| > 2 * noise``; otherwise it is the *same* (within
  noise). A change is *faster* or *slower*; for steps/s higher is faster.
* A **regression** is a per-call stage (the whole call, text encoding, denoising, VAE decode, steps/s)
  that is slower by more than the threshold (``--threshold``, default 10 %). Once-per-smoke stages
  (import, load, ...) are reported but do not gate: one sample each, dominated by disk caches.
* Timings are only comparable on the same settings: recipe, stack, model size (arch), steps, image size,
  dtype, mode, device, tiny or not, VAE tiling and attention slicing. When any differs, the comparison says
  which and counts as failed. Changed versions (framework, Python, ascendfix) and hosts are listed: they are
  usually the point of comparing.

``ok`` is False (exit 1) on a regression or when the settings differ.
"""

import math

from ascendfix.smoke import timing

DEFAULT_THRESHOLD = 0.10
NOISE_FLOOR = 0.05  # a side's spread unknown
KNOWN_FLOOR = 0.01  # both spreads measured
ABS_FLOOR = 0.01  # seconds: the runner reports milliseconds; scheduling jitter is about that
MAD_TO_SIGMA = 1.4826
Z = 2.0
MIN_RUNS_FOR_SPREAD = 3
SETTINGS = ("recipe", "stack", "arch", "steps", "width", "height", "dtype", "mode", "device", "tiny", "vae_tiling",
            "attention_slicing")
GATED = timing.PER_CALL + (timing.RATE,)

RULE = ("median of the measured calls per side; noise = sqrt(sigma_old^2 + sigma_new^2) with sigma = 1.4826 x MAD "
        "when a side has >= 3 calls, at least 1% of the larger median (5% when a side has fewer calls) and 10 ms; changed when |difference| > 2 x noise; "
        "a regression is a per-call stage slower by more than the threshold")


def settings_of(report):
    values = dict((report.get("recipe") or {}).get("values") or {})
    values["recipe"] = (report.get("recipe") or {}).get("id", values.get("recipe"))
    values["tiny"] = bool((report.get("recipe") or {}).get("tiny", values.get("tiny")))
    return {k: values.get(k) for k in SETTINGS}


def stats_of(report):
    """Per-stage statistics of a report; reports without ``timing`` (one call) give one sample per stage."""
    t = report.get("timing") or {}
    if t.get("stats"):
        return t["stats"]
    out = {}
    for key, v in (report.get("timings") or {}).items():
        if key in timing.STAGE_LABELS and isinstance(v, (int, float)):
            out[key] = timing.summarize([v])
    return out


def _sigma(s):
    if s is None or s.get("n", 1) < MIN_RUNS_FOR_SPREAD:
        return None
    return MAD_TO_SIGMA * s["mad"]


def compare_stage(key, old, new, threshold=DEFAULT_THRESHOLD):
    """One row: medians, difference, noise, verdict (faster/slower/same), and whether it is a regression."""
    mo, mn = old["median"], new["median"]
    sigmas = [x for x in (_sigma(old), _sigma(new)) if x is not None]
    noise = math.sqrt(sum(x * x for x in sigmas)) if sigmas else 0.0
    floor = KNOWN_FLOOR if len(sigmas) == 2 else NOISE_FLOOR
    noise = max(noise, floor * max(abs(mo), abs(mn)), 0.0 if key == timing.RATE else ABS_FLOOR)
    diff = mn - mo
    higher_is_better = key == timing.RATE
    rel = (diff / mo) if mo else None
    if abs(diff) <= Z * noise:
        verdict = "same"
    else:
        verdict = "faster" if (diff > 0) == higher_is_better else "slower"
    # how much slower, as a fraction of the old figure (time up, or rate down)
    slower_by = None
    if rel is not None:
        slower_by = -rel if higher_is_better else rel
    gated = key in GATED
    regression = bool(gated and verdict == "slower" and slower_by is not None and slower_by > threshold)
    return {
        "stage": key,
        "label": timing.STAGE_LABELS.get(key, key),
        "unit": "steps/s" if higher_is_better else "s",
        "old": {k: old.get(k) for k in ("median", "mad", "n")},
        "new": {k: new.get(k) for k in ("median", "mad", "n")},
        "difference": round(diff, 4),
        "change": round(rel, 4) if rel is not None else None,
        "noise": round(noise, 4),
        "noise_known": len(sigmas) == 2,
        "verdict": verdict,
        "gated": gated,
        "regression": regression,
    }


def _versions(report):
    env = report.get("environment") or {}
    out = dict(env.get("framework") or env.get("packages") or {})
    if env.get("python_version"):
        out["python"] = env["python_version"]
    if report.get("ascendfix"):
        out["ascendfix"] = report["ascendfix"]
    return out


def compare(old, new, threshold=DEFAULT_THRESHOLD, old_name=None, new_name=None):
    """Compare two smoke reports (dicts as in report.json); returns a :class:`Comparison`."""
    so, sn = settings_of(old), settings_of(new)
    differences = [{"setting": k, "old": so[k], "new": sn[k]} for k in SETTINGS if so[k] != sn[k]]
    vo, vn = _versions(old), _versions(new)
    changes = [{"what": k, "old": vo.get(k), "new": vn.get(k)} for k in sorted(set(vo) | set(vn))
               if vo.get(k) != vn.get(k)]
    ho, hn = (old.get("environment") or {}).get("host"), (new.get("environment") or {}).get("host")
    if ho != hn:
        changes.append({"what": "host", "old": ho, "new": hn})
    st_o, st_n = stats_of(old), stats_of(new)
    rows = []
    for key in timing.STAGE_ORDER:
        if key in st_o and key in st_n and st_o[key] and st_n[key]:
            rows.append(compare_stage(key, st_o[key], st_n[key], threshold))
    missing = [k for k in timing.STAGE_ORDER if (k in st_o) != (k in st_n)]
    doc = {
        "old": _ident(old, old_name),
        "new": _ident(new, new_name),
        "threshold": threshold,
        "rule": RULE,
        "comparable": not differences,
        "differences": differences,
        "changes": changes,
        "stages": rows,
        "only_in_one": missing,
        "regressions": [r["stage"] for r in rows if r["regression"]] if not differences else [],
    }
    if not rows:
        doc["note"] = "no stage timed in both reports (did one of them fail before generating?)"
    return Comparison(doc)


def _ident(report, name):
    return {"report": name, "started": report.get("started"), "status": report.get("status"),
            "recipe": (report.get("recipe") or {}).get("id"),
            "calls": ((report.get("timing") or {}).get("calls") or {}).get("measured", 1)}


class Comparison(object):
    """The outcome of :func:`compare`: ``.ok`` (no regression, same settings) and ``.to_dict()``."""

    def __init__(self, doc):
        self._doc = doc

    @property
    def ok(self):
        return self._doc["comparable"] and not self._doc["regressions"] and bool(self._doc["stages"])

    @property
    def regressions(self):
        return list(self._doc["regressions"])

    def to_dict(self):
        return dict(self._doc, ok=self.ok)
