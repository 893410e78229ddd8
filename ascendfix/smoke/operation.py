"""The smoke operation: options in, a :class:`~ascendfix.smoke.report.SmokeReport` out (no argparse, no printing).

    from ascendfix.smoke.operation import SmokeOptions, run_smoke
    rep = run_smoke(SmokeOptions(tiny=True, device="CPU", python="~/venvs/ms27", runs=3, warmup=1))
    rep.ok, rep.to_dict()["timing"]["stats"]["denoising"]

Progress goes to a listener (``start``/``step``/``done``/``note``/``finding``; the CLI's is a rich display);
bad input raises :class:`~ascendfix.errors.AscendfixError` before anything is written.
"""

import datetime
import glob
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path

from ascendfix import __version__
from ascendfix.errors import AscendfixError
from ascendfix.smoke import engine, reference, timing
from ascendfix.smoke.recipes import evaluate_checks, get_recipe, load_recipes, requirements, resolve
from ascendfix.smoke.report import SmokeReport
from ascendfix.weights import WeightsError, inspect_weights

DOWNLOAD_TIMEOUT = 6 * 3600


class SmokeOptions(object):
    """What to run; every field optional (the recipe's values are the defaults)."""

    DEFAULTS = dict(recipe=None, python=None, weights=None, cache_dir=None, revision=None, tiny=False, device=None,
                    dtype=None, mode=None, steps=None, size=None, seed=None, prompt=None, out=None, force=False,
                    timeout=None, no_preflight=False, runs=1, warmup=0)

    def __init__(self, **kw):
        unknown = set(kw) - set(self.DEFAULTS)
        if unknown:
            raise TypeError("unknown smoke option(s): " + ", ".join(sorted(unknown)))
        for k, v in self.DEFAULTS.items():
            setattr(self, k, kw.get(k, v))

    def as_dict(self):
        return {k: getattr(self, k) for k in self.DEFAULTS}


class NullListener(object):
    def start(self, stage, **label):
        pass

    def step(self, i, n):
        pass

    def done(self, stage, status, seconds=None, info="", **label):
        pass

    def note(self, text):
        pass

    def finding(self, status, title, detail):
        pass


def run_smoke(options, listener=None, compare_with=None, threshold=None, recipes=None, compare_name=None):
    """Run one smoke; ``compare_with`` (an earlier report.json as a dict, read from ``compare_name``) adds
    ``comparison`` to the report."""
    job = prepare(options, recipes)
    try:
        report = _Smoke(job, listener or NullListener()).run(compare_with, threshold, compare_name)
    except AscendfixError:
        if not job.out_existed:  # leave no empty folder behind for a usage error
            try:
                job.out.rmdir()
            except OSError:
                pass
        raise
    return report


def smoke(recipe=None, compare_with=None, threshold=None, listener=None, **options):
    """Library entry: ``smoke("sdxl-mindone", tiny=True, device="CPU", python=".../ms27", runs=3, warmup=1)``.

    ``options`` are :class:`SmokeOptions` fields; ``compare_with`` a report dict or a path to an earlier
    report.json (or its folder). Returns the :class:`~ascendfix.smoke.report.SmokeReport`.
    """
    name = None
    if compare_with is not None and not isinstance(compare_with, dict):
        from ascendfix.smoke.report import load_report

        name = str(compare_with)
        compare_with = load_report(compare_with)
    return run_smoke(SmokeOptions(recipe=recipe, **options), listener=listener, compare_with=compare_with,
                     threshold=threshold, compare_name=name)


class _Job(object):
    pass


def prepare(options, recipes=None):
    """Validate everything (exit 2 on bad input) and create the output folder; nothing runs yet."""
    recipes = recipes if recipes is not None else load_recipes()
    recipe = get_recipe(recipes, options.recipe)
    if options.timeout is not None and options.timeout <= 0:
        raise AscendfixError("--timeout must be positive")
    if options.runs is None or int(options.runs) < 1:
        raise AscendfixError("--runs must be at least 1")
    if options.warmup is None or int(options.warmup) < 0:
        raise AscendfixError("--warmup must be 0 or more")
    if options.tiny and options.weights:
        raise AscendfixError("--tiny builds its own weights; drop --weights")
    cfg = resolve(recipe, options.as_dict())
    cfg["runs"], cfg["warmup"] = int(options.runs), int(options.warmup)
    job = _Job()
    job.options, job.recipe, job.cfg = options, recipe, cfg
    from ascendfix.check.which_env import target_python

    # without --python: the environment `ascendfix check` picks (the user's, not ascendfix's own when avoidable)
    job.python, job.python_how, job.own_env = target_python(options.python)
    job.weights = None
    if options.weights:
        # checked before anything is written: a bad folder (no model_index.json, .bin only) is exit 2
        job.weights = inspect_weights(os.path.abspath(os.path.expanduser(options.weights)), recipe.get("variant"))
        job.weights["source"] = "dir"
    job.out_existed = os.path.isdir(os.path.expanduser(options.out)) if options.out else False
    job.out = prepare_out(options.out, recipe["id"], options.force)
    return job


def prepare_out(out, recipe_id, force):
    """The output folder: created, writable, empty (or --force: the previous report and PNG removed)."""
    if not out:
        from ascendfix.fsutil import unused_name

        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = unused_name("smoke-{}-{}".format(recipe_id, stamp))
    path = Path(os.path.expanduser(out)).absolute()
    if path.exists() and not path.is_dir():
        raise AscendfixError("--out {}: exists and is not a directory".format(out))
    if path.is_dir() and any(path.iterdir()):
        if not force:
            raise AscendfixError("--out {}: not empty (holds an earlier smoke?); pass --force to overwrite".format(out))
        # --force: drop the previous run's results so a failed rerun cannot leave a stale PNG behind
        for stale in (path / "report.json", path / "report.html", path / "{}.png".format(recipe_id)):
            try:
                stale.unlink()
            except OSError:
                pass
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=str(path))
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise AscendfixError("--out {}: cannot write there: {}".format(out, e.strerror or e))
    return path


_CHIP = re.compile(r"\bNPU \d+ (\S+) ")


class _Smoke(object):
    def __init__(self, job, listener):
        self.job, self.ev = job, listener
        self.recipe, self.cfg, self.python = job.recipe, job.cfg, job.python
        self.python_how, self.own_env = getattr(job, "python_how", "--python"), getattr(job, "own_env", False)
        self.weights, self.out, self.options = job.weights, job.out, job.options
        self.weights_dir = self.weights["path"] if self.weights else None
        self.t0 = time.time()
        cfg = self.cfg
        self.report = {
            "ascendfix": __version__,
            "status": "fail",
            "recipe": {"id": self.recipe["id"], "file": self.recipe["_file"], "title": self.recipe["title"],
                       "values": {k: v for k, v in cfg.items() if k not in ("tiny",)}, "tiny": cfg["tiny"]},
            "environment": {"python": self.python, "device": cfg["device"], "host": platform.node(),
                            "platform": platform.platform()},
            "preflight": None,
            "weights": None,
            "timings": {},
            "timing": None,
            "references": [],
            "memory": {},
            "image": None,
            "failure": None,
            "diagnosis": None,
            "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self.png = self.out / "{}.png".format(self.recipe["id"])
        self.tmp_dirs = []

    # -------------------------------------------------------------- flow
    def run(self, compare_with=None, threshold=None, compare_name=None):
        try:
            ok = self._flow()
        finally:
            for d in self.tmp_dirs:
                shutil.rmtree(d, ignore_errors=True)
        self.report["status"] = "pass" if ok else "fail"
        self.report["timings"]["total_wall"] = round(time.time() - self.t0, 3)
        if compare_with is not None:
            from ascendfix.smoke.compare import DEFAULT_THRESHOLD, compare

            self.report["comparison"] = compare(
                compare_with, self.report, DEFAULT_THRESHOLD if threshold is None else threshold,
                old_name=compare_name or compare_with.get("started"), new_name=str(self.out / "report.json")).to_dict()
        engine.write_json_atomic(self.out / "report.json", self.report)
        return SmokeReport(self.report, self.out)

    def _flow(self):
        cfg = self.cfg
        probe = engine.probe_python(self.python)
        env = self.report["environment"]
        env["python_version"] = probe["version"]
        env["packages"] = {m: info["version"] for m, info in sorted(probe["modules"].items()) if info["found"]}
        missing = [m for m in requirements(self.recipe, cfg["device"]) if not probe["modules"].get(m, {}).get("found")]
        if missing:
            what = "MindIE-SD not installed" if "mindiesd" in missing else "missing packages: " + ", ".join(missing)
            return self._fail("requirements", "{} in {}".format(what, self.python), hint=self._install_hint(missing))
        if not self.options.no_preflight:
            if not self._preflight():
                return False
        if not self._weights():
            return False
        return self._generate()

    def _install_hint(self, missing):
        """Where the install commands come from: check's plan (versions that exist for this Python, CANN and
        architecture), never a bare `pip install` into ascendfix's own environment. MindIE-SD adds its guide."""
        stack = self.cfg["stack"]
        if self.own_env:
            hint = ("{} is ascendfix's own environment ({}): put the {} stack in an environment of its own as "
                    "`ascendfix check --stack {}` plans, then pass --python".format(self.python, self.python_how,
                                                                                  stack, stack))
        else:
            hint = "`ascendfix check --python {} --stack {}` prints the install commands that fit this Python and " \
                   "CANN".format(self.python, stack)
        if "mindiesd" in missing:
            hint += "; MindIE-SD: " + self.recipe["install"]
        return hint

    def _preflight(self):
        self.ev.start("preflight")
        t = time.time()
        findings, why = engine.preflight(self.cfg["stack"], self.cfg["device"], self.python, self.weights_dir)
        secs = time.time() - t
        if findings is None:
            self.report["preflight"] = {"skipped": why}
            self.ev.done("preflight", "warn", secs, "skipped ({})".format(why))
            return True
        errors = [f for f in findings if f.get("status") == "error"]
        # a crashed check is a bug in ascendfix, not a verdict on the environment: warn, don't stop
        warns = [f for f in findings if f.get("status") in ("warn", "crashed")]
        smi = [f for f in findings if str(f.get("id", "")).startswith("npu.smi") and f.get("status") == "ok"]
        if smi:
            self.report["environment"]["npu"] = smi[0].get("detail")
            chips = []
            for e in smi[0].get("evidence") or []:
                chips += _CHIP.findall(str(e.get("value", "")))
            if chips:
                self.report["environment"]["npu_chips"] = sorted(set(chips), key=chips.index)
        self.report["preflight"] = {
            "errors": len(errors), "warnings": len(warns), "checked": len(findings),
            "findings": [f for f in findings if f.get("status") not in ("ok", "skip")],
        }
        for f in errors + warns:
            self.ev.finding("error" if f in errors else "warn", f.get("title"), f.get("detail"))
        if errors and not self.options.force:
            self.ev.done("preflight", "failed", secs, "{} error(s)".format(len(errors)))
            return self._fail("preflight", "{} preflight check(s) failed: {}".format(
                len(errors), "; ".join("{} ({})".format(f.get("title"), f.get("detail")) for f in errors)),
                hint="fix them (see `ascendfix check`) or pass --force to run anyway")
        self.ev.done("preflight", "done", secs, "{} errors, {} warnings".format(len(errors), len(warns)))
        return True

    def _weights(self):
        cfg = self.cfg
        if cfg["tiny"]:
            tmp = tempfile.mkdtemp(prefix="ascendfix-tiny-sd-")
            self.tmp_dirs.append(tmp)
            cfg["weights"] = os.path.join(tmp, "pipeline")
            cfg["variant"] = None
            self.report["weights"] = {"source": "tiny", "path": None, "variant": None}
            return True
        info = self.weights
        if info is None:
            folder = self._download()
            if not folder:
                return False
            self.ev.start("weights")
            try:
                info = inspect_weights(folder, self.recipe.get("variant"))
            except WeightsError as e:
                self.ev.done("weights", "failed")
                return self._fail("weights", str(e))
            info.update(source="modelscope", model_id=cfg["model_id"], revision=cfg["revision"])
        cfg["weights"] = info["path"]
        cfg["variant"] = info["variant"]
        self.report["weights"] = info
        self.ev.done("weights", "done", None, "{} (variant: {})".format(info["path"], info["variant"] or "none"))
        return True

    def _download(self):
        """snapshot_download in the target interpreter (or this one if only it has modelscope)."""
        cfg = self.cfg
        python = self.python
        if not engine.probe_python(python, ["modelscope"])["modules"]["modelscope"]["found"]:
            here = engine.probe_python(engine.resolve_python(None), ["modelscope"])["modules"]["modelscope"]["found"]
            if not here:
                raise AscendfixError(
                    "no --weights given and modelscope is not installed to download {} (pip install modelscope, "
                    "or pass --weights DIR)".format(cfg["model_id"])
                )
            python = engine.resolve_python(None)
        cache_dir = self.options.cache_dir and os.path.abspath(os.path.expanduser(self.options.cache_dir))
        dl = dict(cfg, download_only=True, cache_dir=cache_dir, stack="download")
        timeout = self.options.timeout or DOWNLOAD_TIMEOUT
        res = engine.run_runner(python, dl, timeout, on_event=self._on_event, cwd=self.out)
        got = res.last("download")
        if got and res.returncode == 0:
            return got["weights"]
        return self._fail_run(res, "download", hint=download_hint(cfg["model_id"], (res.last("env") or {}).get("hub")))

    def _generate(self):
        cfg = dict(self.cfg)
        cfg["out_png"] = str(self.png)
        timeout = self.options.timeout or cfg["timeout"]
        res = engine.run_runner(self.python, cfg, timeout, on_event=self._on_event, cwd=self.out)
        env = res.last("env")
        if env:
            self.report["environment"]["framework"] = env.get("versions")
        result = res.last("result")
        if res.timed_out:
            return self._fail_run(res, res.last_stage or "generate",
                                  message="timed out after {:.0f} s (in stage '{}'); the runner was killed".format(
                                      timeout, res.last_stage or "start"))
        if result is None or res.returncode != 0:
            hint = None
            if (res.last("error") or {}).get("type") == "TokenizerCheckError":  # runner.check_tokenizers
                hint = "the tokenizer folders of {} lack their vocabulary files (or a hub fallback returned none): " \
                    "ascendfix check --weights {} names the missing files".format(cfg["weights"], cfg["weights"])
            return self._fail_run(res, res.last_stage or "start", hint=hint)
        self._record_timings(result)
        self.report["memory"] = result.get("memory") or {}
        stats = result.get("image") or {}
        checks = evaluate_checks(self.recipe["checks"], stats, cfg["width"], cfg["height"])
        size = engine.png_size(str(self.png))
        checks.append({"name": "png", "status": "ok" if size == (cfg["width"], cfg["height"]) else "error",
                       "detail": "{} ({}x{})".format(self.png.name, *size) if size else "PNG missing or unreadable"})
        self.report["image"] = {"path": str(self.png), "stats": stats, "checks": checks}
        failed = [c for c in checks if c["status"] != "ok"]
        if failed:
            msg = "image check(s) failed: " + "; ".join("{}: {}".format(c["name"], c["detail"]) for c in failed)
            hint = None
            if any(c["name"] in ("not_black", "finite") for c in failed) and cfg["dtype"] == "float16":
                hint = ("the fp16 SDXL VAE overflows to NaN/black images: keep the VAE in float32 "
                        "(force_upcast) or use the fp16-fixed VAE (madebyollin/sdxl-vae-fp16-fix)")
            return self._fail("checks", msg, hint=hint)
        return True

    def _record_timings(self, result):
        raw = result.get("timings") or {}
        calls = result.get("iterations") or [dict(raw, warmup=False)]
        once = {k: raw[k] for k in timing.ONCE if raw.get(k) is not None}
        summary = timing.summarize_calls(calls, once)
        flat = timing.flat_timings(summary["stats"], once)
        for key in ("total", "it_per_s_steady"):
            if raw.get(key) is not None:
                flat[key] = raw[key]
        self.report["timings"].update(flat)
        self.report["timing"] = summary
        self.report["references"] = reference.assess(self.recipe.get("references"), self.cfg,
                                                      self.report["environment"], summary["stats"],
                                                      self.cfg.get("warmup", 0))

    # -------------------------------------------------------------- events and failures
    def _on_event(self, ev):
        kind = ev.get("event")
        label = {k: ev[k] for k in ("index", "of", "warmup") if k in ev}
        if kind == "stage":
            if ev.get("status") == "start":
                self.ev.start(ev["stage"], **label)
            else:
                info = ""
                if ev["stage"] == "generate" and ev.get("status") == "done":
                    info = "{} steps".format(self.cfg["steps"])
                self.ev.done(ev["stage"], ev["status"], ev.get("seconds"), info, **label)
        elif kind == "step":
            self.ev.step(ev.get("i", 0), ev.get("n", self.cfg["steps"]))
        elif kind == "note":
            self.report.setdefault("notes", []).append(ev.get("text"))
            self.ev.note(str(ev.get("text")))

    def _fail_run(self, res, stage, message=None, hint=None):
        err = res.last("error") or {}
        if err.get("timings"):
            self.report["timings"].update(err["timings"])
        if err.get("memory"):
            self.report["memory"] = err["memory"]
        if message is None:
            if err:
                text = (err.get("message") or "").strip()
                message = "{}: {}".format(err.get("type"), text.splitlines()[0] if text else "")
            else:
                tail = [line for line in res.stderr_tail.strip().splitlines() if line.strip()]
                message = "the runner exited with code {} without a result{}".format(
                    res.returncode, (": " + tail[-1][:300]) if tail else "")
        text = (err.get("traceback") or "") + "\n" + res.stderr_tail
        return self._fail(stage, message, traceback=err.get("traceback"), log=res.stderr_tail, text=text, hint=hint,
                          exit_code=res.returncode, timed_out=res.timed_out)

    def _fail(self, stage, message, traceback=None, log=None, text=None, hint=None, exit_code=None, timed_out=False):
        failure = {"stage": stage, "message": message}
        if traceback:
            failure["traceback"] = traceback
        if log:
            failure["stderr_tail"] = log[-8000:]
        if exit_code is not None:
            failure["runner_exit_code"] = exit_code
        if timed_out:
            failure["timed_out"] = True
        if hint:
            failure["hint"] = hint
        self.report["failure"] = failure
        matches, why = engine.explain(text or message)
        self.report["diagnosis"] = {"matches": matches}
        if why:
            self.report["diagnosis"]["note"] = why
        return False


def download_hint(model_id, hub, environ=None):
    """What to do when the modelscope download failed: the endpoint it used, and what HF_* variables do not do."""
    from ascendfix.explain.kb import env_truthy
    from ascendfix.redact import redact_value

    environ = os.environ if environ is None else environ
    hint = "the modelscope hub{} could not be reached or refused the download of {}; download the model elsewhere " \
        "and pass --weights DIR".format(" at " + redact_value("MODELSCOPE_DOMAIN", hub) if hub else "", model_id)
    # HF_HUB_OFFLINE only when huggingface_hub reads it as on (1/ON/YES/TRUE): HF_HUB_OFFLINE=0 is noise
    hf = ["{}={}".format(n, redact_value(n, environ[n])) for n in ("HF_ENDPOINT", "HF_HUB_OFFLINE")
          if environ.get(n) and (n != "HF_HUB_OFFLINE" or env_truthy(environ[n]))]
    if hf:
        hint += " ({} set here: HF_ENDPOINT and HF_HUB_OFFLINE steer Hugging Face downloads, not modelscope's, " \
            "whose endpoint MODELSCOPE_DOMAIN sets)".format(", ".join(hf))
    return hint


# ------------------------------------------------------------------ --list


def npu_present():
    return bool(glob.glob("/dev/davinci[0-9]*"))


def list_recipes(python=None, recipes=None):
    """Which recipes can run with ``python`` here: ``{"python", "version", "npu_present", "recipes": [...]}``."""
    recipes = recipes if recipes is not None else load_recipes()
    from ascendfix.check.which_env import target_python

    python = target_python(python)[0]
    mods = sorted({m for r in recipes.values() for m in r["requires"] + (r.get("requires_cpu") or [])} | {"modelscope"})
    probe = engine.probe_python(python, mods)
    have = {m for m, info in probe["modules"].items() if info["found"]}
    npu = npu_present()
    rows = []
    ordered = sorted(recipes.items(), key=lambda kv: (not kv[1].get("default"), kv[0]))
    for rid, r in ordered:
        missing = [m for m in r["requires"] if m not in have]
        cpu_devices = [d for d in r["devices"] if d.lower() == "cpu"]
        missing_cpu = [m for m in requirements(r, "cpu") if m not in have] if cpu_devices else None
        rows.append({
            "id": rid,
            "title": r["title"],
            "stack": r["stack"],
            "default": bool(r.get("default")),
            "devices": r["devices"],
            "model_id": r["model_id"],
            "revision": r.get("revision"),
            "requires": r["requires"],
            "missing": missing,
            "runnable": not missing and npu,
            "runnable_cpu_tiny": bool(cpu_devices) and not missing_cpu and bool(r.get("tiny")),
            "install": r["install"],
            "references": [{"id": x["id"], "seconds": x["seconds"], "source": x["source"]}
                           for x in r.get("references") or []],
        })
    return {"python": probe["python"], "version": probe["version"], "npu_present": npu, "recipes": rows}
