"""Run a full Stable Diffusion (XL) generation from a recipe and report it.

A recipe (recipes/*.yaml; see --list) fixes the model id and revision, stack, dtype, mode, memory
cap, VAE tiling, prompt, steps, guidance, size, seed and the checks on the output image. The smoke:

  1. preflight: the relevant `ascendfix check` findings (errors stop it unless --force);
  2. weights: --weights DIR, or modelscope snapshot_download(model_id, revision, cache_dir), or
     --tiny (a tiny random pipeline built locally); safetensors only (.bin is never unpickled),
     the variant (fp16) detected;
  3. the generation, in a subprocess of the target interpreter (--python): import, load in the
     recipe's mode/dtype, text encoding, denoising, VAE decode, PNG saved; killed after --timeout;
  4. checks on the image (size, no NaN, not black/flat) and report.json in --out.

On a failure the traceback goes through the explain knowledge base and the diagnosis is printed
and recorded. Exit codes: 0 passed, 1 smoke failed, 2 bad input.

Examples:
  ascendfix smoke --list
  ascendfix smoke --tiny --device CPU --python ~/venvs/ms27/bin/python --out /tmp/smoke
  ascendfix smoke --weights ~/weights/AI-ModelScope/stable-diffusion-xl-base-1.0 --out smoke-1
  ascendfix smoke --recipe sdxl-torch-npu --tiny --device cpu
"""

import datetime
import glob
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from ascendfix import __version__
from ascendfix.errors import EXIT_NEGATIVE, EXIT_OK, AscendfixError
from ascendfix.output import emit_json, make_console, styled_mark
from ascendfix.smoke import engine
from ascendfix.smoke.recipes import evaluate_checks, get_recipe, load_recipes, requirements, resolve
from ascendfix.smoke.weights import WeightsError, inspect_weights


STAGE_TITLES = {
    "preflight": "preflight checks",
    "weights": "weights",
    "import": "import framework",
    "download": "download weights",
    "configure": "configure device",
    "build_tiny": "build tiny pipeline",
    "load": "load pipeline",
    "generate": "generate",
    "save": "save PNG",
}
DOWNLOAD_TIMEOUT = 6 * 3600


def add_arguments(parser):
    parser.add_argument("--recipe", metavar="ID", help="recipe to run (default: the default recipe; see --list)")
    parser.add_argument("--list", action="store_true", help="list the recipes and which can run here, then exit")
    parser.add_argument("--python", metavar="PATH", help="interpreter (or venv) that runs the generation (default: this one)")
    parser.add_argument("--weights", metavar="DIR", help="local pipeline folder (holding model_index.json); default: download")
    parser.add_argument("--cache-dir", metavar="DIR", help="modelscope cache folder for the download")
    parser.add_argument("--revision", help="model revision to download (default: the recipe's)")
    parser.add_argument("--tiny", action="store_true", help="build and run a tiny random pipeline (no weights needed)")
    parser.add_argument("--device", help="Ascend|CPU for MindSpore recipes, npu|cpu for torch ones (default: the recipe's)")
    parser.add_argument("--dtype", choices=["float16", "bfloat16", "float32"], help="override the recipe's dtype")
    parser.add_argument("--mode", choices=["pynative", "graph", "eager"], help="override the recipe's execution mode")
    parser.add_argument("--steps", type=int, help="override the number of denoising steps")
    parser.add_argument("--size", metavar="WxH", help="override the image size, e.g. 768x768")
    parser.add_argument("--seed", type=int, help="override the seed")
    parser.add_argument("--prompt", help="override the prompt")
    parser.add_argument("--out", metavar="DIR", help="folder for the PNG and report.json (default: ./smoke-<recipe>-<time>)")
    parser.add_argument("--force", action="store_true", help="overwrite --out; run despite preflight errors")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="kill the generation after this long (default: the recipe's)")
    parser.add_argument("--no-preflight", action="store_true", help="skip the preflight checks")


def run(args):
    recipes = load_recipes()
    if args.list:
        return _list(args, recipes)
    recipe = get_recipe(recipes, args.recipe)
    if args.timeout is not None and args.timeout <= 0:
        raise AscendfixError("--timeout must be positive")
    if args.tiny and args.weights:
        raise AscendfixError("--tiny builds its own weights; drop --weights")
    cfg = resolve(recipe, vars(args))
    python = engine.resolve_python(args.python)
    weights = None
    if args.weights:
        # checked before anything is written: a bad folder (no model_index.json, .bin only) is exit 2
        weights = inspect_weights(os.path.expanduser(args.weights), recipe.get("variant"))
        weights["source"] = "dir"
    existed = os.path.isdir(os.path.expanduser(args.out)) if args.out else False
    out = _prepare_out(args.out, recipe["id"], args.force)
    try:
        return Smoke(args, recipe, cfg, python, weights, out).run()
    except AscendfixError:
        if not existed:  # leave no empty folder behind for a usage error
            try:
                out.rmdir()
            except OSError:
                pass
        raise


# ------------------------------------------------------------------ --list


def _npu_present():
    return bool(glob.glob("/dev/davinci[0-9]*"))


def _list(args, recipes):
    python = engine.resolve_python(args.python)
    mods = sorted({m for r in recipes.values() for m in r["requires"] + (r.get("requires_cpu") or [])} | {"modelscope"})
    probe = engine.probe_python(python, mods)
    have = {m for m, info in probe["modules"].items() if info["found"]}
    npu = _npu_present()
    rows = []
    ordered = sorted(recipes.items(), key=lambda kv: (not kv[1].get("default"), kv[0]))
    for rid, r in ordered:
        missing = [m for m in r["requires"] if m not in have]
        cpu_devices = [d for d in r["devices"] if d.lower() == "cpu"]
        missing_cpu = [m for m in requirements(r, "cpu") if m not in have] if cpu_devices else None
        on_npu = not missing and npu
        on_cpu = bool(cpu_devices) and not missing_cpu
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
            "runnable": on_npu,
            "runnable_cpu_tiny": on_cpu and bool(r.get("tiny")),
            "install": r["install"],
        })
    if args.json:
        emit_json({"python": probe["python"], "npu_present": npu, "recipes": rows})
        return EXIT_OK
    from rich.table import Table

    con = make_console()
    table = Table(title="smoke recipes (target: {} {})".format(probe["python"], probe["version"]), title_justify="left")
    for col in ("recipe", "stack", "title", "can run here"):
        table.add_column(col)
    for row in rows:
        if row["runnable"]:
            here = "{} yes".format(styled_mark("ok", con))
        elif row["missing"]:
            cpu = " (CPU --tiny: yes)" if row["runnable_cpu_tiny"] else ""
            here = "{} missing {}{}".format(styled_mark("error", con), ", ".join(row["missing"]), cpu)
        else:
            cpu = "; try --tiny --device {}".format(_cpu_name(row["devices"])) if row["runnable_cpu_tiny"] else ""
            here = "{} packages ok, no NPU device{}".format(styled_mark("warn", con), cpu)
        rid = row["id"] + (" (default)" if row["default"] else "")
        table.add_row(rid, row["stack"], row["title"], here)
    con.print(table)
    for row in rows:
        if row["missing"] and "mindiesd" in row["missing"]:
            con.print("{}: MindIE-SD not installed. {}".format(row["id"], row["install"]))
    return EXIT_OK


def _cpu_name(devices):
    return next((d for d in devices if d.lower() == "cpu"), "CPU")


# ------------------------------------------------------------------ --out


def _prepare_out(out, recipe_id, force):
    if not out:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = "smoke-{}-{}".format(recipe_id, stamp)
    path = Path(os.path.expanduser(out)).absolute()
    if path.exists() and not path.is_dir():
        raise AscendfixError("--out {}: exists and is not a directory".format(out))
    if path.is_dir() and any(path.iterdir()):
        if not force:
            raise AscendfixError("--out {}: not empty (holds an earlier smoke?); pass --force to overwrite".format(out))
        # --force: drop the previous run's results so a failed rerun cannot leave a stale PNG behind
        for stale in (path / "report.json", path / "{}.png".format(recipe_id)):
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


# ------------------------------------------------------------------ the run


class Display(object):
    """Progress on stderr: a live rich display on a terminal, plain stage lines otherwise, none with --json."""

    def __init__(self, quiet, steps):
        self.quiet = quiet
        self.con = make_console(stderr=True)
        self.live = not quiet and self.con.is_terminal
        self.steps = steps
        self.progress = None
        self.tasks = {}

    def __enter__(self):
        if self.live:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(), console=self.con, transient=False,
            )
            self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False

    def start(self, stage):
        if self.progress is not None:
            total = self.steps if stage == "generate" else 1
            self.tasks[stage] = self.progress.add_task(STAGE_TITLES.get(stage, stage), total=total, info="")

    def step(self, i, n):
        if self.progress is not None and "generate" in self.tasks:
            self.progress.update(self.tasks["generate"], completed=i, total=n, info="step {}/{}".format(i, n))

    def done(self, stage, status, seconds=None, info=""):
        text = "{:.1f} s".format(seconds) if seconds is not None else ""
        if info:
            text = (text + "  " + info).strip()
        if self.progress is not None:
            if stage not in self.tasks:
                self.start(stage)
            task = self.tasks[stage]
            total = self.progress.tasks[[t.id for t in self.progress.tasks].index(task)].total
            mark = styled_mark("ok" if status == "done" else "error", self.con)
            self.progress.update(task, completed=total, info=text,
                                 description="{} {}".format(mark, STAGE_TITLES.get(stage, stage)))
            self.progress.stop_task(task)
        elif not self.quiet:
            mark = styled_mark("ok" if status == "done" else ("warn" if status == "warn" else "error"), self.con)
            self.con.print("{} {:<20} {}".format(mark, STAGE_TITLES.get(stage, stage), text))

    def note(self, text, soft_wrap=False):
        if not self.quiet:
            self.con.print(text, soft_wrap=soft_wrap)


class Smoke(object):
    def __init__(self, args, recipe, cfg, python, weights, out):
        self.args, self.recipe, self.cfg, self.python = args, recipe, cfg, python
        self.weights, self.out = weights, out
        self.weights_dir = weights["path"] if weights else None
        self.t0 = time.time()
        self.report = {
            "ascendfix": __version__,
            "status": "fail",
            "recipe": {"id": recipe["id"], "file": recipe["_file"], "title": recipe["title"],
                       "values": {k: v for k, v in cfg.items() if k not in ("tiny",)}, "tiny": cfg["tiny"]},
            "environment": {"python": python, "device": cfg["device"], "host": platform.node(),
                            "platform": platform.platform()},
            "preflight": None,
            "weights": None,
            "timings": {},
            "memory": {},
            "image": None,
            "failure": None,
            "diagnosis": None,
            "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self.png = self.out / "{}.png".format(recipe["id"])
        self.tmp_dirs = []

    # -------------------------------------------------------------- flow
    def run(self):
        quiet = bool(self.args.json)
        self.display = Display(quiet, self.cfg["steps"])
        try:
            with self.display:
                ok = self._flow()
        finally:
            for d in self.tmp_dirs:
                shutil.rmtree(d, ignore_errors=True)
        self.report["status"] = "pass" if ok else "fail"
        self.report["timings"]["total_wall"] = round(time.time() - self.t0, 3)
        engine.write_json_atomic(self.out / "report.json", self.report)
        self._print_summary()
        return EXIT_OK if ok else EXIT_NEGATIVE

    def _flow(self):
        cfg = self.cfg
        probe = engine.probe_python(self.python)
        self.report["environment"]["python_version"] = probe["version"]
        self.report["environment"]["packages"] = {
            m: info["version"] for m, info in sorted(probe["modules"].items()) if info["found"]
        }
        missing = [m for m in requirements(self.recipe, cfg["device"]) if not probe["modules"].get(m, {}).get("found")]
        if missing:
            what = "MindIE-SD not installed" if "mindiesd" in missing else "missing packages: " + ", ".join(missing)
            return self._fail("requirements", "{} in {}".format(what, self.python), hint=self.recipe["install"])
        if not self.args.no_preflight:
            if not self._preflight():
                return False
        if not self._weights():
            return False
        return self._generate()

    def _preflight(self):
        d = self.display
        d.start("preflight")
        t = time.time()
        findings, why = engine.preflight(self.cfg["stack"], self.cfg["device"], self.python, self.weights_dir)
        secs = time.time() - t
        if findings is None:
            self.report["preflight"] = {"skipped": why}
            d.done("preflight", "warn", secs, "skipped ({})".format(why))
            return True
        errors = [f for f in findings if f.get("status") == "error"]
        # a crashed check is a bug in ascendfix, not a verdict on the environment: warn, don't stop
        warns = [f for f in findings if f.get("status") in ("warn", "crashed")]
        npu = [f.get("detail") for f in findings if str(f.get("id", "")).startswith("npu.smi") and f.get("status") == "ok"]
        if npu:
            self.report["environment"]["npu"] = npu[0]
        self.report["preflight"] = {
            "errors": len(errors), "warnings": len(warns), "checked": len(findings),
            "findings": [f for f in findings if f.get("status") not in ("ok", "skip")],
        }
        for f in errors + warns:
            d.note("  {} {}: {}".format(styled_mark("error" if f in errors else "warn", d.con), f.get("title"), f.get("detail")), soft_wrap=True)
        if errors and not self.args.force:
            d.done("preflight", "failed", secs, "{} error(s)".format(len(errors)))
            return self._fail("preflight", "{} preflight check(s) failed: {}".format(
                len(errors), "; ".join("{} ({})".format(f.get("title"), f.get("detail")) for f in errors)),
                hint="fix them (see `ascendfix check`) or pass --force to run anyway")
        d.done("preflight", "done", secs, "{} errors, {} warnings".format(len(errors), len(warns)))
        return True

    def _weights(self):
        cfg, d = self.cfg, self.display
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
            d.start("weights")
            try:
                info = inspect_weights(folder, self.recipe.get("variant"))
            except WeightsError as e:
                d.done("weights", "failed")
                return self._fail("weights", str(e))
            info.update(source="modelscope", model_id=cfg["model_id"], revision=cfg["revision"])
        cfg["weights"] = info["path"]
        cfg["variant"] = info["variant"]
        self.report["weights"] = info
        d.done("weights", "done", None, "{} (variant: {})".format(info["path"], info["variant"] or "none"))
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
        dl = dict(cfg, download_only=True, cache_dir=self.args.cache_dir and
                  os.path.abspath(os.path.expanduser(self.args.cache_dir)), stack="download")
        timeout = self.args.timeout or DOWNLOAD_TIMEOUT
        res = engine.run_runner(python, dl, timeout, on_event=self._on_event)
        got = res.last("download")
        if got and res.returncode == 0:
            return got["weights"]
        return self._fail_run(res, "download", hint="the hub ({}) could not be reached or refused the download; "
                              "download the model elsewhere and pass --weights DIR".format(cfg["model_id"]))

    def _generate(self):
        cfg = dict(self.cfg)
        cfg["out_png"] = str(self.png)
        timeout = self.args.timeout or cfg["timeout"]
        res = engine.run_runner(self.python, cfg, timeout, on_event=self._on_event)
        env = res.last("env")
        if env:
            self.report["environment"]["framework"] = env.get("versions")
        result = res.last("result")
        if res.timed_out:
            return self._fail_run(res, res.last_stage or "generate",
                                  message="timed out after {:.0f} s (in stage '{}'); the runner was killed".format(
                                      timeout, res.last_stage or "start"))
        if result is None or res.returncode != 0:
            return self._fail_run(res, res.last_stage or "start")
        self.report["timings"].update(result.get("timings") or {})
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

    # -------------------------------------------------------------- events and failures
    def _on_event(self, ev):
        d = self.display
        kind = ev.get("event")
        if kind == "stage":
            if ev.get("status") == "start":
                d.start(ev["stage"])
            else:
                info = ""
                if ev["stage"] == "generate" and ev.get("status") == "done":
                    info = "{} steps".format(self.cfg["steps"])
                d.done(ev["stage"], ev["status"], ev.get("seconds"), info)
        elif kind == "step":
            d.step(ev.get("i", 0), ev.get("n", self.cfg["steps"]))
        elif kind == "note":
            self.report.setdefault("notes", []).append(ev.get("text"))
            d.note("  " + str(ev.get("text")))

    def _fail_run(self, res, stage, message=None, hint=None):
        err = res.last("error") or {}
        if err.get("timings"):
            self.report["timings"].update(err["timings"])
        if err.get("memory"):
            self.report["memory"] = err["memory"]
        if message is None:
            if err:
                message = "{}: {}".format(err.get("type"), (err.get("message") or "").strip().splitlines()[0]
                                          if (err.get("message") or "").strip() else "")
            else:
                tail = [l for l in res.stderr_tail.strip().splitlines() if l.strip()]
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

    # -------------------------------------------------------------- output
    def _print_summary(self):
        rep = self.report
        if self.args.json:
            emit_json(dict(rep, out=str(self.out)))
            return
        con = make_console()
        cfg = self.cfg
        what = "{} ({}, {}, {}{})".format(self.recipe["id"], cfg["device"], cfg["dtype"], cfg["mode"],
                                          ", tiny" if cfg["tiny"] else "")
        if rep["status"] == "pass":
            con.print("{} smoke passed: {}".format(styled_mark("ok", con), what))
        else:
            f = rep["failure"] or {}
            con.print("{} smoke failed at {}: {}".format(styled_mark("error", con), f.get("stage"), what))
            con.print("  {}".format(f.get("message")), markup=False, soft_wrap=True)
        t = rep["timings"]
        if any(k in t for k in ("import", "load", "total")):
            from rich.table import Table

            table = Table(show_header=True, box=None, pad_edge=False)
            table.add_column("stage")
            table.add_column("seconds", justify="right")
            for key in ("import", "build_tiny", "load", "text_encoding", "denoising", "vae_decode", "total"):
                if key in t:
                    label = key.replace("_", " ")
                    if key == "denoising" and "it_per_s" in t:
                        label += " ({} steps, {:.2f} it/s)".format(cfg["steps"], t["it_per_s"])
                    table.add_row(label, "{:.2f}".format(t[key]))
            con.print(table)
        mem = rep.get("memory") or {}
        if mem.get("peak_host_rss_mb") is not None:
            line = "peak host RSS {:.0f} MB".format(mem["peak_host_rss_mb"])
            dev = mem.get("device") or {}
            if dev.get("peak_allocated_mb") is not None:
                line += ", device peak {:.0f} MB".format(dev["peak_allocated_mb"])
            con.print(line)
        if rep.get("image"):
            for c in rep["image"]["checks"]:
                con.print("  {} {:<10} {}".format(styled_mark(c["status"], con), c["name"], c["detail"]), markup=True)
        f = rep.get("failure") or {}
        if f.get("hint"):
            con.print("  hint: {}".format(f["hint"]), markup=False, soft_wrap=True)
        diag = rep.get("diagnosis") or {}
        for m in diag.get("matches") or []:
            con.print("  diagnosis [{}] {}".format(m.get("id"), m.get("title")), markup=False)
            fix = m.get("fix")
            if fix:
                fix = fix if isinstance(fix, str) else "; ".join(map(str, fix))
                for line in fix.strip().splitlines():
                    con.print("    fix: " + line, markup=False, soft_wrap=True)
        if f and not diag.get("matches") and f.get("traceback"):
            con.print("  no known signature for this error (the traceback is in report.json)", markup=False)
        written = [self.png.name] if self.png.exists() else []
        con.print("wrote {} in {}".format(", ".join(written + ["report.json"]), self.out), markup=False)
